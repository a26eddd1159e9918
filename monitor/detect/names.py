"""Unknown people's names: the name in a run of capitalised words, and the words that are no name.

Pure. A run of capitalised words that no listed actor matched may hold a person's name
("Estonian Defence Minister Hanno Pevkur" -> "Hanno Pevkur"); places, bodies, months, titles and
demonyms are no part of one.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["DEMONYMS", "MAX_NAME_WORDS", "NAME_RE", "NOT_NAME", "TITLE_WORDS", "name_span"]

# a run of capitalised words; the name in it is found by name_span (at most MAX_NAME_WORDS words)
NAME_RE: Final = re.compile(r"(?<!\w)([A-ZА-ЯЁ][a-zа-яё'’-]+(?:\s+[A-ZА-ЯЁ][a-zа-яё'’-]+){1,5})(?!\w)")
MAX_NAME_WORDS: Final = 3
NOT_NAME: Final = frozenset(
    [
        # places, bodies and events are never a person's name ("the Baltic Sea region")
        "sea",
        "ocean",
        "region",
        "river",
        "peninsula",
        "strait",
        "gulf",
        "bay",
        "lake",
        "island",
        "islands",
        "mountains",
        "district",
        "oblast",
        "province",
        "airport",
        "cosmodrome",
        "war",
        "forum",
        "base",
        "forces",
        "force",
        "alliance",
        "committee",
        "assembly",
        "parliament",
        "times",
        "press",
        "the",
        "on",
        "in",
        "at",
        "of",
        "for",
        "and",
        "but",
        "by",
        "to",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "however",
        "moreover",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "russian",
        "russia",
        "american",
        "united",
        "states",
        "nato",
        "north",
        "atlantic",
        "foreign",
        "deputy",
        "minister",
        "secretary",
        "general",
        "president",
        "state",
        "department",
        "european",
        "union",
        "council",
        "photo",
        "prime",
        "treaty",
        "organization",
        "federation",
        "security",
        "ministry",
        "defense",
        "defence",
        "house",
        "white",
        "kremlin",
        "geneva",
        "brussels",
        "vienna",
        "moscow",
        "washington",
        "ukraine",
        "georgia",
        "finland",
        "sweden",
        "europe",
        "eastern",
        "western",
        "west",
        "east",
        "according",
        "as",
        "after",
        "before",
        "since",
        "if",
        "when",
        "while",
        "professor",
        "higher",
        "school",
        "economics",
        "center",
        "centre",
        "naval",
        "analysis",
        "channel",
        "one",
        "news",
        "agency",
        "post",
        "reply",
        "leave",
        "first",
        "second",
        "third",
        "mr",
        "mrs",
        "ms",
        "dr",
        "permanent",
        "representative",
        "head",
        "delegation",
        "senate",
        "congress",
        "strategic",
        "act",
        "founding",
        "charter",
        "summit",
        "agreement",
        "declaration",
        "statement",
        "article",
        "question",
        "answer",
        "read",
        "also",
        "photo",
        "source",
        # a headline's verb after its speaker ("Kallas Says NATO Must ..."), in title case
        "says",
        "said",
        "warns",
        "warned",
        "tells",
        "told",
        "urges",
        "urged",
        "calls",
        "vows",
        "insists",
        "rejects",
        "accuses",
        "demands",
        "wants",
        "claims",
        "adds",
        "slams",
        "dismisses",
        "denies",
        "confirms",
        "announces",
        "sends",
        "signs",
        "seeks",
        "backs",
        "threatens",
        "pledges",
        "promises",
        "welcomes",
        "praises",
        "criticises",
        "criticizes",
        "condemns",
        "responds",
        "asks",
        "expects",
        "stresses",
        "reiterates",
        "admits",
        "agrees",
        "offers",
        "proposes",
        "meets",
        "visits",
        "hails",
        "blasts",
        "declares",
        "reveals",
        # picture credits and page furniture ("Getty Images", "Kremlin Aide Yury Ushakov")
        "copyright",
        "getty",
        "images",
        "image",
        "aide",
        "widget",
        "updated",
        "published",
        "subscription",
        "notification",
        "fellow",
        "associate",
        "это",
        "эти",
        "этот",
        "эта",
        "в",
        "во",
        "на",
        "по",
        "и",
        "но",
        "как",
        "что",
        "мы",
        "вы",
        "они",
        "он",
        "она",
        "тогда",
        "же",
        "также",
    ]
)
_RU_NOT_NAME_ENDINGS: Final = ("ой", "ий", "ый", "ая", "ого", "ему", "ции", "ии", "ых", "их", "ые", "ие")

# Titles and demonyms written in front of a name ("German Chancellor Olaf Scholz"): not part of it.
# nationalities: written before a name ("German Chancellor Olaf Scholz") or a role ("the Lithuanian president")
DEMONYMS: Final = frozenset(
    "russian american us u.s. lithuanian latvian estonian german french british polish ukrainian swedish "
    "finnish hungarian turkish romanian bulgarian czech slovak dutch danish norwegian italian spanish "
    "belarusian georgian chinese moldovan canadian".split()
)
TITLE_WORDS: Final = DEMONYMS | frozenset(
    "president prime minister chancellor secretary general deputy foreign defence defense spokesman "
    "spokeswoman spokesperson ambassador senator envoy special chief head leader commander admiral "
    "former then mr mrs ms dr lt col gen sir lord vice state national security adviser advisor".split()
)


def name_span(m: re.Match[str]) -> tuple[int, int, str] | None:
    """The unknown person's name in a run of capitalised words, with its span: a possessive ends
    the run ("Lithuania's Gitanas Nauseda" keeps the words after it); titles, demonyms and other
    words that are no part of a name split it, and the longest unbroken rest (the last of equal
    ones) of two to ``MAX_NAME_WORDS`` words is the name: "Estonian Defence Minister Hanno Pevkur"
    -> "Hanno Pevkur", while "Baltic Defence Ministers" holds no name (not "Baltic Ministers")."""
    words = [(w.start(), w.end(), w.group()) for w in re.finditer(r"\S+", m.group(1))]
    for k, (_, _, w) in enumerate(words):
        if w.endswith(("'s", "’s")):
            words = words[k + 1 :] if k < len(words) - 1 else words[:k]
            break
    runs: list[list[tuple[int, int, str]]] = [[]]
    for word in words:
        w = word[2].lower()
        if w.strip("'’") in NOT_NAME or w in TITLE_WORDS:
            runs.append([])
        else:
            runs[-1].append(word)
    core = max(reversed(runs), key=len)
    if not 2 <= len(core) <= MAX_NAME_WORDS:
        return None
    if any(w.lower().endswith(_RU_NOT_NAME_ENDINGS) for *_, w in core):
        return None
    base = m.start(1)
    return base + core[0][0], base + core[-1][1], " ".join(w for *_, w in core)
