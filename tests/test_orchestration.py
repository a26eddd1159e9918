"""Crash and concurrency safety of pipeline runs (plain library runs; the flow calls the same steps).

- two runs at once store every article, statement and alert once (lease + unique keys);
- a run killed with SIGKILL mid-ingest or mid-detection, then run again, ends exactly like an
  uninterrupted run; the killed run's lease is taken over at once (its process is gone);
- PostgreSQL connections killed mid-run (pg_terminate_backend; a server restart would disturb the
  shared test server) cost at most the in-flight item, and the next run completes the work.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from monitor.app import open_monitor
from monitor.clock import utc_now
from monitor.config import Settings, load_settings
from monitor.errors import StorageError
from monitor.pipeline import run as steps
from monitor.pipeline.ingest import IngestReport
from monitor.store.models import Alert, Article, Statement, StatementGroup
from tests.conftest import SEEDS, write_config

COPIES = 12  # 60 distinct articles: long enough to kill a run in the middle of each stage


def make_corpus(folder: Path, n: int, seed: int = 0) -> Path:
    """``n`` distinct articles mixed from the seeds' paragraphs (not near-duplicates of each other)."""
    import random

    paragraphs = [p.strip() for f in sorted(SEEDS.glob("*.txt"))
                  for p in f.read_text(encoding="utf-8").split("\n\n")[1:] if len(p.strip()) > 80]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        picked = rng.sample(paragraphs, k=max(3, len(paragraphs) // 8))  # ~4 kB: the cost is in detection
        (folder / f"{i:05d}.txt").write_text(f"Report {i}\n\n" + "\n\n".join(picked) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus"), 5 * COPIES)


def _settings(tmp_path: Path, db_url: str, corpus: Path, name: str = "run") -> Settings:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    cfg = write_config(folder, db_url, f'\n[[sources]]\nname = "corpus"\nkind = "files"\npath = "{corpus}"\n',
                       seeds=False)
    return load_settings(cfg, env={})


def end_state(db_url: str) -> dict[str, Any]:
    """Everything a run produces, keyed by content (ids differ between databases)."""
    eng = create_engine(db_url)
    try:
        with eng.connect() as c:
            urls = dict(c.execute(select(Article.id, Article.canonical_url)).all())
            return {
                "articles": sorted(urls.values()),
                "detected": c.scalar(select(func.count()).where(Article.detected_at.is_not(None))),
                "statements": sorted((urls[a], s, e) for a, s, e in
                                     c.execute(select(Statement.article_id, Statement.char_start, Statement.char_end))),
                "groups": sorted(c.scalars(select(StatementGroup.canonical_text))),
                "alerts": sorted(c.execute(select(StatementGroup.canonical_text, Alert.demand)
                                           .join(Alert, Alert.group_id == StatementGroup.id)).all()),
            }
    finally:
        eng.dispose()


def _count(db_url: str, query: Any) -> int:
    eng = create_engine(db_url)
    try:
        with eng.connect() as c:
            return int(c.scalar(query) or 0)
    finally:
        eng.dispose()


def _run(settings: Settings, **kw: Any) -> steps.PipelineSummary:
    with open_monitor(settings) as m:
        return steps.run_pipeline(m, utc_now(), send_digest=False, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict[str, Any]:
    """The end state of one uninterrupted run (SQLite)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'monitor.db'}"
    summary = _run(_settings(tmp_path_factory.mktemp("ref"), url, corpus))
    assert summary.status == "ok" and len(summary.new_articles) == 5 * COPIES
    state = end_state(url)
    assert state["statements"] and state["alerts"] and state["detected"] == 5 * COPIES
    return state


# --- two runs at once -------------------------------------------------------------------------


def _in_threads(*jobs: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return results


@pytest.mark.postgres
def test_two_runs_at_once_store_everything_once(tmp_path: Path, pg_admin: object, pg_template: str,
                                                corpus: Path, reference: dict[str, Any]) -> None:
    from tests.conftest import fresh_pg_database

    url = fresh_pg_database(pg_admin, pg_template)
    settings = _settings(tmp_path, url, corpus)
    first, second = _in_threads(lambda: _run(settings), lambda: _run(settings))
    assert {first.status, second.status} == {"ok"}, (first, second)  # the second waited for the lease
    assert len(first.new_articles) + len(second.new_articles) == 5 * COPIES
    assert end_state(url) == reference


@pytest.mark.postgres
def test_stages_without_the_lease_still_store_everything_once(tmp_path: Path, pg_admin: object,
                                                               pg_template: str, corpus: Path,
                                                               reference: dict[str, Any]) -> None:
    """Even when two processes work at once (a lost lease), unique keys keep every row single."""
    from tests.conftest import fresh_pg_database

    url = fresh_pg_database(pg_admin, pg_template)
    settings = _settings(tmp_path, url, corpus)

    def stages() -> IngestReport:
        with open_monitor(settings) as m:
            now = utc_now()
            steps.start_pipeline(m, now)
            report = steps.ingest_source(m, "corpus", now)
            for chunk in steps.detect_chunks(m):
                steps.detect_chunk(m, chunk, now)
            return report

    results = _in_threads(stages, stages)
    assert all(isinstance(r, IngestReport) for r in results), results
    assert sum(len(r.created) for r in results) == 5 * COPIES
    state = end_state(url)
    assert (state["articles"], state["statements"], state["detected"]) == (
        reference["articles"], reference["statements"], reference["detected"])
    # one alert per group, never two; without the lease two concurrent detections may each open a
    # group for the same new statement, so the grouping is only guaranteed under the lease
    assert len(state["alerts"]) == len(state["groups"])


# --- SIGKILL mid-run ------------------------------------------------------------------------

CHILD = """
import sys
from monitor.app import open_monitor
from monitor.clock import utc_now
from monitor.config import load_settings
from monitor.pipeline.run import run_pipeline
with open_monitor(load_settings(sys.argv[1], env={})) as m:
    run_pipeline(m, utc_now(), send_digest=False)
"""


def _kill_when(cmd: list[str], ready: Callable[[], bool]) -> None:
    """Kill ``cmd`` with SIGKILL as soon as ``ready()``; the wait is bounded by the run itself (a
    finite corpus: it ends, and ending before the kill point fails the test), not by a clock."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not ready():
            assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()!r}"  # type: ignore[union-attr]
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)  # reaped: its pid no longer exists, so its lease can be taken over
    assert proc.returncode == -signal.SIGKILL


KILL_POINTS = {
    "mid-ingest": lambda url: 5 < _count(url, select(func.count()).select_from(Article)) < 5 * COPIES - 10,
    "mid-detection": lambda url: 3 < _count(url, select(func.count()).where(Article.detected_at.is_not(None)))
    < 5 * COPIES - 10,
}


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_run_killed_mid_way_then_rerun_ends_like_an_uninterrupted_run(
        point: str, tmp_path: Path, db_url: str, corpus: Path, reference: dict[str, Any]) -> None:
    settings = _settings(tmp_path, db_url, corpus)
    _kill_when([sys.executable, "-c", CHILD, settings.config_path], lambda: KILL_POINTS[point](db_url))
    interrupted = end_state(db_url)
    assert interrupted != reference  # the kill really happened in the middle
    summary = _run(settings, lease_wait_s=0)  # the dead run's lease must not make us wait
    assert summary.status == "ok", summary
    assert end_state(db_url) == reference


# --- PostgreSQL connections killed mid-run -----------------------------------------------------


@pytest.mark.postgres
def test_postgres_connections_killed_mid_run_cost_at_most_the_item_in_flight(
        tmp_path: Path, pg_admin: Any, pg_template: str, corpus: Path, reference: dict[str, Any]) -> None:
    from tests.conftest import fresh_pg_database

    url = fresh_pg_database(pg_admin, pg_template)
    settings = _settings(tmp_path, url, corpus)
    dbname = url.rsplit("/", 1)[1]
    holder: list[Any] = []
    worker = threading.Thread(target=lambda: holder.append(_safe(lambda: _run(settings))))
    worker.start()
    while _count(url, select(func.count()).where(Article.detected_at.is_not(None))) < 5:
        assert worker.is_alive(), "the run ended before the kill"  # the run is finite: no clock needed
        time.sleep(0.05)
    before = end_state(url)
    with pg_admin.engine.connect() as c:
        killed = c.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = :db AND pid <> pg_backend_pid() "
                                "AND application_name NOT LIKE 'pytest-probe%'"), {"db": dbname}).scalar()
    worker.join(300)
    outcome = holder[0]
    assert killed >= 1
    # the run failed loudly on the broken connection, or it recorded the one article in flight as
    # failed and went on (pool_pre_ping gives the next article a fresh connection)
    assert isinstance(outcome, StorageError) or (outcome.status in ("ok", "partial") and len(outcome.errors) <= 1), outcome
    after_kill = end_state(url)
    assert set(before["articles"]) <= set(after_kill["articles"])  # nothing committed was lost
    assert after_kill["detected"] >= before["detected"]
    rerun = _run(settings, lease_wait_s=0)
    assert rerun.status == "ok"
    assert end_state(url) == reference


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except StorageError as exc:
        return exc
