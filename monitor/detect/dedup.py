"""Repeats of one statement across articles, outlets and translations. Pure.

A statement's :class:`Fingerprint` holds normalised content stems (stop words removed,
light suffix stripping for English and Russian), character 4-gram shingles of those stems
(robust to inflection and transliteration), its demand labels and its speaker key.

Candidate lookup is an indexed equality query on **blocking keys**, never a scan: a statement
gets ``MINHASH_COUNT`` min-hash keys of its stems (and ``CONCEPT_KEYS`` of its concepts), each
prefixed with the week of first sighting and the speaker key (and stored once more under the week
of the article's publication date, when known and another week); the week comes first so that
lookups fall in the recent, cached end of the key index. Two statements of the same speaker with
stem Jaccard J share at least one key with probability 1-(1-J)^k, and a lookup reads only the keys
of the current and previous ``REPEAT_WINDOW_WEEKS`` weeks (and of the weeks within that window
around its own publication date), so its cost does not grow with the size of history.

Statements in one article that continue the sentence before (labels taken from context, same
speaker) join its group directly; the caller handles that with ``continues_previous``. Every
earlier statement of the same article is a candidate too, whatever its blocking keys, marked as
such: one speaker's statements on one demand in one article are mostly one occasion.

Whether a candidate is a repeat is decided by a score: by default :func:`similarity` against a
threshold; with a learned detector, a pairwise classifier over :func:`pair_features` (the same
similarities, the shared labels, the language pair and whether the candidate is the same
speaker's sentence just before), whose probability is compared with the model's threshold.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Final, Protocol

from monitor.detect.resources import Actor, normalise
from monitor.detect.speaker import QUESTIONER

if TYPE_CHECKING:
    from monitor.detect.article import SentenceResult

__all__ = [
    "grouping_items",
    "Candidate",
    "Fingerprint",
    "GroupDecision",
    "GroupIndex",
    "Grouped",
    "MemoryIndex",
    "assign_groups",
    "blocking_keys",
    "decide_group",
    "fingerprint",
    "fingerprint_from_json",
    "fingerprint_to_json",
    "lookup_keys",
    "pair_features",
    "PairScorer",
    "similarity",
    "speaker_key",
]

MINHASH_COUNT: Final = 8
REPEAT_WINDOW_WEEKS: Final = 2
# (threshold on similarity); tuned on the seed gold set (leave-one-document-out in bench/RESULTS.md)
DEFAULT_THRESHOLD: Final = 0.35
CONCEPT_FACTOR: Final = 0.4
CONCEPT_KEYS: Final = 2
CROSS_LANGUAGE_FACTOR: Final = 0.6

_STOP: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "him",
        "her",
        "them",
        "us",
        "our",
        "their",
        "his",
        "my",
        "your",
        "me",
        "not",
        "no",
        "nor",
        "so",
        "than",
        "too",
        "very",
        "can",
        "could",
        "will",
        "would",
        "shall",
        "should",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "done",
        "has",
        "have",
        "had",
        "having",
        "about",
        "into",
        "over",
        "after",
        "before",
        "again",
        "further",
        "then",
        "once",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "only",
        "own",
        "same",
        "also",
        "just",
        "said",
        "says",
        "say",
        "told",
        "according",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "why",
        "how",
        "while",
        "during",
        "between",
        "against",
        "because",
        "until",
        "up",
        "down",
        "out",
        "off",
        "under",
        "above",
        "below",
        "through",
        "mr",
        "ms",
        "mrs",
        "и",
        "в",
        "во",
        "не",
        "что",
        "он",
        "на",
        "я",
        "с",
        "со",
        "как",
        "а",
        "то",
        "все",
        "она",
        "так",
        "его",
        "но",
        "да",
        "ты",
        "к",
        "у",
        "же",
        "вы",
        "за",
        "бы",
        "по",
        "только",
        "ее",
        "мне",
        "было",
        "вот",
        "от",
        "меня",
        "еще",
        "нет",
        "о",
        "из",
        "ему",
        "теперь",
        "когда",
        "даже",
        "ну",
        "вдруг",
        "ли",
        "если",
        "уже",
        "или",
        "ни",
        "быть",
        "был",
        "него",
        "до",
        "вас",
        "нибудь",
        "опять",
        "уж",
        "вам",
        "ведь",
        "там",
        "потом",
        "себя",
        "ничего",
        "ей",
        "может",
        "они",
        "тут",
        "где",
        "есть",
        "надо",
        "ней",
        "для",
        "мы",
        "тебя",
        "их",
        "чем",
        "была",
        "сам",
        "чтобы",
        "без",
        "будто",
        "чего",
        "раз",
        "тоже",
        "себе",
        "под",
        "будет",
        "ж",
        "тогда",
        "кто",
        "этот",
        "того",
        "потому",
        "этого",
        "какой",
        "совсем",
        "ним",
        "здесь",
        "этом",
        "один",
        "почти",
        "мой",
        "тем",
        "чтобы",
        "нее",
        "сейчас",
        "были",
        "куда",
        "зачем",
        "всех",
        "никогда",
        "можно",
        "при",
        "наконец",
        "два",
        "об",
        "другой",
        "хоть",
        "после",
        "над",
        "больше",
        "тот",
        "через",
        "эти",
        "нас",
        "про",
        "всего",
        "них",
        "какая",
        "много",
        "разве",
        "три",
        "эту",
        "моя",
        "впрочем",
        "хорошо",
        "свою",
        "этой",
        "перед",
        "иногда",
        "лучше",
        "чуть",
        "том",
        "нельзя",
        "такой",
        "им",
        "более",
        "всегда",
        "конечно",
        "всю",
        "между",
        "заявил",
        "сказал",
    ]
)
_TOKEN: Final = re.compile(r"\w+")
_EN_SUFFIXES: Final = (
    "ations",
    "ation",
    "ments",
    "ment",
    "ness",
    "ings",
    "ing",
    "ies",
    "ied",
    "ed",
    "es",
    "ly",
    "s",
)
_RU_SUFFIXES: Final = (
    "иями",
    "ями",
    "ами",
    "ого",
    "его",
    "ому",
    "ему",
    "ыми",
    "ими",
    "ией",
    "ой",
    "ей",
    "ий",
    "ый",
    "ая",
    "яя",
    "ое",
    "ее",
    "ые",
    "ие",
    "ам",
    "ям",
    "ах",
    "ях",
    "ов",
    "ев",
    "ом",
    "ем",
    "ию",
    "ия",
    "ть",
    "ет",
    "ут",
    "ют",
    "ит",
    "ат",
    "ят",
    "а",
    "я",
    "о",
    "е",
    "ы",
    "и",
    "у",
    "ю",
    "ь",
)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    stems: frozenset[str]
    shingles: frozenset[str]
    labels: frozenset[str]
    speaker: str
    concepts: frozenset[str] = frozenset()  # language-independent: matched cue names, known entities
    day: int | None = None  # the article's publication date (proleptic ordinal), when known

    @property
    def script(self) -> str:
        """ "cyr" or "lat": translations compare on concepts only."""
        cyr = sum(any("\u0400" <= c <= "\u04ff" for c in s) for s in self.stems)
        return "cyr" if cyr * 2 > len(self.stems) else "lat"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A known statement found through a blocking key."""

    statement_id: int
    group_id: int
    fingerprint: Fingerprint


@dataclass(frozen=True, slots=True)
class GroupDecision:
    """``group_id`` None = a new statement (opens a group, raises an alert)."""

    group_id: int | None
    matched_statement_id: int | None
    similarity: float


@lru_cache(maxsize=1 << 16)  # the same words recur in every document: strip each once
def stem(word: str) -> str:
    """Light, idempotent suffix stripping; keeps at least four characters."""
    suffixes = _RU_SUFFIXES if any("\u0400" <= c <= "\u04ff" for c in word) else _EN_SUFFIXES
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def speaker_key(speaker: str | None, article_scope: str, states: Mapping[str, str] | None = None) -> str:
    """Statements are repeats only of the same speaker; the author's narrative only within its
    article. ``states`` (:func:`state_keys`) maps the bodies that speak for one state to it: the
    Kremlin, the Russian Foreign Ministry and Russia make one speaker, as the labelling conventions
    count them (people never merge with their institution)."""
    if not speaker:
        return f"author@{article_scope}"
    key = normalise(speaker).strip()
    return states.get(key, key) if states else key


def state_keys(actors: Iterable[Actor]) -> dict[str, str]:
    """Speaker key of each listed body that speaks for a state -> the state's key."""
    return {
        normalise(a.name).strip(): normalise(a.state).strip()
        for a in actors
        if a.state and a.kind != "person"
    }


def fingerprint(
    text: str, labels: Iterable[str], speaker: str, concepts: Iterable[str] = (), day: date | None = None
) -> Fingerprint:
    """What grouping compares of one statement; ``day`` is its article's publication date when known
    (reports of one occasion appear within days of each other, convention 6)."""
    words = [w for w in _TOKEN.findall(normalise(text[:2_000])) if len(w) > 2 and w not in _STOP]
    stems = frozenset(stem(w) for w in words if not w.isdigit() or len(w) == 4)
    shingles = frozenset(s[i : i + 4] for s in stems for i in range(max(1, len(s) - 3)))
    ordinal = day.toordinal() if day is not None else None
    return Fingerprint(stems, shingles, frozenset(labels), speaker, frozenset(concepts), ordinal)


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """0..1 for the same speaker and a shared label (else 0): the larger of the lexical similarity
    (stem and shingle Dice, averaged) and the concept similarity (Dice of matched cues and known
    entities, scaled by ``CONCEPT_FACTOR``), which also holds across languages and paraphrases."""
    if a.speaker != b.speaker or not (a.labels & b.labels):
        return 0.0
    concept = _dice(a.concepts, b.concepts)
    if a.script != b.script:  # a translation shares no words: only concepts can tell
        return CROSS_LANGUAGE_FACTOR * concept
    lexical = 0.5 * _dice(a.stems, b.stems) + 0.5 * _dice(a.shingles, b.shingles)
    return max(lexical, CONCEPT_FACTOR * concept)


class PairScorer(Protocol):
    """(new statement, known statement, the known one is the same speaker's sentence just before,
    the known one is in the same article) -> score."""

    def __call__(self, a: Fingerprint, b: Fingerprint, adjacent: bool, same_article: bool = False) -> float: ...


def pair_features(a: Fingerprint, b: Fingerprint, adjacent: bool, same_article: bool = False) -> dict[str, float]:
    """What the pairwise repeat classifier sees of two statements of one speaker (empty when they
    share no label: never a repeat). ``same_article``: both are in one article, where one speaker's
    statements on one demand are mostly one occasion (convention 6), far more often than across
    articles."""
    shared = a.labels & b.labels
    if a.speaker != b.speaker or not shared:
        return {}
    concept = _dice(a.concepts, b.concepts)
    f = {"concept": concept, "labels": len(shared) / len(a.labels | b.labels)}
    if a.labels == b.labels:
        f["same_labels"] = 1.0
    if a.script != b.script:
        f["sim"] = CROSS_LANGUAGE_FACTOR * concept  # as similarity() scores a translation
        f["cross_script"] = 1.0
        f["cross_script*concept"] = concept
    else:
        stems, shingles = _dice(a.stems, b.stems), _dice(a.shingles, b.shingles)
        f["sim"] = max(0.5 * stems + 0.5 * shingles, CONCEPT_FACTOR * concept)  # similarity(), not computed twice
        f["stems"] = stems
        f["shingles"] = shingles
        f["stems*concept"] = stems * concept
    if adjacent:
        f["adjacent"] = 1.0
        f["adjacent*sim"] = f["sim"]
    if same_article:
        f["same_article"] = 1.0
        f["same_article*sim"] = f["sim"]
        if a.labels == b.labels:
            f["same_article*same_labels"] = 1.0
    if a.speaker.startswith("author@"):
        f["narrative"] = 1.0
    if not same_article:
        if a.day is None or b.day is None:
            f["days:unknown"] = 1.0
        else:
            gap = abs(a.day - b.day)  # days between the two articles
            f["days:" + ("1" if gap <= 1 else "2" if gap <= 7 else "3" if gap <= 31 else "4")] = 1.0
    small = min(len(a.stems), len(b.stems))
    f["short:" + ("1" if small <= 4 else "2" if small <= 8 else "3")] = 1.0
    return f


def linear_scorer(bias: float, weights: Mapping[str, float]) -> PairScorer:
    """A :data:`PairScorer` from a logistic model over :func:`pair_features` (0 when no label is shared)."""

    def score(a: Fingerprint, b: Fingerprint, adjacent: bool, same_article: bool = False) -> float:
        f = pair_features(a, b, adjacent, same_article)
        if not f:
            return 0.0
        z = bias + sum(weights.get(k, 0.0) * v for k, v in f.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    return score


def _similarity_score(a: Fingerprint, b: Fingerprint, adjacent: bool, same_article: bool = False) -> float:
    return similarity(a, b) + (ADJACENT_BONUS if adjacent else 0.0)


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _week(at: datetime) -> int:
    return int(at.timestamp() // (7 * 86_400))


def _minhashes(stems: frozenset[str]) -> list[int]:
    if not stems:
        return []
    digests = [hashlib.blake2b(s.encode(), digest_size=8 * MINHASH_COUNT).digest() for s in sorted(stems)]
    values = [struct.unpack(f"<{MINHASH_COUNT}Q", d) for d in digests]
    return [min(v[i] for v in values) for i in range(MINHASH_COUNT)]


def blocking_keys(fp: Fingerprint, seen_at: datetime) -> list[str]:
    """Keys stored for a statement first seen at ``seen_at``: those of that week and, when its
    article's publication date is known and falls in another week, those of the publication week
    too, so that two reports of one occasion meet however far apart they were fetched (a source
    added late, an archive ingested months on)."""
    week, published = _week(seen_at), _published_week(fp)
    weeks = [week] if published in (None, week) else [week, published]
    return [key for w in weeks for key in _week_keys(fp, w)]


def lookup_keys(fp: Fingerprint, now: datetime) -> list[str]:
    """Keys to query for a new statement at ``now``: this week and the ``REPEAT_WINDOW_WEEKS``
    before it, and, when its article's publication date is known, the weeks within the window on
    either side of that date (an older article fetched after a newer one looks forward too)."""
    weeks = [_week(now) - back for back in range(REPEAT_WINDOW_WEEKS + 1)]
    published = _published_week(fp)
    if published is not None:
        weeks += [published + d for d in range(-REPEAT_WINDOW_WEEKS, REPEAT_WINDOW_WEEKS + 1)]
    return [key for week in dict.fromkeys(weeks) for key in _week_keys(fp, week)]


def _published_week(fp: Fingerprint) -> int | None:
    if fp.day is None:
        return None
    return _week(datetime.combine(date.fromordinal(fp.day), time(12), UTC))


def _week_keys(fp: Fingerprint, week: int) -> list[str]:
    who = hashlib.blake2b(fp.speaker.encode(), digest_size=6).hexdigest()
    # the week leads the key: a lookup touches only the few weeks it reads (the recent end of the
    # index, and a dated statement's own weeks), however long the history grows
    keys = [f"{week:05d}|{who}|{i}:{h:016x}" for i, h in enumerate(_minhashes(fp.stems))]
    keys += [f"{week:05d}|{who}|c{i}:{h:016x}" for i, h in enumerate(_minhashes(fp.concepts)[:CONCEPT_KEYS])]
    return keys


def decide_group(
    fp: Fingerprint,
    candidates: Sequence[Candidate],
    threshold: float = DEFAULT_THRESHOLD,
    scorer: PairScorer | None = None,
    same_article: Collection[int] = (),
    cross_threshold: float | None = None,
) -> GroupDecision:
    """Join the best-scoring known statement's group when its score reaches its threshold, else open
    a new group; ``scorer`` None = :func:`similarity`; ``same_article``: the ids of the candidates
    that are in the new statement's own article, which need ``threshold``; the others (earlier
    articles) need ``cross_threshold`` (None: ``threshold`` too)."""
    score = scorer or _similarity_score
    cross = threshold if cross_threshold is None else cross_threshold
    best: tuple[float, Candidate] | None = None  # the best candidate that reaches its threshold
    top = 0.0
    for cand in candidates:
        local = cand.statement_id in same_article
        sim = score(fp, cand.fingerprint, False, local)
        top = max(top, sim)
        if sim < (threshold if local else cross):
            continue
        # ties go to the oldest statement, so the decision never depends on the database's row order
        if best is None or sim > best[0] or (sim == best[0] and cand.statement_id < best[1].statement_id):
            best = (sim, cand)
    if best is not None:
        return GroupDecision(best[1].group_id, best[1].statement_id, round(best[0], 3))
    return GroupDecision(None, None, round(top, 3))


class MemoryIndex:
    """The candidate lookup kept in memory (evaluation, tests); the database does the same by key."""

    def __init__(self) -> None:
        self._by_key: dict[str, list[Candidate]] = {}
        self._next_group = 0
        self._next_statement = 0

    def candidates(self, fp: Fingerprint, now: datetime) -> list[Candidate]:
        found: dict[int, Candidate] = {}
        for key in lookup_keys(fp, now):
            for cand in self._by_key.get(key, ()):
                found[cand.statement_id] = cand
        return list(found.values())

    def add(
        self,
        fp: Fingerprint,
        group_id: int | None,
        now: datetime,
        position: int = 0,
        decision: GroupDecision | None = None,
        reason: str = "",
    ) -> tuple[int, int]:
        """Store a statement (opening a group when ``group_id`` is None); returns (statement, group)."""
        if group_id is None:
            self._next_group += 1
            group_id = self._next_group
        self._next_statement += 1
        cand = Candidate(self._next_statement, group_id, fp)
        for key in blocking_keys(fp, now):
            self._by_key.setdefault(key, []).append(cand)
        return self._next_statement, group_id


class GroupIndex(Protocol):
    """Where known statements live: memory (evaluation) or the database (``monitor.store.statements``)."""

    def candidates(self, fp: Fingerprint, now: datetime) -> list[Candidate]: ...

    def add(
        self,
        fp: Fingerprint,
        group_id: int | None,
        now: datetime,
        position: int,
        decision: GroupDecision,
        reason: str,
    ) -> tuple[int, int]: ...


@dataclass(frozen=True, slots=True)
class Grouped:
    """Where one statement went: ``is_new`` = it opened its group (alert); ``reason`` is evidence."""

    position: int
    statement_id: int
    group_id: int
    is_new: bool
    matched_statement_id: int | None
    similarity: float
    reason: str


ADJACENT_BONUS: Final = 0.25  # the same speaker's next sentence in one article usually goes on with the point
_CLOSING: Final = tuple(".!?…\"”»'")
HEADLINE_REACH: Final = 3  # a headline is repeated by one of the first statements after it
_ENUMERATION: Final = re.compile(
    r"^\W*(?:firstly|first|secondly|thirdly|fourthly|finally|second|third|во-первых|во-вторых|в-третьих)\b"
)


def assign_groups(
    items: Sequence[tuple[str, Sequence[str], str, bool, Sequence[str]]],
    index: GroupIndex,
    now: datetime,
    threshold: float = DEFAULT_THRESHOLD,
    scorer: PairScorer | None = None,
    cross_threshold: float | None = None,
    day: date | None = None,
) -> list[Grouped]:
    """Group an article's statements in order. ``items``: (text, labels, speaker_key, continues_previous,
    concepts), one per sentence, with empty labels for sentences that are not statements.
    ``scorer`` None: :func:`similarity` (plus ``ADJACENT_BONUS`` for the sentence just before)
    against ``threshold``; else the scorer's value (a learned repeat probability). A statement of an
    earlier article needs ``cross_threshold`` (None: ``threshold``): a learned scorer that knows
    which candidates share the article is calibrated differently for the two. ``day``: the article's
    publication date when known (the learned scorer weighs the days between two articles)."""
    score = scorer or _similarity_score
    out: list[Grouped] = []
    prev: tuple[Fingerprint, int, int] | None = None  # fingerprint, statement id, group id of sentence k-1
    earlier: dict[int, Candidate] = {}  # this article's statements so far, by statement id
    headline: tuple[Fingerprint, int, int, int] | None = None  # ... and its position
    for k, (text, labels, spk, continues, concepts) in enumerate(items):
        if not labels:
            prev = None
            continue
        fp = fingerprint(text, labels, spk, concepts, day)
        enumerated = bool(_ENUMERATION.search(normalise(text[:30])))
        if prev is not None and (continues or enumerated) and (prev[0].speaker == spk or enumerated):
            decision, reason = GroupDecision(prev[2], prev[1], 1.0), "continues the previous sentence"
        else:
            found = {c.statement_id: c for c in index.candidates(fp, now)}
            found.update(earlier)  # one article's statements are candidates whatever their blocking keys
            decision = decide_group(fp, list(found.values()), threshold, scorer, earlier.keys(), cross_threshold)
            reason = f"similar to statement {decision.matched_statement_id}"
            if prev is not None and prev[0].speaker == spk:
                adjacent = score(fp, prev[0], True, True)
                if adjacent >= threshold and adjacent > decision.similarity:
                    decision, reason = (
                        GroupDecision(prev[2], prev[1], round(adjacent, 3)),
                        "same speaker goes on",
                    )
        if (
            headline is not None
            and k - headline[3] <= HEADLINE_REACH
            and headline[0].speaker == spk
            and headline[0].labels & fp.labels
            and decision.group_id in (None, headline[2])
        ):
            decision, reason = GroupDecision(headline[2], headline[1], 1.0), "repeats the headline"
            headline = None
        is_new = decision.group_id is None
        reason = "new statement" if is_new else reason
        statement_id, group_id = index.add(fp, decision.group_id, now, k, decision, reason)
        earlier[statement_id] = Candidate(statement_id, group_id, fp)
        out.append(
            Grouped(
                k, statement_id, group_id, is_new, decision.matched_statement_id, decision.similarity, reason
            )
        )
        prev = (fp, statement_id, group_id)
        if k <= 1 and not text.rstrip().endswith(_CLOSING):
            headline = (fp, statement_id, group_id, k)
    return out


def grouping_items(
    results: Sequence[SentenceResult],
    scope: str,
    *,
    alert_narrative: bool = False,
    states: Mapping[str, str] | None = None,
) -> list[tuple[str, tuple[str, ...], str, bool, tuple[str, ...]]]:
    """The :func:`assign_groups` items of one article's sentences (``scope`` names the article).

    The author's own narrative (no speaker) is an official's statement of nobody: unless
    ``alert_narrative``, it gets empty labels here, so it opens no group and raises no alert
    (it is still stored as a labelled statement, without a group). So is an interviewer's
    question in a transcript's question turn (a speaker of kind ``questioner``): nobody's position."""
    items = []
    for k, r in enumerate(results):
        narrative = r.speaker is None or r.speaker.kind == QUESTIONER
        labels = r.labels if (alert_narrative or not narrative) else ()
        items.append(
            (
                r.segment.text,
                labels,
                speaker_key(r.speaker.name if r.speaker else None, scope, states),
                k > 0 and any(m.context_from == k - 1 for m in r.matches),
                r.concepts,
            )
        )
    return items


def fingerprint_to_json(fp: Fingerprint) -> dict[str, object]:
    return {
        "stems": sorted(fp.stems),
        "labels": sorted(fp.labels),
        "speaker": fp.speaker,
        "concepts": sorted(fp.concepts),
        **({"day": date.fromordinal(fp.day).isoformat()} if fp.day is not None else {}),
    }


def fingerprint_from_json(data: dict[str, object]) -> Fingerprint:
    stems = frozenset(_strings(data.get("stems")))
    shingles = frozenset(s[i : i + 4] for s in stems for i in range(max(1, len(s) - 3)))
    labels = frozenset(_strings(data.get("labels")))
    concepts = frozenset(_strings(data.get("concepts")))
    day = data.get("day")
    try:
        ordinal = date.fromisoformat(day).toordinal() if isinstance(day, str) else None
    except ValueError:
        ordinal = None  # a damaged stored date only loses the date feature
    return Fingerprint(stems, shingles, labels, str(data.get("speaker", "")), concepts, ordinal)


def _strings(value: object) -> list[str]:
    """The items of a stored list as strings (nothing for a missing or malformed entry)."""
    return [str(x) for x in value] if isinstance(value, list | tuple) else []
