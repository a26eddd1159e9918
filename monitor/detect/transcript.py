"""Transcripts of one speaker: a press conference, a speech, remarks or an interview. Pure.

Official sites publish what a person said as a page of its own, titled "Press conference by NATO
Secretary General Jens Stoltenberg", "Foreign Minister Sergey Lavrov's remarks and answers to
media questions" or "Выступление Министра иностранных дел России С.В.Лаврова", and the text
itself never names the speaker again: "We agreed to bring Ukraine closer to the Alliance."

:func:`transcript_speaker` finds that person in the document's title or in its first lines
("Closing press conference / by NATO Secretary General Jens Stoltenberg"), and
:func:`credit_transcript` makes them the speaker of every sentence that has no attribution of
its own, except the questions of a question-and-answer transcript.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Final

from monitor.detect.resources import Actor, normalise
from monitor.detect.segment import Segment
from monitor.detect.speaker import Speaker, find_mentions, speaker_turns

__all__ = ["credit_transcript", "transcript_speaker"]

_KINDS: Final = (
    r"press conferences?|news conferences?|press briefings?|briefings?|press points?|doorsteps?|remarks"
    r"|speech(?:es)?|statements?|address(?:es)?|interviews?|op-eds?|articles?|video messages?|messages?"
    r"|lectures?|keynotes?|answers to (?:media )?questions|transcripts?"
)
# only these words may come before the kind of text: "Closing press conference by ...", not
# "Russia slams remarks by NATO chief" (a news headline about remarks)
_MODIFIERS: Final = (
    r"(?:(?:opening|closing|joint|final|introductory|keynote|televised|video|annual|special|full|official"
    r"|press|news|the|a|an)\s+){0,3}"
)
# "Closing press conference by NATO Secretary General Jens Stoltenberg at the end of ...", not
# "The article has been translated by Google Translate"
_BY: Final = re.compile(rf"^\W*{_MODIFIERS}(?:{_KINDS})\s+by\s+(?P<who>.+)$", re.I)
# "Foreign Minister Sergey Lavrov's remarks and answers to media questions at ...", not "Lavrov's
# remarks spark outrage"
_OWN: Final = re.compile(
    rf"^\W*(?P<who>[^:.!?]{{3,100}}?)[’']s\s+{_MODIFIERS}(?:{_KINDS})"
    r"(?=\s+(?:and|at|to|on|during|following|in|with|before|for)\b|\s*[,:–—-]|\s*$)",
    re.I,
)
# "Выступление и ответы на вопросы СМИ Министра иностранных дел России С.В.Лаврова ..."
_RU: Final = re.compile(
    r"^\W*(?:выступлени\w+|интервью|заявлени\w+|брифинг\w*|пресс-конференци\w+|ответы на вопросы"
    r"|вступительное слово|стать\w+|обращени\w+|послани\w+)\b(?P<who>.+)$",
    re.I,
)
# a line of its own under a heading: "by NATO Secretary General Jens Stoltenberg at the end of ..."
_BY_LINE: Final = re.compile(r"^\W*by\s+(?P<who>.+)$", re.I)
_HEAD_KIND: Final = re.compile(rf"^\W*{_MODIFIERS}(?:{_KINDS})\W*$", re.I)
HEAD_SEGMENTS: Final = 4  # the text's first segments that may carry the title


def transcript_speaker(
    title: str, segments: Sequence[Segment], actors: Sequence[Actor], *, published: date | None = None
) -> Speaker | None:
    """The one speaker of a transcript named by its title or first lines, or None (not a transcript,
    or nobody known named)."""
    heads = [title.strip()] if title.strip() else []
    first = [seg.text.strip() for seg in segments[:HEAD_SEGMENTS]]
    heads.extend(first)
    for k in range(1, len(first)):
        by = _BY_LINE.match(first[k])
        if by and _HEAD_KIND.match(first[k - 1]):
            found = _speaker_in(by.group("who"), actors, published, f"{first[k - 1]} {first[k]}")
            if found is not None:
                return found
    for head in heads:
        m = _BY.match(head) or _OWN.match(head) or _RU.match(head)
        if m:
            found = _speaker_in(m.group("who"), actors, published, head)
            if found is not None:
                return found
    return None


def _speaker_in(who: str, actors: Sequence[Actor], published: date | None, head: str) -> Speaker | None:
    mentions = find_mentions(Segment(0, 0, len(who), who, 0), actors, published=published)
    for kind in ("person", "institution"):
        for m in mentions:
            if m.kind == kind:
                return Speaker(m.name, m.kind, m.side, f'transcript: "{head[:80]}"')
    return None


def credit_transcript(
    segments: Sequence[Segment], speakers: list[Speaker | None], transcript: Speaker | None
) -> None:
    """Every sentence of a transcript without an attribution of its own is its speaker's, except
    the questions put to them and the title lines."""
    if transcript is None:
        return
    turns = speaker_turns(segments)
    for i, seg in enumerate(segments):
        if speakers[i] is not None or i < HEAD_SEGMENTS and _is_heading(seg.text):
            continue
        turn = turns[i]
        if turn is not None and normalise(turn) != normalise(transcript.name):
            continue  # a question, or another person's turn
        speakers[i] = transcript


def _is_heading(text: str) -> bool:
    t = text.strip()
    return bool(_HEAD_KIND.match(t) or _BY_LINE.match(t) or _BY.match(t) or _OWN.match(t) or _RU.match(t))
