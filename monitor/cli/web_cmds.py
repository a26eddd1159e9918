"""The ``web`` command: the alert table in a browser (imports its web stack only when run)."""

from __future__ import annotations

import os

import click

from monitor.cli import main


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Any non-loopback address requires MONITOR_WEB_TOKEN.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port; the URL is printed).")
@click.pass_context
def web(ctx: click.Context, host: str, port: int) -> None:
    """Serve the alert table in a browser: filter, sort, export, read one alert with every source
    that carried it, acknowledge or mute (several at once), and see the sources' health.

    Binds 127.0.0.1 by default. Serving another address needs a token in the environment
    variable MONITOR_WEB_TOKEN (never in the configuration file); the pages then ask for it."""
    from monitor.cli.core_cmds import settings_of
    from monitor.web.security import TOKEN_ENV, check_bind

    token = os.environ.get(TOKEN_ENV) or None
    try:
        check_bind(host, token)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    settings = settings_of(ctx)
    from monitor.web.server import serve

    serve(settings, host=host, port=port, token=token, echo=click.echo)
