"""Anonymous and collective sources as speakers: "a NATO diplomat", "Western analysts". Pure.

:func:`group_sources` finds them in a sentence for the mention finder
(:func:`monitor.detect.mentions.find_mentions`), which ranks them with the listed actors: a listed
spelling of the same words wins ("U.S. officials" is the actor "US diplomats"), and a source
wins over the shorter actor inside it ("a NATO diplomat" over "NATO").
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["group_sources"]

# Anonymous and collective sources: "a NATO diplomat", "senior U.S. officials", "Baltic Defence
# Ministers", "Western analysts" (capitalised qualifiers, then modifiers, then a source noun), and
# a bare plural opening a clause ("Diplomats also said", "..., officials say").
_SOURCE_PLURALS: Final = "officials|diplomats|analysts|experts|sources|observers|ministers"
_SOURCE_SINGULARS: Final = "official|diplomat|analyst|expert|source"
_QUALIFIER: Final = r"(?:[A-Z]\.(?:[A-Z]\.)+|[A-Z][A-Za-z’'-]*)"
_MODIFIERS: Final = (
    r"(?:defen[cs]e|foreign|military|government|intelligence|administration|security|senior|top"
    r"|western|european|allied|embassy|state|congressional|eu|nato)"
)
_DETERMINER_WORDS: Final = frozenset(
    "a an one another the two three four five several some many other senior top unnamed anonymous "
    "leading most few both these those all such but and however meanwhile also yet so while when as if "
    "according in on at of for by to from with after before since this that its their his her our "
    "high-ranking".split()
)
_INDEFINITE: Final = frozenset({"a", "an", "one", "another"})
_GROUP_SOURCE: Final = re.compile(
    rf"(?<![\w.])(?P<det>(?:(?i:a|an|one|another|the|two|three|several|some|many|other|senior|top"
    rf"|unnamed|anonymous|high-ranking)\s+)*)"
    rf"(?P<qual>(?:{_QUALIFIER}\s+){{0,2}}{_QUALIFIER})\s+(?P<mid>(?:(?i:{_MODIFIERS})\s+){{0,2}})"
    rf"(?P<noun>(?i:{_SOURCE_PLURALS}|{_SOURCE_SINGULARS}))(?![\w’'])"
)
_BARE_SOURCE: Final = re.compile(
    rf"(?:^[\W]{{0,3}}|[,;:]\s+|(?<!\w)(?:and|but)\s+)(?P<det>(?i:(?:some|many|other|several|most"
    rf"|senior|western|the)\s+)?)(?P<noun>(?i:{_SOURCE_PLURALS.replace('|ministers', '')}))\s+[a-z]"
)
_NAME_AFTER: Final = re.compile(r"\s+[A-ZА-ЯЁ][a-zа-яё]")
# every source noun above contains one of these (matched with the same letter-case rules): most
# sentences have none, and this one scan is cheaper than the two patterns' scans
_ANY_SOURCE_NOUN: Final = re.compile(rf"(?i:{_SOURCE_SINGULARS}|observer|minister)")


def group_sources(text: str) -> list[tuple[int, int, str]]:
    """Anonymous and collective sources in ``text``: (start, end, name), named by their own words
    ("U.S." written "US"): "A NATO diplomat has told" -> "NATO diplomat". A singular source needs
    an indefinite article ("the diplomat" refers back to a person), and a source in apposition to
    a name ("Russian diplomat Sergei Ryabkov") is that person's title, not a source."""
    out: list[tuple[int, int, str]] = []
    if not _ANY_SOURCE_NOUN.search(text):
        return out
    for m in _GROUP_SOURCE.finditer(text):
        found = _qualified_source(m)
        if found is not None and not _NAME_AFTER.match(text, m.end()):
            out.append(found)
    for m in _BARE_SOURCE.finditer(text):
        if not any(m.start("noun") < e and s < m.end("noun") for s, e, _ in out):
            out.append((m.start("noun"), m.end("noun"), m.group("noun").lower()))
    return out


def _qualified_source(m: re.Match[str]) -> tuple[int, int, str] | None:
    """A match of ``_GROUP_SOURCE`` without its leading determiners ("Two", "But", "Senior"), or
    None: a singular without an indefinite article, or nothing left to qualify the noun."""
    quals = [(q.start(), q.group()) for q in re.finditer(r"\S+", m.group("qual"))]
    dets = [w.lower() for w in m.group("det").split()]
    while quals and quals[0][1].lower() in _DETERMINER_WORDS:
        dets.append(quals.pop(0)[1].lower())
    singular = m.group("noun").lower() in _SOURCE_SINGULARS.split("|")
    if (singular and not _INDEFINITE & set(dets)) or not (quals or m.group("mid").strip()):
        return None
    start = m.start("qual") + quals[0][0] if quals else m.start("mid")
    name = " ".join([*(_undotted(q) for _, q in quals), *m.group("mid").split(), m.group("noun")])
    return start, m.end(), name


def _undotted(word: str) -> str:
    """ "U.S." -> "US", "E.U." -> "EU"; other words as written."""
    return word.replace(".", "") if re.fullmatch(r"[A-Z](?:\.[A-Z])+\.?", word) else word
