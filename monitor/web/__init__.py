"""The web pages of the alert table (``monitor web``): read, filter, export and triage alerts.

Starlette (ASGI) served by uvicorn, server-rendered with autoescaped, sandboxed Jinja2 templates;
CSS and script ship in ``static/``. Imported only by the ``web`` command, never by the library.
"""
