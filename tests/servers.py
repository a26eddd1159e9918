"""Loopback HTTP servers for the fetch tests: a scripted route table on 127.0.0.1:0 in a thread.

Routes are ``path -> handler(request)``; a handler writes its response with the helpers below.
Handlers that must "hang" wait on ``server.stopping`` so the fixture can always shut down.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

Handler = Callable[["Request"], None]


class Request(BaseHTTPRequestHandler):
    server: LoopbackServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        self.server.hits[path] += 1
        self.server.requests.append((path, dict(self.headers.items())))
        route = self.server.routes.get(self.path) or self.server.routes.get(path)
        if route is None:  # prefix routes: "/a/*"
            route = next((h for k, h in self.server.routes.items() if k.endswith("*") and path.startswith(k[:-1])), None)
        if route is None:
            self.reply(404, b"not found", "text/plain")
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- response helpers ------------------------------------------------------------------
    def reply(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
              headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.reply(status, b"", "", {"Location": location})

    def hang(self) -> None:
        self.server.stopping.wait(60)

    @property
    def base(self) -> str:
        return self.server.base


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Request)
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    # -- route shortcuts -------------------------------------------------------------------
    def static(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
               headers: Mapping[str, str] | None = None, status: int = 200) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = lambda r: r.reply(status, data, content_type, headers)
        return self.url(path)

    def sequence(self, path: str, *handlers: Handler) -> str:
        """Serve the handlers in turn; the last one repeats."""
        calls = iter(handlers)
        last: list[Handler] = []

        def route(r: Request) -> None:
            h = next(calls, None)
            if h is None:
                h = last[0]
            else:
                last[:] = [h]
            h(r)

        self.routes[path] = route
        return self.url(path)

    def etag_route(self, path: str, body: bytes | str, content_type: str, etag: str = '"v1"') -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body

        def route(r: Request) -> None:
            if r.headers.get("If-None-Match") == etag:
                r.reply(304, b"", "", {"ETag": etag})
            else:
                r.reply(200, data, content_type, {"ETag": etag})

        self.routes[path] = route
        return self.url(path)

    def close(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


def trickle(r: Request) -> None:
    """Headers, then one byte every 0.2 s forever (per-read timeouts never fire)."""
    r.send_response(200)
    r.send_header("Content-Type", "text/html")
    r.send_header("Content-Length", "100000")
    r.end_headers()
    while not r.server.stopping.is_set():
        r.wfile.write(b"x")
        r.wfile.flush()
        time.sleep(0.2)


def endless(r: Request, chunk: bytes = b"0" * 65536) -> None:
    """A chunked body of zeros that never ends (no Content-Length)."""
    r.send_response(200)
    r.send_header("Content-Type", "text/html")
    r.send_header("Transfer-Encoding", "chunked")
    r.end_headers()
    while not r.server.stopping.is_set():
        r.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))


def gzip_bomb(size: int = 1024 * 1024 * 1024) -> bytes:
    """``size`` zero bytes gzipped (1 GiB -> about 1 MiB), built incrementally."""
    import zlib

    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    parts = [comp.compress(block) for _ in range(size // len(block))]
    parts.append(comp.flush())
    return b"".join(parts)


def gz(data: bytes | str) -> bytes:
    return gzip.compress(data.encode() if isinstance(data, str) else data)


def start_server() -> LoopbackServer:
    server = LoopbackServer()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def admin_server() -> Iterator[LoopbackServer]:
    """A second loopback service the guard must never reach (not allow-listed)."""
    server = start_server()
    server.static("/admin", "SECRET", "text/plain")
    server.static("/", "SECRET", "text/plain")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A loopback port whose connects never complete: a listening socket that never accepts,
    its backlog filled by other clients, so the kernel drops further SYNs (a SYN blackhole)."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers: list[socket.socket] = []
    try:
        for _ in range(64):
            probe = socket.socket()
            probe.settimeout(0.3)
            try:
                probe.connect(("127.0.0.1", port))
            except TimeoutError:
                probe.close()
                break
            fillers.append(probe)
        else:
            pytest.fail("the listening socket's backlog never filled: cannot make a connect hang here")
        yield port
    finally:
        for s in fillers:
            s.close()
        listener.close()
