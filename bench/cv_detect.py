"""Cross-validation of the learned detector by corpus part: train on every other part, test on one.

    python bench/cv_detect.py [--corpus ../shared/eval/corpus] [--extra FOLDER]... [--json OUT]

Each fold trains every model on the documents of the other parts (plus the ``--extra`` folders, by
default the seeds' dev set and the written examples, ``tests/data/eval/{seeds,written}``: the shipped
model's training data besides the corpus; they are never scored) and scores the held-out part: micro and per-label F1, speaker and stance
accuracy (over detected statements and, stricter, over every gold statement with misses counted
as wrong), grouping B-cubed, alerts against distinct statements. The pooled row scores every
held-out prediction together (each document predicted by the fold that did not train on it).
Figures go to bench/RESULTS.md ("Detection: cross-validation by part").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from monitor.detect.evaluate import predict_texts, same_speaker_by, score  # noqa: E402
from monitor.detect.training import TrainOptions, load_folders, train_model  # noqa: E402
from monitor.detect_step import shipped_resources  # noqa: E402

NOW = datetime(2026, 6, 1, tzinfo=UTC)
EXTRA = ("seeds", "written")  # the shipped model's training folders besides the corpus


def row(name: str, s, n_docs: int) -> dict[str, object]:
    return {
        "fold": name,
        "docs": n_docs,
        "P": round(s.micro.precision, 3),
        "R": round(s.micro.recall, 3),
        "F1": round(s.micro.f1, 3),
        **{lab: round(v.f1, 3) for lab, v in sorted(s.labels.items())},
        "speaker": round(s.speaker_accuracy, 3),
        "speaker_all": round(s.speaker_accuracy_all, 3),
        "stance": round(s.stance_accuracy, 3),
        "stance_all": round(s.stance_accuracy_all, 3),
        "b3": round(s.bcubed_f1, 3),
        "b3_p": round(s.bcubed_precision, 3),
        "b3_r": round(s.bcubed_recall, 3),
        "alerts": s.alerts,
        "clusters": s.gold_clusters,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / ".." / "shared" / "eval" / "corpus")
    ap.add_argument(
        "--extra", type=Path, action="append", default=None,
        help="a labelled folder trained on in every fold, never scored (repeatable; default: tests/data/eval/seeds and tests/data/eval/written)",
    )
    ap.add_argument("--parts", nargs="*", default=None, help="only these test parts")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--c-demand", type=float, default=TrainOptions().c_demand)
    ap.add_argument("--c-speaker", type=float, default=TrainOptions().c_speaker)
    ap.add_argument("--c-stance", type=float, default=TrainOptions().c_stance)
    ap.add_argument("--threshold", type=float, default=TrainOptions().threshold)
    ap.add_argument("--group-threshold", type=float, default=None, help="repeat similarity (default: the model's)")
    ap.add_argument(
        "--cross-threshold", type=float, default=None,
        help="repeat threshold for earlier documents' statements (default: --group-threshold, else the model's)",
    )
    ap.add_argument("--markdown", action="store_true", help="also print the figures as a Markdown table")
    ap.add_argument("--errors", type=Path, default=None, help="write every held-out error as JSON lines")
    ap.add_argument(
        "--predictions", type=Path, default=None, help="write every held-out prediction as JSON lines (to diff runs)"
    )
    ap.add_argument(
        "--streamed-predictions", type=Path, default=None,
        help="write the streamed run's predictions (one grouping pass over every document) as JSON lines",
    )
    args = ap.parse_args()
    extra = args.extra if args.extra is not None else [ROOT / "tests" / "data" / "eval" / name for name in EXTRA]
    res = shipped_resources()
    demands = [d.name for d in res.demands]
    corpus = load_folders([args.corpus], demands)
    extra_docs = load_folders(extra, demands) if extra else []
    parts = sorted({d.part for d in corpus})
    rows, all_preds, all_gold, texts, langs = [], [], [], {}, {}
    errors = []
    same = same_speaker_by(res.actors)
    started = time.perf_counter()
    models, days, titles = {}, {}, {}
    grouping = {"threshold": args.group_threshold, "cross_threshold": args.cross_threshold}
    for part in args.parts or parts:
        train = [d for d in corpus if d.part != part] + extra_docs
        test = [d for d in corpus if d.part == part]
        opts = TrainOptions(args.c_demand, args.c_speaker, args.c_stance, args.threshold)
        model = train_model(train, res, options=opts)
        t = {d.doc: d.text for d in test}
        lg = {d.doc: d.language for d in test}
        days.update({d.doc: d.published for d in test if d.published is not None})
        titles.update({d.doc: d.title for d in test})
        models.update(dict.fromkeys(t, model))
        preds = predict_texts(t, res, NOW, model=model, languages=lg, published=days, titles=titles, **grouping)
        gold = [g for d in test for g in d.gold]
        s = score(gold, preds, t, same)
        rows.append(row(part, s, len(test)))
        errors.extend(s.errors)
        # pooled: group ids are per fold; make them distinct across folds
        all_preds.extend(_regroup(p, part) for p in preds)
        all_gold.extend(gold)
        texts.update(t)
        langs.update(lg)
        print(json.dumps(rows[-1]), flush=True)
    pooled = score(all_gold, all_preds, texts, same)
    rows.append(row("pooled", pooled, len(texts)))
    print(json.dumps(rows[-1]))
    # streamed: the same held-out labels, but every document grouped in one pass, as the monitor
    # sees them (a statement of part c5 may repeat one of part c1); each document's statements are
    # matched by its own fold's repeat classifier, which never saw a pair involving that document
    # in publication order, as a monitor meets them (undated documents last, by name)
    order = sorted(texts, key=lambda d: (d not in days, days.get(d, NOW.date()), d))
    streamed_preds = predict_texts(
        texts, res, NOW, models=models, languages=langs, published=days, titles=titles, order=order, **grouping
    )
    streamed = score(all_gold, streamed_preds, texts, same)
    rows.append(row("streamed", streamed, len(texts)))
    print(json.dumps(rows[-1]))
    by_lang = {}
    for lang in sorted(set(langs.values())):
        sub = {d: tx for d, tx in texts.items() if langs[d] == lang}
        s = score([g for g in all_gold if g.doc in sub], all_preds, sub, same)
        by_lang[lang] = row(f"lang:{lang}", s, len(sub))
        print(json.dumps(by_lang[lang]))
    print(f"# {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"folds": rows, "languages": by_lang}, indent=1))
    if args.markdown:
        print(markdown([*rows, *by_lang.values()]))
    for path, preds in ((args.predictions, all_preds), (args.streamed_predictions, streamed_preds)):
        if path:
            with open(path, "w") as fh:
                for p in sorted(preds, key=lambda p: (p.doc, p.start)):
                    fh.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
    if args.errors:
        with open(args.errors, "w") as fh:
            for e in errors:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")


def markdown(rows: list[dict[str, object]]) -> str:
    cols = ["fold", "docs", "P", "R", "F1", "nato_expansion", "deployments", "posture_1997", "speaker",
            "speaker_all", "stance", "stance_all", "b3", "alerts", "clusters"]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    return "\n".join(out)


def _regroup(p, part):
    """Group ids are per fold: prefix them so the pooled score never merges two folds' groups."""
    return replace(p, group=f"{part}:{p.group}" if p.group else None)


if __name__ == "__main__":
    main()
