"""The learned detector on documents it never saw: trained on four parts of the labelled corpus,
scored on held-out parts. Floors sit well below the cross-validation figures (bench/RESULTS.md):
this is a regression gate, not the measurement.

The corpus is read from ``../shared/eval/corpus`` (or ``MONITOR_TEST_CORPUS``) and is not part of
the repository; in a checkout without it the gate runs on the seeds' dev set that the repository
carries instead (trained on four seed articles, scored on the fifth)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.detect.article import Resources
from monitor.detect.evaluate import Scores, predict_texts, same_speaker_by, score
from monitor.detect.model import DetectorModel
from monitor.detect_step import shipped_resources
from monitor.detect.training import LabelledDoc, load_folders, train_model

ROOT = Path(__file__).parents[1]
CORPUS = Path(os.environ.get("MONITOR_TEST_CORPUS", ROOT.parent / "shared" / "eval" / "corpus"))
SEEDS = ROOT / "tests" / "data" / "eval" / "seeds"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
TRAIN_PARTS = ("c1", "c2", "c3", "c4")
HAS_CORPUS = (CORPUS / "gold.jsonl").is_file()


def resources() -> Resources:
    return shipped_resources()


@pytest.fixture(scope="module")
def corpus() -> list[LabelledDoc]:
    """The labelled corpus, or the seeds' dev set with each article as its own part."""
    demands = [d.name for d in resources().demands]
    if HAS_CORPUS:
        return load_folders([CORPUS], demands)
    return [replace(d, part=f"seed{k}") for k, d in enumerate(load_folders([SEEDS], demands))]


def _train_parts() -> tuple[str, ...]:
    return TRAIN_PARTS if HAS_CORPUS else ("seed0", "seed1", "seed2", "seed3")


ENGLISH_TEST_PART = "c5" if HAS_CORPUS else "seed4"


@pytest.fixture(scope="module")
def model(corpus: list[LabelledDoc]) -> DetectorModel:
    return train_model([d for d in corpus if d.part in _train_parts()], resources())


def _score(corpus: list[LabelledDoc], part: str, model: DetectorModel | None) -> Scores:
    res = resources()
    test = [d for d in corpus if d.part == part]
    texts = {d.doc: d.text for d in test}
    preds = predict_texts(texts, res, NOW, model=model, languages={d.doc: d.language for d in test})
    return score([g for d in test for g in d.gold], preds, texts, same_speaker_by(res.actors))


def test_training_never_sees_the_held_out_parts(corpus: list[LabelledDoc], model: DetectorModel) -> None:
    assert model.meta["examples"]["documents"] == sum(d.part in _train_parts() for d in corpus)
    assert not any(d.part == ENGLISH_TEST_PART for d in corpus if d.part in _train_parts())


def test_held_out_english_part_scores_above_floors(corpus: list[LabelledDoc], model: DetectorModel) -> None:
    s = _score(corpus, ENGLISH_TEST_PART, model)
    assert s.micro.f1 >= 0.55, s.errors[:10]
    assert all(v.f1 >= 0.40 for v in s.labels.values()), {k: v.f1 for k, v in s.labels.items()}
    assert s.speaker_accuracy >= 0.50 and s.stance_accuracy >= 0.50
    assert s.bcubed_f1 >= 0.55


def test_learned_layer_beats_the_rule_layer_on_unseen_documents(
    corpus: list[LabelledDoc], model: DetectorModel
) -> None:
    learned, rules = _score(corpus, ENGLISH_TEST_PART, model), _score(corpus, ENGLISH_TEST_PART, None)
    if HAS_CORPUS:
        assert learned.micro.f1 > rules.micro.f1
        assert learned.speaker_accuracy_all > rules.speaker_accuracy_all
    else:
        # one seed article (13 labelled sentences) is too small to tell them apart, and the rule
        # layer's lexicon was written on the seeds: the learned layer must not be clearly worse
        # (one sentence's label or speaker either way is about 0.05)
        assert learned.micro.f1 >= rules.micro.f1 - 0.05
        assert learned.speaker_accuracy_all >= rules.speaker_accuracy_all - 0.08


@pytest.mark.skipif(not HAS_CORPUS, reason=f"no Russian labelled documents without the corpus at {CORPUS}")
def test_held_out_russian_part_scores_above_floor(corpus: list[LabelledDoc], model: DetectorModel) -> None:
    assert _score(corpus, "c7", model).micro.f1 >= 0.55


def test_documents_can_each_have_their_own_model(corpus: list[LabelledDoc], model: DetectorModel) -> None:
    """Cross-validation groups every held-out document in one pass, each labelled by its fold's model."""
    res = resources()
    # two documents of the held-out part (without the corpus the seeds' held-out part has one: the
    # other document comes from another part; the test compares predictions, not scores)
    test = sorted(corpus, key=lambda d: (d.part != ENGLISH_TEST_PART, d.doc))[:2]
    texts = {d.doc: d.text for d in test}
    first, second = sorted(texts)
    mixed = predict_texts(texts, res, NOW, models={first: model})
    alone_learned = predict_texts({first: texts[first]}, res, NOW, model=model)
    alone_rules = predict_texts({second: texts[second]}, res, NOW)

    def labels(preds: list, doc: str) -> list:
        return [(p.start, p.labels, p.speaker, p.stance) for p in preds if p.doc == doc]

    assert labels(mixed, first) == labels(alone_learned, first)
    assert labels(mixed, second) == labels(alone_rules, second)
    assert labels(alone_learned, first) != labels(predict_texts({first: texts[first]}, res, NOW), first)


def test_an_exclusion_without_a_western_actor_rules_the_demand_out() -> None:
    """Russia's own weapons, forces and exercises are not a statement on a demand about what the
    US and NATO do (convention 3): a sentence matching a demand's exclusion cue and naming no
    Western actor loses that demand whatever the classifier says; with one named, it decides."""
    from monitor.detect.learned import analyse_with_model, document_context, excluded_demands
    from monitor.detect.model import load_model
    from monitor.detect_step import SHIPPED_MODEL

    text = (
        "Russia will station Iskander missiles in Belarus next year, the defence ministry said. "
        "Belarus will host Oreshnik missiles in response to the US deployment of missiles in Germany. "
        "The missiles will be deployed in Poland."
    )
    doc = document_context(text, resources(), language="en")
    about = {d.name: d.about_side for d in resources().demands}
    assert about == dict.fromkeys(about, "west")
    assert [excluded_demands(doc, i, about) for i in range(3)] == [{"deployments"}, set(), set()]
    assert excluded_demands(doc, 0, {}) == set()  # a demand with no side said is never ruled out
    for own in (
        "Russia has 100,000 troops ready for battle near the border.",
        "Russia's military manoeuvres near the border worried the diplomats.",
        "Russia will deploy Kinzhal missiles in Kaliningrad.",
        "Россия разместит комплексы «Орешник» в Калининграде.",
        "Moscow is sending more troops to the border.",
        # "развёртывание гонки вооружений" in translation: an arms race unleashed, not a weapon placed
        "It comes against the backdrop of the deployment of a new arms race in Europe.",
    ):
        ctx = document_context(own, resources(), language="ru" if "Р" in own else "en")
        assert excluded_demands(ctx, 0, about) == {"deployments"}, own
    # the shipped model labels none of the first sentence's demands, the same sentence with the
    # exclusion's term replaced is labelled
    model = load_model(SHIPPED_MODEL)
    first = analyse_with_model(text, resources(), model, language="en")[0]
    assert "deployments" not in first.labels
    moved = text.replace("Russia will station Iskander missiles in Belarus", "The US will station missiles in Poland")
    assert "deployments" in analyse_with_model(moved, resources(), model, language="en")[0].labels


def test_the_rule_layer_rules_out_the_same_demands() -> None:
    """The rule layer alone (``detect.model = "rules"``) applies the same veto: Russia's own
    deployment is no statement on the demand, unless a Western actor is named too."""
    from monitor.detect.article import analyse_text

    own = "Russia's deployment of intermediate-range missiles near its western borders is complete."
    answer = "Russia's deployment of intermediate-range missiles near its western borders answers the US move."
    theirs = "The US will deploy intermediate-range missiles near Russia's borders."
    labels = {t: analyse_text(t, resources(), language="en")[0].labels for t in (own, answer, theirs)}
    assert labels == {own: (), answer: ("deployments",), theirs: ("deployments",)}


def test_a_label_ruled_out_by_an_exclusion_leaves_the_evidence_too() -> None:
    """Classifiers that label every sentence with every demand: on a sentence about Russia's own
    missiles in Belarus the exclusion removes deployments from the labels and from the statement's
    evidence, and the demand it does not exclude stays, with its evidence."""
    from monitor.detect.learned import analyse_with_model
    from monitor.detect.model import BinaryModel, DetectorModel, MulticlassModel

    always = BinaryModel(8.0, {})
    demands = ("nato_expansion", "deployments")
    model = DetectorModel(
        demands,
        dict.fromkeys(demands, always),
        dict.fromkeys(demands, always),
        BinaryModel(0.0, {}),
        MulticlassModel(("contra", "neutral", "pro"), (0.0, 1.0, 0.0), {}),
        version="test",
    )
    res = resources()
    res = replace(res, demands=tuple(d for d in res.demands if d.name in demands))
    [result] = analyse_with_model("Russia will deploy Iskander missiles in Belarus.", res, model, language="en")
    assert result.labels == ("nato_expansion",)
    assert set(result.evidence["labels"]) == {"nato_expansion"}
    [western] = analyse_with_model("The US will deploy missiles in Poland.", res, model, language="en")
    assert set(western.labels) == set(western.evidence["labels"]) == set(demands)
