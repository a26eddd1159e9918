"""Evidence of a statement in words: why it fired and what chose its speaker. Pure.

Reads the ``evidence`` JSON that detection stores with every statement and alert (see
``monitor.store.statements``): per demand the lexicon cues and, from the learned layer, the
probability and the features that weighed most; the cue that chose the speaker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["explain_labels", "explain_speaker"]

_PREFIXES = (  # feature name prefix -> words (longest first)
    ("lexctx:", "lexicon with context: "),
    ("lexprev2:", "lexicon, two sentences before: "),
    ("lexprev:", "lexicon, previous sentence: "),
    ("lexnext:", "lexicon, next sentence: "),
    ("lexhead:", "lexicon, headline: "),
    ("lex:", "lexicon: "),
    ("cue:", "cue "),
    ("p1prev_par:", "previous sentence of the paragraph: "),
    ("p1prev_pron:", "continues the previous sentence: "),
    ("p1prev_short:", "short, after a sentence on "),
    ("p1prev_quote:", "quotation after a sentence on "),
    ("p1prev_speaker:", "same speaker as the sentence before on "),
    ("p1prev2:", "two sentences before: "),
    ("p1prev:", "previous sentence: "),
    ("p1next:", "next sentence: "),
    ("p1head:", "headline: "),
    ("p1doc:", "document on "),
    ("p1:", "sentence alone: "),
    ("w:", "word "),
    ("b:", "words "),
)


def _feature(name: str) -> str:
    for prefix, words in _PREFIXES:
        if name.startswith(prefix):
            return words + name[len(prefix) :].replace("_", " ")
    return name.replace("_", " ")


def explain_labels(evidence: Mapping[str, Any] | None) -> str:
    """One line per demand, e.g. ``nato_expansion (p=0.97): cue eastward expansion, word join``."""
    if not evidence:
        return ""
    raw_why, raw_cues = evidence.get("why"), evidence.get("demands")
    why: Mapping[str, Any] = raw_why if isinstance(raw_why, Mapping) else {}
    cues: Mapping[str, Any] = raw_cues if isinstance(raw_cues, Mapping) else {}
    parts: list[str] = []
    for demand in dict.fromkeys([*why, *cues]):
        info = why.get(demand) or {}
        feats = [_feature(str(f[0])) for f in info.get("features", []) if isinstance(f, list | tuple) and f]
        lexicon = str(cues.get(demand) or "")
        p = info.get("p")
        head = f"{demand} (p={p:.2f})" if isinstance(p, int | float) else str(demand)
        detail = "; ".join(x for x in (lexicon, ", ".join(feats[:4])) if x)
        parts.append(f"{head}: {detail}" if detail else head)
    return " | ".join(parts)


def explain_speaker(evidence: Mapping[str, Any] | None, cue: str | None = None) -> str:
    """The cue that chose the speaker (or that there is none: the author's own narrative)."""
    if cue:
        return cue
    if evidence and isinstance(evidence.get("speaker_cue"), str):
        return str(evidence["speaker_cue"])
    return ""
