"""Schedules from the configuration: the deployments ``monitor serve`` serves (one process).

- ``pipeline/pipeline``: every enabled source without its own schedule, on ``schedule.pipeline_cron``
  or every ``schedule.interval_min`` minutes (``schedule.timezone``); no digest.
- ``pipeline/source-<name>``: a source with its own ``schedule`` (cron) or ``interval_min``.
- ``pipeline/digest``: the whole pipeline, then the digest, on ``alerts.digest_schedule`` in
  ``alerts.timezone``.

The serve process runs one flow run at a time (``limit=1``); runs that meet anyway (a worker, a
manual ``monitor run``) wait for each other on the pipeline lease in the database. No Prefect
deployment concurrency limit: its slots can stay taken after a crash or a server restart.
Manual trigger while serving: ``prefect deployment run 'pipeline/pipeline' --param 'sources=["seeds"]'``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from monitor.config import Settings, SourceConfig


def _schedule(cron: str, interval_min: float, timezone: str) -> Any:
    from prefect.schedules import Cron, Interval

    if cron:
        return Cron(cron, timezone=timezone)
    return Interval(timedelta(minutes=interval_min), timezone=timezone)


def _has_own_schedule(src: SourceConfig) -> bool:
    return bool(src.schedule or src.interval_min)


def deployment_name(source: str) -> str:
    """``source-<name>`` with characters Prefect accepts in deployment names."""
    return "source-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", source).strip("-")


def deployment_specs(settings: Settings) -> list[dict[str, Any]]:
    """What to deploy: name, schedule (cron / interval / time zone) and parameters. Pure."""
    sched = settings.schedule
    enabled = [s for s in settings.sources if s.enabled]
    own = [s for s in enabled if _has_own_schedule(s)]
    rest = [s.name for s in enabled if not _has_own_schedule(s)]
    specs: list[dict[str, Any]] = []
    if rest:
        specs.append(dict(name="pipeline", cron=sched.pipeline_cron, interval_min=sched.interval_min,
                          timezone=sched.timezone,
                          parameters={"sources": rest if own else None, "send_digest": False}))
    for src in own:
        specs.append(dict(name=deployment_name(src.name), cron=src.schedule,
                          interval_min=src.interval_min or sched.interval_min, timezone=sched.timezone,
                          parameters={"sources": [src.name], "send_digest": False}))
    specs.append(dict(name="digest", cron=settings.alerts.digest_schedule, interval_min=0.0,
                      timezone=settings.alerts.timezone, parameters={"send_digest": True}))
    return specs


def build_deployments(settings: Settings) -> list[Any]:
    """The served deployments of the ``pipeline`` flow."""
    from flows.pipeline import pipeline

    return [
        pipeline.to_deployment(
            name=spec["name"], schedules=[_schedule(spec["cron"], spec["interval_min"], spec["timezone"])],
            parameters=spec["parameters"], tags=["monitor"],
            description=f"monitor pipeline ({spec['name']}), scheduled from {settings.config_path}",
        )
        for spec in deployment_specs(settings)
    ]


def serve_pipeline(settings: Settings) -> None:
    """Serve every deployment until interrupted; stopping pauses their schedules, restarting resumes."""
    from prefect import serve

    serve(*build_deployments(settings), limit=1)


SERVER_FILE = "monitor-serve-api-url"  # in $PREFECT_HOME while `monitor serve`'s server runs


def is_healthy(url: str, timeout_s: float = 2.0) -> bool:
    """Whether a Prefect API answers at ``url`` (``…/api``)."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout_s) as resp:  # noqa: S310 - http(s) only
            return bool(resp.status == 200)
    except (OSError, ValueError):
        return False


def find_server(env: Mapping[str, str]) -> tuple[str | None, str]:
    """The Prefect server a one-off run should record on: ``PREFECT_API_URL`` if set, else the
    server a `monitor serve` on the same ``$PREFECT_HOME`` started, if it still answers; else
    ``(None, ...)``: the caller runs on a temporary server. ``PREFECT_API_URL`` set but not
    answering is an error (ServerUnreachable), not a reason to record the run elsewhere."""
    configured = env.get("PREFECT_API_URL")
    if configured:
        if not is_healthy(configured):
            raise ServerUnreachable(configured)
        return configured, "PREFECT_API_URL"
    marker = Path(env.get("PREFECT_HOME", "")) / SERVER_FILE
    try:
        url = marker.read_text(encoding="utf-8").strip()
    except OSError:
        url = ""
    if url and is_healthy(url):
        return url, "started by `monitor serve`"
    return None, "no server running"


class ServerUnreachable(RuntimeError):
    def __init__(self, url: str) -> None:
        super().__init__(f"no Prefect server answers at {url} (PREFECT_API_URL); start it, or unset "
                         "PREFECT_API_URL to run on a temporary server")
        self.url = url


@contextmanager
def local_server(port: int, startup_timeout_s: float = 120.0) -> Iterator[str]:
    """A Prefect server (plain ``prefect server start``) on 127.0.0.1:``port`` for as long as the
    block runs, on ``$PREFECT_HOME``; sets ``PREFECT_API_URL`` for this process and writes the URL
    to ``$PREFECT_HOME/SERVER_FILE`` so that `monitor run` records its runs there too. Schedules
    need a real server: the temporary server of ephemeral mode runs no scheduler."""
    url = f"http://127.0.0.1:{port}/api"
    marker = Path(os.environ["PREFECT_HOME"]) / SERVER_FILE
    # own session: Ctrl-C stops `serve` first (it pauses its schedules through the server), then us
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)],
                            start_new_session=True,
                            env={**os.environ, "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true")})
    try:
        _wait_healthy(url, proc, startup_timeout_s)
        os.environ["PREFECT_API_URL"] = url
        marker.write_text(url + "\n", encoding="utf-8")
        yield url
    finally:
        marker.unlink(missing_ok=True)
        stop_process_group(proc)


@contextmanager
def temporary_server(startup_timeout_s: float = 90.0) -> Iterator[str]:
    """A Prefect server for one run: plain ``prefect server start`` on a free loopback port, on
    ``$PREFECT_HOME``, for as long as the block runs; yields its API URL. It runs in a process
    group of its own, stopped as a whole when the block ends, also on an error, Ctrl-C or SIGTERM.

    Prefect's own temporary server (ephemeral mode) would import the server package into the
    run's process (FastAPI and ~150 ``prefect.server`` modules, ≈ 90 MB); this way the run
    process only holds the client. Like ephemeral mode it runs no scheduler (a run needs none)."""
    last_error = ""
    for _attempt in range(3):  # a free port can be taken between choosing it and binding it
        port = free_port()
        url = f"http://127.0.0.1:{port}/api"
        with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would block the server
            proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                     "--port", str(port), "--no-ui", "--no-scheduler", "--no-late-runs"],
                                    start_new_session=True, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            try:
                with _terminate_on_sigterm():
                    try:
                        _wait_healthy(url, proc, startup_timeout_s)
                    except ServerExited as exc:
                        log.seek(0)
                        last_error = f"{exc}: {_last_line(log.read())}"
                        continue
                    yield url
                    return
            finally:
                stop_process_group(proc)
    raise RuntimeError(f"could not start a temporary Prefect server: {last_error}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process_group(proc: subprocess.Popen[Any], timeout_s: float = 30.0) -> None:
    """SIGTERM to the process group ``proc`` leads, SIGKILL after ``timeout_s``; reaps ``proc``."""
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:  # the group is gone
            break
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        try:  # the leader is gone; stop anything it left in its group
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        break
    proc.wait()


def _last_line(output: bytes) -> str:
    lines = output.decode(errors="replace").strip().splitlines()
    return lines[-1][:300] if lines else "no output"


@contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    """SIGTERM raises SystemExit in the main thread while the block runs (unless someone else
    handles SIGTERM already), so the ``finally`` blocks that stop servers run."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def _exit(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class ServerExited(RuntimeError):
    """The server process ended before it answered (e.g. its port was taken)."""


def _wait_healthy(url: str, proc: subprocess.Popen[Any], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerExited(f"the Prefect server exited with status {proc.returncode} (port in use?)")
        if is_healthy(url):
            return
        time.sleep(0.25)
    raise RuntimeError(f"the Prefect server at {url} did not start within {timeout_s:.0f} s")
