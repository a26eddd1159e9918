"""Fetch benchmark: articles/s through `monitor fetch` vs trafilatura alone, second run, peak memory.

    python bench/bench_fetch.py [--pages ../shared/pages] [--urls 1000] [--workers 1 2] [--repeat 3]

Serves the real pages (``*.html.gz``) from a loopback server behind a generated RSS feed (the
pages repeated under distinct URLs up to ``--urls``), then, in this one run:

1. before each monitor run, times ``trafilatura.extract`` alone over the same decoded HTML, one
   page after another, pinned to core 0 (the machine is shared: each ratio pairs two
   measurements taken moments apart under the same load);
2. for each ``--workers`` value, runs ``monitor --config <tmp> fetch`` in a subprocess on a fresh
   SQLite database (pinned to one core with ``taskset -c 0`` for ``1``; both cores otherwise),
   then a second ``monitor fetch --force`` over the unchanged feed (ETag -> 304);
3. samples the monitor process tree every 50 ms: memory as PSS (pages a forked worker shares
   with its parent are counted once) and each process's own CPU time (the fork server's
   workers are no children the monitor process waits for, so RUSAGE_CHILDREN would miss them).

Figures go to bench/RESULTS.md ("Fetching").
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).parents[1]
MONITOR = Path(sys.executable).parent / "monitor"


def load_pages(folder: Path) -> list[bytes]:
    return [gzip.decompress(p.read_bytes()) for p in sorted(folder.glob("*.html.gz"))]


def make_server(pages: list[bytes], n_urls: int) -> ThreadingHTTPServer:
    state: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/feed.xml":
                if self.headers.get("If-None-Match") == '"bench"':
                    self._reply(304, b"", {"ETag": '"bench"'})
                else:
                    self._reply(200, state["feed"], {"ETag": '"bench"', "Content-Type": "application/rss+xml"})
            elif self.path.startswith("/p/"):
                i = int(self.path[3:])
                self._reply(200, pages[i % len(pages)], {"Content-Type": "text/html"})
            else:
                self._reply(404, b"", {})

        def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    items = "".join(f"<item><guid>p{i}</guid><link>{base}/p/{i}</link><title>Page {i}</title>"
                    f"<description>Bench page {i}</description></item>" for i in range(n_urls))
    state["feed"] = f'<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title>{items}</channel></rss>'.encode()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def extract_alone(pages: list[bytes], n_urls: int) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and extracted-article count for trafilatura.extract over the same n_urls pages."""
    from trafilatura import extract

    from monitor.extract.html import decode_html

    htmls = [decode_html(p)[0] for p in pages]
    started = time.perf_counter()
    cpu0 = time.process_time()
    ok = 0
    for i in range(n_urls):
        text = extract(htmls[i % len(htmls)], url=f"http://x/{i}", deduplicate=False, favor_precision=True,
                       include_comments=False, include_tables=False, with_metadata=True)
        ok += bool(text and len(text) >= 200)
    return time.perf_counter() - started, time.process_time() - cpu0, ok


TICKS = os.sysconf("SC_CLK_TCK")


class TreeSampler:
    """Samples a process tree: summed PSS (pages shared after fork counted once) and per-process
    CPU. Extraction workers are forked by multiprocessing's fork server, so they are not
    children the monitor process waits for and RUSAGE_CHILDREN would miss their CPU time; each
    process's own utime+stime is read instead (a process's last < 50 ms before exit is lost)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kib = pid, 0
        self.cpu: dict[tuple[int, int], tuple[str, float]] = {}  # (pid, start tick) -> (role, CPU s)

    def sample(self) -> None:
        total, todo = 0, [self.pid]
        while todo:
            p = todo.pop()
            try:
                with open(f"/proc/{p}/smaps_rollup") as f:
                    total += next(int(ln.split()[1]) for ln in f if ln.startswith("Pss:"))
                with open(f"/proc/{p}/stat") as f:
                    fields = f.read().rpartition(")")[2].split()
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    cmd = f.read()
                role = "worker" if b"forkserver" in cmd and p != self.pid else "main"
                self.cpu[(p, int(fields[19]))] = (role, (int(fields[11]) + int(fields[12])) / TICKS)
                for task in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{task}/children") as f:
                        todo += [int(c) for c in f.read().split()]
            except (OSError, StopIteration, ValueError, IndexError):
                continue
        self.peak_kib = max(self.peak_kib, total)

    def cpu_s(self, role: str | None = None) -> float:
        return sum(c for r, c in self.cpu.values() if role in (None, r))


def run_monitor(cmd: list[str]) -> tuple[float, TreeSampler, str]:
    """Wall seconds, the tree's samples (peak PSS, CPU per process), stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tree = TreeSampler(proc.pid)
    while proc.poll() is None:
        tree.sample()
        time.sleep(0.05)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"monitor failed ({proc.returncode}):\n{out}\n{err}")
    return elapsed, tree, out


def stage_seconds(db: Path) -> list[float]:
    """Durations of the recorded fetch runs (the run table), oldest first."""
    import sqlite3
    from datetime import datetime

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT started_at, finished_at FROM run WHERE kind = 'fetch' ORDER BY id").fetchall()
    return [(datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() for a, b in rows]


def write_config(folder: Path, port: int, n_urls: int, workers: int) -> Path:
    cfg = folder / "monitor.toml"
    cfg.write_text(f"""data_dir = "{folder}"
[database]
url = "sqlite:///{folder / 'bench.db'}"
[fetch]
allow_hosts = ["127.0.0.1:{port}"]
per_host_delay_s = 0.0
per_host_concurrency = 16
max_items_per_feed = {n_urls}
extract_workers = {workers}
respect_robots = true
[[sources]]
name = "bench"
kind = "feed"
url = "http://127.0.0.1:{port}/feed.xml"
""")
    return cfg


def extract_alone_on_core0(pages: list[bytes], n_urls: int) -> tuple[float, float, int]:
    """extract_alone pinned to core 0 (where the one-worker run is pinned): the same contention."""
    mask = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})
    try:
        return extract_alone(pages, n_urls)
    finally:
        os.sched_setaffinity(0, mask)


def bench_once(pages: list[bytes], port: int, n_urls: int, workers: int) -> dict[str, float]:
    """extract alone, then ``monitor fetch`` twice (new feed, then 304); prints and returns the figures."""
    alone_s, alone_cpu, alone_ok = extract_alone_on_core0(pages, n_urls)
    folder = Path(tempfile.mkdtemp(prefix="bench-fetch-"))
    cfg = write_config(folder, port, n_urls, workers)
    pin = ["taskset", "-c", "0"] if workers == 1 and shutil.which("taskset") else []
    cmd = [*pin, str(MONITOR), "--config", str(cfg), "fetch", "--format", "json"]
    first_s, tree, out = run_monitor(cmd)
    row = json.loads(out)[0]
    second_s, tree2, out2 = run_monitor([*cmd, "--force"])
    row2 = json.loads(out2)[0]
    stage = stage_seconds(folder / "bench.db")
    shutil.rmtree(folder, ignore_errors=True)
    done = row["new"] + row["updated"] + row["unchanged"] + row["partial"] + row["item_errors"] + row["skipped"]
    alone, rate, stage_rate, cpu = n_urls / alone_s, done / first_s, done / stage[0], tree.cpu_s()
    fig = {"alone_s": alone_s, "alone_cpu_ms": 1000 * alone_cpu / n_urls, "first_s": first_s, "stage_s": stage[0],
           "ratio": rate / alone, "stage_ratio": stage_rate / alone, "cpu_ratio": (done / cpu) / (n_urls / alone_cpu),
           "main_ms": 1000 * tree.cpu_s("main") / done, "worker_ms": 1000 * tree.cpu_s("worker") / done,
           "peak_mb": tree.peak_kib / 1024, "second_pct": 100 * second_s / first_s,
           "second_stage_pct": 100 * stage[1] / stage[0], "second_peak_mb": tree2.peak_kib / 1024}
    print(f"extract alone (core 0): {alone_s:.1f} s wall, {alone_cpu:.1f} s CPU ({alone_ok} with text); "
          f"monitor fetch, extract_workers={workers}{' (taskset -c 0)' if pin else ''}: {done} pages "
          f"({row['new']} new, {row['unchanged']} same text at another URL, {row['partial']} partial, "
          f"{row['skipped']} no text, {row['item_errors']} errors), load {os.getloadavg()[0]:.1f}\n"
          f"  wall {first_s:.1f} s = {rate:.1f} pages/s (ratio {fig['ratio']:.2f}x); stage {stage[0]:.1f} s "
          f"(ratio {fig['stage_ratio']:.2f}x); CPU of the tree {cpu:.1f} s (ratio per CPU-second "
          f"{fig['cpu_ratio']:.2f}x: monitor process {fig['main_ms']:.1f} ms/page, workers {fig['worker_ms']:.1f} "
          f"ms/page, extract alone {fig['alone_cpu_ms']:.1f} ms/page); peak PSS {fig['peak_mb']:.0f} MB\n"
          f"  second run (304, status {row2['status']}): {second_s:.2f} s = {fig['second_pct']:.1f}% of the first "
          f"(stage {fig['second_stage_pct']:.2f}%), peak PSS {fig['second_peak_mb']:.0f} MB", flush=True)
    return fig


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=Path, default=ROOT / ".." / "shared" / "pages",
                    help="folder of *.html.gz pages (default: ../shared/pages from the repository root)")
    ap.add_argument("--urls", type=int, default=1000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="rounds; medians are printed at the end")
    args = ap.parse_args()
    pages = load_pages(args.pages)
    server = make_server(pages, args.urls)
    print(f"pages: {len(pages)} files served as {args.urls} URLs from 127.0.0.1:{server.server_address[1]}")
    figures: dict[int, list[dict[str, float]]] = {w: [] for w in args.workers}
    for _ in range(args.repeat):
        for workers in args.workers:
            figures[workers].append(bench_once(pages, server.server_address[1], args.urls, workers))
    server.shutdown()
    for workers, runs in figures.items():
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        each = ", ".join(f"{r['ratio']:.2f}" for r in runs)
        print(f"median of {len(runs)}, extract_workers={workers}: ratio {med['ratio']:.2f}x (stage {med['stage_ratio']:.2f}x, "
              f"per CPU-second {med['cpu_ratio']:.2f}x; runs {each}), "
              f"extract alone {med['alone_s']:.1f} s, fetch {med['first_s']:.1f} s (stage {med['stage_s']:.1f} s), "
              f"monitor process {med['main_ms']:.1f} ms/page, workers {med['worker_ms']:.1f} ms/page, "
              f"peak PSS {med['peak_mb']:.0f} MB (max {max(r['peak_mb'] for r in runs):.0f}), "
              f"second run {med['second_pct']:.1f}% (stage {med['second_stage_pct']:.2f}%)")


if __name__ == "__main__":
    main()
