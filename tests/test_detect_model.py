"""Model files: the shipped model loads and is what detection uses; a missing, truncated or
incompatible file is refused with the file named and how to rebuild it (exit 2, database untouched)."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

import monitor.cli.detect_cmds  # noqa: F401  (registers the commands)
from monitor.cli import main
from monitor.config import load_settings
from monitor.detect.model import MulticlassModel, load_model, model_from_json, model_to_json, save_model
from monitor.detect_step import SHIPPED_MODEL, load_detector
from monitor.errors import ModelError

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def shipped_doc() -> dict:
    return json.loads(gzip.decompress(SHIPPED_MODEL.read_bytes()))


def test_shipped_model_loads_and_is_the_default(tmp_path: Path) -> None:
    model = load_model(SHIPPED_MODEL)
    assert model.version.startswith("learned-1-")
    assert set(model.demands) == {"nato_expansion", "deployments", "posture_1997"}
    assert SHIPPED_MODEL.stat().st_size < 20 * 1024 * 1024
    assert model.repeat is not None and model.repeat_threshold == model.repeat.threshold
    assert 0.0 < model.cross_article_threshold < 1.0
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(f'data_dir = "{tmp_path}"\n', encoding="utf-8")
    detector = load_detector(load_settings(cfg, env={}))
    assert detector.model is not None and detector.version == model.version
    rules = load_detector(load_settings(cfg, env={"MONITOR_DETECT_MODEL": "rules"}))
    assert rules.model is None and rules.version == "lexical-1"


def test_shipped_model_was_built_by_the_documented_command(shipped_doc: dict) -> None:
    meta = shipped_doc["meta"]
    assert meta["created_by"] == "monitor train"
    assert meta["folders"] == ["corpus", "seeds", "written"] and meta["excluded_parts"] == []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "monitor train ../shared/eval/corpus tests/data/eval/seeds tests/data/eval/written --out monitor/data/detector.json.gz"
    assert command in readme


def test_save_then_load_round_trips_and_version_is_a_content_digest(tmp_path: Path) -> None:
    model = load_model(SHIPPED_MODEL)
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    assert save_model(model, a) == save_model(model, b) == model.version
    assert a.read_bytes() == b.read_bytes()
    doc = model_to_json(model)
    doc["speaker"]["bias"] += 1.0
    changed = model_from_json(doc)
    assert model_to_json(changed)["version"] != model.version


def _write(path: Path, doc: object) -> Path:
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format_version=99), "format version 99 is not supported"),
        (lambda d: d.update(feature_version=1), "trained on features of version 1"),
        (lambda d: d.update(format="something-else"), "not a monitor detector model"),
        (lambda d: d["speaker"]["weights"].update(x="1e500"), "expected a finite number"),
        (lambda d: d["stance"].update(classes=["pro", "contra"]), "is not contra, neutral, pro"),
        (lambda d: d.pop("first"), "first: expected an object"),
        (lambda d: d["demand"]["deployments"].update(threshold=1.5), "not between 0 and 1"),
        (lambda d: d["repeat"].update(threshold=0.0), "repeat.threshold: 0.0 is not between 0 and 1"),
        (lambda d: d["repeat"]["weights"].update(sim="x"), "repeat.weights[sim]: expected a finite number"),
        (lambda d: d.update(repeat_cross_threshold=1.0), "repeat_cross_threshold: 1.0 needs a repeat model"),
        (lambda d: d.pop("repeat"), "needs a repeat model"),  # the shipped cross-article threshold, now alone
    ],
)
def test_invalid_model_documents_are_refused(tmp_path: Path, shipped_doc: dict, mutate, message: str) -> None:
    doc = json.loads(json.dumps(shipped_doc))
    mutate(doc)
    path = _write(tmp_path / "bad.json.gz", doc)
    with pytest.raises(ModelError) as err:
        load_model(path)
    assert message in str(err.value) and str(path) in str(err.value) and "monitor train" in str(err.value)


def test_missing_truncated_and_non_json_files_are_refused(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.json.gz"
    truncated.write_bytes(SHIPPED_MODEL.read_bytes()[:5000])
    garbage = tmp_path / "garbage.json.gz"
    garbage.write_bytes(gzip.compress(b"{not json"))
    plain = tmp_path / "plain.json"
    plain.write_text("{}")
    for path, words in [
        (tmp_path / "missing.json.gz", "no such file"),
        (truncated, "truncated"),
        (garbage, "not valid JSON"),
        (plain, "not a readable model file"),
    ]:
        with pytest.raises(ModelError, match=words) as err:
            load_model(path)
        assert str(path) in str(err.value) and "rebuild" in str(err.value)


def test_model_for_other_demands_is_refused(tmp_path: Path, shipped_doc: dict) -> None:
    doc = json.loads(json.dumps(shipped_doc))
    doc["demands"] = ["nato_expansion", "deployments"]
    path = _write(tmp_path / "two.json.gz", doc)
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(f'data_dir = "{tmp_path}"\n[detect]\nmodel = "{path}"\n', encoding="utf-8")
    with pytest.raises(ModelError, match="trained for the demands nato_expansion, deployments"):
        load_detector(load_settings(cfg, env={}))


@pytest.mark.parametrize("command", [["detect"], ["run", "--no-digest"]])
def test_bad_model_file_exits_2_before_the_database_is_touched(tmp_path: Path, command: list[str]) -> None:
    import flows.cli  # noqa: F401  (registers run)

    db = tmp_path / "monitor.db"
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    bad = tmp_path / "broken.json.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    result = CliRunner().invoke(main, ["--config", str(cfg), *command], env={"MONITOR_DETECT_MODEL": str(bad)})
    assert result.exit_code == 2, result.output
    assert str(bad) in result.output and "monitor train" in result.output
    assert not db.exists()


def test_three_class_scores_equal_the_general_loop() -> None:
    """The unrolled three-class scores are the general loop's, to the last bit."""
    rng = random.Random(3)
    weights = {f"f{k}": tuple(rng.uniform(-3, 3) for _ in range(3)) for k in range(50)}
    model = MulticlassModel(("contra", "neutral", "pro"), (0.1, -0.2, 0.3), weights)
    for _ in range(200):
        features = {f"f{rng.randrange(80)}": rng.choice((1.0, rng.uniform(0, 2))) for _ in range(30)}
        assert model._scores3(features) == model._scores(features)
