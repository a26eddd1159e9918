"""Sentences that carry no claim of their own and so never get a demand label. Pure.

By the labelling conventions a sentence is labelled only when it states, reports or questions a
position; two kinds of segment never do, whatever their neighbours say:

- page furniture: datelines ("MOSCOW, January 14. /TASS/."), photo captions and credits
  ("Photo: Reuters", "Фото: РИА Новости"), agency bylines and time stamps ("Last updated: ...");
- source pointers that only say where the sentence before was said ("Об этом заявил ...",
  "This was stated on the website of ...", "With such a call, he turned to ...") and name no
  demand themselves;
- the reporter's notes on the statement that add nothing to it ("He did not elaborate.",
  "The ministry declined to comment further.", "No further details were given.").

The learned layer inherits labels from the context, so without this check a dateline between
two statements would pick up their labels.
"""

from __future__ import annotations

import re
from typing import Final

from monitor.detect.resources import normalise

__all__ = ["POINTER", "SOURCE_POINTER", "is_furniture", "is_no_detail", "is_pointer", "makes_no_claim"]

MAX_FURNITURE_WORDS: Final = 12

# "This was stated by ...", "Об этом заявил ...": the sentence names the source of the one before
SOURCE_POINTER: Final = re.compile(
    r"^\W*(?:(?:this|that|it) (?:was|is|has been) (?:\w+ )?"
    r"(?:said|stated|announced|reported|noted|written|declared|mentioned|published)\b"
    r"|об этом (?:заявил|сообщил|рассказал|сказал|написал|отметил|говорится|пишет)\w*)"
)
# ... and other openings that only point back ("Об этом ...", "That was the message ...")
POINTER: Final = re.compile(
    SOURCE_POINTER.pattern
    + r"|^\W*(?:об этом|(?:this|that) was the (?:message|view|position))"
    # "Как ранее заявил Песков." points back; "Как заявил Рябков, Россия не откажется ..." has its claim
    + r"|^\W*как (?:\w+ )?(?:заявил|сообщил|отметил)\w*[^,]*$"
    # "With such a call, he turned to ...", "С таким заявлением выступил ...": where the one before was said
    + r"|^\W*with (?:such|this|these|that) (?:an? )?(?:call|appeal|statement|words|remarks|warning)s?\b"
    + r"|^\W*с (?:таким|этим|подобным) (?:заявлением|призывом|предупреждением|словами)"
)

_MONTH: Final = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    r"|(?:январ|феврал|март|апрел|ма|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-я]*"
)
_FURNITURE: Final = re.compile(
    # a dateline: a place in capitals or title case, a date, maybe the agency ("MOSCOW, July 11 - RIA Novosti.")
    rf"^\W*[A-ZА-ЯЁ][\w.\- ]{{1,30}},\s*(?:(?i:{_MONTH})\s*\d{{1,2}}|\d{{1,2}}\s*(?i:{_MONTH}))\b"
    # an agency slug or byline on its own ("/TASS/.", "(Xinhua)", "AFP", "REUTERS/Maxim Shemetov")
    r"|^\W*(?:/\s*[A-ZА-Я]+\s*/|\((?:xinhua|afp|ap|reuters)\))"
    r"|^\W*(?i:reuters|afp|ap|tass|epa|getty images|xinhua|ria novosti|риа новости|тасс)\b\W*(?:/|,|$)"
    # photo captions and credits, time stamps
    r"|^\W*(?i:(?:sample |file |main )?photo|фото|image|picture|credit)\s*(?::|\.|$)"
    r"|^\W*(?i:published|last updated|last modified|updated|опубликовано|обновлено)\s*:"
    # agency credit lines: "Reporting by Andrew Osborn; Editing by Mark Trevelyan"
    r"|^\W*(?i:(?:additional )?(?:reporting|writing|editing|compiled|translated|translation|text)\s+by)\b"
    r"|^\W*(?i:our standards:)"
)


def is_furniture(text: str) -> bool:
    """Whether ``text`` is a dateline, photo credit, byline or time stamp, not a sentence of the story."""
    return len(text.split()) <= MAX_FURNITURE_WORDS and bool(_FURNITURE.search(text[:300]))


def is_pointer(text: str) -> bool:
    """Whether ``text`` opens as a pointer to the source of the sentence before ("Об этом заявил ...")."""
    return bool(POINTER.search(normalise(text[:200])))


# "He did not elaborate.", "declined to comment", "gave no further details": nothing of the claim
_NO_DETAIL: Final = re.compile(
    r"\b(?:did not|didn't|does not|doesn't|would not|wouldn't|declined to|refused to)"
    r" (?:elaborate|specify|comment|give details"
    r"|provide (?:any )?(?:further |more |additional )?(?:details|information))\b"
    r"|\b(?:gave|provided|offered) no (?:further |more |additional |other )?(?:details|information|comment)\b"
    r"|\bno (?:further|more|additional|other) (?:details|information)"
    r" (?:was|were) (?:given|provided|released|offered)\b"
    r"|\bне (?:уточнил\w*|стал\w* уточнять|стал\w* комментировать|привел\w* подробност\w*)"
    r"|\bподробност\w* не (?:приводятся|сообщаются|уточняются)"
)


def is_no_detail(text: str) -> bool:
    """Whether ``text`` is a short note that the speaker gave no details or declined to comment."""
    return len(text.split()) <= MAX_FURNITURE_WORDS and bool(_NO_DETAIL.search(normalise(text[:300])))


def makes_no_claim(text: str) -> bool:
    """Whether ``text`` is furniture, a pointer or a no-detail note: a segment with no claim of its own."""
    return is_furniture(text) or is_pointer(text) or is_no_detail(text)
