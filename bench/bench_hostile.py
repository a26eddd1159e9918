"""Hostile and huge inputs: time and peak memory of parsing them (the claims the tests no longer time).

    python bench/bench_hostile.py [--repeat 3] [--only feed-50k ...]

Each case runs in a fresh Python process (so its peak memory is its own): the input is built
by the parent and handed over as a file; the child imports what it needs (the libraries the
code imports lazily included), reads the file, notes its resident memory, runs the case once
and reports the wall time, its CPU time (less sensitive to other load on the machine) and the
peak RSS above that baseline (``ru_maxrss`` minus the RSS before the call). Cases run
``--repeat`` times each, interleaved (case A, B, ..., A, B, ...), so a load change on this
shared machine hits every case alike; the median is printed with the spread. Figures go to
bench/RESULTS.md ("Hostile and huge inputs").
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from tests.feed_fixtures import BILLION_LAUGHS, BILLION_LAUGHS_SITEMAP, quadratic_blowup, rss  # noqa: E402

URL = "https://news.example/feed.xml"


def _feed(n: int, *, oldest_first: bool = False) -> bytes:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    dates = [start + timedelta(minutes=i) for i in range(n)]
    if not oldest_first:
        random.Random(0).shuffle(dates)
    return rss([(str(i), f"https://news.example/a/{i}", d.strftime("%a, %d %b %Y %H:%M:%S GMT"))
                for i, d in enumerate(dates)]).encode()


def _undated_feed(n: int) -> bytes:
    return rss([(str(i), f"https://news.example/a/{i}", None) for i in range(n)]).encode()


# name: (what it is, how to build the input, code the child runs on ``data``)
CASES: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "feed-50k": ("50,000-entry RSS (undated), max_items=2000", lambda: _undated_feed(50_000),
                 "from monitor.sources.feeds import parse_feed\n"
                 "f = parse_feed(data, URL, max_items=2000)\nassert len(f.entries) == 2000 and f.truncated == 48000"),
    "feed-50k-dated": ("50,000-entry RSS, dates shuffled, max_items=2000", lambda: _feed(50_000),
                       "from monitor.sources.feeds import parse_feed\n"
                       "f = parse_feed(data, URL, max_items=2000)\nassert len(f.entries) == 2000"),
    "feed-50k-oldest-first": ("50,000-entry RSS, oldest first, max_items=2000",
                              lambda: _feed(50_000, oldest_first=True),
                              "from monitor.sources.feeds import parse_feed\n"
                              "f = parse_feed(data, URL, max_items=2000)\n"
                              "assert f.entries[0].url == 'https://news.example/a/49999'"),
    "feed-50k-full-parse": ("the same undated feed through feedparser whole (no pre-pass: the old path)",
                            lambda: _undated_feed(50_000),
                            "from monitor.sources import feeds\n"
                            "title, raw, warning = feeds._xml_feed(data, URL, '')\n"
                            "f = feeds._finish(title, raw, URL, 2000, warning)\nassert len(f.entries) == 2000"),
    "feed-billion-laughs": ("billion laughs RSS", lambda: BILLION_LAUGHS.format(link="https://news.example/l").encode(),
                            "from monitor.errors import PermanentFetchError\n"
                            "from monitor.sources.feeds import parse_feed\n"
                            "try:\n    parse_feed(data, URL)\nexcept PermanentFetchError:\n    pass"),
    "feed-quadratic": ("quadratic blowup RSS (100 kB entity x 20,000)",
                       lambda: quadratic_blowup("https://news.example/q").encode(),
                       "from monitor.errors import PermanentFetchError\n"
                       "from monitor.sources.feeds import parse_feed\n"
                       "try:\n    parse_feed(data, URL)\nexcept PermanentFetchError:\n    pass"),
    "sitemap-billion-laughs": ("billion laughs sitemap", lambda: BILLION_LAUGHS_SITEMAP.encode(),
                               "from monitor.errors import PermanentFetchError\n"
                               "from monitor.sources.sitemaps import parse_sitemap\n"
                               "try:\n    parse_sitemap(data, URL)\nexcept PermanentFetchError:\n    pass"),
    "sitemap-quadratic": ("quadratic blowup sitemap",
                          lambda: (quadratic_blowup("x").split("<rss")[0]
                                   + "<urlset><url><loc>&a;</loc></url></urlset>").encode(),
                          "from monitor.errors import PermanentFetchError\n"
                          "from monitor.sources.sitemaps import parse_sitemap\n"
                          "try:\n    parse_sitemap(data, URL)\nexcept PermanentFetchError:\n    pass"),
    "page-nested": ("HTML nested 200,000 <div>s deep, extracted",
                    lambda: ("<div>" * 200_000 + "x" + "</div>" * 200_000).encode(),
                    "from monitor.extract.html import extract_article\n"
                    "extract_article(data.decode(), 'https://example.org/x', min_chars=200)"),
    "segment-5mb": ("segmenting 5 MB without sentence ends, then 1.5 MB of 'a. '",
                    lambda: ("word " * 1_000_000)[:5_000_000].encode(),
                    "from monitor.detect.segment import segment_text\n"
                    "segment_text(data.decode()); segment_text('a. ' * 500_000)"),
    "detect-1mb-nato": ("detection over 'NATO ' x 200,000", lambda: ("NATO " * 200_000).encode(),
                        "from monitor.detect.article import analyse_text\n"
                        "from monitor.config import load_settings\n"
                        "from monitor.detect_step import load_resources\n"
                        "res = load_resources(load_settings(None, env={}))  # setup\n"
                        "analyse_text(data.decode(), res)"),
}

CHILD = """
import json, resource, sys, time
URL = {url!r}
data = open(sys.argv[1], "rb").read()
import feedparser, feedparser.datetimes, lxml.etree, lxml.html, trafilatura  # imported lazily by the code
{imports}
def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4
before = rss_kib()
started, cpu = time.perf_counter(), time.process_time()
{code}
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"s": elapsed, "cpu_s": cpu, "peak_over_kib": peak - before}}))
"""


def _is_setup(line: str) -> bool:
    """Imports and lines marked ``# setup`` run before the baseline (they are not the case's cost)."""
    return line.startswith(("from ", "import ")) or line.endswith("# setup")


def run_case(name: str, data_path: Path) -> dict[str, float]:
    _, _, code = CASES[name]
    setup = "\n".join(line for line in code.splitlines() if _is_setup(line))
    body = "\n".join(line for line in code.splitlines() if not _is_setup(line))
    script = CHILD.format(url=URL, imports=setup, code=body)
    out = subprocess.run([sys.executable, "-c", script, str(data_path)], capture_output=True, text=True,
                         cwd=ROOT, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", nargs="*", choices=list(CASES), default=list(CASES))
    args = ap.parse_args()
    results: dict[str, list[dict[str, float]]] = {n: [] for n in args.only}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name in args.only:
            paths[name] = Path(tmp) / f"{name}.bin"
            paths[name].write_bytes(CASES[name][1]())
        for _ in range(args.repeat):
            for name in args.only:
                results[name].append(run_case(name, paths[name]))
        print("| case | input | wall s, median (min-max) | CPU s, median | peak RSS over baseline, median MB |")
        print("|---|---|---|---|---|")
        for name in args.only:
            secs = [r["s"] for r in results[name]]
            cpu = [r["cpu_s"] for r in results[name]]
            mem = [r["peak_over_kib"] / 1024 for r in results[name]]
            size = paths[name].stat().st_size
            print(f"| {name}: {CASES[name][0]} | {size / 1e6:.1f} MB | {statistics.median(secs):.2f} "
                  f"({min(secs):.2f}-{max(secs):.2f}) | {statistics.median(cpu):.2f} | {statistics.median(mem):.0f} |")


if __name__ == "__main__":
    main()
