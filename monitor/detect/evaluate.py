"""Scoring detection against a gold file (format: ``docs/eval`` GUIDELINES). Pure.

Gold rows: ``{"doc", "i", "text", "labels", "speaker", "stance", "cluster"}``, every sentence of
every document once, in order. Predictions are sentences with character offsets into the same
document text, so the segmentation need not agree: each predicted sentence is aligned to the
gold sentence it overlaps most, and a gold sentence takes the union of the labels aligned to it.

Scores:
- per label and micro precision / recall / F1 over (sentence, label) pairs;
- speaker and stance accuracy over gold statements the system detected (misses already cost
  recall), and the stricter ``*_all`` variants over every gold statement (a miss counts as wrong);
  speakers compare through ``same_speaker``, which the caller builds from the actor list;
- B-cubed F1 of predicted groups over gold-clustered sentences (unassigned = singleton);
- alerts: distinct predicted groups vs distinct gold clusters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from monitor.detect.article import Resources, analyse_text
from monitor.detect.dedup import (
    DEFAULT_THRESHOLD,
    MemoryIndex,
    PairScorer,
    assign_groups,
    grouping_items,
    state_keys,
)
from monitor.detect.learned import analyse_with_model
from monitor.detect.model import DetectorModel
from monitor.detect.resources import Actor, normalise
from monitor.errors import ConfigError

__all__ = [
    "GoldSentence",
    "PredictedSentence",
    "Scores",
    "evaluate_texts",
    "load_gold",
    "same_speaker_by",
    "score",
]


@dataclass(frozen=True, slots=True)
class GoldSentence:
    doc: str
    i: int
    text: str
    labels: tuple[str, ...]
    speaker: str | None
    stance: str | None
    cluster: str | None


@dataclass(frozen=True, slots=True)
class PredictedSentence:
    doc: str
    start: int
    end: int
    labels: tuple[str, ...]
    speaker: str | None
    stance: str | None
    group: str | None  # statement group id (alerts are raised per group)


@dataclass(frozen=True)
class LabelScore:
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Scores:
    labels: dict[str, LabelScore]
    micro: LabelScore
    speaker_accuracy: float
    stance_accuracy: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    alerts: int
    gold_clusters: int
    sentences: int
    unaligned_gold: int
    speaker_accuracy_all: float  # over every gold statement: a missed statement counts as wrong
    stance_accuracy_all: float
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def alert_ratio(self) -> float:
        return self.alerts / self.gold_clusters if self.gold_clusters else 0.0


def load_gold(lines: Iterable[str], where: str) -> list[GoldSentence]:
    """Parse gold JSON lines; a malformed row raises ConfigError naming the line."""
    out: list[GoldSentence] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(
                GoldSentence(
                    str(row["doc"]),
                    int(row["i"]),
                    str(row["text"]),
                    tuple(row.get("labels") or ()),
                    row.get("speaker"),
                    row.get("stance"),
                    row.get("cluster"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(where, f"line {n}: not a gold row: {exc}") from exc
    return out


def locate(gold: Sequence[GoldSentence], texts: Mapping[str, str]) -> dict[tuple[str, int], tuple[int, int]]:
    """Character span of every gold sentence in its document (searched in order)."""
    spans: dict[tuple[str, int], tuple[int, int]] = {}
    cursor: dict[str, int] = {}
    for g in gold:
        text = texts.get(g.doc, "")
        at = text.find(g.text, cursor.get(g.doc, 0))
        if at < 0:
            at = text.find(g.text)
        if at >= 0:
            spans[(g.doc, g.i)] = (at, at + len(g.text))
            cursor[g.doc] = at + len(g.text)
    return spans


def score(
    gold: Sequence[GoldSentence],
    predicted: Sequence[PredictedSentence],
    texts: Mapping[str, str],
    same_speaker: Callable[[str | None, str | None], bool] | None = None,
) -> Scores:
    """Score predictions for the documents in ``texts`` against ``gold``."""
    same = same_speaker or _same_text
    spans = locate(gold, texts)
    aligned = _align(gold, predicted, spans)
    label_names = sorted(
        {lab for g in gold for lab in g.labels} | {lab for p in predicted for lab in p.labels}
    )
    counts = {lab: [0, 0, 0] for lab in label_names}
    speaker_ok = stance_ok = labelled = detected = speaker_all = stance_all = 0
    errors: list[dict[str, Any]] = []
    for g in gold:
        preds = aligned.get((g.doc, g.i), [])
        pred_labels = {lab for p in preds for lab in p.labels}
        for lab in label_names:
            if lab in g.labels and lab in pred_labels:
                counts[lab][0] += 1
            elif lab in pred_labels:
                counts[lab][1] += 1
            elif lab in g.labels:
                counts[lab][2] += 1
        main = _main(preds)
        if g.labels:
            labelled += 1
            hit_speaker = same(main.speaker if main else None, g.speaker)
            hit_stance = bool(main and main.labels and main.stance == g.stance)
            speaker_all += hit_speaker
            stance_all += hit_stance
            if main and main.labels:
                detected += 1
                speaker_ok += hit_speaker
                stance_ok += hit_stance
        if set(g.labels) != pred_labels or (g.labels and main and not same(main.speaker, g.speaker)):
            errors.append(
                {
                    "doc": g.doc,
                    "i": g.i,
                    "text": g.text[:200],
                    "gold": sorted(g.labels),
                    "pred": sorted(pred_labels),
                    "gold_speaker": g.speaker,
                    "pred_speaker": main.speaker if main else None,
                }
            )
    per = {lab: _prf(*c) for lab, c in counts.items()}
    micro = _prf(*(sum(c[k] for c in counts.values()) for k in range(3)))
    bp, br, bf = _bcubed(gold, aligned)
    alerts = len({p.group for p in predicted if p.group and p.doc in texts})
    clusters = len({g.cluster for g in gold if g.cluster})
    return Scores(
        per,
        micro,
        _ratio(speaker_ok, detected),
        _ratio(stance_ok, detected),
        bp,
        br,
        bf,
        alerts,
        clusters,
        len(gold),
        len(gold) - len(spans),
        _ratio(speaker_all, labelled),
        _ratio(stance_all, labelled),
        errors,
    )


def _align(
    gold: Sequence[GoldSentence],
    predicted: Sequence[PredictedSentence],
    spans: Mapping[tuple[str, int], tuple[int, int]],
) -> dict[tuple[str, int], list[PredictedSentence]]:
    by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for g in gold:
        if (g.doc, g.i) in spans:
            by_doc.setdefault(g.doc, []).append((*spans[(g.doc, g.i)], g.i))
    out: dict[tuple[str, int], list[PredictedSentence]] = {}
    for p in predicted:
        best, best_overlap = None, 0
        for start, end, i in by_doc.get(p.doc, ()):
            overlap = min(end, p.end) - max(start, p.start)
            if overlap > best_overlap:
                best, best_overlap = i, overlap
        if best is not None:
            out.setdefault((p.doc, best), []).append(p)
    return out


def _main(preds: list[PredictedSentence]) -> PredictedSentence | None:
    labelled = [p for p in preds if p.labels]
    pool = labelled or preds
    return max(pool, key=lambda p: p.end - p.start) if pool else None


def _bcubed(
    gold: Sequence[GoldSentence], aligned: Mapping[tuple[str, int], list[PredictedSentence]]
) -> tuple[float, float, float]:
    items = [g for g in gold if g.cluster]
    if not items:
        return 1.0, 1.0, 1.0
    pred_of: dict[tuple[str, int], str] = {}
    for g in items:
        main = _main(aligned.get((g.doc, g.i), []))
        pred_of[(g.doc, g.i)] = main.group if main and main.group else f"_single:{g.doc}:{g.i}"
    precision = recall = 0.0
    for g in items:
        mine = pred_of[(g.doc, g.i)]
        same_pred = [h for h in items if pred_of[(h.doc, h.i)] == mine]
        same_gold = [h for h in items if h.cluster == g.cluster]
        both = sum(1 for h in same_pred if h.cluster == g.cluster)
        precision += both / len(same_pred)
        recall += both / len(same_gold)
    p, r = precision / len(items), recall / len(items)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _prf(tp: int, fp: int, fn: int) -> LabelScore:
    p = _ratio(tp, tp + fp)
    r = _ratio(tp, tp + fn)
    return LabelScore(tp, fp, fn, p, r, 2 * p * r / (p + r) if p + r else 0.0)


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _same_text(a: str | None, b: str | None) -> bool:
    return (a or "").strip().lower() == (b or "").strip().lower()


def same_speaker_by(actors: Sequence[Actor]) -> Callable[[str | None, str | None], bool]:
    """Speaker equality through the actor list: spellings and aliases of one actor are equal, and
    the bodies that speak for one state (an actor's ``state``: the Kremlin, the Russian Foreign
    Ministry and Moscow for Russia) are one speaker, as the labelling conventions score them.
    People never merge with their institution."""
    canon: dict[str, str] = {}
    for actor in actors:
        for alias in (actor.name, *actor.aliases):
            canon.setdefault(normalise(alias).strip(), actor.state or actor.name)

    def key(name: str | None) -> str:
        if not name:
            return ""
        parts = [p.strip() for p in normalise(name).split(" and ")]
        return " and ".join(sorted(canon.get(p, canon.get(p.removeprefix("the "), p)) for p in parts))

    return lambda a, b: key(a) == key(b)


def predict_texts(
    texts: Mapping[str, str],
    resources: Resources,
    now: datetime,
    *,
    threshold: float | None = None,
    cross_threshold: float | None = None,
    model: DetectorModel | None = None,
    languages: Mapping[str, str] | None = None,
    published: Mapping[str, date] | None = None,
    titles: Mapping[str, str] | None = None,
    alert_narrative: bool = False,
    models: Mapping[str, DetectorModel] | None = None,
    order: Sequence[str] | None = None,
) -> list[PredictedSentence]:
    """Run detection and in-memory grouping over documents in name order (the order they are 'seen'),
    or in ``order`` when given (every document of ``texts`` once);
    ``languages``, ``published`` and ``titles`` give documents' languages, dates and titles where known;
    with ``model`` the learned layer labels the sentences, else the rule layer alone; ``threshold``
    None = the model's repeat threshold (the rule layer's default without a model); with a
    model that has a pairwise repeat classifier the threshold is on its probability;
    ``cross_threshold`` is the one for statements of earlier documents (None: ``threshold`` when
    given, else the model's). ``models`` gives some documents a model of their own (cross-validation:
    each document labelled by the model that did not train on it, all grouped in one pass); each
    such document's statements are then matched with its own model's repeat classifier."""
    index = MemoryIndex()
    preds: list[PredictedSentence] = []
    langs = languages or {}
    states = state_keys(resources.actors)
    dates = published or {}
    heads = titles or {}
    if order is not None and sorted(order) != sorted(texts):
        raise ValueError("order must list every document of texts once")
    for doc in order if order is not None else sorted(texts):
        lang, day = langs.get(doc, ""), dates.get(doc)
        doc_model = (models or {}).get(doc, model)
        doc_threshold, doc_cross, scorer = _repeat_settings(doc_model, threshold, cross_threshold)
        if doc_model is not None:
            results = analyse_with_model(
                texts[doc], resources, doc_model, language=lang, published=day, title=heads.get(doc, "")
            )
        else:
            results = analyse_text(texts[doc], resources, language=lang, published=day, title=heads.get(doc, ""))
        items = grouping_items(results, doc, alert_narrative=alert_narrative, states=states)
        groups = {
            g.position: g.group_id
            for g in assign_groups(items, index, now, doc_threshold, scorer, doc_cross, day)
        }
        for k, r in enumerate(results):
            group = groups.get(k)
            preds.append(
                PredictedSentence(
                    doc,
                    r.segment.start,
                    r.segment.end,
                    r.labels,
                    r.speaker.name if r.speaker and r.labels else None,
                    r.stance,
                    str(group) if group is not None else None,
                )
            )
    return preds


def _repeat_settings(
    model: DetectorModel | None, threshold: float | None, cross_threshold: float | None
) -> tuple[float, float | None, PairScorer | None]:
    """The repeat thresholds (same article, earlier articles) and pair scorer used with ``model``;
    explicit thresholds win over the model's, a same-article one alone serves for both."""
    if cross_threshold is None and threshold is not None:
        cross_threshold = threshold
    elif cross_threshold is None and model is not None:
        cross_threshold = model.cross_article_threshold
    if threshold is None:
        threshold = model.repeat_threshold if model is not None else DEFAULT_THRESHOLD
    return threshold, cross_threshold, model.repeat_scorer() if model is not None else None


def evaluate_texts(
    gold: Sequence[GoldSentence],
    texts: Mapping[str, str],
    resources: Resources,
    now: datetime,
    **options: Any,
) -> Scores:
    """Detection plus scoring for the documents in ``texts`` (the gold rows of other documents are
    ignored); ``options`` are :func:`predict_texts`'s keyword options (threshold, model, ...)."""
    subset = [g for g in gold if g.doc in texts]
    preds = predict_texts(texts, resources, now, **options)
    return score(subset, preds, texts, same_speaker_by(resources.actors))
