"""Extraction in worker processes with a per-document time budget.

trafilatura cannot be interrupted from another thread, and one hostile page has cost 14 s and
600 MB. Each worker is a process fed through a pipe; a document that exceeds ``timeout_s`` gets
its worker killed and replaced, and comes back as ``NoText.TIMEOUT``. The workers also take the
CPU-bound decoding and extraction off the fetching event loop, so a run uses several cores.
``workers=0`` extracts in the calling process (no time budget; for tests and tiny runs).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import multiprocessing
import multiprocessing.connection
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from monitor.errors import ExtractError
from monitor.extract.html import extract_page
from monitor.types import ArticleData, NoText

log = logging.getLogger(__name__)
Job = tuple[bytes, "str | None", str, int, "str | None", int]


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


# glibc keeps freed heap: without a trim a worker stays at the footprint of its largest page
# (lxml trees are several times the HTML). Trimming costs ~1 ms, so it runs after a page of more
# than TRIM_AFTER_BYTES and every TRIM_EVERY pages: -10 MB per worker on the bench pages.
TRIM_AFTER_BYTES, TRIM_EVERY = 256 * 1024, 25


def _malloc_trim() -> Callable[[], object]:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return lambda: None
    return lambda: trim(0)


def _worker_main(conn: multiprocessing.connection.Connection) -> None:
    trim, done = _malloc_trim(), 0
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        body, charset, url, min_chars, outlet, max_bytes = job
        try:
            result: object = extract_page(body, charset, url, min_chars=min_chars, outlet=outlet, max_bytes=max_bytes)
        except Exception as exc:  # noqa: BLE001 - the process boundary: report, don't die (parent raises ExtractError)
            result = _Failed(f"{type(exc).__name__}: {exc}"[:300])
        conn.send(result)
        done += 1
        if len(body) > TRIM_AFTER_BYTES or done % TRIM_EVERY == 0:
            del job, body, result
            trim()


@dataclass(frozen=True)
class _Failed:
    reason: str


@dataclass
class _Worker:
    process: BaseProcess
    conn: multiprocessing.connection.Connection

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


def _context() -> Any:
    """Workers are forked from a single-threaded fork server that has imported trafilatura once:
    cheap to start, and safe when the caller runs threads (a Prefect task, the event loop's
    executor), where a plain fork could copy a lock held by another thread."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["monitor.extract.html", "trafilatura"])
    return ctx


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """multiprocessing makes each forkserver/spawn child run the parent's ``__main__`` script
    again (as ``__mp_main__``); for the ``monitor`` console script that is the whole CLI, about
    650 modules and 40 MB of private memory per worker, none of which a worker uses. The script's
    path is hidden while a worker is started (``python -m monitor`` is skipped by multiprocessing
    itself: its main module has a ``__spec__``)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


class ExtractPool:
    """``async with ExtractPool(workers, timeout_s) as pool: await pool.extract(...)``."""

    def __init__(self, workers: int, timeout_s: float) -> None:
        self.workers, self.timeout_s = workers, timeout_s
        self._ctx: Any = _context()
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: list[_Worker] = []
        self._started = False

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child,), daemon=True, name="monitor-extract")
        with _main_script_hidden():
            proc.start()
        child.close()
        worker = _Worker(proc, parent)
        self._all.append(worker)
        return worker

    async def __aenter__(self) -> ExtractPool:
        return self  # workers start on the first document: a run of 304s never pays for them

    def _start(self) -> None:
        self._started = True
        for _ in range(self.workers):
            self._idle.put_nowait(self._spawn())

    async def __aexit__(self, *exc: object) -> None:
        for w in self._all:
            if w.process.is_alive():
                w.conn.close()
                w.process.join(1)
                if w.process.is_alive():
                    w.process.kill()
                    w.process.join(1)
        self._all.clear()

    async def extract(self, body: bytes, charset: str | None, url: str, *, min_chars: int,
                      outlet: str | None, max_bytes: int) -> ArticleData | NoText:
        if self.workers <= 0:
            return extract_page(body, charset, url, min_chars=min_chars, outlet=outlet, max_bytes=max_bytes)
        if not self._started:
            self._start()
        worker = await self._idle.get()
        outcome: ArticleData | NoText | _Failed | _Lost = _Lost("cancelled")
        try:
            outcome = await self._roundtrip(worker, (body, charset, url, min_chars, outlet, max_bytes))
        finally:
            if isinstance(outcome, _Lost):  # timed out, died or cancelled mid-job: replace the worker
                worker.kill()
                self._all.remove(worker)
                worker = self._spawn()
            self._idle.put_nowait(worker)
        if outcome == _TIMEOUT:  # NB: NoText is a str enum, hence the _Lost wrapper
            return NoText.TIMEOUT
        if isinstance(outcome, _Failed):
            raise ExtractError(url, f"extraction failed: {outcome.reason}", "extract_error")
        if isinstance(outcome, _Lost):
            raise ExtractError(url, f"the extraction worker was lost ({outcome.why})", "extract_crash")
        return outcome

    async def _roundtrip(self, worker: _Worker, job: Job) -> ArticleData | NoText | _Failed | _Lost:
        """Send a job and wait for the reply on the event loop (no thread per job): the idle worker
        is blocked reading, so the send completes promptly; the reply is awaited as readability
        of the pipe within ``timeout_s``; a dead worker shows as EOF."""
        loop = asyncio.get_running_loop()
        fd = worker.conn.fileno()
        ready: asyncio.Future[None] = loop.create_future()
        try:
            worker.conn.send(job)
            loop.add_reader(fd, _settle, ready)
            try:
                async with asyncio.timeout(self.timeout_s):
                    await ready
            except TimeoutError:
                return _TIMEOUT
            finally:
                loop.remove_reader(fd)
            result: ArticleData | NoText | _Failed = worker.conn.recv()
            return result
        except (EOFError, OSError) as exc:
            log.warning("extraction worker %s died: %r", worker.process.pid, exc)
            return _DIED


def _settle(ready: asyncio.Future[None]) -> None:
    """The pipe is readable: wake the waiting call (once; the reader may fire again before it is removed)."""
    if not ready.done():
        ready.set_result(None)


@dataclass(frozen=True)
class _Lost:
    why: str


_TIMEOUT, _DIED = _Lost("timeout"), _Lost("died")
