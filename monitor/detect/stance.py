"""Stance of a statement towards its demand: ``pro``, ``contra`` or ``neutral``. Pure.

The speaker's side decides first: the side that put the demands forward advances them
(``pro``), the side answering them resists them (``contra``) unless the sentence makes an
offer on them ("ready to discuss limits on missiles"), media and observers report
(``neutral``). The author's own narrative is ``neutral`` unless it argues: against a demand
("the open door should stay open", "no alliance could accept that") is ``contra``; modal or
evaluative wording ("should", "obviously", "contradicts") or an article written from the
demanding side's first-person perspective ("our borders") is ``pro``.
"""

from __future__ import annotations

import re
from typing import Final

from monitor.detect.resources import normalise
from monitor.detect.speaker import Speaker

__all__ = ["STANCES", "decide_stance", "is_partisan_text"]

STANCES: Final = ("pro", "contra", "neutral")

_REJECTS: Final = re.compile(
    r"(?<!\w)(?:not|no|never|reject\w*|refus\w*|won't|cannot|can't|unacceptable|non-starters?|open doors?|open-door"
    r"|right to choose|sovereign right|will not allow|nothing about|pushed back|rebuff\w*|veto|no change"
    r"|не|нет|никогда|отверг\w*|отказ\w*)(?!\w)"
)
_OFFERS: Final = re.compile(
    r"(?<!\w)(?:groundwork|ready to discuss|willing to discuss|possible to agree|restor\w*|could lay|offer\w*"
    r"|reciprocal|ready to (?:talk|negotiate)|готов\w* обсуд\w*|предлож\w*)(?!\w)"
)
# The author arguing against a demand ("The open door should stay open.").
_AUTHOR_AGAINST: Final = re.compile(
    r"(?<!\w)(?:(?:stay|remain|keep\w*) (?:\w+ )?open|turn\w* back the clock|(?:not|never) be turned back"
    r"|no (?:alliance|democracy) (?:\w+ )?could|could not accept|cannot accept|unrealistic|fantasy|non-starters?"
    r"|(?:has|have) no veto|not have a veto|sovereign right|right to choose)(?!\w)"
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
        if partisan_author:
            return "pro"
        if _AUTHOR_AGAINST.search(norm):
            return "contra"
        return "pro" if _ARGUES.search(norm) else "neutral"
    if speaker.side == "russia":
        return "pro"
    if speaker.side == "west":
        offer, reject = _OFFERS.search(norm), _REJECTS.search(norm)
        if offer and (reject is None or offer.start() < reject.start()):
            return "pro"  # a sentence that offers and rejects takes the part it leads with
        return "contra"
    return "neutral"
