"""`monitor serve` on a plain `prefect server start`: the server's scheduler creates the runs,
and `monitor run` records on that server while it runs (on a temporary server otherwise).

Real server processes (no test harness: the harness's temporary server runs no scheduler
service), so this is the slowest Prefect test (~30-60 s).
"""

from __future__ import annotations

import os
import re
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


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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


def _direct_runs(api: str) -> int:
    """Flow runs not made from a deployment (what `monitor run` records)."""
    body = {"flow_runs": {"deployment_id": {"is_null_": True}, "state": {"type": {"any_": ["COMPLETED"]}}}}
    resp = httpx.post(f"{api}/flow_runs/count", json=body, timeout=10)
    resp.raise_for_status()
    return int(resp.json())


def _monitor_run(cfg: Path, env: dict[str, str]) -> str:
    done = subprocess.run([str(MONITOR), "--config", str(cfg), "run", "--no-digest"], env=env, capture_output=True,
                          text=True, timeout=STARTUP_LIMIT_S)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done.stdout


# the console script's `main`, then the names of the modules it imported (on stderr)
_PROBE = """
import sys
from flows.cli import main
try:
    main(sys.argv[1:])
finally:
    print("MODULES " + " ".join(sorted(sys.modules)), file=sys.stderr)
"""


def _monitor_run_modules(cfg: Path, env: dict[str, str]) -> tuple[str, set[str]]:
    """`monitor run` in a fresh interpreter: its output and the modules it imported."""
    done = subprocess.run([sys.executable, "-c", _PROBE, "--config", str(cfg), "run", "--no-digest"], env=env,
                          capture_output=True, text=True, timeout=STARTUP_LIMIT_S)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    if "a temporary one on" in done.stdout:  # that server is gone when the run ends: no link to it
        assert "Beginning flow run" in done.stderr and "View at" not in done.stderr, done.stderr[-3000:]
    modules = done.stderr.rpartition("MODULES ")[2].split()
    return done.stdout, set(modules)


def _temporary_api(first_line: str) -> str:
    match = re.search(r"\((http://127\.0\.0\.1:\d+/api), stopped at its end\)", first_line)
    assert match, first_line
    return match.group(1)


def _answers(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _servers_on(api: str) -> list[str]:
    """Command lines of live `prefect server start` processes on the port of ``api``."""
    port = api.rsplit(":", 1)[1].split("/")[0]
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "server start" in cmd and f"--port {port}" in cmd:
            found.append(cmd)
    return found


def test_served_schedules_get_runs_from_the_servers_scheduler_and_monitor_run_records_there(tmp_path: Path) -> None:
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    # crons far from now: the scheduler must insert upcoming runs, and none of them runs during the test
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}",
                       '\n[schedule]\npipeline_cron = "0 3 1 1 *"\n[alerts]\ndigest_schedule = "0 7 * * *"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MONITOR_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_ENABLED="false", PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="1")

    alone, modules = _monitor_run_modules(cfg, env)  # nothing serves yet: a temporary server for this run only
    assert alone.startswith(f"Prefect server: none running; a temporary one on {tmp_path / 'prefect'}"), alone
    temporary = _temporary_api(alone.splitlines()[0])
    assert alone.splitlines()[1] == f"Prefect server: the temporary server at {temporary} stopped", alone
    assert "articles: 5 new" in alone
    assert not _answers(temporary) and _servers_on(temporary) == []
    # the temporary server is a process of its own: the run never imports Prefect's server package
    assert sorted(m for m in modules if m.startswith(("prefect.server.api", "prefect.server.services"))) == []

    proc = subprocess.Popen([str(MONITOR), "--config", str(cfg), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)  # its own process group: nothing it starts outlives the test
    try:
        runs = _wait_for("scheduled run of pipeline/pipeline", lambda: _scheduled_runs(api, "pipeline"), proc)
        digest = _wait_for("scheduled run of pipeline/digest", lambda: _scheduled_runs(api, "digest"), proc)
        before = _direct_runs(api)
        reused = _monitor_run(cfg, env)  # while serving: recorded on serve's server
        after = _direct_runs(api)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            output, _ = proc.communicate(timeout=30)
        _kill_group(proc)  # a Prefect server child left behind would hold the port (and our pipe)
    # the scheduler service made them (a run created by hand or through the API is not auto-scheduled)
    assert all(r["auto_scheduled"] and "auto-scheduled" in r["tags"] for r in runs + digest), runs[0]
    assert all(r["parameters"] == {"send_digest": False, "sources": None} for r in runs), runs[0]["parameters"]
    assert all(r["parameters"] == {"send_digest": True} for r in digest), digest[0]["parameters"]
    assert f"Prefect server: http://127.0.0.1:{port}" in output
    assert reused.startswith(f"Prefect server: {api} (started by `monitor serve`)"), reused
    assert "articles: 0 new, 0 updated, 5 unchanged" in reused
    assert (before, after) == (1, 2)  # the temporary server's run is in the same PREFECT_HOME database
    assert not (tmp_path / "prefect" / "monitor-serve-api-url").exists()
    with pytest.raises(httpx.ConnectError):  # `serve` stopped the server it started
        httpx.get(f"{api}/health", timeout=5)


def test_monitor_run_stops_its_temporary_server_on_ctrl_c(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MONITOR_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([str(MONITOR), "--config", str(cfg), "run", "--no-digest"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # printed once the temporary server answers
        api = _temporary_api(first)
        assert _servers_on(api), first
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends (the server has a process group of its own)
        rest, _ = proc.communicate(timeout=STARTUP_LIMIT_S)
    finally:
        _kill_group(proc)
    assert f"Prefect server: the temporary server at {api} stopped" in rest, first + rest
    assert not _answers(api) and _servers_on(api) == []
