"""Stance of a statement towards its demand: ``pro``, ``contra`` or ``neutral``. Pure.

The speaker's side decides first: the side that put the demands forward advances them
(``pro``), the side answering them resists them (``contra``) unless the sentence makes an
offer on them ("ready to discuss limits on missiles"), media and observers report
(``neutral``). The author's own narrative is ``neutral`` unless it argues: modal or
evaluative wording ("should", "obviously", "contradicts") or an article written from the
demanding side's first-person perspective ("our borders").
"""

from __future__ import annotations

import re
from typing import Final

from monitor.detect.resources import normalise
from monitor.detect.speaker import Speaker

__all__ = ["STANCES", "decide_stance", "is_partisan_text"]

STANCES: Final = ("pro", "contra", "neutral")

_REJECTS: Final = re.compile(
    r"(?<!\w)(?:not|no|never|reject\w*|refus\w*|won't|cannot|can't|unacceptable|non-starter|open door|open-door"
    r"|right to choose|sovereign right|will not allow|nothing about|не|нет|никогда|отверг\w*|отказ\w*)(?!\w)"
)
_OFFERS: Final = re.compile(
    r"(?<!\w)(?:groundwork|ready to discuss|willing to discuss|possible to agree|restor\w*|could lay|offer\w*"
    r"|propos\w*|готов\w* обсуд\w*)(?!\w)"
)
_ARGUES: Final = re.compile(
    r"(?<!\w)(?:should|must|needs? to|obviously|apparently|clearly|contradict\w*|decided to withdraw|does not suit"
    r"|never comprehended|cornerstone|in no way|должн\w*|очевидно|необходимо)(?!\w)"
)
_PARTISAN: Final = re.compile(
    r"(?<!\w)(?:our (?:borders|country|national security|intentions|security)|наш\w* (?:границ\w*|стран\w*))(?!\w)"
)


def is_partisan_text(text: str) -> bool:
    """Whether the author writes from the demanding side's first-person perspective."""
    return len(_PARTISAN.findall(normalise(text[:200_000]))) >= 2


def decide_stance(sentence: str, speaker: Speaker | None, *, partisan_author: bool = False) -> str:
    """``pro`` / ``contra`` / ``neutral`` for a labelled sentence."""
    norm = normalise(sentence[:2_000])
    if speaker is None:
        return "pro" if partisan_author or _ARGUES.search(norm) else "neutral"
    if speaker.side == "russia":
        return "pro"
    if speaker.side == "west":
        if _OFFERS.search(norm) and not _REJECTS.search(norm):
            return "pro"
        return "contra"
    return "neutral"
