"""Features and speaker candidates of the learned layer, on small real-shaped texts."""

from __future__ import annotations

from monitor.detect.features import context_features, sentence_features, speaker_candidates, word_stems
from monitor.detect.learned import document_context
from tests.test_detect_learned import resources

TEXT = (
    "Russia demands guarantees against NATO expansion\n"
    "Deputy Foreign Minister Sergei Ryabkov said on Monday that NATO must never admit Ukraine. "
    "He added that missiles in Poland were a threat. "
    "The talks lasted eight hours.\n"
    "Estonian Defence Minister Hanno Pevkur disagreed. "
    "\"The door stays open,\" Pevkur said."
)


def _doc():
    return document_context(TEXT, resources(), language="en")


def test_word_stems_fold_case_and_drop_stop_words() -> None:
    assert word_stems("The Alliance's EXPANSION to the east") == word_stems("alliance's expansion east")
    assert "the" not in word_stems("The alliance")


def test_sentence_features_carry_lexicon_and_context() -> None:
    doc = _doc()
    f = sentence_features(doc, 1)
    assert f["lex:nato_expansion"] > 0 and any(k.startswith("cue:nato_expansion:") for k in f)
    assert f.get("speech") == 1.0 and f.get("has_speaker") == 1.0
    nxt = sentence_features(doc, 2)
    assert nxt["lexprev:nato_expansion"] > 0 and nxt.get("pron_start") == 1.0
    assert "lexhead:nato_expansion" in nxt  # the headline is on the demand


def test_context_features_see_neighbour_probabilities() -> None:
    doc = _doc()
    base = [sentence_features(doc, i) for i in range(len(doc.segments))]
    first = [{"nato_expansion": 0.9 if i == 1 else 0.1} for i in range(len(doc.segments))]
    f = context_features(doc, 2, first, base[2])
    assert f["p1:nato_expansion"] == 0.1
    assert f["p1prev_pron:nato_expansion"] == 0.9  # "He added ..." continues the sentence before
    narrative = context_features(doc, 3, first, base[3])  # "The talks lasted eight hours."
    assert "p1prev_pron:nato_expansion" not in narrative


def test_candidates_include_mentions_rule_choice_and_none() -> None:
    doc = _doc()
    cands = {c.name: c for c in speaker_candidates(doc, 1, ["nato_expansion"])}
    assert None in cands and "Sergei Ryabkov" in cands
    ryabkov = cands["Sergei Ryabkov"].features
    assert ryabkov.get("verb_after") == 1.0 and ryabkov.get("in_sent") == 1.0 and ryabkov.get("rule") == 1.0
    assert cands[None].features.get("none|rule_none") is None  # the rule layer found a speaker


def test_pronoun_sentence_offers_the_previous_speaker() -> None:
    doc = _doc()
    cands = {c.name: c for c in speaker_candidates(doc, 2, ["deployments"])}
    assert "Sergei Ryabkov" in cands and cands["Sergei Ryabkov"].features.get("dist:1") == 1.0


def test_surname_resolves_to_the_full_name_and_titles_are_cut() -> None:
    doc = _doc()
    last = len(doc.segments) - 1
    names = {c.name for c in speaker_candidates(doc, last, ["nato_expansion"])}
    assert "Hanno Pevkur" in names  # not a known actor: the surname is resolved in the document
    assert not any(n and ("Minister" in n or "Estonian" in n) for n in names)


def test_narrative_sentence_favours_none() -> None:
    doc = _doc()
    cands = {c.name: c for c in speaker_candidates(doc, 3, ["nato_expansion"])}
    none = cands[None].features
    assert none.get("none|no_speech") == 1.0 and none.get("none|no_quote") == 1.0


def test_stance_is_averaged_over_the_speaker_candidates() -> None:
    """A stance hangs on whose it is: with two nearly equal speaker candidates of opposite sides,
    the stance follows the weight of both, not the marginally better one alone."""
    from monitor.detect.learned import judge_stance, speaker_probabilities
    from monitor.detect.model import BinaryModel, DetectorModel, MulticlassModel

    doc = _doc()
    cands = [c for c in speaker_candidates(doc, 5, ["nato_expansion"]) if c.name in ("Sergei Ryabkov", None)]
    assert len(cands) == 2
    ryabkov, none = sorted(cands, key=lambda c: c.name is None)
    # the speaker model slightly prefers Ryabkov (side russia -> pro); "none" (author -> neutral) is
    # close behind and its neutral stance is far surer than Ryabkov's pro
    speaker = BinaryModel(0.0, {"side:russia": 0.2, "none": 0.0})
    stance = MulticlassModel(
        ("contra", "neutral", "pro"),
        (0.0, 0.0, 0.0),
        {"side:russia": (0.0, 0.9, 1.0), "side:author": (0.0, 4.0, 0.0)},
    )
    model = DetectorModel(("nato_expansion",), {}, {}, speaker, stance)
    assert speaker.probability(ryabkov.features) > speaker.probability(none.features)
    alone, _ = stance.predict({"side:" + ryabkov.side: 1.0})
    assert alone == "pro"
    both = [ryabkov, none]
    mixed, p = judge_stance(model, doc, 5, ["nato_expansion"], both, speaker_probabilities(model, both), None)
    assert mixed == "neutral" and 0.0 < p < 1.0
    # with one candidate the mixture is that candidate's own stance
    only, _ = judge_stance(model, doc, 5, ["nato_expansion"], [ryabkov], speaker_probabilities(model, [ryabkov]), None)
    assert only == "pro"


def test_cues_below_the_lexicon_threshold_become_weak_features() -> None:
    doc = document_context(
        "Officials discussed the placement of troops in the region.\n"
        "NATO must never admit Ukraine, the minister said.",
        resources(),
        language="en",
    )
    weak = sentence_features(doc, 0)  # one half-weight cue: no label of the lexicon's own
    assert not doc.own[0]
    assert weak["weak:deployments"] == 0.5
    assert any(k.startswith("weakcue:deployments:") for k in weak)
    strong = sentence_features(doc, 1)  # over the threshold: a lexicon label, not a weak cue
    assert "lex:nato_expansion" in strong and "weak:nato_expansion" not in strong


def test_datelines_and_source_pointers_between_statements_get_no_label() -> None:
    from monitor.detect.learned import analyse_with_model
    from monitor.detect.model import load_model
    from monitor.detect_step import SHIPPED_MODEL

    text = (
        "Moscow insists NATO must halt its eastward expansion\n"
        "GENEVA, March 3. /TASS/.\n"
        "Russia demands legally binding guarantees that NATO will not expand further east and that "
        "Ukraine will never join the alliance, Deputy Foreign Minister Sergei Ryabkov said.\n"
        "This was stated by Ryabkov after the talks with the US delegation.\n"
        "Photo: Reuters\n"
        "He said NATO's open door policy was unacceptable to Moscow. He did not elaborate."
    )
    results = analyse_with_model(text, resources(), load_model(SHIPPED_MODEL), language="en")
    by_text = {r.segment.text: r for r in results}
    assert "nato_expansion" in results[2].labels
    for furniture in ("GENEVA, March 3. /TASS/.", "Photo: Reuters"):
        assert by_text[furniture].labels == ()
    assert by_text["This was stated by Ryabkov after the talks with the US delegation."].labels == ()
    assert by_text["He did not elaborate."].labels == ()  # a note that no details were given


def test_a_note_that_no_details_were_given_inherits_no_label() -> None:
    # the shipped model labels such a note after two labelled sentences of one speaker (it goes on
    # from them, short, same paragraph); it carries no claim of its own
    from monitor.detect.learned import analyse_with_model
    from monitor.detect.model import load_model
    from monitor.detect_step import SHIPPED_MODEL

    model = load_model(SHIPPED_MODEL)
    story = (
        "Finland's accession to NATO is a threat to Russia, Kremlin spokesman Dmitry Peskov said on Tuesday. "
        "Moscow will take countermeasures against the alliance's expansion, he added. "
    )
    for note in ("He did not elaborate.", "He gave no further details.", "The Kremlin declined to comment further."):
        results = analyse_with_model(story + note, resources(), model, language="en")
        assert [r.labels for r in results] == [("nato_expansion",), ("nato_expansion",), ()]
    # the same sentence with a claim of its own keeps its label
    claim = analyse_with_model(story + "He said the alliance's expansion was a mistake.", resources(), model, language="en")
    assert claim[-1].labels == ("nato_expansion",)


def test_stance_features_carry_the_lexicon_cues_by_side() -> None:
    """The cue a sentence matched says much of its stance ("the door stays open" is contra, "never
    admit" pro), and more so together with the speaker's side."""
    from monitor.detect.features import stance_features

    doc = _doc()
    cands = {c.name: c for c in speaker_candidates(doc, 1, ["nato_expansion"])}
    f = stance_features(doc, 1, ["nato_expansion"], cands["Sergei Ryabkov"], None)
    cues = [h.cue for m in doc.own[1] for h in m.hits]
    assert cues and all(f["cue:" + c] == 1.0 and f["russia|cue:" + c] == 1.0 for c in cues)
    narrative = stance_features(doc, 1, ["nato_expansion"], cands[None], None)
    assert all(narrative["author|cue:" + c] == 1.0 for c in cues) and "russia|cue:" + cues[0] not in narrative
    assert not [k for k in stance_features(doc, 4, ["nato_expansion"], cands[None], None) if k.startswith("cue:")]
