"""Detection benchmark: throughput per core, novelty-lookup cost as history grows, peak memory.

    python bench/bench_detect.py throughput --articles 10000 [--workers N] [--model FILE|rules]
    python bench/bench_detect.py lookup --url sqlite:////tmp/bench.db --sizes 10000 100000 1000000
    python bench/bench_detect.py lookup --url postgresql+psycopg://user@127.0.0.1:5432/bench --sizes ...
    python bench/bench_detect.py loo          # leave-one-document-out scores on the seed gold set

The lookup benchmark fills the statement tables with synthetic history (500 speakers, real
blocking keys, 3,000 statements a week going back in time: a bigger history is a longer one,
not a busier week), then times the candidate lookup + decision for new statements at ``now``. Figures go to bench/RESULTS.md ("Detection").
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from monitor.detect.article import analyse_text
from monitor.detect.dedup import (
    DEFAULT_THRESHOLD,
    blocking_keys,
    decide_group,
    fingerprint,
    fingerprint_to_json,
)
from monitor.detect.evaluate import evaluate_texts, load_gold
from monitor.detect.learned import analyse_with_model
from monitor.detect.model import load_model
from monitor.detect_step import SHIPPED_MODEL, shipped_resources

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]


def _work(job: tuple[int, str]) -> tuple[int, float]:
    """Detect ``n`` seed articles with the model (a file, "" = the shipped one, "rules"): sentences, CPU s."""
    n_articles, model_name = job
    res, texts = shipped_resources(), _seed_texts()
    model = None if model_name == "rules" else load_model(Path(model_name) if model_name else SHIPPED_MODEL)
    started = time.process_time()
    if model is None:
        sentences = sum(len(analyse_text(texts[i % len(texts)], res, language="en")) for i in range(n_articles))
    else:
        sentences = sum(
            len(analyse_with_model(texts[i % len(texts)], res, model, language="en")) for i in range(n_articles)
        )
    return sentences, time.process_time() - started


def throughput(args: argparse.Namespace) -> dict[str, object]:
    workers = args.workers or os.cpu_count() or 1
    share = [(args.articles // workers + (i < args.articles % workers), args.model) for i in range(workers)]
    wall = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_work, share))
    wall = time.perf_counter() - wall
    sentences = sum(p[0] for p in parts)
    cpu = sum(p[1] for p in parts)
    return {
        "detector": args.model or "shipped model",
        "articles": args.articles,
        "workers": workers,
        "sentences": sentences,
        "wall_s": round(wall, 1),
        "sentences_per_s_per_core": round(sentences / cpu),
        "sentences_per_s_total": round(sentences / wall),
        "peak_rss_mb_parent": _rss_mb(),
        "peak_rss_mb_worker": _child_rss_mb(),
    }


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _child_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


# --- novelty lookup ----------------------------------------------------------------------------

WORDS = [
    "nato",
    "expansion",
    "ukraine",
    "georgia",
    "membership",
    "guarantees",
    "missiles",
    "deployment",
    "borders",
    "europe",
    "alliance",
    "treaty",
    "security",
    "russia",
    "washington",
    "moscow",
    "talks",
    "proposal",
    "demand",
    "reject",
    "accept",
    "formula",
    "summit",
    "bucharest",
    "posture",
    "infrastructure",
    "troops",
    "withdraw",
    "poland",
    "baltic",
    "romania",
    "bulgaria",
    "strike",
    "systems",
    "weapons",
    "range",
    "binding",
    "legal",
    "written",
    "response",
    "dialogue",
    "escalation",
    "exercise",
    "limit",
    "transparency",
    "inspection",
]


CUES = [f"cue{i}" for i in range(25)] + [f"entity:{i}" for i in range(40)]


def _synthetic(rng: random.Random, speakers: int) -> tuple[str, tuple[str, ...], str, list[str]]:
    text = " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(rng.randint(10, 25)))
    concepts = rng.sample(CUES, rng.randint(2, 5))
    label = rng.choice(("nato_expansion", "deployments", "posture_1997"))
    return text, (label,), f"speaker{rng.randrange(speakers)}", concepts


def lookup(args: argparse.Namespace) -> dict[str, object]:
    from sqlalchemy import delete, func, insert, select

    from monitor.store.db import make_engine, make_sessionmaker, upgrade
    from monitor.store.models import Article, GroupKey, Statement, StatementGroup
    from monitor.store.statements import SqlGroupIndex

    engine = make_engine(args.url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    rng = random.Random(7)
    out: dict[str, object] = {"url": engine.url.render_as_string(hide_password=True), "sizes": {}}
    with sessions.begin() as s:
        for table in (GroupKey, Statement, StatementGroup):
            s.execute(delete(table))
        s.execute(delete(Article).where(Article.canonical_url.like("bench:%")))
        article_id = s.execute(
            insert(Article)
            .values(canonical_url="bench:1", content_hash="x", text="", first_seen_at=NOW, updated_at=NOW)
            .returning(Article.id)
        ).scalar_one()
    have = 0
    for size in args.sizes:
        _fill(sessions, rng, article_id, have, size, args.speakers, args.per_week, args.dated)
        have = size
        if engine.dialect.name == "postgresql":  # as autovacuum would after a bulk load
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE group_key; ANALYZE statement; ANALYZE statement_group")
        timings = []
        for _ in range(args.probes):
            text, labels, spk, concepts = _synthetic(rng, args.speakers)
            day = (NOW - timedelta(days=rng.randrange(4))).date() if args.dated else None
            fp = fingerprint(text, labels, spk, concepts, day)
            with sessions() as s:
                index = SqlGroupIndex(s, article_id, [])
                started = time.perf_counter()
                decide_group(fp, index.candidates(fp, NOW), DEFAULT_THRESHOLD)
                timings.append((time.perf_counter() - started) * 1000)
                s.rollback()
        with sessions() as s:
            keys = s.scalar(select(func.count()).select_from(GroupKey))
        out["sizes"][size] = {
            "statements": size,
            "group_keys": keys,
            "median_ms": round(statistics.median(timings), 3),
            "p95_ms": round(sorted(timings)[int(0.95 * len(timings))], 3),
        }
        print(json.dumps({size: out["sizes"][size]}), flush=True)
    sizes = out["sizes"]
    first, last = sizes[args.sizes[0]], sizes[args.sizes[-1]]
    out["ratio_last_first_median"] = round(last["median_ms"] / first["median_ms"], 2)
    out["peak_rss_mb"] = _rss_mb()
    return out


def _fill(
    sessions: object, rng: random.Random, article_id: int, have: int, size: int, speakers: int, per_week: int,
    dated: bool = False,
) -> None:
    """History grows backwards in time at ``per_week`` statements a week: a longer history, the same traffic."""
    from sqlalchemy import insert

    from monitor.store.models import GroupKey, Statement, StatementGroup

    batch = 5_000
    for start in range(have, size, batch):
        groups, statements, keys = [], [], []
        for n in range(start, min(size, start + batch)):
            text, labels, spk, concepts = _synthetic(rng, speakers)
            seen = NOW - timedelta(weeks=n // per_week, hours=rng.randrange(168))
            # dated: published up to four days before it was first seen, as news is
            day = (seen - timedelta(days=rng.randrange(4))).date() if dated else None
            fp = fingerprint(text, labels, spk, concepts, day)
            gid = n + 1
            groups.append(
                {
                    "id": gid,
                    "canonical_text": text,
                    "speaker": spk,
                    "speaker_key": spk,
                    "demand": labels[0],
                    "demands": list(labels),
                    "first_seen_at": seen,
                    "first_statement_id": gid,
                    "source_count": 1,
                    "fingerprint": None,
                }
            )
            statements.append(
                {
                    "id": gid,
                    "article_id": article_id,
                    "sentence_index": n,
                    "char_start": n,
                    "char_end": n + 1,
                    "text": text,
                    "demands": list(labels),
                    "speaker": spk,
                    "group_id": gid,
                    "is_new": True,
                    "evidence": {"fingerprint": fingerprint_to_json(fp)},
                    "created_at": seen,
                }
            )
            keys.extend({"key": k, "group_id": gid} for k in set(blocking_keys(fp, seen)))
        with sessions.begin() as s:  # type: ignore[attr-defined]
            s.execute(insert(StatementGroup), groups)
            s.execute(insert(Statement), statements)
            s.execute(insert(GroupKey), keys)


# --- leave-one-document-out ----------------------------------------------------------------------

THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)


def loo(args: argparse.Namespace) -> dict[str, object]:
    """Tune the one fitted number (the repeat threshold) on four documents, score the fifth."""
    res = shipped_resources()
    gold = load_gold((ROOT / "tests/data/eval/seeds_gold.jsonl").read_text().splitlines(), "gold")
    texts = {d: (ROOT / "seeds" / f"{d}.txt").read_text() for d in sorted({g.doc for g in gold})}
    full = evaluate_texts(gold, texts, res, NOW)
    folds = {}
    tp = fp = fn = 0
    spk = stn = det = 0.0
    for held in list(texts):
        train = {d: t for d, t in texts.items() if d != held}
        best = max(THRESHOLDS, key=lambda th: evaluate_texts(gold, train, res, NOW, threshold=th).bcubed_f1)
        s = evaluate_texts(gold, {held: texts[held]}, res, NOW, threshold=best)
        folds[held] = {
            "threshold": best,
            "micro_f1": round(s.micro.f1, 3),
            "speaker": round(s.speaker_accuracy, 3),
            "stance": round(s.stance_accuracy, 3),
            "bcubed_f1": round(s.bcubed_f1, 3),
            "alerts": s.alerts,
            "gold_clusters": s.gold_clusters,
        }
        tp, fp, fn = tp + s.micro.tp, fp + s.micro.fp, fn + s.micro.fn
        n = s.micro.tp  # detected gold statements approximate weight
        spk, stn, det = spk + s.speaker_accuracy * n, stn + s.stance_accuracy * n, det + n
    p, r = tp / (tp + fp), tp / (tp + fn)
    return {
        "full": {
            "micro_f1": round(full.micro.f1, 3),
            "labels": {k: round(v.f1, 3) for k, v in full.labels.items()},
            "speaker": round(full.speaker_accuracy, 3),
            "speaker_all": round(full.speaker_accuracy_all, 3),
            "stance": round(full.stance_accuracy, 3),
            "stance_all": round(full.stance_accuracy_all, 3),
            "bcubed_f1": round(full.bcubed_f1, 3),
            "alerts": full.alerts,
            "gold_clusters": full.gold_clusters,
        },
        "loo_pooled": {
            "micro_f1": round(2 * p * r / (p + r), 3),
            "speaker": round(spk / det, 3),
            "stance": round(stn / det, 3),
            "bcubed_f1_mean_per_doc": round(statistics.mean(f["bcubed_f1"] for f in folds.values()), 3),
        },
        "folds": folds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--articles", type=int, default=10_000)
    t.add_argument("--workers", type=int, default=0)
    t.add_argument("--model", default="", help="model file; empty = the shipped model; 'rules' = the rule layer")
    lk = sub.add_parser("lookup")
    lk.add_argument("--url", required=True)
    lk.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    lk.add_argument("--speakers", type=int, default=500)
    lk.add_argument("--probes", type=int, default=300)
    lk.add_argument("--per-week", type=int, default=3_000, help="statements per week of synthetic history")
    lk.add_argument(
        "--dated", action="store_true",
        help="statements carry their article's publication date (keys stored and looked up under that week too)",
    )
    sub.add_parser("loo")
    args = parser.parse_args()
    result = {"throughput": throughput, "lookup": lookup, "loo": loo}[args.cmd](args)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
