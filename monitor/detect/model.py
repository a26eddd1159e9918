"""The learned detector's model file: linear weights over named features, stored as JSON. Pure.

A model file is data, never code: gzip-compressed JSON with a fixed layout, read by
:func:`load_model` and checked key by key (types, finite numbers, known stances), so a file a
user points the monitor at can make it detect badly but never run anything. Layout::

    {"format": "monitor-detector", "format_version": 1, "feature_version": 5,
     "version": "learned-1-<digest>",
     "demands": ["nato_expansion", ...],
     "first": {"<demand>": {"bias": b, "threshold": t, "weights": {"feature": w, ...}}, ...},
     "demand": {"<demand>": {...}, ...},
     "speaker": {"bias": b, "weights": {...}},
     "repeat": {"bias": b, "threshold": t, "weights": {...}},   (optional: the pairwise repeat
                classifier over dedup.pair_features; without it, similarity >= group_threshold)
     "stance": {"classes": ["contra", "neutral", "pro"], "bias": [..], "weights": {"feature": [..]}},
     "meta": {"trained_on": {...}, "examples": {...}, "created_by": "monitor train"}}

``version`` is a digest of the weights, so two files with the same content carry the same
version and statements record which model labelled them (``DETECTOR_VERSION``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import repeat
from operator import mul
from pathlib import Path
from typing import Any, Final

from monitor.detect.dedup import PairScorer, linear_scorer
from monitor.detect.features import FEATURE_VERSION
from monitor.errors import ModelError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "BinaryModel",
    "DetectorModel",
    "MulticlassModel",
    "load_model",
    "model_from_json",
    "model_to_json",
    "save_model",
]

FORMAT: Final = "monitor-detector"
FORMAT_VERSION: Final = 1
REBUILD_HINT: Final = (
    "rebuild it with `monitor train ../shared/eval/corpus ../shared/eval/seeds --out FILE` "
    "(see the README, 'Detection models'), or unset detect.model to use the shipped model"
)


@dataclass(frozen=True, slots=True)
class BinaryModel:
    """Logistic regression: ``sigmoid(bias + sum(weights[f] * value))``."""

    bias: float
    weights: Mapping[str, float]
    threshold: float = 0.5

    def logit(self, features: Mapping[str, float]) -> float:
        # the weights of the features in their order times their values, summed in C
        weights = map(self.weights.get, features.keys(), repeat(0.0))
        return self.bias + sum(map(mul, weights, features.values()))

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.logit(features)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def strongest(self, features: Mapping[str, float], n: int = 5) -> list[tuple[str, float]]:
        """The features that pushed the decision most, with their contribution (evidence)."""
        parts = [(k, self.weights.get(k, 0.0) * v) for k, v in features.items()]
        parts = [p for p in parts if p[1] > 0]
        parts.sort(key=lambda p: (-p[1], p[0]))
        return [(k, round(c, 3)) for k, c in parts[:n]]


@dataclass(frozen=True, slots=True)
class MulticlassModel:
    """Multinomial logistic regression over ``classes``."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]

    def probabilities(self, features: Mapping[str, float]) -> dict[str, float]:
        z = self._scores3(features) if len(self.bias) == 3 else self._scores(features)
        top = max(z)
        exps = [math.exp(x - top) for x in z]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def _scores(self, features: Mapping[str, float]) -> list[float]:
        z = list(self.bias)
        for k, v in features.items():
            row = self.weights.get(k)
            if row is not None:
                for j, w in enumerate(row):
                    z[j] += w * v
        return z

    def _scores3(self, features: Mapping[str, float]) -> list[float]:
        """:meth:`_scores` for the three stance classes, the loop over a row unrolled: the same
        sums in the same order, ~2.5x faster (the stance model scores every speaker candidate)."""
        get = self.weights.get
        z0, z1, z2 = self.bias
        for k, v in features.items():
            row = get(k)
            if row is not None:
                w0, w1, w2 = row
                z0 += w0 * v
                z1 += w1 * v
                z2 += w2 * v
        return [z0, z1, z2]

    def predict(self, features: Mapping[str, float]) -> tuple[str, float]:
        probs = self.probabilities(features)
        best = max(self.classes, key=lambda c: (probs[c], c))
        return best, probs[best]


@dataclass(frozen=True)
class DetectorModel:
    """``first``: the first-pass demand classifiers (sentence alone); ``demand``: the second pass,
    which also sees the first pass's probabilities for the sentence and the one before it."""

    demands: tuple[str, ...]
    first: Mapping[str, BinaryModel]
    demand: Mapping[str, BinaryModel]
    speaker: BinaryModel
    stance: MulticlassModel
    version: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    path: str = "<memory>"
    group_threshold: float = 0.35  # repeat similarity used with this model (chosen by cross-validation)
    repeat: BinaryModel | None = None  # pairwise repeat classifier; its threshold is a probability
    repeat_cross: float | None = None  # the repeat classifier's threshold for earlier articles' statements

    @property
    def repeat_threshold(self) -> float:
        """The score a known statement of the same article needs for a new one to be its repeat."""
        return self.repeat.threshold if self.repeat is not None else self.group_threshold

    @property
    def cross_article_threshold(self) -> float:
        """The score an earlier article's statement needs for a new one to be its repeat."""
        if self.repeat is not None and self.repeat_cross is not None:
            return self.repeat_cross
        return self.repeat_threshold

    def repeat_scorer(self) -> PairScorer | None:
        """The pairwise repeat classifier as a grouping scorer (None: plain similarity)."""
        return linear_scorer(self.repeat.bias, self.repeat.weights) if self.repeat is not None else None


def _digest(body: Mapping[str, Any]) -> str:
    canon = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:12]


def model_to_json(model: DetectorModel) -> dict[str, Any]:
    """The model as the JSON document written to a model file (rounded weights, stable order)."""
    body: dict[str, Any] = {
        "feature_version": FEATURE_VERSION,
        "demands": list(model.demands),
        "first": {name: _binary_json(m) for name, m in model.first.items()},
        "demand": {name: _binary_json(m) for name, m in model.demand.items()},
        "speaker": _binary_json(model.speaker),
        "group_threshold": round(model.group_threshold, 6),
        **({"repeat": _binary_json(model.repeat)} if model.repeat is not None else {}),
        **(
            {"repeat_cross_threshold": round(model.repeat_cross, 6)}
            if model.repeat is not None and model.repeat_cross is not None
            else {}
        ),
        "stance": {
            "classes": list(model.stance.classes),
            "bias": [round(b, 6) for b in model.stance.bias],
            "weights": {k: [round(w, 6) for w in row] for k, row in sorted(model.stance.weights.items())},
        },
    }
    version = f"learned-{FORMAT_VERSION}-{_digest(body)}"
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "feature_version": FEATURE_VERSION,
        "version": version,
        **body,
        "meta": dict(model.meta),
    }


def _binary_json(m: BinaryModel) -> dict[str, Any]:
    return {
        "bias": round(m.bias, 6),
        "threshold": round(m.threshold, 6),
        "weights": {k: round(w, 6) for k, w in sorted(m.weights.items())},
    }


def save_model(model: DetectorModel, path: Path) -> str:
    """Write ``model`` to ``path`` (gzip JSON, byte-for-byte reproducible); returns its version."""
    doc = model_to_json(model)
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw)
    tmp.replace(path)
    return str(doc["version"])


def load_model(path: Path) -> DetectorModel:
    """Read and validate a model file; any problem raises :class:`ModelError` naming the file."""
    where = str(path)
    try:
        data = gzip.decompress(path.read_bytes())
    except FileNotFoundError as exc:
        raise ModelError(where, f"no such file; {REBUILD_HINT}") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise ModelError(where, f"not a readable model file ({exc}); it may be truncated; {REBUILD_HINT}") from exc
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelError(where, f"not valid JSON ({exc}); {REBUILD_HINT}") from exc
    return model_from_json(doc, where)


def model_from_json(doc: Any, where: str = "<memory>") -> DetectorModel:
    """Validate a model document (see the module docstring) and build the model."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelError(where, f"not a monitor detector model (no format {FORMAT!r}); {REBUILD_HINT}")
    if doc.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            where,
            f"model format version {doc.get('format_version')!r} is not supported by this monitor "
            f"(it reads version {FORMAT_VERSION}); {REBUILD_HINT}",
        )
    if doc.get("feature_version") != FEATURE_VERSION:
        raise ModelError(
            where,
            f"the model was trained on features of version {doc.get('feature_version')!r}, this monitor "
            f"computes version {FEATURE_VERSION}; {REBUILD_HINT}",
        )
    try:
        demands = tuple(_str(x, "demands[]") for x in _list(doc.get("demands"), "demands"))
        if not demands:
            raise ValueError("demands: empty")
        dm = _dict(doc.get("demand"), "demand")
        demand = {name: _binary(_dict(dm.get(name), f"demand.{name}"), f"demand.{name}") for name in demands}
        fm = _dict(doc.get("first"), "first")
        first = {name: _binary(_dict(fm.get(name), f"first.{name}"), f"first.{name}") for name in demands}
        speaker = _binary(_dict(doc.get("speaker"), "speaker"), "speaker")
        stance = _multiclass(_dict(doc.get("stance"), "stance"), "stance")
        group_threshold = _num(doc.get("group_threshold", 0.35), "group_threshold")
        if not 0.0 < group_threshold < 1.0:
            raise ValueError(f"group_threshold: {group_threshold} is not between 0 and 1")
        repeat = _binary(_dict(doc["repeat"], "repeat"), "repeat") if "repeat" in doc else None
        if repeat is not None and not 0.0 < repeat.threshold < 1.0:
            raise ValueError(f"repeat.threshold: {repeat.threshold} is not between 0 and 1")
        cross = doc.get("repeat_cross_threshold")
        if cross is not None:
            cross = _num(cross, "repeat_cross_threshold")
            if repeat is None or not 0.0 < cross < 1.0:
                raise ValueError(f"repeat_cross_threshold: {cross} needs a repeat model and lies between 0 and 1")
    except ValueError as exc:
        raise ModelError(where, f"invalid model file: {exc}; {REBUILD_HINT}") from exc
    raw_meta = doc.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    version = doc.get("version")
    if not isinstance(version, str) or not version.startswith("learned-"):
        raise ModelError(where, f"invalid model file: version {version!r}; {REBUILD_HINT}")
    return DetectorModel(
        demands, first, demand, speaker, stance, version, meta, where, group_threshold, repeat, cross
    )


def _binary(d: dict[str, Any], at: str) -> BinaryModel:
    weights = {_str(k, at): _num(v, f"{at}.weights[{k}]") for k, v in _dict(d.get("weights"), at).items()}
    threshold = _num(d.get("threshold", 0.5), f"{at}.threshold")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"{at}.threshold: {threshold} is not between 0 and 1")
    return BinaryModel(_num(d.get("bias"), f"{at}.bias"), weights, threshold)


def _multiclass(d: dict[str, Any], at: str) -> MulticlassModel:
    classes = tuple(_str(c, f"{at}.classes[]") for c in _list(d.get("classes"), f"{at}.classes"))
    if sorted(classes) != ["contra", "neutral", "pro"]:
        raise ValueError(f"{at}.classes: {list(classes)} is not contra, neutral, pro")
    bias = tuple(_num(b, f"{at}.bias[]") for b in _list(d.get("bias"), f"{at}.bias"))
    if len(bias) != len(classes):
        raise ValueError(f"{at}.bias: {len(bias)} values for {len(classes)} classes")
    weights: dict[str, tuple[float, ...]] = {}
    for k, row in _dict(d.get("weights"), f"{at}.weights").items():
        values = tuple(_num(w, f"{at}.weights[{k}]") for w in _list(row, f"{at}.weights[{k}]"))
        if len(values) != len(classes):
            raise ValueError(f"{at}.weights[{k}]: {len(values)} values for {len(classes)} classes")
        weights[_str(k, at)] = values
    return MulticlassModel(classes, bias, weights)


def _dict(v: Any, at: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise ValueError(f"{at}: expected an object, got {type(v).__name__}")
    return v


def _list(v: Any, at: str) -> list[Any]:
    if not isinstance(v, list):
        raise ValueError(f"{at}: expected a list, got {type(v).__name__}")
    return v


def _str(v: Any, at: str) -> str:
    if not isinstance(v, str):
        raise ValueError(f"{at}: expected a string, got {type(v).__name__}")
    return v


def _num(v: Any, at: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ValueError(f"{at}: expected a finite number, got {v!r}")
    return float(v)
