"""`monitor serve` on a plain `prefect server start`: the server's scheduler creates the runs.

One real server process per test (no test harness: the harness's temporary server runs no
scheduler service), so this is the slowest Prefect test (~20-40 s); it runs once per session.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import write_config

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

MONITOR = Path(sys.executable).parent / "monitor"
STARTUP_LIMIT_S = 240  # a liveness bound for a loaded 2-core machine, not a performance assertion


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scheduled_runs(api: str, deployment: str) -> list[dict[str, Any]]:
    body = {"deployments": {"name": {"any_": [deployment]}},
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}
    resp = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=10)
    resp.raise_for_status()
    return list(resp.json())


def _wait_for(what: str, check: Any, proc: subprocess.Popen[str]) -> Any:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"monitor serve exited with {proc.returncode} while waiting for {what}"
        try:
            found = check()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(1)
    pytest.fail(f"no {what} within {STARTUP_LIMIT_S} s")


def test_served_schedules_get_runs_from_the_servers_scheduler(tmp_path: Path) -> None:
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    # hourly pipeline: the scheduler service must insert its upcoming runs (nothing runs now)
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}",
                       '\n[schedule]\ninterval_min = 60\n[alerts]\ndigest_schedule = "0 7 * * *"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MONITOR_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_ENABLED="false", PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="1")
    proc = subprocess.Popen([str(MONITOR), "--config", str(cfg), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        runs = _wait_for("scheduled run of pipeline/pipeline", lambda: _scheduled_runs(api, "pipeline"), proc)
        digest = _wait_for("scheduled run of pipeline/digest", lambda: _scheduled_runs(api, "digest"), proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    # the scheduler service made them (a run created by hand or through the API is not auto-scheduled)
    assert all(r["auto_scheduled"] and "auto-scheduled" in r["tags"] for r in runs + digest), runs[0]
    assert all(r["parameters"] == {"send_digest": False, "sources": None} for r in runs), runs[0]["parameters"]
    assert all(r["parameters"] == {"send_digest": True} for r in digest), digest[0]["parameters"]
    assert f"Prefect server: http://127.0.0.1:{port}" in output
    with pytest.raises(httpx.ConnectError):  # `serve` stopped the server it started
        httpx.get(f"{api}/health", timeout=5)
