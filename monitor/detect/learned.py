"""The learned detection layer: demand labels, speaker and stance from trained linear models. Pure.

:func:`document_context` runs the rule layer once per document (segmentation, the lexicon with
and without context, actor mentions, the rule-based speakers); :func:`analyse_with_model` then
labels every sentence with the demand classifiers, ranks the speaker candidates of each labelled
sentence and judges its stance, and returns the same :class:`SentenceResult` values as the rule
detector, each carrying its evidence: the strongest features per label, the cue that chose the
speaker, and the model version.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from monitor.detect.article import Resources, SentenceResult, inherit_speakers, sentence_languages
from monitor.detect.features import (
    Candidate,
    DocContext,
    context_features,
    sentence_features,
    speaker_candidates,
    stance_features,
    stance_view,
    word_stems,
)
from monitor.detect.lang import detect_language
from monitor.detect.match import (
    Match,
    match_demands,
    quote_states,
    scan_sentence,
    split_by_threshold,
)
from monitor.detect.model import DetectorModel
from monitor.detect.noclaim import makes_no_claim
from monitor.detect.resources import normalise
from monitor.detect.segment import segment_text
from monitor.detect.speaker import Speaker, find_document_mentions, find_speakers
from monitor.detect.stance import decide_stance, is_partisan_text
from monitor.detect.transcript import credit_transcript, transcript_speaker
from monitor.detect.veto import ruled_out

__all__ = [
    "analyse_with_model",
    "choose_speaker",
    "document_context",
    "excluded_demands",
    "judge_stance",
    "speaker_probabilities",
]


def document_context(
    text: str, resources: Resources, *, language: str = "", published: date | None = None, title: str = ""
) -> DocContext:
    """The rule layer's view of one document, the input of every learned feature; ``published``
    (the document's date, when known) decides who held a role ("the secretary general"), and
    ``title`` (when known) may name the one speaker of a transcript."""
    segments = segment_text(text)
    article_lang = language or detect_language(text) or "en"
    langs = [sentence_languages(seg, article_lang) for seg in segments]
    # the lexicon once per sentence: its scores and its exclusion cues
    scans = [scan_sentence(seg.text, resources.demands, lg) for seg, lg in zip(segments, langs, strict=True)]
    split = [split_by_threshold(scan.scores, resources.demands) for scan in scans]
    own, weak = [strong for strong, _ in split], [w for _, w in split]
    ctx = match_demands(segments, resources.demands, langs, use_context=True, own=own)
    mentions = find_document_mentions(segments, resources.actors, published=published)
    speakers = find_speakers(segments, resources.actors, quote_states(segments), mentions)
    credit_transcript(segments, speakers, transcript_speaker(title, segments, resources.actors, published=published))
    inherit_speakers(ctx, speakers)
    excluded = [scan.exclusions for scan in scans]
    surnames: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for ms in mentions:
        names: set[str] = set()
        for m in ms:
            if m.kind == "person" and " " in m.name:
                surnames.setdefault(normalise(m.name.split()[-1]), m.name)
            if m.kind not in ("pronoun", "role"):
                names.add(m.name)
        counts.update(sorted(names))
    for name in list(counts):
        full = surnames.get(normalise(name)) if " " not in name else None
        if full:
            counts[full] += counts.pop(name)
    return DocContext(
        segments,
        own,
        ctx,
        mentions,
        speakers,
        [word_stems(seg.text) for seg in segments],
        "ru" if article_lang in ("ru", "uk", "be", "bg") else "en" if article_lang == "en" else article_lang,
        counts,
        surnames,
        excluded,
        weak,
    )


def excluded_demands(doc: DocContext, i: int, about: Mapping[str, str]) -> set[str]:
    """The demands an exclusion cue rules out for sentence ``i``: those whose exclusion cues it
    matches ("Russian tactical nuclear weapons", "Belarus", "Sarmat") while it names no actor of the
    side the demand is about (``about``: demand -> its ``about_side``; the default demands are
    about what the US and NATO do, side "west"). A sentence on Russia's own weapons, forces or
    exercises with no Western actor in it is no statement on them, whatever the classifier makes
    of its vocabulary; with one named ("a response to the US move") the classifier decides. A
    demand with no side said is never ruled out here."""
    if not doc.excluded or not doc.excluded[i]:
        return set()
    return ruled_out(doc.excluded[i], doc.mentions[i], about)


def speaker_probabilities(model: DetectorModel, candidates: Sequence[Candidate]) -> list[float]:
    """The speaker model's probability for each candidate, in order."""
    return [model.speaker.probability(c.features) for c in candidates]


def choose_speaker(
    candidates: Sequence[Candidate], probabilities: Sequence[float]
) -> tuple[Candidate, float]:
    """The highest-scoring candidate (ties: the earlier one) and its probability."""
    k = max(range(len(candidates)), key=lambda j: (probabilities[j], -j))
    return candidates[k], probabilities[k]


def analyse_with_model(
    text: str,
    resources: Resources,
    model: DetectorModel,
    *,
    language: str = "",
    published: date | None = None,
    title: str = "",
) -> list[SentenceResult]:
    """Segment ``text`` and label, attribute and judge every sentence with ``model``; ``published``
    is the document's date when known (role holders in office on that day), ``title`` its title
    when known (a transcript's speaker)."""
    doc = document_context(text, resources, language=language, published=published, title=title)
    if not doc.segments:
        return []
    partisan = is_partisan_text(text)
    known = set(model.demands)
    about = {d.name: d.about_side for d in resources.demands}
    out: list[SentenceResult] = []
    base = [sentence_features(doc, i) for i in range(len(doc.segments))]
    first = [{name: model.first[name].probability(f) for name in model.demands} for f in base]
    for i, seg in enumerate(doc.segments):
        feats = context_features(doc, i, first, base[i])
        matches: list[Match] = []
        why: dict[str, Any] = {}
        for name in model.demands:
            clf = model.demand[name]
            p = clf.probability(feats)
            if p >= clf.threshold:
                hits = next((m.hits for m in doc.own[i] if m.demand == name), ())
                ctx_from = next((m.context_from for m in doc.ctx[i] if m.demand == name and not hits), None)
                matches.append(Match(name, round(p, 3), hits, ctx_from))
                why[name] = {"p": round(p, 3), "features": clf.strongest(feats)}
        vetoed = excluded_demands(doc, i, about)
        if vetoed:
            matches = [m for m in matches if m.demand not in vetoed]
            why = {name: v for name, v in why.items() if name not in vetoed}
        matches.sort(key=lambda m: -m.score)
        labels = tuple(m.demand for m in matches if m.demand in known)
        if labels and not doc.own[i] and makes_no_claim(seg.text):
            matches, labels = [], ()  # a dateline, a pointer to the sentence before, a "did not elaborate"
        if not labels:
            out.append(SentenceResult(seg, (), doc.speakers[i], None, doc.language))
            continue
        candidates = speaker_candidates(doc, i, labels)
        weights = speaker_probabilities(model, candidates)
        cand, p_speaker = choose_speaker(candidates, weights)
        speaker = (
            Speaker(cand.name, cand.kind, cand.side, f"{cand.cue} (p={p_speaker:.2f})") if cand.name else None
        )
        rule_stance = decide_stance(seg.text, doc.speakers[i], partisan_author=partisan)
        stance, p_stance = judge_stance(model, doc, i, labels, candidates, weights, rule_stance)
        evidence = {
            "model": model.version,
            "labels": why,
            "speaker": {
                "name": cand.name,
                "cue": cand.cue,
                "p": round(p_speaker, 3),
                "features": model.speaker.strongest(cand.features, 4),
            },
            "stance": {"value": stance, "p": round(p_stance, 3)},
        }
        out.append(
            SentenceResult(
                seg,
                tuple(matches),
                speaker,
                stance,
                doc.language,
                _entities(doc, i, speaker),
                evidence,
            )
        )
    return out


def judge_stance(
    model: DetectorModel,
    doc: DocContext,
    i: int,
    labels: Sequence[str],
    candidates: Sequence[Candidate],
    weights: Sequence[float],
    rule_stance: str | None,
) -> tuple[str, float]:
    """The stance of sentence ``i`` and its probability, averaged over the speaker candidates
    weighted by their speaker probabilities (``weights``, :func:`speaker_probabilities`): a stance
    hangs on whose it is (Russia insisting is ``pro``, NATO refusing is ``contra``), so an
    uncertain speaker choice must not flip it alone."""
    total = sum(weights)  # probabilities of a sigmoid: never all zero
    mixed: dict[str, float] = dict.fromkeys(model.stance.classes, 0.0)
    # candidates the stance features see alike (several people of one side) are scored once
    scored: dict[tuple[str, str | None], dict[str, float]] = {}
    for w, c in zip(weights, candidates, strict=True):
        key = stance_view(c)
        probs = scored.get(key)
        if probs is None:
            probs = scored[key] = model.stance.probabilities(stance_features(doc, i, labels, c, rule_stance))
        for lab, q in probs.items():
            mixed[lab] += q * w / total
    best = max(model.stance.classes, key=lambda c: (mixed[c], c))
    return best, mixed[best]


def _entities(doc: DocContext, i: int, speaker: Speaker | None) -> tuple[str, ...]:
    names = {m.name for m in doc.mentions[i] if m.kind in ("country", "institution", "person")}
    names.discard(speaker.name if speaker else "")
    return tuple(sorted(names))
