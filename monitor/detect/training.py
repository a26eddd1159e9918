"""Training the learned detector from labelled folders (``monitor train``).

A labelled folder holds ``gold.jsonl`` (one row per sentence of every document, in order; the
format of ``../shared/eval/corpus/``), the documents as ``docs/<doc>.txt`` and optionally
``docs.jsonl`` (one row per document with at least ``doc`` and ``part``, and ``language`` and
``published``, the document's date as ``YYYY-MM-DD``, where known).
:func:`load_folders` reads and checks them; :func:`train_model` fits the demand classifiers,
the speaker ranker and the stance classifier with scikit-learn (imported here only: detection
itself needs nothing but the model file) and returns a :class:`DetectorModel`.

Determinism: documents are processed in name order, solvers are deterministic (liblinear with a
fixed seed, lbfgs), and weights are rounded when written, so the same folders give the same file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

from monitor.dates import parse_iso_datetime
from monitor.detect.article import Resources
from monitor.detect.dedup import Fingerprint, fingerprint, pair_features, speaker_key, state_keys
from monitor.detect.evaluate import GoldSentence, same_speaker_by
from monitor.detect.features import (
    DocContext,
    Features,
    context_features,
    sentence_features,
    speaker_candidates,
    stance_features,
)
from monitor.detect.learned import document_context
from monitor.detect.model import BinaryModel, DetectorModel, MulticlassModel
from monitor.detect.stance import STANCES, decide_stance, is_partisan_text
from monitor.errors import TrainingError

__all__ = ["LabelledDoc", "TrainOptions", "align_gold", "load_folders", "train_model"]

MIN_POSITIVES: Final = 8
MAX_INNER_FOLDS: Final = 10  # parts beyond this share inner folds
INNER_FOLDS: Final = 5  # fewer labelled sentences for a demand make a useless classifier


@dataclass(frozen=True, slots=True)
class LabelledDoc:
    doc: str
    part: str
    language: str
    text: str
    gold: tuple[GoldSentence, ...]
    where: str  # the gold file, for messages
    published: date | None = None  # the document's date, where docs.jsonl gives it
    title: str = ""  # the document's title, where docs.jsonl gives it
    # whether its statement clusters train the repeat classifier (docs.jsonl ``train_repeats``;
    # false for documents whose cluster ids were not assigned with the others')
    train_repeats: bool = True


@dataclass(frozen=True, slots=True)
class TrainOptions:
    c_demand: float = 0.2  # chosen by cross-validation by part (micro-F1 flat over 0.15-0.3)
    c_speaker: float = 2.0  # chosen by cross-validation by part (speaker 0.877, 0.882, 0.882 at 1, 2, 3)
    c_stance: float = 0.5
    threshold: float = 0.5
    # repeat similarity used with the learned layer's speakers, chosen by cross-validation by part
    # (bench/cv_detect.py --group-threshold): at 0.33 alerts come within 15 % of the distinct statements
    group_threshold: float = 0.33
    # the pairwise repeat classifier (False: grouping by similarity >= group_threshold alone)
    repeat_model: bool = True
    c_repeat: float = 1.0
    # chosen by cross-validation by part once pairs know the days between their articles (B-cubed
    # pooled / streamed 0.753 / 0.756, 0.754 / 0.757, 0.750 / 0.753, 0.747 / 0.750 at 0.20 / 0.30 /
    # 0.40 / 0.50, with the cross-article threshold at 0.50; alerts 185, 186, 196, 202 for 200
    # statements): 0.40, since below it one speaker's distinct points in a long transcript merge
    # (the seeds: 20 alerts for 45 statements at 0.30)
    repeat_threshold: float = 0.40
    # the same for a statement of an earlier article (B-cubed 0.745 / 0.740, 0.747 / 0.748, 0.750 /
    # 0.753, 0.750 / 0.750 at 0.30 / 0.40 / 0.50 / 0.65, same-article threshold 0.40)
    repeat_cross_threshold: float = 0.50


def load_folders(
    folders: Sequence[Path], demands: Iterable[str], *, exclude_parts: Iterable[str] = ()
) -> list[LabelledDoc]:
    """Every labelled document of ``folders`` (minus excluded parts), checked against its text."""
    known = set(demands)
    excluded = set(exclude_parts)
    docs: list[LabelledDoc] = []
    for folder in folders:
        docs.extend(d for d in _load_folder(folder, known) if d.part not in excluded)
    seen: set[str] = set()
    for d in docs:
        if d.doc in seen:
            raise TrainingError(d.where, f"document {d.doc!r} appears in more than one folder")
        seen.add(d.doc)
    return sorted(docs, key=lambda d: d.doc)


def _load_folder(folder: Path, known: set[str]) -> list[LabelledDoc]:
    gold_path = folder / "gold.jsonl"
    if not folder.is_dir():
        raise TrainingError(str(folder), "not a folder (expected gold.jsonl and docs/)")
    if not gold_path.is_file():
        raise TrainingError(str(folder), "no gold.jsonl in this folder")
    meta = _load_meta(folder / "docs.jsonl")
    rows: dict[str, list[tuple[int, GoldSentence]]] = {}
    with open(gold_path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                g = _gold_row(line, f"{gold_path}:{n}", known)
                rows.setdefault(g.doc, []).append((n, g))
    out: list[LabelledDoc] = []
    for doc, items in sorted(rows.items()):
        path = folder / "docs" / f"{doc}.txt"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TrainingError(f"{gold_path}:{items[0][0]}", f"cannot read document {path}: {exc}") from exc
        _check_tiling(text, items, gold_path)
        info = meta.get(doc, {})
        out.append(
            LabelledDoc(
                doc,
                str(info.get("part", "")),
                str(info.get("language", "")),
                text,
                tuple(g for _, g in items),
                str(gold_path),
                _published(info, folder / "docs.jsonl"),
                str(info.get("title") or ""),
                _flag(info, "train_repeats", folder / "docs.jsonl"),
            )
        )
    return out


def _published(info: dict[str, Any], where: Path) -> date | None:
    """A document row's ``published`` date (None when absent); an unreadable one is an error."""
    value = info.get("published")
    if value in (None, ""):
        return None
    parsed = parse_iso_datetime(value)
    if parsed is None:
        raise TrainingError(
            str(where), f"document {info.get('doc')!r}: published {value!r} is not a date (write YYYY-MM-DD)"
        )
    return parsed.date()


def _flag(info: dict[str, Any], key: str, where: Path) -> bool:
    """A document row's boolean ``key`` (true when absent); anything but true or false is an error."""
    value = info.get(key, True)
    if not isinstance(value, bool):
        raise TrainingError(str(where), f"document {info.get('doc')!r}: {key} {value!r} is not true or false")
    return value


def _load_meta(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    out: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                out[str(row["doc"])] = row
            except (ValueError, KeyError, TypeError) as exc:
                raise TrainingError(f"{path}:{n}", f"not a document row ({exc})") from exc
    return out


def _gold_row(line: str, where: str, known: set[str]) -> GoldSentence:
    try:
        row = json.loads(line)
        if not isinstance(row, dict):
            raise TypeError("not an object")
        labels = row.get("labels") or []
        if not isinstance(labels, list):
            raise TypeError("labels is not a list")
        g = GoldSentence(
            str(row["doc"]),
            int(row["i"]),
            str(row["text"]),
            tuple(str(x) for x in labels),
            row.get("speaker"),
            row.get("stance"),
            row.get("cluster"),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise TrainingError(where, f"not a gold row ({type(exc).__name__}: {exc})") from exc
    unknown = [lab for lab in g.labels if lab not in known]
    if unknown:
        raise TrainingError(
            where, f"unknown label {unknown[0]!r} (the configured demands are: {', '.join(sorted(known))})"
        )
    if g.labels and g.stance not in STANCES:
        raise TrainingError(where, f"stance {g.stance!r} is not one of {', '.join(STANCES)}")
    return g


def _check_tiling(text: str, items: list[tuple[int, GoldSentence]], gold_path: Path) -> None:
    """Every gold sentence must occur in the document, in order."""
    cursor = 0
    for n, g in items:
        at = text.find(g.text, cursor)
        if at < 0 or not g.text.strip():
            raise TrainingError(
                f"{gold_path}:{n}",
                f"sentence {g.i} of {g.doc!r} does not match the document's text: {g.text[:80]!r}",
            )
        cursor = at + len(g.text)


def align_gold(doc: DocContext, text: str, gold: Sequence[GoldSentence]) -> list[GoldSentence | None]:
    """The gold sentence each of the detector's segments overlaps most (None: no overlap)."""
    spans: list[tuple[int, int, GoldSentence]] = []
    cursor = 0
    for g in gold:
        at = text.find(g.text, cursor)
        if at >= 0:
            spans.append((at, at + len(g.text), g))
            cursor = at + len(g.text)
    out: list[GoldSentence | None] = []
    for seg in doc.segments:
        best, overlap = None, 0
        for s, e, g in spans:
            o = min(e, seg.end) - max(s, seg.start)
            if o > overlap:
                best, overlap = g, o
        out.append(best)
    return out


@dataclass
class _Examples:
    doc_of: list[int]  # the document index of each sentence (for inner folds)
    contexts: list[DocContext]
    aligned: list[list[GoldSentence | None]]  # per document: the gold sentence of each segment
    demand_x: list[Features]
    demand_y: dict[str, list[int]]
    speaker_x: list[Features]
    speaker_y: list[int]
    stance_x: list[Features]
    stance_y: list[str]
    fold_of_doc: list[int]  # the inner fold of each document (inner_folds)


def inner_folds(docs: Sequence[LabelledDoc]) -> list[int]:
    """The inner fold of each document for the second pass's out-of-fold first-pass probabilities:
    one fold per corpus part (or per folder, for documents without a part), so that, as at run
    time, the first pass never saw another report of the same events when it scores a document;
    documents spread over fewer than three such groups fall back to ``INNER_FOLDS`` folds by
    document."""
    groups = [d.part or d.where for d in docs]
    names = sorted(set(groups))
    if len(names) < 3:
        return [k % INNER_FOLDS for k in range(len(docs))]
    index = {name: j % MAX_INNER_FOLDS for j, name in enumerate(names)}
    return [index[g] for g in groups]


def _examples(
    docs: Sequence[LabelledDoc],
    resources: Resources,
    demands: Sequence[str],
    same: Callable[[str | None, str | None], bool],
    progress: Callable[[str], None] | None,
) -> _Examples:
    ex = _Examples([], [], [], [], {d: [] for d in demands}, [], [], [], [], inner_folds(docs))
    for k, d in enumerate(docs):
        if progress and k % 20 == 0:
            progress(f"features: document {k + 1} of {len(docs)}")
        ctx = document_context(d.text, resources, language=d.language, published=d.published, title=d.title)
        partisan = is_partisan_text(d.text)
        ex.contexts.append(ctx)
        ex.aligned.append(align_gold(ctx, d.text, d.gold))
        for i, g in enumerate(ex.aligned[-1]):
            ex.doc_of.append(k)
            ex.demand_x.append(sentence_features(ctx, i))
            for name in demands:
                ex.demand_y[name].append(int(g is not None and name in g.labels))
            if g is None or not g.labels:
                continue
            labels = [lab for lab in g.labels if lab in demands]
            cands = speaker_candidates(ctx, i, labels)
            gold_cand = None
            for c in cands:
                ok = same(c.name, g.speaker) if g.speaker else c.name is None
                ex.speaker_x.append(c.features)
                ex.speaker_y.append(int(ok))
                if ok and gold_cand is None:
                    gold_cand = c
            rule = decide_stance(ctx.segments[i].text, ctx.speakers[i], partisan_author=partisan)
            ex.stance_x.append(stance_features(ctx, i, labels, gold_cand or cands[-1], rule))
            ex.stance_y.append(str(g.stance))
    return ex


def train_model(
    docs: Sequence[LabelledDoc],
    resources: Resources,
    *,
    options: TrainOptions | None = None,
    meta: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> DetectorModel:
    """Fit every model on ``docs``; raises TrainingError when a demand has too few examples."""
    opts = options or TrainOptions()
    demands = [d.name for d in resources.demands]
    ex = _examples(docs, resources, demands, same_speaker_by(resources.actors), progress)
    counts = {name: sum(ys) for name, ys in ex.demand_y.items()}
    few = {name: n for name, n in counts.items() if n < MIN_POSITIVES}
    if few:
        listed = ", ".join(f"{name}: {n}" for name, n in sorted(few.items()))
        raise TrainingError(
            "training data",
            f"too few labelled sentences to train on ({listed}; at least {MIN_POSITIVES} each are needed): "
            "label more examples of these demands, or remove them from the configuration",
        )
    if len(set(ex.stance_y)) < 3 or sum(ex.speaker_y) < MIN_POSITIVES:
        raise TrainingError("training data", "too few labelled statements to train speaker and stance models")
    if progress:
        progress(f"training on {len(ex.demand_x)} sentences, {len(ex.stance_x)} statements")
    first = {
        name: _fit_binary(ex.demand_x, ex.demand_y[name], opts.c_demand, opts.threshold, balanced=True)
        for name in demands
    }
    second_x = _second_pass_examples(ex, demands, opts)
    demand_models = {
        name: _fit_binary(second_x, ex.demand_y[name], opts.c_demand, opts.threshold, balanced=True)
        for name in demands
    }
    speaker = _fit_binary(ex.speaker_x, ex.speaker_y, opts.c_speaker, 0.5, balanced=False)
    stance = _fit_multiclass(ex.stance_x, ex.stance_y, opts.c_stance)
    repeat = None
    if opts.repeat_model:
        keep = [k for k, d in enumerate(docs) if d.train_repeats]
        pair_x, pair_y = _repeat_examples(
            [docs[k] for k in keep],
            [ex.contexts[k] for k in keep],
            [ex.aligned[k] for k in keep],
            demands,
            state_keys(resources.actors),
        )
        if sum(pair_y) >= MIN_POSITIVES and len(set(pair_y)) == 2:
            repeat = _fit_binary(pair_x, pair_y, opts.c_repeat, opts.repeat_threshold, balanced=False)
        elif progress:
            progress("too few repeated statements to train the repeat classifier: grouping by similarity")
    info = dict(meta or {})
    info["examples"] = {
        "sentences": len(ex.demand_x),
        "statements": len(ex.stance_x),
        "positives": counts,
        "documents": len(docs),
    }
    return DetectorModel(
        tuple(demands),
        first,
        demand_models,
        speaker,
        stance,
        meta=info,
        group_threshold=opts.group_threshold,
        repeat=repeat,
        repeat_cross=opts.repeat_cross_threshold if repeat is not None else None,
    )


REPEAT_CANDIDATES: Final = 40  # earlier statements of the same speaker paired with each statement


def _repeat_examples(
    docs: Sequence[LabelledDoc],
    contexts: Sequence[DocContext],
    aligned: Sequence[Sequence[GoldSentence | None]],
    demands: Sequence[str],
    states: Mapping[str, str] | None = None,
) -> tuple[list[Features], list[int]]:
    """Pairs of gold statements of one speaker that share a label, in the order documents are
    seen (name order, as in evaluation): positive when both carry the same cluster. Each statement
    is paired with the same speaker's last ``REPEAT_CANDIDATES`` statements of earlier documents,
    with every earlier one of its own document (marked as such, as detection sees them) and, marked
    adjacent, with the sentence just before it. The author's narrative is left out (it opens no group)."""
    known = set(demands)
    seen: dict[str, list[tuple[Fingerprint, str]]] = {}  # speaker -> (fingerprint, cluster) of earlier documents
    xs: list[Features] = []
    ys: list[int] = []
    for d, ctx, gold in zip(docs, contexts, aligned, strict=True):
        article: dict[str, list[tuple[Fingerprint, str]]] = {}  # the same, of this document so far
        prev: tuple[Fingerprint, str] | None = None
        for i, g in enumerate(gold):
            labels = [lab for lab in (g.labels if g else ()) if lab in known]
            if g is None or not labels or not g.speaker or not g.cluster:
                prev = None
                continue
            concepts = _concepts(ctx, i, labels, g.speaker)
            fp = fingerprint(
                ctx.segments[i].text, labels, speaker_key(g.speaker, d.doc, states), concepts, d.published
            )
            if prev is not None:
                f = pair_features(fp, prev[0], True, True)
                if f:
                    xs.append(f)
                    ys.append(int(prev[1] == g.cluster))
            own = article.setdefault(fp.speaker, [])
            pairs = [(o, c, False) for o, c in seen.get(fp.speaker, [])[-REPEAT_CANDIDATES:]]
            for other, cluster, same_article in pairs + [(o, c, True) for o, c in own]:
                f = pair_features(fp, other, False, same_article)
                if f:
                    xs.append(f)
                    ys.append(int(cluster == g.cluster))
            own.append((fp, g.cluster))
            prev = (fp, g.cluster)
        for speaker, statements in article.items():
            seen.setdefault(speaker, []).extend(statements)
    return xs, ys


def _concepts(ctx: DocContext, i: int, labels: Sequence[str], speaker: str) -> list[str]:
    """The grouping concepts the detector gives sentence ``i`` (see ``SentenceResult.concepts``)."""
    cues = {f"{m.demand}:{h.cue}" for m in ctx.own[i] if m.demand in labels for h in m.hits}
    entities = {m.name for m in ctx.mentions[i] if m.kind in ("country", "institution", "person")}
    entities.discard(speaker)
    return sorted(cues | {f"entity:{e}" for e in entities})


def _second_pass_examples(ex: _Examples, demands: Sequence[str], opts: TrainOptions) -> list[Features]:
    """Second-pass features built from out-of-fold first-pass probabilities (documents split into
    ``INNER_FOLDS`` folds), so the second pass learns how much to trust first-pass outputs it has
    not been fitted on."""
    n = len(ex.demand_x)
    probs: list[dict[str, float]] = [{} for _ in range(n)]
    fold_of = [ex.fold_of_doc[k] for k in ex.doc_of]
    for fold in sorted(set(fold_of)):
        train = [j for j in range(n) if fold_of[j] != fold]
        test = [j for j in range(n) if fold_of[j] == fold]
        for name in demands:
            y = [ex.demand_y[name][j] for j in train]
            if not any(y):
                for j in test:
                    probs[j][name] = 0.0
                continue
            m = _fit_binary([ex.demand_x[j] for j in train], y, opts.c_demand, opts.threshold, balanced=True)
            for j in test:
                probs[j][name] = m.probability(ex.demand_x[j])
    out: list[Features] = []
    start = 0
    while start < n:
        k = ex.doc_of[start]
        end = start
        while end < n and ex.doc_of[end] == k:
            end += 1
        doc_probs = probs[start:end]
        ctx = ex.contexts[k]
        out.extend(context_features(ctx, i, doc_probs, ex.demand_x[start + i]) for i in range(end - start))
        start = end
    return out


def _fit_binary(x: list[Features], y: list[int], c: float, threshold: float, *, balanced: bool) -> BinaryModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer(sort=True)
    matrix = _int32(vec.fit_transform(x))
    clf = LogisticRegression(
        C=c, solver="liblinear", random_state=0, class_weight="balanced" if balanced else None, max_iter=1000
    )
    clf.fit(matrix, y)
    names = vec.get_feature_names_out()
    weights = {str(n): float(w) for n, w in zip(names, clf.coef_[0], strict=True) if abs(w) >= 1e-4}
    return BinaryModel(float(clf.intercept_[0]), weights, threshold)


def _fit_multiclass(x: list[Features], y: list[str], c: float) -> MulticlassModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer(sort=True)
    matrix = _int32(vec.fit_transform(x))
    clf = LogisticRegression(C=c, solver="lbfgs", max_iter=2000)
    clf.fit(matrix, y)
    classes = tuple(str(k) for k in clf.classes_)
    names = vec.get_feature_names_out()
    weights = {
        str(n): tuple(float(clf.coef_[j][col]) for j in range(len(classes)))
        for col, n in enumerate(names)
        if max(abs(clf.coef_[j][col]) for j in range(len(classes))) >= 1e-4
    }
    return MulticlassModel(classes, tuple(float(b) for b in clf.intercept_), weights)


def _int32(matrix: Any) -> Any:
    """liblinear takes 32-bit sparse indices only."""
    import numpy as np

    csr = matrix.tocsr()
    csr.indices = csr.indices.astype(np.int32, copy=False)
    csr.indptr = csr.indptr.astype(np.int32, copy=False)
    return csr
