"""Sentence segmentation for news text, with character offsets into the article.

Pure: no I/O. The splitter is a single linear pass over each line, so a 5 MB paragraph
without punctuation costs one scan and cannot backtrack.

Conventions (the gold sets follow them):

- every line break is a boundary (headlines, captions and list lines end without punctuation);
- a sentence ends at ``.``, ``!``, ``?`` or ``…`` (and runs of them), plus any closing quotes or
  brackets that follow, when the next word starts like a sentence: an upper-case letter, a digit,
  an opening quote or a dash followed by a space;
- so a closing quote with its attribution (``...," he said.``) and a lower-case parenthetical
  aside after a full stop (``... ranks. (both countries ...)``) stay with the sentence before;
- abbreviations (``Mr.``, ``Gen.``, ``Jan.``), initials (``J. Biden``), dotted acronyms (``U.S.``)
  and in-line list markers after a colon or semicolon (``demands: 1. Non-expansion; 2. ...``) do
  not end a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["Segment", "segment_text"]


@dataclass(frozen=True, slots=True)
class Segment:
    """One sentence: ``text == article_text[start:end]``; ``line`` counts non-empty lines (paragraphs)."""

    index: int
    start: int
    end: int
    text: str
    line: int


# Words that end with a full stop without ending the sentence (compared lower-case, without the dot).
ABBREVIATIONS: Final = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "adm",
        "gov",
        "sen",
        "rep",
        "pres",
        "st",
        "jr",
        "sr",
        "rev",
        "hon",
        "amb",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "nos",
        "vol",
        "art",
        "para",
        "fig",
        "vs",
        "approx",
        "dept",
        "est",
        "inc",
        "ltd",
        "corp",
        "co",
        "bros",
        "г",
        "гг",
        "т",
        "тт",
        "др",
        "пр",
        "им",
        "ул",
        "стр",
        "рис",
        "См",
        "см",
        "тыс",
        "млн",
        "млрд",
        "руб",
        "ген",
        "полк",
        "проф",
        "акад",
    ]
)

_TERMINATOR: Final = re.compile(r"[.!?…]+")
_CLOSERS: Final = frozenset("\"'”’»)]")
_OPENERS: Final = frozenset("\"'“‘«([")
_DASHES: Final = frozenset("–—-")
_MAX_WORD_BACK: Final = 40
# the attribution of a quoted question or exclamation: "Putin said", "he asked", "said Lavrov"
_SPEECH_AFTER: Final = r"(?:said|says|asked|asks|added|adds|told|tells|warned|stressed|noted|insisted|declared|replied|wrote|shouted|exclaimed)"
_ATTRIBUTION_AFTER: Final = re.compile(
    rf"(?:(?:[A-ZА-ЯЁ][\w.'’-]*\s+){{1,4}}|(?:he|she|they|we|I)\s+){_SPEECH_AFTER}(?!\w)|{_SPEECH_AFTER}\s+[A-ZА-ЯЁ]"
)


def segment_text(text: str) -> list[Segment]:
    """Split ``text`` into sentences; offsets index ``text`` exactly, whitespace is trimmed."""
    segments: list[Segment] = []
    line_no = 0
    pos = 0
    for raw_line in text.splitlines(keepends=True):
        line = raw_line.rstrip("\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85")
        if line.strip():
            for start, end in _split_line(line):
                segments.append(Segment(len(segments), pos + start, pos + end, line[start:end], line_no))
            line_no += 1
        pos += len(raw_line)
    return segments


def _split_line(line: str) -> list[tuple[int, int]]:
    """Sentence spans inside one line (trimmed, non-empty)."""
    spans: list[tuple[int, int]] = []
    begin = 0
    for match in _TERMINATOR.finditer(line):
        end = match.end()
        while end < len(line) and line[end] in _CLOSERS:
            end += 1
        if _is_boundary(line, match.start(), match.group(), end):
            spans.append((begin, end))
            begin = end
    spans.append((begin, len(line)))
    out: list[tuple[int, int]] = []
    for span in spans:
        trimmed = _trim(line, *span)
        if trimmed is None:
            continue
        if out and not any(ch.isalnum() for ch in line[trimmed[0] : trimmed[1]]):
            out[-1] = (out[-1][0], trimmed[1])  # a stray closing quote: "... safety. \""
        else:
            out.append(trimmed)
    return out


def _is_boundary(line: str, dot_at: int, marks: str, end: int) -> bool:
    """Whether the terminator ``marks`` at ``dot_at`` (closers up to ``end``) ends a sentence."""
    nxt = end
    while nxt < len(line) and line[nxt].isspace():
        nxt += 1
    if nxt == len(line):
        return True
    if nxt == end and marks != "…" and not line[end - 1] in _CLOSERS:
        return False  # "U.S.A", "3.5", "e.g.x": no space after the mark
    if not _starts_sentence(line, nxt):
        return False
    if marks[-1] in "?!" and line[end - 1] in _CLOSERS and _ATTRIBUTION_AFTER.match(line, nxt):
        return False  # '"Is it us who are putting missiles near the U.S. borders?" Putin said angrily.'
    if marks == "." and end == dot_at + 1:
        return not _is_abbreviation(line, dot_at)
    return True


def _starts_sentence(line: str, at: int) -> bool:
    char = line[at]
    if char.isupper() or char.isdigit():
        return True
    if char in _OPENERS:
        rest = line[at + 1 : at + 3].lstrip(" \"'“‘«")
        return not rest or not rest[0].islower()
    if char in _DASHES:
        rest = line[at + 1 : at + 3]
        return rest[:1] == " " and rest[1:2].isupper()
    return False


def _is_abbreviation(line: str, dot_at: int) -> bool:
    """A single dot after an abbreviation, an initial, a dotted acronym or a list number."""
    start = dot_at
    limit = max(0, dot_at - _MAX_WORD_BACK)
    while start > limit and not line[start - 1].isspace() and line[start - 1] not in _OPENERS:
        start -= 1
    word = line[start:dot_at]
    if not word:
        return False
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial: "J. Biden"
    if "." in word and all(len(part) <= 2 for part in word.split(".")):
        return True  # a dotted acronym: "U.S.", "a.m."
    if word.lower() in ABBREVIATIONS:
        return True
    if word.isdigit() and len(word) <= 2:
        before = line[:start].rstrip()
        return not before or before[-1] in ":;"
    return False


def _trim(line: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
