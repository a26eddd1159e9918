"""Orchestration benchmark: what Prefect costs on top of the library (figures in bench/RESULTS.md).

    .venv/bin/python bench/bench_prefect.py startup --runs 5           # `monitor run` with nothing to do
    .venv/bin/python bench/bench_prefect.py overhead -n 1000 --pairs 5  # library vs pipeline flow, interleaved
    .venv/bin/python bench/bench_prefect.py memory -n 10000            # peak RSS of each process of a run

Articles are mixed from the seeds' paragraphs (distinct, not near-duplicates; ``--seeds``, by
default ``seeds/`` of the repository) and ingested as a ``files`` source into a fresh SQLite
database; every run is ingest + detection (digest off). Offline; everything under a temporary
folder. The machine may be shared, so every comparison is made of pairs taken moments apart.

- ``startup``: a first run on a fresh ``PREFECT_HOME`` (temporary server), then ``--runs``
  interleaved pairs of runs with nothing to do: on a temporary server (nothing serving that
  ``PREFECT_HOME``), and reusing the server a running ``monitor serve`` started.
- ``overhead``: ``--pairs`` pairs, each a library run (``run_pipeline`` in this process) and a
  flow run (the ``pipeline`` flow in this process, on a temporary server started once before,
  heartbeats off as in ``monitor run``) over the same articles, each into its own new database;
  the order inside a pair alternates. Reported for wall time and for CPU time (this process's
  threads plus the temporary server's, which a loaded machine distorts less): the median of the
  paired differences, as a share of the library run, and their spread.
- ``memory``: one ``monitor run`` over n new articles (``--server temporary``, the default: the
  run starts its temporary ``prefect server start``, a child process that is sampled too; or
  ``--server serve``: reusing the server of a running ``monitor serve``), the run's process tree
  sampled every 0.2 s; each process's peak RSS is its kernel high-water mark (``VmHWM``).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MONITOR = Path(sys.executable).parent / "monitor"


def make_corpus(seeds: Path, folder: Path, n: int, paragraphs_per_article: int = 6, seed: int = 0) -> Path:
    paragraphs = [p.strip() for f in sorted(seeds.glob("*.txt"))
                  for p in f.read_text(encoding="utf-8").split("\n\n")[1:] if len(p.strip()) > 80]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        picked = rng.sample(paragraphs, k=paragraphs_per_article)
        (folder / f"{i:05d}.txt").write_text(f"Report {i}\n\n" + "\n\n".join(picked) + "\n", encoding="utf-8")
    return folder


def write_config(work: Path, corpus: Path, name: str, extra: str = "") -> Path:
    cfg = work / f"{name}.toml"
    cfg.write_text(f'data_dir = "{work / name}"\n{extra}[[sources]]\nname = "corpus"\nkind = "files"\n'
                   f'path = "{corpus}"\n', encoding="utf-8")
    return cfg


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "PREFECT_"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)
    return env


def _spread(values: list[float], unit: str = "s", digits: int = 2) -> str:
    v = sorted(values)
    return (f"median {statistics.median(v):.{digits}f} {unit}, min {v[0]:.{digits}f}, max {v[-1]:.{digits}f} "
            f"(n={len(v)}: {', '.join(f'{x:.{digits}f}' for x in values)})")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- startup ------------------------------------------------------------------------------------


def _timed_run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the run and of the processes it waited for,
    such as its temporary server) and the first line of the output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.splitlines()[0]


def _start_serve(cfg: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([str(MONITOR), "--config", str(cfg), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker = Path(env["PREFECT_HOME"]) / "monitor-serve-api-url"
    deadline = time.monotonic() + 300
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"monitor serve did not start its server (exit {proc.poll()})")
        time.sleep(0.5)
    time.sleep(5)  # let `serve` register its deployments before the first timed run
    return proc


def startup(runs: int, seeds: Path, port: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # crons far from now: the served deployments never run during the measurement
        cfg = write_config(work, make_corpus(seeds, work / "corpus", 5), "startup",
                           '[schedule]\npipeline_cron = "0 3 1 1 *"\n[alerts]\ndigest_schedule = "0 3 1 1 *"\n')
        cmd = [str(MONITOR), "--config", str(cfg), "run", "--no-digest"]
        temp_env = _env(PREFECT_HOME=str(work / "prefect-temporary"))
        served_env = _env(PREFECT_HOME=str(work / "prefect-served"))
        print(f"load before: {_load()}")
        wall, cpu, line = _timed_run(cmd, temp_env)
        print(f"first run (fresh PREFECT_HOME, 5 new articles): {wall:.1f} s wall, {cpu:.1f} s CPU  [{line}]",
              flush=True)
        serve = _start_serve(cfg, served_env, port)
        try:
            times: dict[str, list[tuple[float, float]]] = {"temporary": [], "reused": []}
            for i in range(runs):
                order = [("temporary", temp_env), ("reused", served_env)]
                for label, env in order if i % 2 == 0 else order[::-1]:
                    wall, cpu, line = _timed_run(cmd, env)
                    expected = "a temporary one" if label == "temporary" else "started by `monitor serve`"
                    assert expected in line, line
                    times[label].append((wall, cpu))
                t, r = times["temporary"][-1], times["reused"][-1]
                print(f"pair {i + 1}: temporary {t[0]:.2f} s wall / {t[1]:.2f} s CPU, reused {r[0]:.2f} s wall / "
                      f"{r[1]:.2f} s CPU, load {_load()}", flush=True)
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=120)
        for k, what in ((0, "wall"), (1, "CPU")):
            temporary, reused = [t[k] for t in times["temporary"]], [r[k] for r in times["reused"]]
            print(f"[{what}] nothing to do, temporary server (warm PREFECT_HOME): {_spread(temporary)}")
            print(f"[{what}] nothing to do, reusing the server of `monitor serve`: {_spread(reused)}")
            print(f"[{what}] paired difference temporary - reused: "
                  f"{_spread([t - r for t, r in zip(temporary, reused, strict=True)])}")
        print(f"load after: {_load()}")


# --- overhead -----------------------------------------------------------------------------------


def overhead(n: int, pairs: int, seeds: Path) -> None:
    """Library stages in-process vs the pipeline flow in-process (temporary server already up)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = make_corpus(seeds, work / "corpus", n)
        os.environ.update(PREFECT_HOME=str(work / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
                          PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90")
        from prefect import flow
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from flows.pipeline import pipeline
        from monitor.app import open_monitor
        from monitor.clock import utc_now
        from monitor.config import load_settings
        from monitor.pipeline.run import run_pipeline

        @flow
        def warm_up() -> None:
            """Starts the temporary server (not part of the figures)."""

        def one(label: str) -> tuple[float, float]:
            """Wall and CPU seconds (this process, all threads, plus the temporary server)."""
            cfg = write_config(work, corpus, label)
            os.environ["MONITOR_CONFIG"] = str(cfg)
            with open_monitor(load_settings(cfg)):  # schema created outside the timing
                pass
            cpu0, server0, t0 = time.process_time(), _children_cpu(), time.perf_counter()
            if label.startswith("library"):
                with open_monitor(load_settings(cfg)) as m:
                    s: dict[str, Any] = run_pipeline(m, utc_now(), send_digest=False).as_dict()
            else:
                s = pipeline(send_digest=False)
            wall = time.perf_counter() - t0
            cpu = time.process_time() - cpu0 + _children_cpu() - server0
            assert len(s["new_articles"]) == n and s["detected_articles"] == n, s["errors"][:3]
            return wall, cpu

        print(f"load before: {_load()}")
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            warm_up()
            runs: dict[str, list[tuple[float, float]]] = {"library": [], "flow": []}
            for i in range(pairs):
                order = ["library", "flow"] if i % 2 == 0 else ["flow", "library"]
                for label in order:
                    runs[label].append(one(f"{label}-{i}"))
                (lw, lc), (fw, fc) = runs["library"][-1], runs["flow"][-1]
                print(f"pair {i + 1} ({' then '.join(order)}): library {lw:.2f} s wall / {lc:.2f} s CPU, "
                      f"flow {fw:.2f} s wall / {fc:.2f} s CPU; flow - library {100 * (fw - lw) / lw:+.1f} % wall, "
                      f"{100 * (fc - lc) / lc:+.1f} % CPU; load {_load()}", flush=True)
        print(f"{n} articles, {pairs} pairs")
        for k, what in ((0, "wall"), (1, "CPU")):
            lib, pre = [r[k] for r in runs["library"]], [r[k] for r in runs["flow"]]
            diffs = [p - q for p, q in zip(pre, lib, strict=True)]
            shares = [100 * (p - q) / q for p, q in zip(pre, lib, strict=True)]
            print(f"[{what}] library: {_spread(lib)}")
            print(f"[{what}] flow:    {_spread(pre)}")
            print(f"[{what}] paired difference flow - library: {_spread(diffs)}")
            print(f"[{what}] paired difference as a share of the library run: {_spread(shares, '%', 1)}; "
                  f"per article {1000 * statistics.median(diffs) / n:+.2f} ms (median)")
        print(f"load after: {_load()}")


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's live children: the temporary server."""
    total = 0.0
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as f:
            for pid in f.read().split():
                try:
                    with open(f"/proc/{pid}/stat") as st:
                        fields = st.read().rpartition(")")[2].split()
                    total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                except OSError:
                    continue
    return total


# --- memory -------------------------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return found


def _status(pid: int) -> tuple[str, int] | None:
    """(name, VmHWM in KiB) of a process, None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    return cmd[:90] or fields["Name"].strip(), int(fields.get("VmHWM", "0 kB").split()[0])


def memory(n: int, seeds: Path, server: str, port: int) -> None:
    """Peak RSS per process of `monitor run` (ingest + detection of n new articles), on a
    temporary server or reusing the server of a running `monitor serve` (not sampled: it is a
    long-running service of its own)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg = write_config(work, make_corpus(seeds, work / "corpus", n), "memory",
                           '[schedule]\npipeline_cron = "0 3 1 1 *"\n[alerts]\ndigest_schedule = "0 3 1 1 *"\n')
        env = _env(PREFECT_HOME=str(work / "prefect"))
        serve = _start_serve(cfg, env, port) if server == "serve" else None
        print(f"load before: {_load()}", flush=True)
        t0 = time.perf_counter()
        out_path, err_path = work / "stdout.txt", work / "stderr.txt"
        with out_path.open("w") as out_f, err_path.open("w") as err_f:  # files: a full pipe would block the run
            proc = subprocess.Popen([str(MONITOR), "--config", str(cfg), "run", "--no-digest"],
                                    env=env, stdout=out_f, stderr=err_f)
            peaks: dict[int, tuple[str, int]] = {}
            while proc.poll() is None:
                for pid in _tree(proc.pid):
                    status = _status(pid)
                    if status is not None:
                        peaks[pid] = (status[0], max(status[1], peaks.get(pid, ("", 0))[1]))
                time.sleep(0.2)
        wall = time.perf_counter() - t0
        out, err = out_path.read_text(), err_path.read_text()
        if serve is not None:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=120)
        lines = out.splitlines()
        print("\n".join(lines[:6]) if lines else err[-3000:])
        print(f"{n} articles: exit {proc.returncode}, {wall:.0f} s wall, load after {_load()}")
        for pid, (name, kib) in sorted(peaks.items(), key=lambda kv: -kv[1][1]):
            print(f"  peak RSS {kib / 1024:6.0f} MB  pid {pid}  {name}")
        print(f"largest process: {max(k for _, k in peaks.values()) / 1024:.0f} MB; "
              f"sum of the per-process peaks: {sum(k for _, k in peaks.values()) / 1024:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["startup", "overhead", "memory"])
    ap.add_argument("-n", type=int, default=1000, help="articles (overhead, memory)")
    ap.add_argument("--runs", type=int, default=5, help="pairs of runs (startup)")
    ap.add_argument("--pairs", type=int, default=5, help="library/flow pairs (overhead)")
    ap.add_argument("--port", type=int, default=4271, help="port of the server `monitor serve` starts")
    ap.add_argument("--server", choices=["temporary", "serve"], default="temporary",
                    help="memory: run on a temporary server, or reuse the one a `monitor serve` started")
    ap.add_argument("--seeds", type=Path, default=REPO / "seeds",
                    help="folder of seed .txt articles the corpus is mixed from (default: seeds/ of the repository)")
    args = ap.parse_args()
    if args.what == "startup":
        startup(args.runs, args.seeds, args.port)
    elif args.what == "overhead":
        overhead(args.n, args.pairs, args.seeds)
    else:
        memory(args.n, args.seeds, args.server, args.port)


if __name__ == "__main__":
    main()
