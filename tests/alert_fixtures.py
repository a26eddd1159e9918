"""Helpers of the alert tests: an in-process SMTP server (aiosmtpd), a scripted HTTP server for
webhooks, a socket that never greets, and a factory of alert rows (inserted via the ORM)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP as SMTPProtocol

from monitor.app import Monitor
from monitor.config import Settings, load_settings
from monitor.store.models import Alert, Article, Statement, StatementGroup
from tests.conftest import write_config


@dataclass
class SmtpScript:
    """How the fake server answers: codes per recipient, at DATA, and what it received."""

    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> "550 ..." / "450 ..."
    data_reply: str | None = None  # e.g. "554 rejected", "451 try later"
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)


class _Handler:
    def __init__(self, script: SmtpScript) -> None:
        self.script = script

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        reply = self.script.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.script.data_reply:
            return self.script.data_reply
        content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        self.script.raw.append(content)
        msg = email.message_from_bytes(content, policy=email.policy.default)
        self.script.messages.append(msg)  # type: ignore[arg-type]
        self.script.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


@contextmanager
def smtp_server(script: SmtpScript | None = None, port: int = 0) -> Iterator[tuple[int, SmtpScript]]:
    """An aiosmtpd server on 127.0.0.1 (its Controller cannot bind port 0, so the loop runs here)."""
    script = script or SmtpScript()
    loop = asyncio.new_event_loop()
    handler = _Handler(script)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTPProtocol(handler, hostname="test.local", loop=loop), host="127.0.0.1", port=port))
    bound = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield bound, script
    finally:
        async def _stop() -> None:
            server.close()
            await server.wait_closed()
        asyncio.run_coroutine_threadsafe(_stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def closed_port() -> int:
    """A port nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never sends a banner."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        sock.close()


# --- HTTP server for webhooks ---------------------------------------------------------------


@dataclass
class HttpScript:
    """Statuses to answer in order (the last one repeats), and the requests received."""

    statuses: list[int] = field(default_factory=lambda: [200])
    location: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def http_server(script: HttpScript) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            script.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
            n = len(script.requests) - 1
            status = script.statuses[min(n, len(script.statuses) - 1)]
            self.send_response(status)
            if 300 <= status < 400 and script.location:
                self.send_header("Location", script.location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_GET(self) -> None:  # noqa: N802 - the "admin" service: must never be reached
            script.requests.append({"path": self.path, "method": "GET"})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"SECRET")

        def log_message(self, *args: Any) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(5)


# --- settings and data ----------------------------------------------------------------------


def alert_settings(tmp_path: Path, db_url: str, extra: str = "") -> Settings:
    return load_settings(write_config(tmp_path, db_url, extra, seeds=False), env={})


def smtp_toml(port: int, to: tuple[str, ...] = ("ops@example.org",), timeout_s: float = 5.0) -> str:
    rcpts = ", ".join(f'"{r}"' for r in to)
    return (f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom_addr = "monitor@example.org"\n'
            f"to = [{rcpts}]\ntimeout_s = {timeout_s}\n")


_counter = iter(range(1, 10**9))


def add_alert(m: Monitor, now: datetime, *, demand: str = "nato_expansion", text: str | None = None,
              speaker: str = "Sergei Lavrov", stance: str = "against", title: str | None = None,
              outlet: str = "TASS", url: str | None = None, repeats: int = 0,
              published_at: datetime | None = None) -> int:
    """An alert over a new statement group with one first source and ``repeats`` other sources."""
    n = next(_counter)
    text = text or f"NATO must give legal guarantees of no further expansion, statement {n}."
    with m.session() as s:
        group = StatementGroup(canonical_text=text, speaker=speaker, speaker_key=speaker.lower(), demand=demand,
                               demands=[demand], stance=stance, first_seen_at=now, source_count=1 + repeats)
        s.add(group)
        s.flush()
        first_id = None
        for k in range(1 + repeats):
            art = Article(canonical_url=(url if k == 0 and url else f"https://news{k}.example/{n}/{k}"),
                          content_hash=f"{n:032d}{k:032d}", title=(title if k == 0 and title else f"Article {n}.{k}"),
                          outlet=outlet if k == 0 else f"Outlet {k}", published_at=published_at or now,
                          text=text, first_seen_at=now + timedelta(minutes=k), updated_at=now)
            s.add(art)
            s.flush()
            st = Statement(article_id=art.id, sentence_index=0, char_start=0, char_end=len(text), text=text,
                           demands=[demand], speaker=speaker, stance=stance, group_id=group.id,
                           is_new=k == 0, created_at=now)
            s.add(st)
            s.flush()
            first_id = first_id or st.id
        group.first_statement_id = first_id
        alert = Alert(group_id=group.id, demand=demand, demands=[demand], status="new", created_at=now)
        s.add(alert)
        s.flush()
        return alert.id


def alert_status(m: Monitor, alert_id: int) -> str:
    with m.session() as s:
        row = s.get(Alert, alert_id)
        assert row is not None
        return row.status
