"""Features of the learned detector: what the classifiers see of a sentence and its context. Pure.

The rule layer (segmentation, the demand lexicon, actor mentions, the rule-based speaker and
stance) is run first; its signals become features here, next to the words themselves:

- :func:`sentence_features` for the demand classifiers: the sentence's word stems and stem
  pairs, the lexicon's cues and scores for the sentence, its neighbours and the headline, and
  the shape of the sentence (quotes, speech verbs, length, position);
- :func:`speaker_candidates` for speaker ranking: every person or body mentioned in the sentence
  or the sentences before it, the rule layer's choice, the document's main speaker and ``None``
  (the author's own narrative), each with the features that make it the speaker or not;
- :func:`stance_features` for the stance classifier, conditioned on the demand and on the
  speaker's side.

Every feature is a string name with a float value; the models are linear over these names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from monitor.detect.dedup import stem
from monitor.detect.match import Match
from monitor.detect.resources import normalise
from monitor.detect.segment import Segment
from monitor.detect.speaker import Mention, Speaker

__all__ = [
    "Candidate",
    "DocContext",
    "context_features",
    "speaker_candidates",
    "sentence_features",
    "stance_features",
    "word_stems",
]

Features = dict[str, float]

_WORD: Final = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+")
_STOP: Final = frozenset(
    "the a an of to in on and or for with at by from as is are was were be been it its this that these "
    "those has have had will would could should can may might not no but also their his her they he she "
    "we our you your i about into than then there which who whom what when where while after before over "
    "и в во на с по к о об от из за для что как это не но а же то бы ли у его ее её их он она они мы".split()
)
_SPEECH: Final = re.compile(
    r"\b(?:sa(?:y|ys|id)|stat(?:e|es|ed)|told|tells?|add(?:s|ed)|not(?:es|ed)|stress(?:es|ed)|warn(?:s|ed)"
    r"|insist(?:s|ed)|call(?:s|ed) for|demand(?:s|ed)|urg(?:es|ed)|reiterat(?:es|ed)|explain(?:s|ed)"
    r"|declar(?:es|ed)|announc(?:es|ed)|emphasi[sz](?:es|ed)|according to|believes?|argu(?:es|ed)"
    r"|заяв\w*|сказал\w*|отметил\w*|подчеркнул\w*|по словам|считает|сообщил\w*|говорит|добавил\w*"
    r"|настаива\w*|призвал\w*|указал\w*|напомнил\w*)\b"
)
_QUOTE_CHARS: Final = frozenset('"“”«»„')
_NEGATION: Final = re.compile(r"\b(?:not|no|never|won't|cannot|can't|without|не|нет|никогда|без)\b")
_PRONOUN_START: Final = re.compile(r"^\W*(?:he|she|they|it|this|that|он|она|они|это)\b")
_SPEAKER_KINDS: Final = ("person", "institution", "country", "media", "group")
LOOKBACK: Final = 3


def word_stems(text: str) -> list[str]:
    """Lower-case, folded word stems of ``text`` without stop words (numbers kept only as years)."""
    out: list[str] = []
    for w in _WORD.findall(normalise(text[:2_000])):
        if w in _STOP or (w.isdigit() and len(w) != 4) or len(w) < 2:
            continue
        out.append(stem(w.replace("’", "'")))
    return out


@dataclass(frozen=True, slots=True)
class DocContext:
    """What the rule layer found in one document, sentence by sentence."""

    segments: Sequence[Segment]
    own: Sequence[Sequence[Match]]  # lexicon labels each sentence earns on its own
    ctx: Sequence[Sequence[Match]]  # lexicon labels with the rule layer's context inheritance
    mentions: Sequence[Sequence[Mention]]
    speakers: Sequence[Speaker | None]  # the rule layer's speaker per sentence
    stems: Sequence[Sequence[str]]
    language: str
    name_counts: Counter[str]  # how many sentences mention each speaker candidate
    surnames: dict[str, str]  # last word of a full name (folded) -> the full name


def sentence_features(doc: DocContext, i: int) -> Features:
    """Features of sentence ``i`` for the demand classifiers."""
    seg = doc.segments[i]
    f: Features = {}
    stems = doc.stems[i]
    for s in stems:
        f["w:" + s] = 1.0
    for a, b in zip(stems, stems[1:], strict=False):
        f[f"b:{a}_{b}"] = 1.0
    _lexicon(f, "", doc.own[i])
    _lexicon(f, "ctx", doc.ctx[i], cues=False)
    if i > 0:
        _lexicon(f, "prev", doc.own[i - 1], cues=False)
        if doc.segments[i - 1].line != seg.line:
            f["prev_other_par"] = 1.0
    if i > 1:
        _lexicon(f, "prev2", doc.own[i - 2], cues=False)
    if i + 1 < len(doc.segments):
        _lexicon(f, "next", doc.own[i + 1], cues=False)
    if i > 0:
        _lexicon(f, "head", doc.own[0], cues=False)
    norm = normalise(seg.text[:2_000])
    n = len(stems)
    f["len:" + ("1" if n <= 3 else "2" if n <= 8 else "3" if n <= 25 else "4")] = 1.0
    f["first"] = float(i == 0)
    f["lang:" + doc.language] = 1.0
    if any(c in _QUOTE_CHARS for c in seg.text):
        f["quote"] = 1.0
    if _SPEECH.search(norm):
        f["speech"] = 1.0
    if _PRONOUN_START.search(norm):
        f["pron_start"] = 1.0
    if doc.speakers[i] is not None:
        f["has_speaker"] = 1.0
    return f


def _lexicon(f: Features, prefix: str, matches: Sequence[Match], *, cues: bool = True) -> None:
    for m in matches:
        f[f"lex{prefix}:{m.demand}"] = min(m.score, 3.0)
        if cues:
            for h in m.hits:
                f[f"cue:{m.demand}:{h.cue}"] = 1.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible speaker of a sentence; ``name`` None is the author's own narrative."""

    name: str | None
    kind: str
    side: str
    cue: str
    features: Features


def speaker_candidates(doc: DocContext, i: int, labels: Sequence[str]) -> list[Candidate]:
    """Everyone who could be the speaker of sentence ``i``, plus ``None``, with their features."""
    seg = doc.segments[i]
    norm = normalise(seg.text[:2_000])
    rule = doc.speakers[i]
    found: dict[str, Candidate] = {}
    top = _top_person(doc)
    for k in range(max(0, i - LOOKBACK), i + 1):
        for m in doc.mentions[k]:
            if m.kind not in _SPEAKER_KINDS:
                continue
            name = _full_name(doc, m)
            feats = found[name].features if name in found else {}
            _mention_features(feats, m, i - k, norm if k == i else "", seg.text)
            if name not in found:
                found[name] = Candidate(name, m.kind, m.side, _mention_cue(m, i - k), feats)
    if i > 0:
        for m in doc.mentions[0]:
            name = _full_name(doc, m)
            if m.kind in _SPEAKER_KINDS and name in found:
                found[name].features["in_head"] = 1.0
    if rule is not None:
        name = rule.name
        if name not in found:
            found[name] = Candidate(name, rule.kind, rule.side, rule.cue, {})
        found[name].features["rule"] = 1.0
        found[name].features["rule_kind:" + rule.kind] = 1.0
        found[name].features["rule_cue:" + _cue_type(rule.cue)] = 1.0
    prev = doc.speakers[i - 1] if i > 0 else None
    if prev is not None and prev.name in found:
        found[prev.name].features["prev_rule"] = 1.0
    out: list[Candidate] = []
    for c in found.values():
        f = c.features
        f["kind:" + c.kind] = 1.0
        f["side:" + c.side] = 1.0
        count = doc.name_counts.get(c.name or "", 0)
        f["freq:" + ("1" if count <= 1 else "2" if count <= 3 else "3")] = 1.0
        if c.name == top:
            f["top_person"] = 1.0
        for lab in labels:
            f[f"side:{c.side}|{lab}"] = 1.0
        out.append(c)
    none: Features = {"none": 1.0}
    if rule is None:
        none["none|rule_none"] = 1.0
    if not _SPEECH.search(norm):
        none["none|no_speech"] = 1.0
    if not any(ch in _QUOTE_CHARS for ch in seg.text):
        none["none|no_quote"] = 1.0
    if not out:
        none["none|no_candidates"] = 1.0
    if i == 0:
        none["none|headline"] = 1.0
    none["none|lang:" + doc.language] = 1.0
    out.append(Candidate(None, "none", "neutral", "no attribution: the author's own narrative", none))
    return out


def _full_name(doc: DocContext, m: Mention) -> str:
    if m.kind == "person" and " " not in m.name:
        return doc.surnames.get(normalise(m.name), m.name)
    return m.name


def _mention_features(f: Features, m: Mention, dist: int, norm: str, text: str) -> None:
    """Where and how a mention stands relative to the sentence's attribution cues."""
    key = f"dist:{min(dist, LOOKBACK)}"
    f[key] = 1.0
    f[f"{key}|{m.kind}"] = 1.0
    if dist or not norm:
        return
    f["in_sent"] = 1.0
    after = norm[m.end : m.end + 60]
    before = norm[max(0, m.start - 40) : m.start]
    if _SPEECH.match(after.lstrip(" ,") or "") or re.match(r"^\W*(?:\w+\W+){0,4}?(?:sa(?:id|ys)|told|stated|warned|added|noted|stressed|заявил\w*|сказал\w*|отметил\w*|подчеркнул\w*)\b", after):
        f["verb_after"] = 1.0
        f["verb_after|" + m.kind] = 1.0
    if re.search(r"(?:sa(?:id|ys)|told|stated|added|noted|according to|по словам|заявил\w*|сказал\w*)\W*(?:\w+\W+){0,3}$", before):
        f["verb_before"] = 1.0
        f["verb_before|" + m.kind] = 1.0
    if after.startswith(("'s", "’s")):
        f["possessive"] = 1.0
    if m.start < 3:
        f["sent_start"] = 1.0
    elif m.start < 60:
        f["sent_early"] = 1.0
    quotes_before = sum(text[: m.start].count(q) for q in _QUOTE_CHARS)
    if quotes_before % 2:
        f["inside_quote"] = 1.0
    if re.match(r"^\s*(?:\([^)]{0,60}\))?\s*:", after):
        f["colon_after"] = 1.0


def _mention_cue(m: Mention, dist: int) -> str:
    where = "in the sentence" if dist == 0 else f"{dist} sentence(s) before"
    return f"{m.name} mentioned {where}"


def _cue_type(cue: str) -> str:
    c = cue.lower()
    for key in ("according to", "continues", "quotation", "turn", "named by", "said", "heading"):
        if key in c:
            return key.replace(" ", "_")
    return "other"


def _top_person(doc: DocContext) -> str | None:
    people = [(n, c) for n, c in doc.name_counts.items() if c >= 2]
    return max(people, key=lambda x: x[1])[0] if people else None


def stance_features(
    doc: DocContext, i: int, labels: Sequence[str], speaker: Candidate | None, rule_stance: str | None
) -> Features:
    """Features of sentence ``i`` for the stance classifier, given its labels and chosen speaker."""
    side = speaker.side if speaker is not None and speaker.name is not None else "author"
    f: Features = {"side:" + side: 1.0}
    stems = doc.stems[i]
    for s in stems:
        f["w:" + s] = 1.0
        f[f"{side}|w:{s}"] = 1.0
    for lab in labels:
        f["d:" + lab] = 1.0
        f[f"{side}|d:{lab}"] = 1.0
    if labels:
        f[f"first_d:{labels[0]}"] = 1.0
    norm = normalise(doc.segments[i].text[:2_000])
    if _NEGATION.search(norm):
        f["neg"] = 1.0
        f[f"{side}|neg"] = 1.0
    if rule_stance:
        f["rule:" + rule_stance] = 1.0
        f[f"{side}|rule:{rule_stance}"] = 1.0
    if speaker is not None:
        f["kind:" + speaker.kind] = 1.0
    return f


def context_features(
    doc: DocContext, i: int, first: Sequence[Mapping[str, float]], base: Features
) -> Features:
    """Second-pass features of sentence ``i``: the base features plus the first-pass label
    probabilities of its neighbours, the headline and the document (continuations, topic)."""
    f = dict(base)
    seg = doc.segments[i]
    starts_inside = bool(re.match(r"^\W*[a-zа-я]", seg.text)) or bool(_PRONOUN_START.search(normalise(seg.text[:40])))
    same_par = i > 0 and doc.segments[i - 1].line == seg.line
    short = len(doc.stems[i]) <= 12
    for name, p in first[i].items():
        f["p1:" + name] = p
        if i > 0:
            prev = first[i - 1][name]
            f["p1prev:" + name] = prev
            if same_par:
                f["p1prev_par:" + name] = prev
            if starts_inside:
                f["p1prev_pron:" + name] = prev
            if short:
                f["p1prev_short:" + name] = prev
            if "quote" in base:
                f["p1prev_quote:" + name] = prev
        if i > 1:
            f["p1prev2:" + name] = first[i - 2][name]
        if i + 1 < len(first):
            f["p1next:" + name] = first[i + 1][name]
        if i > 0:
            f["p1head:" + name] = first[0][name]
        f["p1doc:" + name] = max(p[name] for p in first)
    return f
