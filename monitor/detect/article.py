"""Detection for one article: sentences, demands, speakers and stance. Pure.

``analyse_text(text, resources)`` is what the pipeline step and the evaluator call; grouping of
repeats across articles happens afterwards (:mod:`monitor.detect.dedup`), because it needs the
statements already known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from monitor.detect.lang import detect_language, script_language
from monitor.detect.match import Match, match_demands, quote_states, scan_sentence, split_by_threshold
from monitor.detect.mentions import Mention, find_document_mentions
from monitor.detect.resources import Actor, Demand
from monitor.detect.segment import Segment, segment_text
from monitor.detect.speaker import Speaker, find_mentions, find_speakers
from monitor.detect.stance import decide_stance, is_partisan_text
from monitor.detect.transcript import credit_transcript, transcript_speaker
from monitor.detect.veto import ruled_out

__all__ = ["Resources", "SentenceResult", "analyse_text", "inherit_speakers", "sentence_languages"]


@dataclass(frozen=True, slots=True)
class Resources:
    demands: tuple[Demand, ...]
    actors: tuple[Actor, ...]


@dataclass(frozen=True, slots=True)
class SentenceResult:
    """One sentence with its labels; ``speaker`` is computed for every sentence, stance only for labelled ones."""

    segment: Segment
    matches: tuple[Match, ...]
    speaker: Speaker | None
    stance: str | None
    language: str

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(m.demand for m in self.matches)

    @property
    def is_statement(self) -> bool:
        return bool(self.matches)

    entities: tuple[str, ...] = ()
    evidence: Mapping[str, Any] | None = None  # the learned layer's reasons (model, features, speaker cue)

    @property
    def concepts(self) -> tuple[str, ...]:
        """Language-independent content: matched cues and known entities (for grouping repeats)."""
        cues = {f"{m.demand}:{h.cue}" for m in self.matches for h in m.hits}
        return tuple(sorted(cues | {f"entity:{e}" for e in self.entities}))


def analyse_text(
    text: str,
    resources: Resources,
    *,
    language: str = "",
    use_context: bool = True,
    published: date | None = None,
    title: str = "",
) -> list[SentenceResult]:
    """Segment ``text`` and label, attribute and judge every sentence; ``published`` is the
    document's date when known (role holders in office on that day), ``title`` its title when
    known (a transcript's speaker)."""
    segments = segment_text(text)
    if not segments:
        return []
    article_lang = language or detect_language(text)
    langs = [sentence_languages(seg, article_lang) for seg in segments]
    # the lexicon once per sentence: its labels and its exclusion cues
    scans = [scan_sentence(seg.text, resources.demands, lg) for seg, lg in zip(segments, langs, strict=True)]
    own = [split_by_threshold(scan.scores, resources.demands)[0] for scan in scans]
    matches = match_demands(segments, resources.demands, langs, use_context=use_context, own=own)
    quotes = quote_states(segments)
    mentions = find_document_mentions(segments, resources.actors, published=published)
    _rule_out(matches, [scan.exclusions for scan in scans], mentions, resources.demands)
    speakers = find_speakers(segments, resources.actors, quotes, mentions)
    credit_transcript(segments, speakers, transcript_speaker(title, segments, resources.actors, published=published))
    inherit_speakers(matches, speakers)
    if use_context:
        _continue_speaker(segments, matches, speakers)
    partisan = is_partisan_text(text)
    return [
        SentenceResult(
            seg,
            tuple(ms),
            speakers[i],
            decide_stance(seg.text, speakers[i], partisan_author=partisan) if ms else None,
            langs[i][-1],
            _entities(seg, resources, speakers[i]) if ms else (),
        )
        for i, (seg, ms) in enumerate(zip(segments, matches, strict=True))
    ]


def _rule_out(
    matches: list[list[Match]],
    excluded: Sequence[Sequence[tuple[str, str]]],
    mentions: Sequence[Sequence[Mention]],
    demands: Sequence[Demand],
) -> None:
    """Drop, in place, the labels that the sentences' exclusion cues ``excluded`` rule out
    (:func:`monitor.detect.veto.ruled_out`), as the learned layer does."""
    about = {d.name: d.about_side for d in demands if d.about_side}
    for i, ms in enumerate(matches):
        if ms and excluded[i]:
            vetoed = ruled_out(excluded[i], mentions[i], about)
            if vetoed:
                matches[i] = [m for m in ms if m.demand not in vetoed]


def _entities(seg: Segment, resources: Resources, speaker: Speaker | None) -> tuple[str, ...]:
    """Known actors mentioned in a statement (other than its speaker), by canonical name."""
    names = {
        m.name
        for m in find_mentions(seg, resources.actors)
        if m.kind in ("country", "institution", "person") and m.side != "neutral" or m.kind == "country"
    }
    names.discard(speaker.name if speaker else "")
    return tuple(sorted(names))


def sentence_languages(seg: Segment, article_lang: str) -> tuple[str, ...]:
    """Term languages for a sentence: English (names, loanwords) plus the sentence's own."""
    own = script_language(seg.text[:500]) or article_lang or "en"
    if own == "ru" and article_lang not in ("", "en"):
        own = article_lang if article_lang in ("ru", "uk", "be", "bg") else "ru"
    return ("en",) if own == "en" else ("en", own)


_CONTINUATION: Final = re.compile(
    r"^\W*(?:but|and|however|also|at the same time|moreover|he|she|they|но|и|однако|также|он|она)\b",
    re.IGNORECASE,
)


_QUOTE_OPENERS: Final = '"“«„'
_PROCESS_TALK: Final = re.compile(
    r"\b(?:rounds? of (?:talks|consultations)|new round|sit down|consultations|sanctions|раунд\w*|санкци\w*)\b",
    re.IGNORECASE,
)


def _continue_speaker(
    segments: Sequence[Segment], matches: list[list[Match]], speakers: Sequence[Speaker | None]
) -> None:
    """ "He also stressed that ...", "But there must be ..., Stoltenberg said": the same speaker
    going on about the point of the sentence before (same paragraph) keeps its labels."""
    for i in range(1, len(segments)):
        seg, prev = segments[i], segments[i - 1]
        a, b = speakers[i], speakers[i - 1]
        if a is None or b is None or a.name != b.name or matches[i] or not matches[i - 1]:
            continue
        if _PROCESS_TALK.search(seg.text[:400]):
            continue
        opener = seg.line == prev.line and bool(_CONTINUATION.search(seg.text[:40]))
        quoted = seg.line == prev.line and seg.text[:1] in _QUOTE_OPENERS and a.kind == "person"
        if opener or quoted:
            matches[i] = [Match(m.demand, m.score, m.hits, i - 1) for m in matches[i - 1]]


def inherit_speakers(matches: Sequence[Sequence[Match]], speakers: list[Speaker | None]) -> None:
    """A sentence labelled from its predecessor's context also takes its speaker."""
    for i, ms in enumerate(matches):
        if ms and speakers[i] is None and any(m.context_from is not None for m in ms):
            prev = speakers[i - 1] if i > 0 else None
            if prev is not None:
                speakers[i] = Speaker(
                    prev.name, prev.kind, prev.side, f"continues previous sentence: {prev.cue}"
                )
