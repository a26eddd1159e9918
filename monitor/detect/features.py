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
``FEATURE_VERSION`` changes whenever a feature changes meaning: a model file records the version
it was trained with, and a model of another version is refused (it would score silently wrong).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from monitor.detect.dedup import stem
from monitor.detect.match import Match
from monitor.detect.noclaim import POINTER
from monitor.detect.quotes import QUOTE_CHARS as _QUOTE_CHARS
from monitor.detect.resources import normalise
from monitor.detect.segment import Segment
from monitor.detect.speaker import Mention, Speaker

__all__ = [
    "FEATURE_VERSION",
    "Candidate",
    "DocContext",
    "context_features",
    "speaker_candidates",
    "sentence_features",
    "stance_features",
    "stance_view",
    "word_stems",
]

FEATURE_VERSION: Final = 5
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
    r"|condemn(?:s|ed)|critici[sz](?:es|ed)|slamm?(?:s|ed)|dismiss(?:es|ed)|welcom(?:es|ed)|accus(?:es|ed)"
    r"|заяв\w*|сказал\w*|отметил\w*|подчеркнул\w*|по словам|считает|сообщил\w*|говорит|добавил\w*"
    r"|настаива\w*|призвал\w*|указал\w*|напомнил\w*)\b"
)
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
    excluded: Sequence[Sequence[tuple[str, str]]] = ()  # exclusion cues matched: (demand, cue name)
    weak: Sequence[Sequence[Match]] = ()  # demands whose cues match below the lexicon's threshold


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
    if doc.excluded:
        for demand, cue in doc.excluded[i]:
            f[f"excl:{demand}:{cue}"] = 1.0
    if doc.weak:
        for m in doc.weak[i]:
            f[f"weak:{m.demand}"] = m.score
            for h in m.hits:
                f[f"weakcue:{m.demand}:{h.cue}"] = 1.0
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
    if not _QUOTE_CHARS.isdisjoint(seg.text):  # a set operation, not a generator step per character
        f["quote"] = 1.0
    if _SPEECH.search(norm):
        f["speech"] = 1.0
    if _PRONOUN_START.search(norm):
        f["pron_start"] = 1.0
    if doc.speakers[i] is not None:
        f["has_speaker"] = 1.0
    if POINTER.search(norm[:200]):
        f["pointer"] = 1.0
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
    """Everyone who could be the speaker of sentence ``i``, plus ``None``, with their features.

    Candidates: the people and bodies mentioned in the sentence and the ``LOOKBACK`` sentences
    before it; the rule layer's speakers of the ``SPEAKER_LOOKBACK`` sentences before it (a
    quotation or a speech going on without a new attribution); the headline's speaker; the
    document's most mentioned person; and, for a sentence on the content of draft treaties or
    proposals, the body that published them (``DRAFT_OWNER``, convention 5)."""
    seg = doc.segments[i]
    norm = normalise(seg.text[:2_000])
    rule = doc.speakers[i]
    found: dict[str, Candidate] = {}

    def add(name: str, kind: str, side: str, cue: str) -> Features:
        c = found.get(name)
        if c is None:
            c = found[name] = Candidate(name, kind, side, cue, {})
        return c.features

    for k in range(max(0, i - LOOKBACK), i + 1):
        for m in doc.mentions[k]:
            if m.kind not in _SPEAKER_KINDS:
                continue
            name = _full_name(doc, m)
            feats = add(name, m.kind, m.side, _mention_cue(m, i - k))
            _mention_features(feats, m, i - k, norm if k == i else "", seg.text)
    if i > 0:
        for m in doc.mentions[0]:
            name = _full_name(doc, m)
            if m.kind in _SPEAKER_KINDS and name in found:
                found[name].features["in_head"] = 1.0
    if rule is not None:
        f = add(_speaker_name(doc, rule), rule.kind, rule.side, rule.cue)
        f["rule"] = 1.0
        f["rule_kind:" + rule.kind] = 1.0
        f["rule_cue:" + _cue_type(rule.cue)] = 1.0
    # earlier attributed sentences: the nearest one speaks on unless this sentence names another
    nearest = True
    for k in range(i - 1, max(-1, i - SPEAKER_LOOKBACK - 1), -1):
        sp = doc.speakers[k]
        if sp is None:
            continue
        f = add(_speaker_name(doc, sp), sp.kind, sp.side, f"speaker of sentence {k}: {sp.cue}")
        d = i - k
        key = "prev_rule" if d == 1 else "prev_rule:2" if d == 2 else "prev_rule:far"
        f[key] = 1.0
        if nearest:
            f["prev_rule_nearest"] = 1.0
            if doc.segments[k].line == seg.line:
                f["prev_rule_nearest|par"] = 1.0
            nearest = False
    if i > 0 and doc.speakers[0] is not None:
        sp = doc.speakers[0]
        add(_speaker_name(doc, sp), sp.kind, sp.side, f"headline: {sp.cue}")["head_speaker"] = 1.0
    top = _top_person(doc)
    if top is not None:
        add(top[0], top[1], top[2], "the document's most mentioned person")["top_person"] = 1.0
    if _DRAFT.search(norm) or (i > 0 and _DRAFT.search(normalise(doc.segments[i - 1].text[:2_000]))):
        add(*DRAFT_OWNER, "content of the draft treaties")["draft_owner"] = 1.0
    shape = _sentence_shape(doc, i, norm, rule)
    out: list[Candidate] = []
    for c in found.values():
        f = c.features
        f["kind:" + c.kind] = 1.0
        f["side:" + c.side] = 1.0
        count = doc.name_counts.get(c.name or "", 0)
        f["freq:" + ("1" if count <= 1 else "2" if count <= 3 else "3")] = 1.0
        for lab in labels:
            f[f"side:{c.side}|{lab}"] = 1.0
        if "draft_owner" in f and c.side == "russia":
            f["draft|" + c.kind] = 1.0
        for src in _SOURCES:
            if src in f:
                for s in shape:
                    f[f"{src}|{s}"] = 1.0
        out.append(c)
    none: Features = {"none": 1.0}
    for s in shape:
        none["none|" + s] = 1.0
    for w in doc.stems[i]:  # the words of the author's own narrative ("became the 31st member")
        none["none|w:" + w] = 1.0
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
    out.append(Candidate(None, "none", "neutral", "no attribution: the author's own narrative", none))
    return out


SPEAKER_LOOKBACK: Final = 8
DRAFT_OWNER: Final = ("Russian Foreign Ministry", "institution", "russia")
_DRAFT: Final = re.compile(
    r"\b(?:drafts?|draft (?:treaty|treaties|agreements?|documents?)|proposals?|proposed"
    r"|проект\w*|предложени\w*)\b"
)
_SOURCES: Final = ("in_sent", "rule", "prev_rule_nearest", "head_speaker", "top_person", "draft_owner")


def _sentence_shape(doc: DocContext, i: int, norm: str, rule: Speaker | None) -> list[str]:
    """Coarse facts about the sentence that decide how far its speaker may lie."""
    text = doc.segments[i].text
    out = []
    out.append("speech" if _SPEECH.search(norm) else "no_speech")
    if any(c in _QUOTE_CHARS for c in text):
        out.append("quote")
    if text[:1] in _QUOTE_CHARS:
        out.append("quote_start")
    if _PRONOUN_START.search(norm):
        out.append("pron_start")
    if i > 0 and doc.segments[i - 1].line == doc.segments[i].line:
        out.append("same_par")
    if rule is None:
        out.append("no_rule")
    if i == 0:
        out.append("headline")
    if _FIRST_PERSON.search(_strip_quoted(norm)):
        out.append("first_person")
    return out


_FIRST_PERSON: Final = re.compile(r"\b(?:we|our|us|i|my|мы|наш\w*|нас|нам|я)\b")


def _strip_quoted(norm: str) -> str:
    return re.sub(r"[\"“«„][^\"”»]*[\"”»]", " ", norm)


def _speaker_name(doc: DocContext, sp: Speaker) -> str:
    if sp.kind == "person" and " " not in sp.name:
        return doc.surnames.get(normalise(sp.name), sp.name)
    return sp.name


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
    f["known" if m.known else "unknown"] = 1.0
    if not _WORDS_BEFORE.search(norm[: m.start]):
        f["subject_start"] = 1.0
    after = norm[m.end : m.end + 60]
    before = norm[max(0, m.start - 40) : m.start]
    if _SPEECH.match(after.lstrip(" ,") or "") or _VERB_AFTER.match(after):
        f["verb_after"] = 1.0
        f["verb_after|" + m.kind] = 1.0
    if _SUBJECT_VERB.match(norm[m.end : m.end + 120]):
        # the subject of a finite verb ("Russia is abandoning ...", "X, the minister, has rejected ...")
        f["subject_verb"] = 1.0
        f["subject_verb|" + m.kind] = 1.0
    if _VERB_BEFORE.search(before):
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
    if _COLON_AFTER.match(after):
        f["colon_after"] = 1.0


_WORDS_BEFORE: Final = re.compile(r"[^\W\d_]{2,}(?:\W+[^\W\d_]{2,}){3}")  # four words or more


_VERB_AFTER: Final = re.compile(
    r"^\W*(?:\w+\W+){0,4}?(?:sa(?:id|ys)|told|stated|warned|added|noted|stressed"
    r"|заявил\w*|сказал\w*|отметил\w*|подчеркнул\w*)\b"
)
_VERB_BEFORE: Final = re.compile(
    r"(?:sa(?:id|ys)|told|stated|added|noted|according to|по словам|заявил\w*|сказал\w*)\W*(?:\w+\W+){0,3}$"
)
_COLON_AFTER: Final = re.compile(r"^\s*(?:\([^)]{0,60}\))?\s*:")
_SUBJECT_VERB: Final = re.compile(
    r"^\s*(?:,[^,]{0,80},\s*)?(?:(?:has|have|had|is|are|was|were|will|would|also|again|has also) )?"
    r"[a-z]+(?:ed|s)\b"
)


def _mention_cue(m: Mention, dist: int) -> str:
    where = "in the sentence" if dist == 0 else f"{dist} sentence(s) before"
    return f"{m.name} mentioned {where}"


def _cue_type(cue: str) -> str:
    c = cue.lower()
    for key in ("according to", "continues", "quotation", "transcript", "turn", "named by", "said", "heading"):
        if key in c:
            return key.replace(" ", "_")
    return "other"


def _top_person(doc: DocContext) -> tuple[str, str, str] | None:
    """The person mentioned in most sentences (at least two; ties: the first mentioned)."""
    first: dict[str, Mention] = {}
    for ms in doc.mentions:
        for m in ms:
            if m.kind == "person":
                first.setdefault(_full_name(doc, m), m)
    people = [(n, doc.name_counts.get(n, 0)) for n in first]
    people = [p for p in people if p[1] >= 2]
    if not people:
        return None
    name = max(people, key=lambda x: x[1])[0]  # max keeps the first of equal counts
    return name, "person", first[name].side


def stance_features(
    doc: DocContext, i: int, labels: Sequence[str], speaker: Candidate | None, rule_stance: str | None
) -> Features:
    """Features of sentence ``i`` for the stance classifier, given its labels and chosen speaker,
    of whom they see only :func:`stance_view`."""
    side, kind = stance_view(speaker)
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
    for m in doc.own[i]:  # the lexicon's cues carry stance ("open door", "non-expansion", "neutral status")
        for h in m.hits:
            f[f"cue:{h.cue}"] = 1.0
            f[f"{side}|cue:{h.cue}"] = 1.0
    norm = normalise(doc.segments[i].text[:2_000])
    if _NEGATION.search(norm):
        f["neg"] = 1.0
        f[f"{side}|neg"] = 1.0
    if rule_stance:
        f["rule:" + rule_stance] = 1.0
        f[f"{side}|rule:{rule_stance}"] = 1.0
    if kind is not None:
        f["kind:" + kind] = 1.0
    # the sides around the sentence, so a wrong speaker choice does not decide the stance alone
    rule = doc.speakers[i]
    if rule is not None:
        f["rule_side:" + rule.side] = 1.0
    prev = next((doc.speakers[k] for k in range(i - 1, max(-1, i - 4), -1) if doc.speakers[k] is not None), None)
    if prev is not None:
        f["prev_side:" + prev.side] = 1.0
    for mention in doc.mentions[i]:
        if mention.known and mention.kind in _SPEAKER_KINDS:
            f["mention_side:" + mention.side] = 1.0
    return f


def stance_view(speaker: Candidate | None) -> tuple[str, str | None]:
    """What :func:`stance_features` sees of a speaker: its side ("author" for the author's own
    narrative) and its kind (None: no speaker given)."""
    side = speaker.side if speaker is not None and speaker.name is not None else "author"
    return side, speaker.kind if speaker is not None else None


def context_features(
    doc: DocContext, i: int, first: Sequence[Mapping[str, float]], base: Features
) -> Features:
    """Second-pass features of sentence ``i``: the base features plus its own first-pass label
    probabilities and those of the sentence before, the latter only where the sentence goes on
    from it (same paragraph, lower-case or pronoun start, short, quoted, same speaker)."""
    f = dict(base)
    seg = doc.segments[i]
    starts_inside = bool(re.match(r"^\W*[a-zа-я]", seg.text)) or bool(_PRONOUN_START.search(normalise(seg.text[:40])))
    same_par = i > 0 and doc.segments[i - 1].line == seg.line
    short = len(doc.stems[i]) <= 12
    a, b = doc.speakers[i], doc.speakers[i - 1] if i > 0 else None
    same_speaker = a is not None and b is not None and a.name == b.name
    for name, p in first[i].items():
        f["p1:" + name] = p
        if i == 0:
            continue
        # only a sentence that plainly goes on from the one before inherits its topic (convention 2)
        prev = first[i - 1][name]
        if same_par:
            f["p1prev_par:" + name] = prev
        if starts_inside:
            f["p1prev_pron:" + name] = prev
        if short:
            f["p1prev_short:" + name] = prev
        if "quote" in base:
            f["p1prev_quote:" + name] = prev
        if same_speaker:
            f["p1prev_speaker:" + name] = prev
    return f
