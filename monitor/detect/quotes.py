"""Quotation marks in a sentence: which offsets stand outside quotation marks, and whether a
mention or a verb stands inside a quotation.

Pure. Marks are the straight double quote and the typographic ones (“ ” « » „); a straight quote
opens or closes by turns.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["QUOTE_CHARS", "inside_quote_before", "opens_quote_before", "outside_quotes"]

QUOTE_CHARS: Final = frozenset('"“”«»„')
_QUOTE_MARK: Final = re.compile('[“«„”»"]')


def outside_quotes(norm: str, starts_inside: bool) -> list[bool]:
    """Per offset of ``norm`` (and one past its end): whether it stands outside quotation marks,
    a mark counting from the offset after it. Filled run by run between the marks: a step per
    character took a quarter of the speaker rules' time."""
    inside = starts_inside
    flags: list[bool] = []
    done = 0
    for mark in _QUOTE_MARK.finditer(norm):
        flags.extend([not inside] * (mark.end() - done))
        done = mark.end()
        char = mark.group()
        inside = True if char in "“«„" else False if char in "”»" else not inside
    flags.extend([not inside] * (len(norm) + 1 - done))
    return flags


def inside_quote_before(norm: str, start: int, end: int) -> bool:
    """A mention inside a quotation that closes before the verb is not its subject."""
    return any(c in QUOTE_CHARS for c in norm[start:end]) and norm[start:end].count('"') % 2 == 1


def opens_quote_before(text: str, at: int) -> bool:
    """Whether the last quotation mark in the 60 characters before ``at`` opens a quotation."""
    window = text[max(0, at - 60) : at]
    marks = [c for c in window if c in QUOTE_CHARS]
    return bool(marks) and marks[-1] in "“«„"
