"""Mentions: the people, bodies, roles and pronouns a segment names, in text order.

Pure. Mentions are known actors (the longest spelling wins where spellings overlap), anonymous and
collective sources ("a NATO diplomat", "Western analysts", "Diplomats also said"), embassies
("Russian Embassy in Sweden", :mod:`monitor.detect.embassies`), unknown capitalised names
(:mod:`monitor.detect.names`), roles and pronouns. A role mention carries the actors who hold it
(:mod:`monitor.detect.roles`); with the document's date, those in office on that day. The actors
are matched through an index compiled once per actor list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from monitor.detect.embassies import complete_embassies, embassy_mentions, embassy_name
from monitor.detect.groups import group_sources
from monitor.detect.names import NAME_RE, name_span
from monitor.detect.prefilter import IdentityCache, trigrams
from monitor.detect.resources import Actor, compile_term, normalise
from monitor.detect.roles import GENERIC_ROLES, holders_on, qualified_holders, role_key
from monitor.detect.segment import Segment

__all__ = ["Mention", "find_document_mentions", "find_mentions"]


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity mentioned in a segment: ``kind`` is person/institution/... or pronoun/role."""

    segment: int
    start: int
    end: int
    kind: str
    name: str  # canonical name, the pronoun, or the role text
    side: str = "neutral"
    gender: str = ""
    roles: tuple[str, ...] = ()
    known: bool = False  # a listed actor (else an unknown capitalised name, a role or a pronoun)
    holders: tuple[Actor, ...] = ()  # for a role: the listed actors who hold it


_PRONOUN_RE: Final = re.compile(r"(?<!\w)(he|she|they|him|her|его|он|она|они|её|ее)(?!\w)")


@dataclass(frozen=True, slots=True)
class _ActorIndex:
    actors: tuple[Actor, ...]
    patterns: tuple[tuple[Actor, re.Pattern[str], tuple[str, ...]], ...]  # actor, regex, substring anchors
    roles: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...]
    role_holders: dict[str, tuple[Actor, ...]]
    # the first word of multi-word roles ("ukrainian" of "ukrainian president") -> the holders' sides
    qualifier_sides: dict[str, frozenset[str]]
    # the first three letters of each actor's anchors -> the actors (positions in ``patterns``);
    # actors with no anchors or one shorter than three letters are always tried
    anchor_grams: dict[str, frozenset[int]] = field(default_factory=dict)
    always: frozenset[int] = frozenset()
    cased: tuple[tuple[Actor, re.Pattern[str]], ...] = ()  # spellings matched with their letter case
    # the same for ``roles``: a sentence's trigrams pick the few of 120 roles worth a substring test
    role_grams: dict[str, frozenset[int]] = field(default_factory=dict)
    role_always: frozenset[int] = frozenset()

    def candidates(self, grams: AbstractSet[str]) -> list[int]:
        """Positions in ``patterns`` of the actors whose anchors may occur in a text with these
        trigrams (:func:`~monitor.detect.prefilter.trigrams`), in order."""
        return _gram_candidates(grams, self.anchor_grams, self.always)

    def role_candidates(self, grams: AbstractSet[str]) -> list[int]:
        """Positions in ``roles`` of the roles whose anchors may occur, in order (longest first)."""
        return _gram_candidates(grams, self.role_grams, self.role_always)


def _gram_candidates(grams: AbstractSet[str], index: dict[str, frozenset[int]], always: frozenset[int]) -> list[int]:
    found = set(always)
    for g in grams & index.keys():
        found |= index[g]
    return sorted(found)


def _gram_index(anchor_lists: Sequence[tuple[str, ...]]) -> tuple[dict[str, frozenset[int]], frozenset[int]]:
    """The first three letters of each entry's anchors -> the entries (positions in
    ``anchor_lists``), and the entries always tried: no anchors, or one shorter than three letters."""
    grams: dict[str, set[int]] = {}
    always: set[int] = set()
    for k, anchors in enumerate(anchor_lists):
        if not anchors or any(len(a) < 3 for a in anchors):
            always.add(k)
        for a in anchors:
            grams.setdefault(a[:3], set()).add(k)
    return {g: frozenset(ks) for g, ks in grams.items()}, frozenset(always)


def _anchors(texts: Sequence[str]) -> tuple[str, ...]:
    """Cheap substring tests: a regex runs only when one of its anchors occurs in the sentence."""
    out = []
    for text in texts:
        words = [p for w in normalise(text).split() for p in w.rstrip("*").split("-") if p]
        out.append(max(words, key=len) if words else "")
    return tuple(out) if all(out) else ()


def _alternation(aliases: Sequence[str]) -> re.Pattern[str]:
    """One regex matching any of ``aliases`` (term syntax), the first that matches at a position
    winning. The alternatives stand bare, not each in a group: each opens with its literal first
    letters (:func:`~monitor.detect.resources.at_word_start`), so the regex engine gathers those
    into one set and tries a match only where the text has one of them (an actor with many
    spellings was the costliest regex of detection). A raw regex (``re:``) may hold a ``|`` of its
    own and is grouped."""
    parts = [f"(?:{compile_term(a).pattern})" if a.startswith("re:") else compile_term(a).pattern for a in aliases]
    return re.compile("|".join(parts))


def _index(actors: Sequence[Actor]) -> _ActorIndex:
    patterns = tuple((a, _alternation(a.aliases), _anchors(a.aliases)) for a in actors)
    # longest first; equal lengths in name order, so detection does not depend on set order
    role_texts = sorted(
        {role_key(r) for a in actors for r in a.roles} | set(GENERIC_ROLES), key=lambda r: (-len(r), r)
    )
    roles = tuple((r, _role_pattern(r), _anchors([r])) for r in role_texts)
    holders = {r: tuple(a for a in actors if r in map(role_key, a.roles)) for r in role_texts}
    sides: dict[str, set[str]] = {}
    for a in actors:
        for r in a.roles:
            if " " in role_key(r):
                sides.setdefault(role_key(r).split()[0], set()).add(a.side)
    qualifiers = {w: frozenset(s) for w, s in sides.items()}
    grams, always = _gram_index([anchors for _, _, anchors in patterns])
    role_grams, role_always = _gram_index([anchors for _, _, anchors in roles])
    cased = tuple(
        (a, re.compile(r"(?<!\w)(?:" + "|".join(re.escape(c) for c in a.cased) + r")(?!\w)")) for a in actors if a.cased
    )
    return _ActorIndex(
        tuple(actors),
        patterns,
        roles,
        holders,
        qualifiers,
        grams,
        always,
        cased,
        role_grams,
        role_always,
    )


def _role_pattern(role: str) -> re.Pattern[str]:
    """A role as written ("kremlin spokesman", "kremlin-spokesman") or with its first word
    possessive ("the Kremlin's spokesman", "NATO's secretary general")."""
    plain = compile_term(role.replace(" ", "-"))
    first, _, rest = role.partition(" ")
    if not rest or "'" in first:
        return plain
    possessive = compile_term(f"{first}'s {rest}")
    return re.compile(f"{plain.pattern}|{possessive.pattern}")


_cached_index: Final = IdentityCache(_index)  # a process sees few actor lists


# ---------------------------------------------------------------------------------------------
# Mentions


def find_mentions(seg: Segment, actors: Sequence[Actor], *, published: date | None = None) -> list[Mention]:
    """Known actors, anonymous and collective sources, unknown capitalised names, roles and
    pronouns in one segment, in text order; a role's holders are those in office on
    ``published`` when the document's date is known."""
    index = _cached_index(actors)
    text = seg.text[:2_000]
    norm = normalise(text)
    grams = trigrams(norm)  # the lexicon has taken them of the same sentence
    out = _known_and_group_mentions(seg.index, text, norm, index, grams)
    taken = [(m.start, m.end) for m in out]
    for m in NAME_RE.finditer(text):
        found = name_span(m)
        if found is not None and not _overlaps(found[:2], taken):
            taken.append(found[:2])
            out.append(Mention(seg.index, found[0], found[1], "person", found[2]))
    for k in index.role_candidates(grams):
        role, pattern, anchors = index.roles[k]
        if anchors and not any(map(norm.__contains__, anchors)):
            continue
        for m in pattern.finditer(norm):
            absorbed = _absorbed_by_role(m.span(), out)
            if absorbed is None or _followed_by_name(m.end(), out):
                continue
            out = [x for x in out if x not in absorbed]
            taken = [t for t in taken if t not in {(x.start, x.end) for x in absorbed}] + [m.span()]
            holders = holders_on(index.role_holders[role], published)
            holders = qualified_holders(holders, text, m.start(), index.qualifier_sides)
            out.append(Mention(seg.index, *m.span(), "role", role, holders=holders))
    for m in _PRONOUN_RE.finditer(norm):
        out.append(Mention(seg.index, *m.span(), "pronoun", m.group(1)))
    out.sort(key=lambda x: x.start)
    return out


def find_document_mentions(
    segments: Sequence[Segment], actors: Sequence[Actor], *, published: date | None = None
) -> list[list[Mention]]:
    """:func:`find_mentions` for every segment of one document, with its embassies named as the
    document names them in full ("the embassy" after "Russia's embassy in Norway")."""
    mentions = [find_mentions(seg, actors, published=published) for seg in segments]
    _add_embassies(segments, actors, mentions)
    _drop_title_case_names(segments, mentions)
    return mentions


_LONG_WORD: Final = re.compile(r"[^\W\d_]{4,}")


def _is_title_case(text: str) -> bool:
    """A headline in title case: no closing full stop, and (nearly) every word of four letters or
    more capitalised ("Kallas Says NATO Must Stay Ready")."""
    if text.rstrip().endswith((".", "!", "?", "…")):
        return False
    words = _LONG_WORD.findall(text[:300])
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _drop_title_case_names(segments: Sequence[Segment], mentions: list[list[Mention]]) -> None:
    """A title-case headline capitalises every word, so its capitals name no one: an unknown name
    there ("Must Stay" of "Kallas Says NATO Must Stay") counts only where a sentence of the
    document that is no such headline names the same person. Linear in the document's mentions."""
    titled = [
        k
        for k, seg in enumerate(segments)
        if any(m.kind == "person" and not m.known for m in mentions[k]) and _is_title_case(seg.text)
    ]
    if not titled:
        return
    skip = set(titled)
    named = {m.name for k, ms in enumerate(mentions) if k not in skip for m in ms if m.kind == "person"}
    for k in titled:
        mentions[k] = [m for m in mentions[k] if m.known or m.kind != "person" or m.name in named]


def _add_embassies(segments: Sequence[Segment], actors: Sequence[Actor], mentions: list[list[Mention]]) -> None:
    texts = [seg.text[:2_000] for seg in segments]
    if not any("mbass" in t or "осольств" in t for t in texts):
        return

    def country_of(place: str) -> str:
        found = find_mentions(Segment(0, 0, len(place), place, 0), actors)
        return next((m.name for m in found if m.kind == "country"), "")

    per_segment = [embassy_mentions(t, country_of) for t in texts]
    completed = iter(complete_embassies([e for found in per_segment for e in found]))
    sides = {a.name: a.side for a in actors}
    for k, found in enumerate(per_segment):
        for _ in found:
            e = next(completed)
            name = embassy_name(e)
            if not name:
                continue
            kept = [m for m in mentions[k] if m.end <= e.start or m.start >= e.end]
            side = sides.get(e.owner_state, "neutral")
            kept.append(Mention(segments[k].index, e.start, e.end, "institution", name, side, known=True))
            mentions[k] = sorted(kept, key=lambda m: m.start)


def _known_and_group_mentions(
    segment: int, text: str, norm: str, index: _ActorIndex, grams: AbstractSet[str]
) -> list[Mention]:
    """Known actors and group sources, the longest first where they overlap ("U.S. officials"
    over "U.S.", "a NATO diplomat" over "NATO"); of equal spans the listed actor wins; ``grams``
    are the trigrams of ``norm``."""
    found: list[tuple[int, int, int, Mention]] = []  # (-length, group?, order, mention)
    for k in index.candidates(grams):
        actor, pattern, anchors = index.patterns[k]
        if anchors and not any(map(norm.__contains__, anchors)):
            continue
        for m in pattern.finditer(norm):
            mention = Mention(
                segment, *m.span(), actor.kind, actor.name, actor.side, actor.gender, actor.roles, known=True
            )
            found.append((m.start() - m.end(), 0, k, mention))
    for k, (actor, pattern) in enumerate(index.cased, len(index.patterns)):
        for m in pattern.finditer(text):
            mention = Mention(
                segment, *m.span(), actor.kind, actor.name, actor.side, actor.gender, actor.roles, known=True
            )
            found.append((m.start() - m.end(), 0, k, mention))
    known = [f[3] for f in found]
    for start, end, name in group_sources(text):
        side = next((m.side for m in known if start <= m.start and m.end <= end), "neutral")
        found.append((start - end, 1, 0, Mention(segment, start, end, "group", name, side)))
    found.sort(key=lambda f: (f[0], f[1], f[3].start, f[2]))
    taken: list[tuple[int, int]] = []
    out: list[Mention] = []
    for _, _, _, mention in found:
        if not _overlaps((mention.start, mention.end), taken):
            taken.append((mention.start, mention.end))
            out.append(mention)
    return out


def _absorbed_by_role(span: tuple[int, int], mentions: list[Mention]) -> list[Mention] | None:
    """The mentions a role found at ``span`` replaces (None: the role is not a mention there). A
    role may begin with the name of its country or body ("the US president", "NATO Secretary
    General", "the Kremlin spokesman") or end inside it ("глава МИД России", the head of the
    ministry): that name is then part of the title, not a speaker of its own. Any other overlap
    keeps the mention found first."""
    hit = [x for x in mentions if span[0] < x.end and x.start < span[1]]
    bodies = [x for x in hit if x.known and x.kind in ("country", "institution")]
    if len(bodies) != len(hit):
        return None
    # "the Kremlin spokesman": the body opens the title; "глава МИД России": the body it heads
    if all((x.start <= span[0] and x.end < span[1]) or x.start > span[0] for x in hit):
        return hit
    return None


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


def _followed_by_name(end: int, mentions: list[Mention]) -> bool:
    """A role in apposition ("Deputy Foreign Minister Sergei Ryabkov") is not a mention of its own."""
    return any(m.kind == "person" and 0 <= m.start - end <= 2 for m in mentions)
