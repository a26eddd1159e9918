"""The ASGI application: routes, the guard middleware, and the handlers of every page.

Handlers parse, call the store's functions in a worker thread (one transaction each) and render.
Triage goes through ``monitor.store.alerts.change_alerts``, the function behind
``monitor alerts ack/mute/unmute``, so the rules and bookkeeping are the CLI's.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.alerts.table import MANUAL_ACTIONS
from monitor.alerts.values import ALERT_SORTS, AlertStatus
from monitor.app import Monitor
from monitor.clock import utc_now
from monitor.errors import StorageError
from monitor.sources.health import source_state
from monitor.store import alert_pages
from monitor.store import alerts as alert_repo
from monitor.store import runs as run_repo
from monitor.store import sources as source_repo
from monitor.web.query import (
    NOTICE_KEYS,
    PER_PAGE_CHOICES,
    STANCES,
    STATUSES,
    BadRequest,
    filter_params,
    filter_query,
    form_value,
    parse_filter,
)
from monitor.web.render import make_environment, render
from monitor.web.security import SECURITY_HEADERS, Guard

T = TypeVar("T")
MAX_FORM_BYTES: Final = 64 * 1024
MAX_REASON: Final = 500
EXPORT_COLUMNS: Final = (
    "id", "status", "demand", "demands", "speaker", "stance", "statement", "first_source", "first_source_url",
    "first_source_published_at", "sources", "first_seen", "notified_at", "acknowledged_at", "muted_at",
    "mute_reason",
)
DONE_WORDS: Final = {"acknowledge": "acknowledged", "mute": "muted", "unmute": "un-muted"}


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(map(str, value))
    text = str(value)
    # a spreadsheet would run a cell starting like a formula
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _json_value(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _safe_next(value: str | None, default: str = "/") -> str:
    """A same-site path to go back to after a POST (never another host or scheme)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 2000:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def _with_notice(path: str, notice: dict[str, str]) -> str:
    parts = urlsplit(path)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=False) if k not in NOTICE_KEYS]
    query = urlencode(kept + list(notice.items()))
    return f"{parts.path}?{query}"


def _notice(request: Request) -> str | None:
    done, changed, unchanged = (request.query_params.get(k, "") for k in NOTICE_KEYS)
    if done not in DONE_WORDS or not changed.isdigit() or not (unchanged or "0").isdigit():
        return None
    n, skipped = int(changed), int(unchanged or "0")
    text = f"{n} alert{'' if n == 1 else 's'} {DONE_WORDS[done]}"
    return text + (f"; {skipped} unchanged (not in a state that allows it)" if skipped else "") + "."


class GuardMiddleware:
    """Host check, token check and security headers on every response."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app, self.guard = app, guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers[key] = value
            await send(message)

        request = Request(scope)
        refusal: Response | None = None
        if not self.guard.host_allowed(request.headers.get("host")):
            refusal = PlainTextResponse("Unknown host name: use http://127.0.0.1 or http://localhost.", 400)
        elif not (request.url.path.startswith("/static/") or request.url.path == "/login"
                  or self.guard.authenticated(request.cookies.get(self.guard.auth_cookie),
                                              request.headers.get("authorization"))):
            if request.method in ("GET", "HEAD"):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                refusal = RedirectResponse("/login?" + urlencode({"next": target}), 303)
            else:
                refusal = PlainTextResponse("Log in first: this server needs its token.", 401)
        if refusal is not None:
            await refusal(scope, receive, send_secured)
            return
        await self.app(scope, receive, send_secured)


@dataclass
class Pages:
    """The handlers, bound to one opened monitor and one guard."""

    monitor: Monitor
    guard: Guard

    def __post_init__(self) -> None:
        self.env = make_environment()
        self.demands = tuple(str(d.get("name")) for d in self.monitor.settings.demands if d.get("name"))

    # --- helpers ---

    async def _read(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """``fn(session, *args)`` in a worker thread, in a read-only transaction."""
        def work() -> T:
            with self.monitor.reading(what) as s:
                return fn(s, *args)
        return await run_in_threadpool(work)

    async def _write(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """``fn(session, *args)`` in a worker thread, in a transaction committed at the end."""
        def work() -> T:
            with self.monitor.session(what) as s:
                return fn(s, *args)
        return await run_in_threadpool(work)

    def _page(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        nonce = request.cookies.get(self.guard.csrf_cookie)
        fresh = not nonce
        nonce = nonce or self.guard.new_nonce()
        body = render(self.env, name, {
            **context, "csrf": self.guard.csrf_token(nonce), "with_token": bool(self.guard.token),
            "path": request.url.path, "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        })
        response = HTMLResponse(body, status)
        if fresh:
            response.set_cookie(self.guard.csrf_cookie, nonce, httponly=True, samesite="strict", path="/")
        return response

    async def _form(self, request: Request) -> list[tuple[str, str]]:
        """The POSTed form, after the origin and CSRF checks (403 otherwise)."""
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        why = self.guard.same_origin(request.headers.get("origin"), request.headers.get("referer"),
                                     request.headers.get("sec-fetch-site"), own)
        if why:
            raise HTTPException(403, f"Refused: {why}. Changes are accepted only from this site's own pages.")
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            raise HTTPException(415, "Send the form as application/x-www-form-urlencoded.")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                raise HTTPException(413, "Form too large.")
        try:
            form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=1000)
        except (UnicodeDecodeError, ValueError) as exc:
            raise HTTPException(400, f"Unreadable form: {exc}") from None
        if not self.guard.csrf_ok(request.cookies.get(self.guard.csrf_cookie), dict(form).get("csrf")):
            raise HTTPException(403, "Refused: the form's CSRF token is missing or stale. Reload the page and try again.")
        return form

    # --- pages ---

    async def alerts(self, request: Request) -> Response:
        f = parse_filter(request.query_params.multi_items())
        page = await self._read("listing alerts", alert_pages.page_alerts, f)
        last = max(1, -(-page.total // f.per_page))
        return self._page(request, "alerts.html", {
            "page": page, "f": f, "last_page": last, "query": lambda **c: filter_query(f, **c),
            "value": lambda k: form_value(f, k), "statuses": STATUSES, "stances": STANCES, "demands": self.demands,
            "sorts": ALERT_SORTS, "per_page_choices": PER_PAGE_CHOICES, "notice": _notice(request),
            "export_query": "?" + urlencode(filter_params(f, with_page=False)),
        })

    async def export(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        f = parse_filter(request.query_params.multi_items())  # every page of it: page and per_page are ignored
        rows = await self._read("exporting alerts", lambda s: [i.as_row() for i in
                                                             alert_pages.iter_filtered_alerts(s, f)])
        if fmt == "json":
            body = json.dumps([{k: _json_value(v) for k, v in r.items()} for r in rows], ensure_ascii=False, indent=1)
            return Response(body, media_type="application/json",
                            headers={"content-disposition": 'attachment; filename="alerts.json"'})
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows([_csv_cell(r[c]) for c in EXPORT_COLUMNS] for r in rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="alerts.csv"'})

    async def alert(self, request: Request) -> Response:
        alert_id = request.path_params["alert_id"]
        detail = await self._read("reading an alert", alert_pages.alert_detail, alert_id)
        if detail is None:
            raise HTTPException(404, f"No alert {alert_id}.")
        return self._page(request, "alert.html", {"d": detail, "a": detail.item, "notice": _notice(request),
                                                  "muted": detail.item.status == AlertStatus.MUTED})

    async def triage(self, request: Request) -> Response:
        form = await self._form(request)
        fields = dict(form)
        action = fields.get("action", "")
        if action not in MANUAL_ACTIONS:
            raise BadRequest(f"action: {action[:40]!r} is not one of {', '.join(MANUAL_ACTIONS)}")
        raw_ids = [v for k, v in form if k == "id"]
        if not raw_ids:
            raise BadRequest("Select at least one alert.")
        if not all(v.isdigit() and len(v) < 19 for v in raw_ids):
            raise BadRequest("id: alert ids are whole numbers")
        reason = " ".join(fields.get("reason", "").split())[:MAX_REASON] or None
        ids = [int(v) for v in raw_ids]
        changes = await self._write(f"{action} alerts", lambda s: alert_repo.change_alerts(
            s, ids, action, utc_now(), reason if action == "mute" else None, actor="web"))
        changed = sum(1 for c in changes if c.values)
        target = _safe_next(fields.get("next"))
        notice = {"done": action, "changed": str(changed), "unchanged": str(len(changes) - changed)}
        return RedirectResponse(_with_notice(target, notice), 303)

    async def sources(self, request: Request) -> Response:
        now = utc_now()
        silent_h = self.monitor.settings.fetch.silent_after_h

        def read(s: Any) -> tuple[list[dict[str, Any]], list[Any]]:
            rows = [{"src": src, "state": source_state(src, now, silent_h)} for src in source_repo.list_sources(s)]
            return rows, run_repo.list_runs(s, 20)

        rows, runs = await self._read("listing sources", read)
        return self._page(request, "sources.html", {"sources": rows, "runs": runs})

    async def login(self, request: Request) -> Response:
        if not self.guard.token:
            return RedirectResponse("/", 303)
        if request.method == "GET":
            return self._page(request, "login.html", {"next": _safe_next(request.query_params.get("next")),
                                                      "error": None})
        form = dict(await self._form(request))
        target = _safe_next(form.get("next"))
        if not self.guard.token_matches(form.get("token", "")):
            return self._page(request, "login.html", {"next": target, "error": "Wrong token."}, 403)
        response = RedirectResponse(target, 303)
        response.set_cookie(self.guard.auth_cookie, self.guard.session_value(), httponly=True, samesite="strict",
                            path="/")
        return response

    async def logout(self, request: Request) -> Response:
        await self._form(request)
        response = RedirectResponse("/login", 303)
        response.delete_cookie(self.guard.auth_cookie, path="/")
        return response

    # --- errors ---

    async def bad_request(self, request: Request, exc: Exception) -> Response:
        return self._error(request, 400, "Bad request", str(exc))

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return self._error(request, exc.status_code, "Not found" if exc.status_code == 404 else "Refused"
                           if exc.status_code in (401, 403) else "Error", exc.detail)

    async def storage_error(self, request: Request, exc: Exception) -> Response:
        return self._error(request, 503, "Database unavailable", str(exc))

    def _error(self, request: Request, status: int, title: str, message: str) -> Response:
        if request.url.path.endswith((".csv", ".json")):
            return PlainTextResponse(f"{title}: {message}\n", status)
        return self._page(request, "error.html", {"title": title, "message": message, "status": status}, status)


def create_app(monitor: Monitor, guard: Guard) -> Starlette:
    """The web application over an opened monitor."""
    pages = Pages(monitor, guard)
    routes = [
        Route("/", pages.alerts, methods=["GET", "HEAD"]),
        Route("/alerts", pages.alerts, methods=["GET", "HEAD"]),
        Route("/alerts.{fmt:str}", _only_formats(pages.export), methods=["GET", "HEAD"]),
        Route("/alerts/triage", pages.triage, methods=["POST"]),
        Route("/alerts/{alert_id:int}", pages.alert, methods=["GET", "HEAD"]),
        Route("/sources", pages.sources, methods=["GET", "HEAD"]),
        Route("/login", pages.login, methods=["GET", "HEAD", "POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("monitor.web", "static")]), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(GuardMiddleware, guard=guard)], exception_handlers={
        BadRequest: pages.bad_request, HTTPException: pages.http_error, StorageError: pages.storage_error,
    })


def _only_formats(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
    async def wrapped(request: Request) -> Response:
        if request.path_params["fmt"] not in ("csv", "json"):
            raise HTTPException(404, "Exports are alerts.csv and alerts.json.")
        return await handler(request)  # type: ignore[no-any-return]
    return wrapped
