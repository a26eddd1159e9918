"""CLI: monitor eval on the seed gold set, detect and statements on a configured database."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import monitor.cli.detect_cmds  # noqa: F401  (registers the commands)
from monitor.cli import main

ROOT = Path(__file__).parents[1]


def test_eval_json_meets_targets(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(f'data_dir = "{tmp_path}"\n', encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(cfg),
            "eval",
            str(ROOT / "tests/data/eval/seeds_gold.jsonl"),
            "--docs",
            str(ROOT / "seeds"),
            "--model",
            "rules",
            "--json",
        ],
        env={"MONITOR_DETECT_ALERT_NARRATIVE": "true"},
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["micro_f1"] >= 0.85 and scores["bcubed_f1"] >= 0.85
    assert 36 <= scores["alerts"] <= 54


def test_eval_missing_docs_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["eval", str(ROOT / "tests/data/eval/seeds_gold.jsonl"), "--docs", str(tmp_path)]
    )
    assert result.exit_code == 1 and "missing documents" in result.output


def test_detect_then_statements(tmp_path: Path, db_url: str) -> None:
    from tests.conftest import write_config

    cfg = str(write_config(tmp_path, db_url))
    runner = CliRunner()
    assert runner.invoke(main, ["--config", cfg, "ingest", str(ROOT / "seeds")]).exit_code == 0
    first = runner.invoke(main, ["--config", cfg, "detect"])
    assert first.exit_code == 0 and "articles: 5" in first.output, first.output
    again = runner.invoke(main, ["--config", cfg, "detect"])
    assert "articles: 0" in again.output
    out = runner.invoke(main, ["--config", cfg, "statements", "--demand", "posture_1997", "--format", "json"])
    rows = json.loads(out.output)
    assert rows and all("posture_1997" in r["demands"] for r in rows)
    assert {
        "article_id",
        "url",
        "outlet",
        "title",
        "text",
        "char_start",
        "char_end",
        "speaker",
        "stance",
        "group_id",
        "new",
    } <= set(rows[0])


def test_detect_again_after_a_model_change(tmp_path: Path, db_url: str) -> None:
    from tests.conftest import write_config

    cfg = str(write_config(tmp_path, db_url))
    runner = CliRunner()
    assert runner.invoke(main, ["--config", cfg, "ingest", str(ROOT / "seeds")]).exit_code == 0
    first = runner.invoke(main, ["--config", cfg, "detect"], env={"MONITOR_DETECT_MODEL": "rules"})
    assert first.exit_code == 0 and "detector: lexical-1" in first.output, first.output
    alerts = json.loads(runner.invoke(main, ["--config", cfg, "alerts", "--format", "json"]).output)
    upgraded = runner.invoke(main, ["--config", cfg, "detect", "--again"])
    assert upgraded.exit_code == 0 and "detector: learned-1-" in upgraded.output and "articles: 5" in upgraded.output
    after = json.loads(runner.invoke(main, ["--config", cfg, "alerts", "--format", "json"]).output)
    assert {a["id"] for a in alerts} <= {a["id"] for a in after}
    shown = runner.invoke(main, ["--config", cfg, "alerts", "show", str(after[-1]["id"])])
    assert shown.exit_code == 0 and "speaker_cue" in shown.output and "why" in shown.output
    assert "articles: 0" in runner.invoke(main, ["--config", cfg, "detect", "--again"]).output
    assert runner.invoke(main, ["--config", cfg, "detect", "--id", "1"]).exit_code == 2
