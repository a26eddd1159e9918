"""Repeats: fingerprints, similarity, blocking keys, in-memory grouping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from monitor.detect.dedup import (
    MemoryIndex,
    assign_groups,
    blocking_keys,
    fingerprint,
    fingerprint_from_json,
    fingerprint_to_json,
    linear_scorer,
    lookup_keys,
    pair_features,
    similarity,
    stem,
)

NOW = datetime(2022, 1, 10, tzinfo=UTC)
A = "We emphasize that it is absolutely imperative for us to make sure that Ukraine never becomes a member of NATO."
B = "We emphasize that for us it is absolutely obligatory to make sure that Ukraine will never become the member of NATO."
C = "Russia demands that strike systems are not deployed near its borders."


def test_translations_of_one_quote_are_similar() -> None:
    fa, fb = (fingerprint(t, ["nato_expansion"], "sergei ryabkov") for t in (A, B))
    assert similarity(fa, fb) > 0.5
    assert similarity(fa, fingerprint(C, ["nato_expansion"], "sergei ryabkov")) < 0.3


def test_other_speaker_is_never_a_repeat() -> None:
    assert similarity(fingerprint(A, ["x"], "ryabkov"), fingerprint(A, ["x"], "lavrov")) == 0.0


@given(st.text(max_size=200), st.text(max_size=200))
def test_similarity_is_symmetric(a: str, b: str) -> None:
    fa, fb = fingerprint(a, ["x"], "s"), fingerprint(b, ["x"], "s")
    assert similarity(fa, fb) == similarity(fb, fa)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzабвгдеж", max_size=20))
def test_stem_is_idempotent_enough(word: str) -> None:
    assert len(stem(word)) <= len(word)


def test_lookup_keys_cover_recent_weeks_only() -> None:
    fp = fingerprint(A, ["nato_expansion"], "ryabkov")
    stored = set(blocking_keys(fp, NOW))
    assert stored <= set(lookup_keys(fp, NOW + timedelta(days=10)))
    assert not stored & set(lookup_keys(fp, NOW + timedelta(days=60)))


def test_assign_groups_alerts_once_per_statement() -> None:
    index = MemoryIndex()
    first = assign_groups([(A, ("nato_expansion",), "ryabkov", False, ())], index, NOW)
    again = assign_groups(
        [(B, ("nato_expansion",), "ryabkov", False, ()), ("Nothing.", (), "x", False, ())], index, NOW
    )
    other = assign_groups([(C, ("deployments",), "ryabkov", False, ())], index, NOW)
    assert first[0].is_new and not again[0].is_new and other[0].is_new
    assert again[0].group_id == first[0].group_id and again[0].matched_statement_id == first[0].statement_id
    assert len(again) == 1


def test_translation_matches_on_concepts() -> None:
    concepts = ("nato_expansion:non-expansion", "nato_expansion:membership of a new state", "entity:Ukraine")
    en = fingerprint(
        "Ukraine must never join NATO, we need guarantees of non-expansion.",
        ["nato_expansion"],
        "ryabkov",
        concepts,
    )
    ru = fingerprint(
        "Украина никогда не должна вступить в НАТО, нужны гарантии нерасширения.",
        ["nato_expansion"],
        "ryabkov",
        concepts,
    )
    assert en.script == "lat" and ru.script == "cyr"
    assert similarity(en, ru) >= 0.35
    assert set(blocking_keys(en, NOW)) & set(blocking_keys(ru, NOW))


def test_pair_features_only_for_one_speaker_and_a_shared_label() -> None:
    fa = fingerprint(A, ["nato_expansion"], "ryabkov")
    assert pair_features(fa, fingerprint(A, ["nato_expansion"], "lavrov"), False) == {}
    assert pair_features(fa, fingerprint(A, ["deployments"], "ryabkov"), False) == {}
    same = pair_features(fa, fingerprint(B, ["nato_expansion"], "ryabkov"), False)
    assert same["sim"] == similarity(fa, fingerprint(B, ["nato_expansion"], "ryabkov"))
    assert same["same_labels"] == 1.0 and "adjacent" not in same and "cross_script" not in same
    assert pair_features(fa, fingerprint(B, ["nato_expansion"], "ryabkov"), True)["adjacent"] == 1.0


def test_learned_scorer_decides_repeats_with_its_own_threshold() -> None:
    # a scorer that trusts stem overlap only: the near-paraphrase B is a repeat of A, C is not
    scorer = linear_scorer(-3.0, {"stems": 8.0})
    index = MemoryIndex()
    first = assign_groups([(A, ("nato_expansion",), "ryabkov", False, ())], index, NOW, 0.5, scorer)
    again = assign_groups([(B, ("nato_expansion",), "ryabkov", False, ())], index, NOW, 0.5, scorer)
    unlike = [("NATO must not take Ukraine in, ever.", ("nato_expansion",), "ryabkov", False, ())]
    other = assign_groups(unlike, index, NOW, 0.5, scorer)
    assert first[0].is_new and not again[0].is_new and other[0].is_new
    assert 0.5 <= again[0].similarity <= 1.0
    # the same items with a scorer that never trusts a pair: every statement opens a group
    never = MemoryIndex()
    for text in (A, B):
        item = (text, ("nato_expansion",), "ryabkov", False, ())
        assert assign_groups([item], never, NOW, 0.5, linear_scorer(-20.0, {}))[0].is_new


def test_speaker_key_merges_the_bodies_of_one_state_only() -> None:
    from monitor.detect.dedup import speaker_key, state_keys
    from monitor.detect_step import shipped_resources

    states = state_keys(shipped_resources().actors)
    assert speaker_key("Kremlin", "a", states) == speaker_key("Russian Foreign Ministry", "b", states)
    assert speaker_key("Kremlin", "a", states) == speaker_key("Russia", "a", states) == "russia"
    assert speaker_key("White House", "a", states) == "united states"
    assert speaker_key("Dmitry Peskov", "a", states) == "dmitry peskov"  # people keep their own key
    assert speaker_key("Kremlin", "a") == "kremlin"  # without the map: the name itself
    assert speaker_key(None, "a", states) == "author@a"


def test_an_articles_own_statements_are_scored_as_same_article_candidates() -> None:
    # a scorer that joins only pairs within one article: the same speaker's second statement on the
    # demand, a few sentences on and sharing no blocking key, joins the first; a later article's does not
    scorer = linear_scorer(-5.0, {"same_article": 10.0})
    index = MemoryIndex()
    other = "Strike systems near our borders are a threat, he said."
    items = [
        (A, ("nato_expansion",), "ryabkov", False, ()),
        ("Nothing.", (), "x", False, ()),
        (other, ("nato_expansion",), "ryabkov", False, ()),
    ]
    fa, fo = fingerprint(A, ["nato_expansion"], "ryabkov"), fingerprint(other, ["nato_expansion"], "ryabkov")
    assert not set(blocking_keys(fa, NOW)) & set(blocking_keys(fo, NOW))
    first = assign_groups(items, index, NOW, 0.5, scorer)
    assert first[0].is_new and not first[1].is_new and first[1].group_id == first[0].group_id
    later = assign_groups([(other, ("nato_expansion",), "ryabkov", False, ())], index, NOW, 0.5, scorer)
    assert later[0].is_new
    assert pair_features(fo, fa, False, True)["same_article"] == 1.0
    assert "same_article" not in pair_features(fo, fa, False)


def test_earlier_articles_statements_need_their_own_threshold() -> None:
    # a scorer giving every pair of one speaker and demand 0.3: enough for an earlier article's
    # statement at a cross-article threshold of 0.2, not at the same-article threshold of 0.5
    scorer = linear_scorer(-0.8473, {})  # sigmoid(-0.8473) = 0.3
    item = (A, ("nato_expansion",), "ryabkov", False, ())
    index = MemoryIndex()
    first = assign_groups([item], index, NOW, 0.5, scorer)
    strict = assign_groups([(B, ("nato_expansion",), "ryabkov", False, ())], index, NOW, 0.5, scorer)
    assert first[0].is_new and strict[0].is_new
    index = MemoryIndex()
    first = assign_groups([item], index, NOW, 0.5, scorer, 0.2)
    loose = assign_groups([(B, ("nato_expansion",), "ryabkov", False, ())], index, NOW, 0.5, scorer, 0.2)
    assert not loose[0].is_new and loose[0].group_id == first[0].group_id


def test_pairs_of_two_articles_see_the_days_between_them() -> None:
    # reports of one occasion appear within days of each other (convention 6): the repeat
    # classifier weighs the gap, bucketed, between two articles' publication dates
    day = datetime(2022, 1, 10, tzinfo=UTC).date()
    fa = fingerprint(A, ["nato_expansion"], "ryabkov", day=day)
    for gap, bucket in ((0, "days:1"), (1, "days:1"), (5, "days:2"), (20, "days:3"), (200, "days:4")):
        fb = fingerprint(B, ["nato_expansion"], "ryabkov", day=day + timedelta(days=gap))
        f = pair_features(fa, fb, False)
        assert [k for k in f if k.startswith("days:")] == [bucket]
        assert pair_features(fb, fa, False)[bucket] == 1.0  # symmetric
        assert not [k for k in pair_features(fa, fb, False, True) if k.startswith("days:")]  # one article: one date
    undated = fingerprint(B, ["nato_expansion"], "ryabkov")
    assert [k for k in pair_features(fa, undated, False) if k.startswith("days:")] == ["days:unknown"]


def test_a_stored_fingerprint_keeps_its_date() -> None:
    day = datetime(2024, 7, 28, tzinfo=UTC).date()
    fp = fingerprint(A, ["nato_expansion"], "ryabkov", ["nato_expansion:membership"], day)
    stored = fingerprint_to_json(fp)
    assert stored["day"] == "2024-07-28"
    assert fingerprint_from_json(stored) == fp
    assert "day" not in fingerprint_to_json(fingerprint(A, ["nato_expansion"], "ryabkov"))
    assert fingerprint_from_json({**stored, "day": "not a date"}).day is None  # a damaged date only loses the feature
    assert fingerprint_from_json({**stored, "day": 5}).day is None


def test_reports_of_one_occasion_meet_however_far_apart_they_were_fetched() -> None:
    # keys are stored under the week first seen and the week published: a report fetched ten
    # weeks after another (a source added late, an archive) still finds it by its own date
    day = NOW.date()
    first = fingerprint(A, ["nato_expansion"], "ryabkov", day=day)
    stored = set(blocking_keys(first, NOW))
    late = fingerprint(B, ["nato_expansion"], "ryabkov", day=day + timedelta(days=3))
    assert stored & set(lookup_keys(late, NOW + timedelta(weeks=10)))
    # fetched later, published before
    earlier = fingerprint(A, ["nato_expansion"], "ryabkov", day=day - timedelta(days=6))
    assert stored & set(lookup_keys(earlier, NOW + timedelta(weeks=10)))
    undated = fingerprint(A, ["nato_expansion"], "ryabkov")
    assert not stored & set(lookup_keys(undated, NOW + timedelta(weeks=10)))
    months_apart = fingerprint(A, ["nato_expansion"], "ryabkov", day=day + timedelta(days=120))
    assert not stored & set(lookup_keys(months_apart, NOW + timedelta(weeks=10)))
    # the grouping itself: the late report joins the first one's group
    index = MemoryIndex()
    item = (A, ("nato_expansion",), "ryabkov", False, ())
    opened = assign_groups([item], index, NOW, day=day)
    joined = assign_groups([(B, *item[1:])], index, NOW + timedelta(weeks=10), day=day + timedelta(days=3))
    assert opened[0].is_new and not joined[0].is_new and joined[0].group_id == opened[0].group_id
    index = MemoryIndex()
    assign_groups([item], index, NOW, day=day)
    late_undated = assign_groups([(B, *item[1:])], index, NOW + timedelta(weeks=10))
    assert late_undated[0].is_new  # no date: the fetch weeks only


def test_an_undated_statement_keeps_the_keys_of_its_fetch_week_only() -> None:
    fp = fingerprint(A, ["nato_expansion"], "ryabkov")
    assert len(blocking_keys(fp, NOW)) == len(set(blocking_keys(fp, NOW)))
    dated = fingerprint(A, ["nato_expansion"], "ryabkov", day=(NOW - timedelta(weeks=30)).date())
    assert set(blocking_keys(fp, NOW)) < set(blocking_keys(dated, NOW))  # both weeks
    same_week = fingerprint(A, ["nato_expansion"], "ryabkov", day=NOW.date())
    assert blocking_keys(same_week, NOW) == blocking_keys(fp, NOW)  # one week: no duplicate keys


def test_a_damaged_stored_list_is_read_as_empty() -> None:
    """A stored fingerprint whose lists are missing or not lists (a hand-edited row, another
    writer) is read with those parts empty, never split into characters or refused."""
    fp = fingerprint(A, ["nato_expansion"], "ryabkov", ["nato_expansion:membership"])
    stored = fingerprint_to_json(fp)
    damaged = fingerprint_from_json({**stored, "stems": "nato", "labels": 7, "concepts": None})
    assert damaged.stems == damaged.shingles == damaged.labels == damaged.concepts == frozenset()
    assert damaged.speaker == fp.speaker
    missing = fingerprint_from_json({"speaker": "ryabkov"})
    assert missing.stems == missing.labels == frozenset() and missing.day is None


def test_an_interviewers_question_raises_no_alert() -> None:
    """A transcript's question turn is labelled (it names the demand) but is nobody's position:
    like the author's narrative it gets no group, while the answer does."""
    from monitor.detect.article import analyse_text
    from monitor.detect.dedup import grouping_items
    from monitor.detect_step import shipped_resources

    text = (
        "Question: Will NATO withdraw its forces from the Baltic states, as Russia demands?\n"
        "Jens Stoltenberg: NATO will not withdraw its forces from the Baltic states.\n"
        "Question: And the missiles?\n"
        "Jens Stoltenberg: We have no plans to deploy new missiles in Europe."
    )
    results = analyse_text(text, shipped_resources())
    assert results[0].labels and results[0].speaker is not None and results[0].speaker.name == "journalist"
    items = grouping_items(results, "doc")
    assert items[0][1] == ()  # the question: no labels for grouping, so no group and no alert
    assert items[1][1] == results[1].labels != ()
    grouped = assign_groups(items, MemoryIndex(), NOW)
    assert [g.position for g in grouped if g.is_new] == [1, 3]
