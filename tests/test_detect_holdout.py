"""Held-out check: articles the detector was not written against (tests/data/eval/holdout/).

Floors sit a little under the measured scores so that a regression fails; they are only raised.
The seed quality gate (test_detect_quality.py) carries the product targets.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.detect.article import Resources
from monitor.detect.evaluate import Scores, evaluate_texts, load_gold
from monitor.detect.resources import load_actors, load_demands

ROOT = Path(__file__).parents[1]
HOLDOUT = ROOT / "tests" / "data" / "eval" / "holdout"
FLOORS = {"micro_f1": 0.90, "speaker": 0.85, "stance": 0.80, "bcubed": 0.75}


@pytest.fixture(scope="module")
def scores() -> Scores:
    gold_file = HOLDOUT / "holdout_gold.jsonl"
    if not gold_file.is_file():
        pytest.skip("no held-out set in this checkout")
    data = ROOT / "monitor" / "data"
    demands = load_demands(tomllib.loads((data / "demands.toml").read_text())["demands"], "demands.toml")
    actors = load_actors(tomllib.loads((data / "actors.toml").read_text())["actors"], "actors.toml")
    gold = load_gold(gold_file.read_text(encoding="utf-8").splitlines(), str(gold_file))
    texts = {d: (HOLDOUT / f"{d}.txt").read_text(encoding="utf-8") for d in sorted({g.doc for g in gold})}
    return evaluate_texts(gold, texts, Resources(demands, actors), datetime(2022, 2, 1, tzinfo=UTC))


def test_holdout_labels(scores: Scores) -> None:
    assert scores.micro.f1 >= FLOORS["micro_f1"]


def test_holdout_speaker_and_stance(scores: Scores) -> None:
    assert scores.speaker_accuracy >= FLOORS["speaker"] and scores.stance_accuracy >= FLOORS["stance"]


def test_holdout_grouping(scores: Scores) -> None:
    assert scores.bcubed_f1 >= FLOORS["bcubed"]
    assert abs(scores.alerts - scores.gold_clusters) <= 0.20 * scores.gold_clusters
