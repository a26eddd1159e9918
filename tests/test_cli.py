"""The `monitor` command line: output formats, exit codes, errors before any I/O."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import SEEDS, write_config


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_ingest_then_articles_jsonl_shows_the_seeds_with_metadata(tmp_path: Path, db_url: str) -> None:
    cfg = str(write_config(tmp_path, db_url))
    code, out, _ = _run("--config", cfg, "ingest", str(SEEDS))
    assert code == 0 and "5 new" in out
    code, out, _ = _run("--config", cfg, "ingest", str(SEEDS))
    assert code == 0 and "0 new" in out and "5 unchanged" in out
    code, out, _ = _run("--config", cfg, "articles", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 5
    by_outlet = {r["outlet"]: r for r in rows}
    assert by_outlet["ForumDaily"]["title"].startswith("My yours does not understand")
    assert by_outlet["Izvestia"]["published_at"].startswith("2022-01-13")
    assert all(r["language"] == "en" and len(r["text"]) > 5000 for r in rows)


def test_articles_formats(tmp_path: Path, db_url: str) -> None:
    cfg = str(write_config(tmp_path, db_url))
    _run("--config", cfg, "ingest", str(SEEDS))
    code, out, _ = _run("--config", cfg, "articles", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("id,title,outlet") and len(out.splitlines()) > 5
    code, out, _ = _run("--config", cfg, "articles", "--format", "json")
    assert len(json.loads(out)) == 5
    code, out, _ = _run("--config", cfg, "articles")
    assert code == 0 and "ForumDaily" in out


def test_status_counts(tmp_path: Path, db_url: str) -> None:
    cfg = str(write_config(tmp_path, db_url))
    _run("--config", cfg, "ingest", str(SEEDS))
    code, out, _ = _run("--config", cfg, "status", "--format", "json")
    [row] = json.loads(out)
    assert code == 0 and row["article"] == 5 and row["last_run_kind"] == "ingest" and row["last_run_status"] == "ok"


def test_partial_failure_exits_1_and_keeps_the_good_files(tmp_path: Path, db_url: str) -> None:
    cfg = str(write_config(tmp_path, db_url))
    (tmp_path / "empty.txt").write_text("")
    code, out, err = _run("--config", cfg, "ingest", str(SEEDS), str(tmp_path / "empty.txt"))
    assert code == 1 and "5 new" in out and "empty file" in err


def test_invalid_config_exits_2_before_touching_the_database(tmp_path: Path) -> None:
    db = tmp_path / "never.db"
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{db}"\n[fetch]\nmax_connections = "x"\n')
    code, _, err = _run("--config", str(cfg), "ingest", str(SEEDS))
    assert code == 2
    assert str(cfg) in err and "fetch.max_connections" in err
    assert not db.exists()


def test_init_writes_a_loadable_starter_config(tmp_path: Path) -> None:
    target = tmp_path / "monitor.toml"
    code, _, _ = _run("init", str(target))
    assert code == 0 and target.is_file()
    code, _, err = _run("init", str(target))
    assert code == 2 and "exists" in err


def test_db_upgrade_and_current(tmp_path: Path, empty_db_url: str) -> None:
    cfg = str(write_config(tmp_path, empty_db_url))
    code, out, _ = _run("--config", cfg, "db", "upgrade")
    assert code == 0 and "empty -> " in out
    code, out, _ = _run("--config", cfg, "db", "current")
    assert code == 0 and "(head " in out


def test_sources_list_shows_configured_sources(tmp_path: Path, db_url: str) -> None:
    cfg = str(write_config(tmp_path, db_url))
    code, out, _ = _run("--config", cfg, "sources", "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["name"] for r in rows] == ["seeds"] and rows[0]["state"] == "never polled"


def test_console_script_help_lists_every_documented_command() -> None:
    script = Path(sys.executable).parent / "monitor"  # the installed console script
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True).stdout
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    commands = [line.split()[0] for line in out.split("Commands:")[1].strip().splitlines() if line.strip()]
    assert {"init", "db", "ingest", "sources", "articles", "status"} <= set(commands)
    for command in commands:
        assert f"`monitor {command}" in readme, f"`monitor {command}` is not documented in README.md"


def test_source_states() -> None:
    from datetime import UTC, datetime, timedelta

    from monitor.cli.core_cmds import _source_row
    from monitor.config import Settings
    from monitor.store.models import Source

    now = datetime(2026, 3, 10, tzinfo=UTC)
    old = now - timedelta(days=5)

    def state(**kw: object) -> str:
        base: dict[str, object] = dict(name="s", kind="feed", enabled=True, created_at=old, consecutive_failures=0,
                                       last_polled_at=now, last_new_item_at=None)
        base.update(kw)
        return str(_source_row(Source(**base), Settings(), now)["state"])

    assert state(last_new_item_at=now - timedelta(hours=1)) == "ok"
    assert state() == "silent"  # polled for days, never anything new
    assert state(last_new_item_at=now - timedelta(days=4)) == "silent"
    assert state(kind="files") == "ok"  # a folder is not expected to grow
    assert state(consecutive_failures=3) == "failing (3x)"
    assert state(enabled=False) == "disabled"
    assert state(last_polled_at=None, created_at=now) == "never polled"
