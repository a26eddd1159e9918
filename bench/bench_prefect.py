"""Orchestration benchmark: what Prefect costs on top of the library (figures in bench/RESULTS.md).

    .venv/bin/python bench/bench_prefect.py startup            # `monitor run` with nothing to do
    .venv/bin/python bench/bench_prefect.py overhead -n 1000   # same articles: library vs pipeline flow
    .venv/bin/python bench/bench_prefect.py memory -n 10000    # peak RSS of a `monitor run` over n articles

Articles are mixed from the seeds' paragraphs (distinct, not near-duplicates) and ingested as a
``files`` source into a fresh SQLite database; every run is ingest + detection (+ outbox digest
off). Offline; everything under a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
MONITOR = Path(sys.executable).parent / "monitor"


def make_corpus(folder: Path, n: int, paragraphs_per_article: int = 6, seed: int = 0) -> Path:
    paragraphs = [p.strip() for f in sorted(SEEDS.glob("*.txt"))
                  for p in f.read_text(encoding="utf-8").split("\n\n")[1:] if len(p.strip()) > 80]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        picked = rng.sample(paragraphs, k=paragraphs_per_article)
        (folder / f"{i:05d}.txt").write_text(f"Report {i}\n\n" + "\n\n".join(picked) + "\n", encoding="utf-8")
    return folder


def write_config(work: Path, corpus: Path, name: str) -> Path:
    cfg = work / f"{name}.toml"
    cfg.write_text(f'data_dir = "{work / name}"\n[[sources]]\nname = "corpus"\nkind = "files"\npath = "{corpus}"\n',
                   encoding="utf-8")
    return cfg


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "PREFECT_"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", **(extra or {}))
    return env


def startup(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg = write_config(work, make_corpus(work / "corpus", 5), "startup")
        cmd = [str(MONITOR), "--config", str(cfg), "run", "--no-digest"]
        t0 = time.perf_counter()
        subprocess.run(cmd, env=_env(), check=True, capture_output=True)
        print(f"first run (fresh PREFECT_HOME, 5 new articles): {time.perf_counter() - t0:.1f} s")
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, env=_env(), check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        print(f"nothing to do, warm PREFECT_HOME, {runs} runs: median {statistics.median(times):.2f} s, "
              f"min {min(times):.2f} s, max {max(times):.2f} s")


def overhead(n: int) -> None:
    """Library stages in-process vs the pipeline flow in-process (temporary server already up)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = make_corpus(work / "corpus", n)
        os.environ.update(PREFECT_HOME=str(work / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
                          PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90")
        from prefect import flow
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from monitor.app import open_monitor
        from monitor.clock import utc_now
        from monitor.config import load_settings
        from monitor.pipeline.run import run_pipeline

        @flow
        def warm_up() -> None:
            """Starts the temporary server (not part of the per-article figure)."""

        from flows.pipeline import pipeline

        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            warm_up()
            results = {}
            for label in ("library", "prefect", "library-2", "prefect-2"):
                cfg = write_config(work, corpus, label)
                os.environ["MONITOR_CONFIG"] = str(cfg)
                with open_monitor(load_settings(cfg)) as m:  # schema created outside the timing
                    pass
                t0 = time.perf_counter()
                if label.startswith("library"):
                    with open_monitor(load_settings(cfg)) as m:
                        s = run_pipeline(m, utc_now(), send_digest=False).as_dict()
                else:
                    s = pipeline(send_digest=False)
                results[label] = time.perf_counter() - t0
                assert len(s["new_articles"]) == n and s["detected_articles"] == n, s["errors"][:3]
                print(f"{label}: {results[label]:.2f} s for {n} articles "
                      f"({1000 * results[label] / n:.2f} ms/article, {s['statements']} statements)")
        lib = min(results["library"], results["library-2"])
        pre = min(results["prefect"], results["prefect-2"])
        print(f"best of 2: library {lib:.2f} s, prefect {pre:.2f} s -> Prefect adds {100 * (pre - lib) / lib:+.1f}% "
              f"({1000 * (pre - lib) / n:+.2f} ms/article)")


def memory(n: int) -> None:
    """Peak RSS of `monitor run` (one process: ingest + detection of n new articles)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg = write_config(work, make_corpus(work / "corpus", n), "memory")
        t0 = time.perf_counter()
        proc = subprocess.run([str(MONITOR), "--config", str(cfg), "run", "--no-digest"], env=_env(),
                              capture_output=True, text=True)
        wall = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(proc.stdout.splitlines()[1] if proc.stdout else proc.stderr[-2000:])
        print(f"{n} articles: exit {proc.returncode}, {wall:.0f} s wall, peak RSS of the largest process "
              f"(the run; the temporary server is a separate process) {peak_mb:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["startup", "overhead", "memory"])
    ap.add_argument("-n", type=int, default=1000, help="articles (overhead, memory)")
    ap.add_argument("--runs", type=int, default=5, help="repetitions (startup)")
    args = ap.parse_args()
    if args.what == "startup":
        startup(args.runs)
    elif args.what == "overhead":
        overhead(args.n)
    else:
        memory(args.n)


if __name__ == "__main__":
    main()
