"""Embassies as speakers: "Russia's embassy in Norway", "the Russian embassy", "its Stockholm
embassy", "посольство России в Швеции". Pure.

An embassy speaks for its state but is named on its own, "<Owner> Embassy in <Country>" ("Russian
Embassy in Sweden"), as the labelling conventions name it. A report often names the embassy in
full once and then says "the Russian embassy" or "the embassy": :func:`complete_embassies` gives
every embassy mention of a document the owner and the host country the document names, when it
names only one of each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final

__all__ = ["EmbassyMention", "complete_embassies", "embassy_mentions", "embassy_name"]

# owner words: adjective or possessive -> (the name's owner word, the owner state's actor name)
OWNERS: Final = {
    "russian": ("Russian", "Russia"),
    "russia's": ("Russian", "Russia"),
    "us": ("US", "United States"),
    "u.s.": ("US", "United States"),
    "american": ("US", "United States"),
    "ukrainian": ("Ukrainian", "Ukraine"),
    "ukraine's": ("Ukrainian", "Ukraine"),
    "belarusian": ("Belarusian", "Belarus"),
    "chinese": ("Chinese", "China"),
    "россии": ("Russian", "Russia"),
    "рф": ("Russian", "Russia"),
    "российское": ("Russian", "Russia"),
    "российского": ("Russian", "Russia"),
    "российским": ("Russian", "Russia"),
    "российском": ("Russian", "Russia"),
    "сша": ("US", "United States"),
    "американское": ("US", "United States"),
    "американского": ("US", "United States"),
    "украины": ("Ukrainian", "Ukraine"),
}
_OWNER_WORDS: Final = r"Russian|Russia[’']s|US|U\.S\.|American|Ukrainian|Ukraine[’']s|Belarusian|Chinese"
_EN: Final = re.compile(
    rf"(?<![\w.])(?:(?P<owner>{_OWNER_WORDS})\s+)?(?P<cap>[A-Z][a-z]+\s+)?(?P<word>[Ee]mbassy|[Ee]mbassies)\b"
    r"(?:[’']s)?(?:\s+in\s+(?P<place>(?:the\s+)?[A-Z][\w.-]+(?:\s+[A-Z][\w-]+)?))?"
)
_RU: Final = re.compile(
    r"(?<!\w)(?:(?P<adj>[Рр]оссийск\w+|[Аа]мериканск\w+)\s+)?(?P<word>[Пп]осольств\w*)"
    r"(?:\s+(?P<owner>России|РФ|США|Украины))?(?:\s+в\s+(?P<place>[А-ЯЁ][\w-]+))?"
)


@dataclass(frozen=True, slots=True)
class EmbassyMention:
    start: int
    end: int
    owner: str  # "Russian", "" unknown
    owner_state: str  # the owner state's actor name, "" unknown
    place: str  # the host country's actor name, "" unknown


def embassy_mentions(text: str, country_of: Callable[[str], str]) -> list[EmbassyMention]:
    """The embassies mentioned in ``text``; ``country_of`` names the country a place stands for
    ("Stockholm" -> "Sweden", "Швеции" -> "Sweden", "" unknown)."""
    out: list[EmbassyMention] = []
    for m in _EN.finditer(text):
        owner, state = OWNERS.get((m.group("owner") or "").lower().replace("’", "'"), ("", ""))
        place = country_of(m.group("place") or "") if m.group("place") else ""
        cap = (m.group("cap") or "").strip()
        if cap and not place:
            place = country_of(cap)  # "its Stockholm embassy"
        start = m.start("owner") if m.group("owner") else m.start("cap") if place and cap else m.start("word")
        out.append(EmbassyMention(start, m.end(), owner, state, place))
    for m in _RU.finditer(text):
        key = (m.group("owner") or m.group("adj") or "").lower()
        owner, state = OWNERS.get(key, ("", ""))
        place = country_of(m.group("place") or "") if m.group("place") else ""
        out.append(EmbassyMention(m.start(), m.end(), owner, state, place))
    return out


def complete_embassies(found: Sequence[EmbassyMention]) -> list[EmbassyMention]:
    """Every embassy mention of one document with the owner and host country the document names,
    where it names only one owner (and only one host country) for its embassies."""
    owners = {(e.owner, e.owner_state) for e in found if e.owner}
    places = {e.place for e in found if e.place}
    out: list[EmbassyMention] = []
    for e in found:
        if not e.owner and len(owners) == 1:
            owner, state = next(iter(owners))
            e = replace(e, owner=owner, owner_state=state)
        if not e.place and len(places) == 1 and len(owners) <= 1:
            e = replace(e, place=next(iter(places)))
        out.append(e)
    return out


def embassy_name(e: EmbassyMention) -> str:
    """ "Russian Embassy in Sweden", "Russian Embassy in the United States", "Russian Embassy";
    "" when the owner is unknown (nobody to name)."""
    if not e.owner:
        return ""
    if not e.place:
        return f"{e.owner} Embassy"
    place = f"the {e.place}" if e.place.startswith("United ") else e.place
    return f"{e.owner} Embassy in {place}"
