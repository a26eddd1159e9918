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
import subprocess
import sys
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
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with status {proc.returncode} (port in use?)")
        if is_healthy(url):
            return
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server at {url} did not start within {timeout_s:.0f} s")
