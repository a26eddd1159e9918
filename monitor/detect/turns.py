"""Transcript turns: the "Vladimir Putin: ..." or "Question: ..." label each segment of a
transcript is in. Pure.

:func:`speaker_turns` finds the turns; the attribution (:mod:`monitor.detect.speaker`) makes a
turn's sentences its holder's, and a question turn's the interviewer's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from monitor.detect.names import NOT_NAME
from monitor.detect.resources import normalise
from monitor.detect.segment import Segment

__all__ = ["QUESTION_TURN", "TURN", "speaker_turns"]

TURN: Final = re.compile(r"^\W{0,3}([^\W\d][\w.'’ -]{0,40}?)\s*(?:\([^)]{0,60}\))?\s*:\s")
QUESTION_TURN: Final = frozenset(
    {"question", "q", "вопрос", "journalist", "журналист", "interviewer", "host"}
)


def speaker_turns(segments: Sequence[Segment]) -> list[str | None]:
    """Transcript layout ("Vladimir Putin: ...", "Question: ..."): the turn label each segment is in.

    A document is a transcript when at least two lines open with such a prefix; a turn runs until
    the next prefix. Returns None everywhere for ordinary articles.
    """
    starts: dict[int, str] = {}
    first_of_line: dict[int, int] = {}
    for seg in segments:
        first_of_line.setdefault(seg.line, seg.index)
    for line, idx in first_of_line.items():
        m = TURN.match(segments[idx].text)
        if m and _is_turn_label(m.group(1).strip()):
            starts[line] = m.group(1).strip()
    people = [t for t in starts.values() if normalise(t) not in QUESTION_TURN]
    if len(starts) < 2 or not people:
        return [None] * len(segments)
    out: list[str | None] = []
    current: str | None = None
    for seg in segments:
        if seg.line in starts and seg.index == first_of_line[seg.line]:
            current = starts[seg.line]
        out.append(current)
    return out


# "Vladimir Putin", or a surname after initials as official transcripts print it ("С.В.Лавров", "V. Putin")
_PERSON_LABEL: Final = re.compile(
    r"^(?:[A-ZА-ЯЁ][a-zа-яё'’-]+(?:\s+[A-ZА-ЯЁ][a-zа-яё'’-]+){1,2}"
    r"|(?:[A-ZА-ЯЁ]\.\s?){1,2}[A-ZА-ЯЁ][a-zа-яё'’-]+)$"
)


def _is_turn_label(label: str) -> bool:
    """A person's name ("Vladimir Putin", "С.В.Лавров") or a question marker; not "Photo", "Author",
    "Read also"."""
    if normalise(label) in QUESTION_TURN:
        return True
    words = label.split()
    return bool(_PERSON_LABEL.match(label)) and not any(w.lower() in NOT_NAME for w in words[1:])
