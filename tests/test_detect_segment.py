"""Sentence segmentation: news conventions, offsets, bad input."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.detect.segment import segment_text

SEGMENT_CASES = {
    "plain": ("NATO met. Russia objected.", ["NATO met.", "Russia objected."]),
    "abbreviations": (
        "Gen. Smith met Mr. Jones in the U.S. capital. Then he left.",
        ["Gen. Smith met Mr. Jones in the U.S. capital.", "Then he left."],
    ),
    "initial": ("J. Biden spoke. He left.", ["J. Biden spoke.", "He left."]),
    "quote with attribution": (
        '"We want guarantees. Now," he said. Next one.',
        ['"We want guarantees.', 'Now," he said.', "Next one."],
    ),
    "curly quote attribution": (
        "“Ukraine must never join NATO,” he said. The end.",
        ["“Ukraine must never join NATO,” he said.", "The end."],
    ),
    "headline lines": (
        "Russia demands guarantees\nThe talks began on Monday.",
        ["Russia demands guarantees", "The talks began on Monday."],
    ),
    "ellipsis": ("It failed… Russia will respond.", ["It failed…", "Russia will respond."]),
    "dash speech": ("He told Izvestia. – It cannot go on.", ["He told Izvestia.", "– It cannot go on."]),
    "lowercase parenthetical": (
        "It could join. (both countries are neutral). Next.",
        ["It could join. (both countries are neutral).", "Next."],
    ),
    "inline list": (
        "Three demands: 1. Non-expansion; 2. The 1997 lines. Done.",
        ["Three demands: 1. Non-expansion; 2. The 1997 lines.", "Done."],
    ),
    "stray closing quote": ('He said "get used to it. "\nNext.', ['He said "get used to it. "', "Next."]),
    "russian": (
        "Рябков заявил: «Украина не должна вступить в НАТО». Переговоры продолжатся.",
        ["Рябков заявил: «Украина не должна вступить в НАТО».", "Переговоры продолжатся."],
    ),
    "empty": ("", []),
    "only blanks": ("  \n\n \t ", []),
}


@pytest.mark.parametrize("text, expected", SEGMENT_CASES.values(), ids=SEGMENT_CASES)
def test_segment_text(text: str, expected: list[str]) -> None:
    assert [s.text for s in segment_text(text)] == expected


@given(st.text(alphabet=st.sampled_from(list('ab C.!?…"“”«»()-–\n U.S. Mr 1:;')), max_size=300))
@settings(max_examples=300, deadline=None)
def test_offsets_index_back_into_the_text(text: str) -> None:
    segments = segment_text(text)
    for seg in segments:
        assert text[seg.start : seg.end] == seg.text
        assert seg.text == seg.text.strip() and seg.text
    assert all(a.end <= b.start for a, b in itertools.pairwise(segments))
    kept = "".join(c for s in segments for c in s.text if not c.isspace())
    assert kept == "".join(c for c in text if not c.isspace())


def test_bad_input_stays_one_segment() -> None:
    huge = ("word " * 1_000_000)[:5_000_000]
    assert len(segment_text(huge)) == 1
    dots = "a. " * 500_000
    assert len(segment_text(dots)) == 1  # its cost is measured in bench/bench_hostile.py


def test_a_quoted_question_keeps_its_attribution() -> None:
    text = "“Is it us who are putting missiles near the U.S. borders?” Putin said angrily. Then he left."
    assert [s.text for s in segment_text(text)] == [
        "“Is it us who are putting missiles near the U.S. borders?” Putin said angrily.",
        "Then he left.",
    ]
    assert [s.text for s in segment_text('"Why not?" asked Lavrov.')] == ['"Why not?" asked Lavrov.']
    assert [s.text for s in segment_text("What now? Putin said nothing.")] == ["What now?", "Putin said nothing."]
