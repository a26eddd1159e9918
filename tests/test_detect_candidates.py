"""Features of the learned detector: speaker candidates, exclusion cues, context, determinism."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.detect.article import Resources
from monitor.detect.features import DRAFT_OWNER, context_features, sentence_features, speaker_candidates
from monitor.detect.learned import document_context
from monitor.detect.match import exclusions
from monitor.detect_step import shipped_resources

ROOT = Path(__file__).parents[1]
DATA = ROOT / "monitor" / "data"


@pytest.fixture(scope="module")
def resources() -> Resources:
    return shipped_resources()


def test_earlier_speaker_is_a_candidate_beyond_the_mention_window(resources: Resources) -> None:
    text = (
        "Jens Stoltenberg said the alliance welcomed the applications of Finland and Sweden.\n"
        "Every nation has the right to choose its own path.\n"
        "You have both made your choice.\n"
        "Allies will now consider the next steps.\n"
        "The security interests of all Allies have to be taken into account.\n"
        "And we are determined to reach rapid conclusions on membership."
    )
    doc = document_context(text, resources, language="en")
    last = len(doc.segments) - 1
    cands = {c.name: c for c in speaker_candidates(doc, last, ["nato_expansion"])}
    assert "Jens Stoltenberg" in cands  # mentioned five sentences before: outside LOOKBACK
    f = cands["Jens Stoltenberg"].features
    assert f.get("prev_rule_nearest") == 1.0 and "in_sent" not in f
    assert None in cands  # the author's own narrative is always a candidate


def test_draft_content_offers_the_draft_owner(resources: Resources) -> None:
    text = "The draft treaty bans NATO from admitting Ukraine."
    doc = document_context(text, resources, language="en")
    names = [c.name for c in speaker_candidates(doc, 0, ["nato_expansion"])]
    assert DRAFT_OWNER[0] in names


def test_exclusion_cues_are_reported(resources: Resources) -> None:
    found = exclusions("Russian troops were massed near Ukraine's borders.", resources.demands, ("en",))
    assert any(demand == "deployments" for demand, _ in found)
    assert exclusions("NATO must not deploy strike weapons near Russia.", resources.demands, ("en",)) == []


def test_exclusions_become_features(resources: Resources) -> None:
    doc = document_context("Russian troops were massed near Ukraine's borders.", resources, language="en")
    assert any(k.startswith("excl:deployments:") for k in sentence_features(doc, 0))


def test_previous_labels_carry_only_to_a_continuation(resources: Resources) -> None:
    text = (
        "Moscow demands guarantees that NATO will not expand.\n\n"
        "Satellite images taken on Monday show columns of armoured vehicles and field hospitals moving "
        "along the main roads of the region towards the border crossings in the north.\n"
        "This is a serious challenge."
    )
    doc = document_context(text, resources, language="en")
    first = [{"nato_expansion": 0.9}, {"nato_expansion": 0.1}, {"nato_expansion": 0.2}]
    f = context_features(doc, 1, first, sentence_features(doc, 1))
    assert f["p1:nato_expansion"] == 0.1
    assert not any(k.startswith("p1prev") for k in f)  # new paragraph, long, capitalised, no quote
    g = context_features(doc, 2, first, sentence_features(doc, 2))
    assert g["p1prev_short:nato_expansion"] == 0.1  # a short "This is ..." goes on from the sentence before


_PROBE = """
import sys, tomllib
from pathlib import Path
from monitor.detect.article import Resources, analyse_text
from monitor.detect.resources import load_actors, load_demands
data = Path(sys.argv[1])
res = Resources(
    load_demands(tomllib.loads((data / "demands.toml").read_text())["demands"], "d"),
    load_actors(tomllib.loads((data / "actors.toml").read_text())["actors"], "a"),
)
for path in sorted(Path(sys.argv[2]).glob("*.txt")):
    for r in analyse_text(path.read_text(encoding="utf-8"), res):
        print(r.segment.index, r.labels, r.speaker and (r.speaker.name, r.speaker.cue))
"""


def test_detection_does_not_depend_on_the_hash_seed() -> None:
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", _PROBE, str(DATA), str(ROOT / "seeds")],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.add(run.stdout)
    assert len(outputs) == 1
