"""Latency of the web pages as the alert table grows: the table page (50 rows) and one alert
page, with 10^3 and then 10^5 alerts, on SQLite and PostgreSQL.

    python bench/bench_web.py [--backend sqlite --backend postgresql] [--requests 40] [--rounds 3]
                              [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each backend gets a fresh database at the current schema (``alembic upgrade head``), filled
with synthetic alerts: each alert has its statement group, 1 to 3 articles that carried it (a
first one and repeats) and their statements. The real server (uvicorn on a loopback socket, the
app `monitor web` serves) answers real HTTP requests from httpx (keep-alive). Two databases
per backend, one with 1,000 alerts and one with 100,000, are served side by side, and both are
ANALYZEd after loading (what autovacuum or a routine ANALYZE gives a live database).

Timing: after 5 warm-up requests per page and size, ``--rounds`` x ``--requests`` requests per
page and size, interleaved (table small, table big, alert big, alert small, ...; the order of
the sizes alternates), so a change of load on this shared machine hits both sizes alike. The
median of every request is reported, with the 10^5 / 10^3 ratio of medians (the target is
< 2: indexed, no scans). The alert timed is the one in the middle of each database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from monitor.app import Monitor, open_monitor  # noqa: E402
from monitor.config import load_settings  # noqa: E402
from monitor.store.models import Alert, Article, Statement, StatementGroup  # noqa: E402
from monitor.web.app import create_app  # noqa: E402
from monitor.web.security import Guard  # noqa: E402
from monitor.web.server import bind  # noqa: E402

START = datetime(2025, 1, 1, tzinfo=UTC)
DEMANDS = ("nato_expansion", "deployments", "posture_1997")
SPEAKERS = ("Sergei Lavrov", "Dmitry Peskov", "Maria Zakharova", "Antony Blinken", "Jens Stoltenberg", None)
STANCES = ("pro", "contra", "neutral")
STATUSES = ("new", "new", "notified", "acknowledged", "muted")
WORDS = ("NATO", "guarantees", "expansion", "missiles", "security", "Europe", "borders", "talks", "legal",
         "treaty", "deployment", "posture", "alliance", "Washington", "Moscow", "response")


def _sentence(i: int) -> str:
    words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(18)]
    return f"Statement {i}: " + " ".join(words) + "."


def fill(m: Monitor, first: int, last: int, batch: int = 5_000) -> None:
    """Alerts ``first`` .. ``last - 1`` (ids follow the order), each with 1-3 carrying articles."""
    for lo in range(first, last, batch):
        hi = min(last, lo + batch)
        groups, alerts, articles, statements = [], [], [], []
        for i in range(lo, hi):
            at = START + timedelta(minutes=5 * i)
            demand, speaker = DEMANDS[i % 3], SPEAKERS[i % len(SPEAKERS)]
            sentence = _sentence(i)
            groups.append(dict(id=i + 1, canonical_text=sentence, speaker=speaker,
                               speaker_key=speaker.lower() if speaker else None, demand=demand, demands=[demand],
                               stance=STANCES[i % 3], first_seen_at=at, first_statement_id=3 * i + 1,
                               source_count=1 + i % 3))
            status = STATUSES[i % len(STATUSES)]
            alerts.append(dict(id=i + 1, group_id=i + 1, demand=demand, demands=[demand], status=status,
                               created_at=at, notified_at=at if status != "new" else None,
                               acknowledged_at=at if status == "acknowledged" else None,
                               muted_at=at if status == "muted" else None,
                               evidence={"demands": {demand: f"{demand} (+1.0: \"{WORDS[i % 16]}\")"},
                                         "speaker_cue": "named in the sentence", "language": "en"}))
            for k in range(1 + i % 3):
                art = 3 * i + k + 1
                body = f"Lead paragraph of article {art}.\n{sentence} More context follows here.\nLast line."
                articles.append(dict(id=art, canonical_url=f"https://news{k}.example/{i}", content_hash=f"{art:064d}",
                                     title=f"Article {art} on {demand}", outlet=f"Outlet {k}", published_at=at,
                                     language="en", text=body, is_partial=False,
                                     first_seen_at=at + timedelta(minutes=k), updated_at=at))
                start = body.index(sentence)
                statements.append(dict(id=art, article_id=art, sentence_index=1, char_start=start,
                                       char_end=start + len(sentence), text=sentence, demands=[demand],
                                       speaker=speaker, speaker_cue="named in the sentence", stance=STANCES[i % 3],
                                       group_id=i + 1, is_new=k == 0, similarity=None if k == 0 else 0.8,
                                       evidence={"language": "en"}, created_at=at))
        with m.session("filling") as s:
            s.execute(insert(StatementGroup), groups)
            s.execute(insert(Alert), alerts)
            s.execute(insert(Article), articles)
            s.execute(insert(Statement), statements)


@contextmanager
def served(m: Monitor) -> Iterator[str]:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(m, Guard(port=port)), log_level="warning", lifespan="off",
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def analyze(m: Monitor) -> None:
    with m.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def time_pages(urls: dict[str, str], alert_ids: dict[str, int], requests: int, rounds: int) -> dict[str, list[float]]:
    """Request times per (size, page), sizes and pages interleaved so that a change of load on
    this shared machine hits every size alike (the order of the sizes alternates)."""
    pages = {"table (50 rows)": lambda size: "/", "one alert": lambda size: f"/alerts/{alert_ids[size]}"}
    times: dict[str, list[float]] = {f"{size} {name}": [] for size in urls for name in pages}
    clients = {size: httpx.Client(base_url=url) for size, url in urls.items()}
    try:
        for size, client in clients.items():
            assert client.get("/").text.count('<tr data-id="') == 50
            for page in pages.values():
                for _ in range(5):
                    assert client.get(page(size)).status_code == 200
        order = list(urls)
        for _ in range(rounds * requests):
            order.reverse()
            for name, page in pages.items():
                for size in order:
                    t0 = time.perf_counter()
                    response = clients[size].get(page(size))
                    times[f"{size} {name}"].append(time.perf_counter() - t0)
                    assert response.status_code == 200
    finally:
        for client in clients.values():
            client.close()
    return times


def plan(m: Monitor) -> list[str]:
    """The query plan of the table page's main query (SQLite: EXPLAIN QUERY PLAN)."""
    from monitor.alerts.values import AlertFilter
    from monitor.store.alert_pages import _filtered, _ordered

    q = _ordered(_filtered(AlertFilter(), Alert.id), AlertFilter()).limit(50)
    with m.engine.connect() as conn:
        compiled = q.compile(conn, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        return [" ".join(str(c) for c in row) for row in conn.execute(text(prefix + str(compiled)))]


def database(backend: str, pg_url: str, tmp: Path) -> tuple[str, Any]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"monitor_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return pg_url.rsplit("/", 1)[0] + "/" + name, (admin, name)


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Two databases of the backend, 10^3 and 10^5 alerts, served side by side."""
    tmp = Path(tempfile.mkdtemp(prefix="monitor-bench-web-"))
    sizes = {"1000": 1_000, "100000": 100_000}
    made = {size: database(backend, args.postgres_url, tmp / size) for size in sizes}
    try:
        with ExitStack() as stack:
            monitors, urls = {}, {}
            for size, n in sizes.items():
                (tmp / size).mkdir(parents=True, exist_ok=True)
                (tmp / size / "monitor.toml").write_text(f'data_dir = "{tmp / size}"\n[database]\nurl = "{made[size][0]}"\n')
                m = stack.enter_context(open_monitor(load_settings(tmp / size / "monitor.toml", env={})))
                t0 = time.perf_counter()
                fill(m, 0, n)
                analyze(m)
                print(f"{backend}: {n:,} alerts loaded in {time.perf_counter() - t0:.0f} s", flush=True)
                monitors[size] = m
            for size, m in monitors.items():
                urls[size] = stack.enter_context(served(m))
            times = time_pages(urls, {size: n // 2 for size, n in sizes.items()}, args.requests, args.rounds)
            for line in plan(monitors["100000"]):
                print(f"  plan: {line}")
    finally:
        for _, cleanup in made.values():
            if cleanup:
                admin, name = cleanup
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    results: dict[str, dict[str, float]] = {size: {} for size in sizes}
    for key, values in times.items():
        size, name = key.split(" ", 1)
        results[size][name] = statistics.median(values) * 1000
        print(f"  {int(size):,} alerts, {name}: median {results[size][name]:.1f} ms over {len(values)} requests "
              f"(p90 {statistics.quantiles(values, n=10)[-1] * 1000:.1f} ms)", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print("| backend | page | 10^3 alerts (median ms) | 10^5 alerts (median ms) | ratio |")
    rows = []
    for backend in args.backend or ["sqlite", "postgresql"]:
        res = run_backend(backend, args)
        for name in res["1000"]:
            small, big = res["1000"][name], res["100000"][name]
            rows.append(f"| {backend} | {name} | {small:.1f} | {big:.1f} | {big / small:.2f} |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
