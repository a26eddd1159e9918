"""Helpers of the web tests: the real server (uvicorn on a loopback socket, in a thread or as
the `monitor web` process) and a small set of alerts with known fields."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn

from monitor.app import Monitor, open_monitor
from monitor.config import Settings
from monitor.web.app import create_app
from monitor.web.security import Guard
from monitor.web.server import bind
from tests.alert_fixtures import add_alert

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
ROW_ID = re.compile(r'<tr data-id="(\d+)"')
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@contextmanager
def web_server(settings: Settings, token: str | None = None) -> Iterator[str]:
    """The web app served by uvicorn on 127.0.0.1:<free port> in a thread; yields its base URL."""
    with open_monitor(settings) as m:
        sock = bind("127.0.0.1", 0)
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(m, Guard(port=port, token=token)), log_level="warning",
                                               lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            for _ in range(500):
                if server.started:
                    break
                threading.Event().wait(0.01)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(10)
            sock.close()


@contextmanager
def web_process(config: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`monitor --config CONFIG web --port 0 ARGS` as a child process; yields the URL it prints."""
    cmd = [sys.executable, "-m", "flows.cli", "--config", str(config), "web", "--port", "0", *args]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://\S+/", line)
        assert found, f"`monitor web` did not start: {line}{proc.stdout.read() if proc.poll() is not None else ''}"
        yield found.group(0).rstrip("/")
    finally:
        proc.terminate()
        proc.wait(10)


def row_ids(html: str) -> list[int]:
    return [int(i) for i in ROW_ID.findall(html)]


def page_csrf(client: httpx.Client, url: str) -> str:
    """The CSRF token of the page at ``url`` (the client keeps its cookie)."""
    found = CSRF.search(client.get(url).text)
    assert found, "no CSRF token on the page"
    return found.group(1)


@dataclass(frozen=True)
class Sample:
    lavrov: int
    peskov: int
    blinken: int
    posture: int
    old: int


def add_sample(m: Monitor) -> Sample:
    """Five alerts that every filter can tell apart."""
    return Sample(
        lavrov=add_alert(m, NOW, speaker="Sergei Lavrov", stance="pro", repeats=2, outlet="TASS",
                         title="Lavrov on NATO", url="https://tass.example/lavrov",
                         text="NATO must give legally binding guarantees of no eastward expansion."),
        peskov=add_alert(m, NOW + timedelta(hours=1), demand="deployments", speaker="Dmitry Peskov", stance="pro",
                         text="Strike weapons must not be deployed near the Russian border."),
        blinken=add_alert(m, NOW + timedelta(hours=2), speaker="Antony Blinken", stance="contra",
                          text="The open door policy of NATO is not up for negotiation."),
        posture=add_alert(m, NOW + timedelta(hours=3), demand="posture_1997", speaker="Sergei Ryabkov",
                          stance="neutral", text="Moscow wants NATO forces back to the 1997 lines."),
        old=add_alert(m, NOW - timedelta(days=3), speaker="Maria Zakharova", stance="pro",
                      text="An older statement about NATO expansion."),
    )
