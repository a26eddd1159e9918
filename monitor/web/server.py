"""Serve the pages with uvicorn on an address bound here (so port 0 works and the URL printed
is the real one)."""

from __future__ import annotations

import socket
from collections.abc import Callable

from monitor.app import open_monitor
from monitor.config import Settings
from monitor.web.app import create_app
from monitor.web.security import Guard, check_bind


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (IPv4 or IPv6 by the address's form)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    # proto IPPROTO_TCP (not 0): asyncio then sets TCP_NODELAY on every accepted connection; without
    # it a keep-alive client waits out its delayed ACK (~40 ms) on every response
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, *, host: str, port: int, token: str | None, echo: Callable[[str], None]) -> None:
    """Run the web server until interrupted. ValueError before anything opens when ``host`` is
    not loopback and there is no token."""
    check_bind(host, token)
    import uvicorn

    with open_monitor(settings) as monitor:
        sock = bind(host, port)
        bound = sock.getsockname()[1]
        shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
        app = create_app(monitor, Guard(port=bound, token=token))
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                proxy_headers=False, server_header=False)
        echo(f"monitor web: http://{shown}:{bound}/ (Ctrl-C to stop)")
        try:
            uvicorn.Server(config).run(sockets=[sock])
        finally:
            sock.close()
