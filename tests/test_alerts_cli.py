"""`monitor alerts`, `monitor digest` and `monitor deliveries` on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from monitor.app import open_monitor
from monitor.cli import main
from monitor.config import load_settings
from tests.alert_fixtures import add_alert, alert_status, smtp_server, smtp_toml
from tests.conftest import write_config

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_alerts_list_filter_show_ack_mute(tmp_path: Path, db_url: str) -> None:
    cfg = write_config(tmp_path, db_url, seeds=False)
    with open_monitor(load_settings(cfg, env={})) as m:
        a1 = add_alert(m, NOW, speaker="Sergei Lavrov", repeats=2, outlet="TASS", title="Lavrov on NATO")
        a2 = add_alert(m, NOW, demand="deployments", speaker="Dmitry Peskov")
    code, out, _ = _run("--config", str(cfg), "alerts", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == [a1, a2]
    assert rows[0]["sources"] == 3 and rows[0]["first_source"] == "TASS: Lavrov on NATO"
    assert rows[0]["status"] == "new" and rows[0]["speaker"] == "Sergei Lavrov"
    code, out, _ = _run("--config", str(cfg), "alerts", "--speaker", "peskov", "--format", "jsonl")
    assert [json.loads(line)["id"] for line in out.splitlines()] == [a2]
    code, out, _ = _run("--config", str(cfg), "alerts", "--demand", "deployments", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("id,status,demand") and len(out.splitlines()) == 2
    code, out, _ = _run("--config", str(cfg), "alerts")
    assert code == 0 and "Lavrov" in out
    code, out, _ = _run("--config", str(cfg), "alerts", "show", str(a1), "--format", "json")
    (shown,) = json.loads(out)
    assert len(shown["all_sources"]) == 3 and shown["all_sources"][0]["outlet"] == "TASS"
    code, out, _ = _run("--config", str(cfg), "alerts", "show", str(a1))
    assert code == 0 and "Sources" in out
    code, out, _ = _run("--config", str(cfg), "alerts", "ack", str(a1))
    assert code == 0 and f"alert {a1}: acknowledged" in out
    code, out, err = _run("--config", str(cfg), "alerts", "mute", str(a2), "999999", "--reason", "noise")
    assert code == 1 and f"alert {a2}: muted" in out and "no such alert" in err
    code, out, _ = _run("--config", str(cfg), "alerts", "--status", "muted", "--format", "json")
    assert [(r["id"], r["mute_reason"]) for r in json.loads(out)] == [(a2, "noise")]
    code, _, _ = _run("--config", str(cfg), "alerts", "show", "999999")
    assert code == 1


def test_digest_command_sends_once_and_deliveries_lists_it(tmp_path: Path, db_url: str) -> None:
    with smtp_server() as (port, script):
        cfg = write_config(tmp_path, db_url, smtp_toml(port), seeds=False)
        with open_monitor(load_settings(cfg, env={})) as m:
            a1 = add_alert(m, NOW)
        code, out, _ = _run("--config", str(cfg), "digest", "--dry-run")
        assert code == 0 and "1 new statement" in out and not script.messages
        code, out, _ = _run("--config", str(cfg), "digest")
        assert code == 0 and "email: sent" in out and "outbox:" in out
        code, out, _ = _run("--config", str(cfg), "digest")
        assert code == 0 and "nothing_new" in out
        code, out, _ = _run("--config", str(cfg), "deliveries", "--format", "json")
        (row,) = json.loads(out)
        assert row["status"] == "sent" and row["alerts"] == 1 and row["channel"] == "email"
        with open_monitor(load_settings(cfg, env={})) as m:
            assert alert_status(m, a1) == "notified"
    assert len(script.messages) == 1
