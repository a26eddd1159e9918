"""Demand classification: which tracked demands a sentence states a position on, and why.

Pure. Every label carries its evidence (the cues and the terms that matched, with weights),
so an analyst sees why a sentence was flagged and a user sees which cue to tune.

Context: a sentence without evidence of its own inherits the labels of the sentence before it
when it plainly continues it: it refers back ("this track", "these aspects", "such
negotiations", "the first two") or it continues a quotation opened in that sentence. Guideline
examples: "This is a stumbling block." after a quoted position on NATO expansion.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from monitor.detect.noclaim import SOURCE_POINTER
from monitor.detect.prefilter import IdentityCache, trigrams
from monitor.detect.resources import Cue, Demand, Term, normalise
from monitor.detect.segment import Segment

__all__ = [
    "KEY_REFERENCE",
    "CueHit",
    "Match",
    "Scan",
    "exclusions",
    "match_demands",
    "match_sentence",
    "quote_states",
    "scan_sentence",
    "score_sentence",
    "split_by_threshold",
]

MAX_MATCH_CHARS: Final = 2_000  # longer "sentences" (unpunctuated dumps) are matched on a prefix


@dataclass(frozen=True, slots=True)
class CueHit:
    """One cue that fired: its name, weight and the matched text of each term."""

    cue: str
    weight: float
    terms: tuple[str, ...]
    matched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """A demand label on a sentence; ``context_from`` is the index of the sentence it was inherited from."""

    demand: str
    score: float
    hits: tuple[CueHit, ...]
    context_from: int | None = None

    def evidence(self) -> str:
        """A one-line explanation, e.g. ``non-expansion (+1.0: "non-expansion of nato")``."""
        parts = [f'{h.cue} ({h.weight:+.1f}: "{", ".join(h.matched)}")' for h in self.hits]
        text = "; ".join(parts)
        return f"context from sentence {self.context_from}: {text}" if self.context_from is not None else text


# ---------------------------------------------------------------------------------------------
# Single sentence


def match_sentence(text: str, demands: Sequence[Demand], languages: Iterable[str] = ()) -> list[Match]:
    """Labels ``text`` earns on its own; ``languages`` limits the terms used (empty = all).

    A cue with a negative weight is an exclusion: the text it matches cannot serve as evidence
    for the demand's other cues ("expansion of the NATO presence" is not enlargement).
    """
    return split_by_threshold(score_sentence(text, demands, languages), demands)[0]


def split_by_threshold(matches: Sequence[Match], demands: Sequence[Demand]) -> tuple[list[Match], list[Match]]:
    """``matches`` (of :func:`score_sentence`) split into the labels, which reach their demand's
    threshold, and the weak ones, which fall short of it."""
    thresholds = {d.name: d.threshold for d in demands}
    strong = [m for m in matches if m.score >= thresholds[m.demand]]
    return strong, [m for m in matches if m.score < thresholds[m.demand]]


def score_sentence(text: str, demands: Sequence[Demand], languages: Iterable[str] = ()) -> list[Match]:
    """Every demand any positive cue of ``text`` speaks for, with its summed weight, whether or not
    it reaches the demand's threshold (:func:`match_sentence` keeps those that do): the learned
    layer weighs a lone weak cue ("deploy ... troops", "missiles") itself."""
    return scan_sentence(text, demands, languages).scores


def exclusions(text: str, demands: Sequence[Demand], languages: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The exclusion cues (negative weight) ``text`` matches, as (demand, cue name): evidence that
    the sentence speaks of something the demand does not cover (a Russian build-up, existing members)."""
    return scan_sentence(text, demands, languages).exclusions


@dataclass(frozen=True, slots=True)
class Scan:
    """What the lexicon finds in one sentence: :func:`score_sentence` and :func:`exclusions`."""

    scores: list[Match]
    exclusions: list[tuple[str, str]]


def scan_sentence(text: str, demands: Sequence[Demand], languages: Iterable[str] = ()) -> Scan:
    """:func:`score_sentence` and :func:`exclusions` of ``text`` at once: the exclusion cues'
    matches that mask the positive cues' evidence are the exclusions, found once for both."""
    norm = normalise(text[:MAX_MATCH_CHARS])
    lexicon = _lexicon(demands)
    present = lexicon.present(norm)
    langs = frozenset(languages)
    scores: list[Match] = []
    excluded: list[tuple[str, str]] = []
    for demand, positive, negative in zip(demands, lexicon.positive, lexicon.negative, strict=True):
        masked = _excluded_spans(negative, norm, langs, present)
        excluded.extend((demand.name, cue.name) for cue, spans in masked if spans)
        spans = tuple(span for _, found in masked for span in found)
        hits = [
            h
            for cue in positive
            if _may_match(cue, present) and (h := _match_cue(cue, norm, langs, spans, present))
        ]
        if hits:
            scores.append(Match(demand.name, round(sum(h.weight for h in hits), 3), tuple(hits)))
    return Scan(scores, excluded)


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """A demand list sorted for matching: each demand's positive and exclusion cues apart, and
    every anchor of a cue or a term by its first three letters. Of some 300 anchors a sentence
    contains a handful; its trigrams find those with one set intersection, where a substring test
    per cue and term took half the lexicon's time."""

    positive: tuple[tuple[Cue, ...], ...]  # per demand, in the demand's order
    negative: tuple[tuple[Cue, ...], ...]
    anchor_grams: dict[str, tuple[str, ...]]  # first three letters -> the anchors opening with them
    short_anchors: tuple[str, ...]  # anchors of fewer than three letters, tested on every sentence

    def present(self, norm: str) -> frozenset[str]:
        """The anchors that occur in ``norm``: where one is missing, no term anchored on it can match."""
        grams = self.anchor_grams
        found = [a for g in trigrams(norm) & grams.keys() for a in grams[g] if a in norm]
        found.extend(a for a in self.short_anchors if a in norm)
        return frozenset(found)


def _compile_lexicon(demands: Sequence[Demand]) -> _Lexicon:
    anchors: set[str] = set()
    for cue in (c for d in demands for c in d.cues):
        anchors.update(cue.anchors)
        anchors.update(t.anchor for t in cue.terms)
        anchors.update(t.anchor for _, groups in cue.near for group in groups for t in group)
    anchors.discard("")
    grams: dict[str, list[str]] = {}
    for a in sorted(anchors):
        if len(a) >= 3:
            grams.setdefault(a[:3], []).append(a)
    return _Lexicon(
        tuple(tuple(c for c in d.cues if c.weight > 0) for d in demands),
        tuple(tuple(c for c in d.cues if c.weight < 0) for d in demands),
        {g: tuple(found) for g, found in grams.items()},
        tuple(sorted(a for a in anchors if len(a) < 3)),
    )


_lexicon: Final = IdentityCache(_compile_lexicon)


_WORD: Final = re.compile(r"\w+")


@lru_cache(maxsize=64)  # a sentence's near-cues ask again
def _word_starts(norm: str) -> tuple[int, ...]:
    """The offset of each word of ``norm``."""
    return tuple(m.start() for m in _WORD.finditer(norm))


_Spans = tuple[tuple[int, int], ...]


def _excluded_spans(
    negative: Sequence[Cue], norm: str, langs: frozenset[str], present: frozenset[str]
) -> list[tuple[Cue, _Spans]]:
    """The spans each exclusion cue that may match ``norm`` matches (none: the cue does not)."""
    out: list[tuple[Cue, _Spans]] = []
    for cue in negative:
        if _may_match(cue, present):
            spans = [
                m.span()
                for term in cue.terms
                if (not langs or term.lang in langs) and (not term.anchor or term.anchor in present)
                for m in term.regex.finditer(norm)
            ]
            out.append((cue, tuple(spans)))
    return out


def _free(span: tuple[int, int], masked: _Spans) -> bool:
    return not masked or not any(span[0] < end and start < span[1] for start, end in masked)


def _match_cue(
    cue: Cue, norm: str, langs: frozenset[str], masked: _Spans, present: frozenset[str]
) -> CueHit | None:
    for term in cue.terms:
        if (langs and term.lang not in langs) or (term.anchor and term.anchor not in present):
            continue  # most terms fail the anchor test: their regexes are not run
        found = _search(term, norm, masked)
        if found is not None:
            return CueHit(cue.name, cue.weight, (term.source,), (found.group().strip(),))
    for lang, groups in cue.near:
        if langs and lang not in langs:
            continue
        hit = _match_near(groups, norm, cue.window, masked, present)
        if hit is not None:
            return CueHit(cue.name, cue.weight, tuple(t.source for t, _ in hit), tuple(m for _, m in hit))
    return None


def _search(term: Term, norm: str, masked: _Spans) -> re.Match[str] | None:
    if not masked:  # most sentences match no exclusion cue: the first match is free
        return term.regex.search(norm)
    return next((m for m in term.regex.finditer(norm) if _free(m.span(), masked)), None)


def _may_match(cue: Cue, present: frozenset[str]) -> bool:
    """False when no term of ``cue`` can match (none of its anchors is in ``present``)."""
    return not cue.anchors or not present.isdisjoint(cue.anchors)


def _match_near(
    groups: tuple[tuple[Term, ...], ...], norm: str, window: int, masked: _Spans, present: frozenset[str]
) -> list[tuple[Term, str]] | None:
    """One term of every group, all within ``window`` words of the first group's match."""
    hits: list[list[tuple[int, Term, str]]] = []
    for group in groups:
        starts = [
            (m.start(), term, m.group().strip())
            for term in group
            if (not term.anchor or term.anchor in present)
            for m in term.regex.finditer(norm)
            if _free(m.span(), masked)
        ]
        if not starts:
            return None
        hits.append(starts)
    words = _word_starts(norm)  # only once every group has matched: in few sentences
    found = [[(bisect_left(words, start), term, text) for start, term, text in group] for group in hits]
    for pos, term, text in found[0]:
        chosen = [(term, text)]
        for other in found[1:]:
            near = [(t, s) for p, t, s in other if abs(p - pos) <= window]
            if not near:
                break
            chosen.append(near[0])
        else:
            return chosen
    return None


# ---------------------------------------------------------------------------------------------
# Sentences in their passage

# Back-references that make a sentence continue the one before it (the guideline's "these
# three areas", "this track", "the first two"); English and Russian.
_BACK_REFERENCE: Final = re.compile(
    r"\b(?:this|these|those|such|that)\s+(?:\w+\s+)?(?:track|issues?|points?|aspects?|options?|demands?"
    r"|requirements?|questions?|matters?|positions?|proposals?|activit(?:y|ies)|areas?|directions?"
    r"|negotiations|talks|formula|guarantees|approach|countries|states|steps|ideas?|topic|subject|problem"
    r"|missiles?|weapons?|systems?|deployments?|forces|troops|commitments?|pledges?|promises?|assurances?)\b"
    r"|\bthe (?:first|second|third|other) (?:two|point|one|demand|item)s?\b"
    r"|^\W*(?:this|that|it) (?:is|was|would be|will be|remains) (?:a|an|the|not|our|absolutely|very)\b"
    r"|\b(?:этот|эта|это|эти|такие|такой|такая) (?:\w+ )?(?:вопрос\w*|пункт\w*|требовани\w*|предложени\w*"
    r"|аспект\w*|тем\w*|направлени\w*|гаранти\w*|переговор\w*|стран\w*)"
    r"|^\W*это (?:\w+ )?(?:вопрос|принципиальн|ключев|абсолютн|камень)",
    re.IGNORECASE,
)
# Talk about the talks themselves does not continue a position ("no grounds for a new round").
_PROCESS: Final = re.compile(
    r"\b(?:rounds? of (?:talks|consultations|negotiations)|new round|consultations|sit down|the next meeting"
    r"|talks should continue|chance to reach|schedule|раунд\w*|консультаци\w*)\b",
    re.IGNORECASE,
)
# "the main question", "the key moment": resolved from the previous sentence or, when that
# carries nothing, the next one ("The main question is ...").
KEY_REFERENCE: Final = re.compile(
    r"\bthe (?:main|key|central|fundamental|principal|core) (?:question|issue|point|moment|demand|concern)\b"
    r"|\b(?:главн|ключев|основн|принципиальн)\w* (?:вопрос|момент|требовани|пункт)(?:а|е|ом|у)?\b",
    re.IGNORECASE,
)
_OPEN_QUOTES: Final = frozenset("“«„")
_CLOSE_QUOTES: Final = frozenset("”»")
_QUOTE_MARK: Final = re.compile('[“«„”»"]')


def quote_states(segments: Sequence[Segment]) -> list[tuple[bool, bool]]:
    """Per segment: (starts inside a quotation, ends inside a quotation); tracked per line."""
    states: list[tuple[bool, bool]] = []
    inside = False
    line = -1
    for seg in segments:
        if seg.line != line:
            inside, line = False, seg.line
        start = inside
        for mark in _QUOTE_MARK.finditer(seg.text):  # the marks only, not every character
            char = mark.group()
            if char in _OPEN_QUOTES:
                inside = True
            elif char in _CLOSE_QUOTES:
                inside = False
            else:
                inside = not inside
        states.append((start, inside))
    return states


def match_demands(
    segments: Sequence[Segment],
    demands: Sequence[Demand],
    languages: Sequence[Iterable[str]] | None = None,
    *,
    use_context: bool = True,
    own: Sequence[list[Match]] | None = None,
) -> list[list[Match]]:
    """Labels per segment, own evidence first, then inherited from the previous sentence;
    ``own``: the labels each segment earns alone, when the caller has them already."""
    if own is None:
        own = [
            match_sentence(seg.text, demands, languages[i] if languages is not None else ())
            for i, seg in enumerate(segments)
        ]
    else:
        own = [list(ms) for ms in own]
    if not use_context:
        return own
    quotes = quote_states(segments)
    result: list[list[Match]] = []
    for i, seg in enumerate(segments):
        labels = own[i]
        if not labels and i > 0 and result[i - 1] and _continues(seg, segments[i - 1], quotes[i]):
            labels = [
                Match(m.demand, m.score, m.hits, m.context_from if m.context_from is not None else i - 1)
                for m in result[i - 1]
            ]
        result.append(labels)
    for i, seg in enumerate(segments):  # forward: "the main question" spelled out by the next sentence
        nxt = i + 1
        follows = nxt < len(segments) and bool(own[nxt]) and segments[nxt].line - seg.line <= 1
        if not result[i] and follows and KEY_REFERENCE.search(normalise(seg.text[:400])):
            result[i] = [Match(m.demand, m.score, m.hits, nxt) for m in own[nxt]]
    return result


def _continues(seg: Segment, prev: Segment, quote: tuple[bool, bool]) -> bool:
    """Whether ``seg`` continues ``prev``: a back-reference or the same open quotation."""
    if seg.line - prev.line > 1 or len(seg.text) > 400:
        return False
    norm = normalise(seg.text)
    if SOURCE_POINTER.search(norm) or _PROCESS.search(norm):  # "This is noted in the press release ..."
        return False
    return quote[0] or bool(_BACK_REFERENCE.search(norm)) or bool(KEY_REFERENCE.search(norm))
