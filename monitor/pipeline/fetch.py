"""The fetch stage: web sources (feeds, sitemaps, pages, home pages) -> stored articles.

``fetch_sources(m, now, names)`` polls the due sources concurrently inside its own event loop,
with one guarded client and one extraction pool per call (never shared across calls, so a
Prefect task may call it per source). Per-source failures (FetchError, SourceError, ExtractError)
are recorded on the source row and in ``fetch_attempt`` and never stop the other sources;
database and programming errors propagate. Results are small: ids and counts.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.app import Monitor
from monitor.config import FetchSettings, SourceConfig
from monitor.errors import ExtractError, FetchError, PermanentFetchError, SourceError
from monitor.extract.pool import ExtractPool, default_workers
from monitor.fetch.client import Fetcher, FetchResult
from monitor.pipeline.ingest import IngestReport, Progress
from monitor.sources.feeds import discover_feeds, parse_feed, sniff_document
from monitor.sources.sitemaps import MAX_INDEX_DEPTH, MAX_URLS_PER_SITEMAP, parse_sitemap
from monitor.sources.urls import canonical_url, same_site
from monitor.store import articles as article_repo
from monitor.store import items as item_repo
from monitor.store import sources as source_repo
from monitor.store.models import Source
from monitor.types import ArticleData, NoText, StoreOutcome

log = logging.getLogger(__name__)
WEB_KINDS = ("feed", "sitemap", "page", "home", "auto")
# a page that answers with one of these, or yields too little text, is stored from the feed's
# title and summary with is_partial=True (detection still sees it, and knows it is partial)
BLOCKED_KINDS = frozenset({"http_401", "http_403", "blocked_challenge", "http_4xx"})
PARTIAL_NOTEXT = frozenset({NoText.TOO_SHORT, NoText.EMPTY_PAGE})
MIN_INTERVAL_MIN, MAX_INTERVAL_MIN = 15.0, 24 * 60.0
# Item results are stored in one transaction per BATCH_ITEMS items (fewer when their kept HTML
# passes BATCH_HTML_CHARS: the queue's memory), and at least every BATCH_S seconds; a source's
# batch is committed before its feed's ETag is saved. A crash loses at most
# the open batch, whose items stay "pending" and are fetched again on the next run (the upsert is
# idempotent: nothing lost, nothing duplicated). One transaction per item cost ~2 ms of CPU.
BATCH_ITEMS, BATCH_HTML_CHARS, BATCH_S = 100, 2_000_000, 2.0
# a stored page whose decoded text is more than this share U+FFFD was probably decoded with the
# wrong charset: it is stored, and a fetch attempt ``ok`` / ``charset_suspect`` says so
CHARSET_SUSPECT_RATIO = 0.01


@dataclass
class SourceOutcome:
    """What polling one source did (small: counts and ids only)."""

    name: str
    source_id: int
    status: str = "ok"  # ok | not_modified | error | not_due
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    partial: int = 0
    item_errors: int = 0
    skipped: int = 0
    truncated: int = 0
    charset_suspect: int = 0
    error_kind: str | None = None
    error: str | None = None
    created_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    next_attempt_at: datetime | None = None

    def summary(self) -> str:
        if self.status == "error":
            return f"{self.name}: error {self.error_kind}: {self.error}"
        return (f"{self.name}: {self.status}, {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.item_errors} item errors")


@dataclass
class FetchReport(IngestReport):
    """Per-source outcomes plus the article ids (an IngestReport, so run_stage can record it)."""

    sources: list[SourceOutcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        c = super().counts()
        c["unchanged"] = sum(o.unchanged for o in self.sources)
        c.update(sources=len(self.sources), failed_sources=sum(o.status == "error" for o in self.sources),
                 partial=sum(o.partial for o in self.sources), item_errors=sum(o.item_errors for o in self.sources),
                 charset_suspect=sum(o.charset_suspect for o in self.sources))
        return c

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.sources if o.status == "error"]


def fetch_sources(m: Monitor, now: datetime, names: Sequence[str] | None = None,
                  progress: Progress | None = None, *, force: bool = False) -> FetchReport:
    """Poll the due web sources among the enabled ones (or among ``names``, enabled or not);
    returns per-source outcomes. A source is due when its ``next_attempt_at`` (interval,
    backoff, Retry-After) has passed; ``force`` ignores the schedule. Unknown names raise
    SourceError. Safe to call per source from separate tasks: each call has its own event loop,
    client and extraction workers."""
    with m.session("syncing sources") as s:
        ids = source_repo.sync_sources(s, m.settings.sources, now)
        rows = {src.name: src for src in source_repo.list_sources(s)}
    unknown = [n for n in names or () if n not in ids]
    if unknown:
        raise SourceError(", ".join(unknown), "no such source in the configuration")
    chosen = [c for c in m.settings.sources if c.kind in WEB_KINDS
              and (c.name in names if names else c.enabled)]
    report = FetchReport()
    due: list[SourceConfig] = []
    for cfg in chosen:
        nxt = rows[cfg.name].next_attempt_at
        if force or nxt is None or nxt <= now:
            due.append(cfg)
        else:
            report.sources.append(SourceOutcome(cfg.name, ids[cfg.name], "not_due", next_attempt_at=nxt))
    if due:
        outcomes = asyncio.run(_fetch_all(m, due, ids, now, progress))
        report.sources.extend(outcomes)
    for o in report.sources:
        report.created += o.created_ids
        report.updated += o.updated_ids
        if o.status == "error":
            report.errors.append(f"{o.name}: {o.error_kind}: {o.error}")
    return report


@dataclass
class _Result:
    """A fetched item's result, waiting for its batch's transaction: an article, or a mark."""

    out: SourceOutcome
    item: item_repo.ItemTodo
    data: ArticleData | None = None
    mark: item_repo.ItemMark | None = None


@dataclass
class _Run:
    m: Monitor
    fetcher: Fetcher
    pool: ExtractPool
    now: datetime
    progress: Progress | None
    items: asyncio.Semaphore
    done: int = 0
    total: int = 0
    batch: list[_Result] = field(default_factory=list)
    batch_chars: int = 0
    flushed_at: float = field(default_factory=time.monotonic)

    def tick(self, label: str, more: int = 0) -> None:
        self.total += more
        if not more:
            self.done += 1
        if self.progress:
            self.progress(self.done, max(self.total, self.done), label)


async def _fetch_all(m: Monitor, due: Sequence[SourceConfig], ids: dict[str, int], now: datetime,
                     progress: Progress | None) -> list[SourceOutcome]:
    s = m.settings.fetch
    workers = s.extract_workers if s.extract_workers >= 0 else default_workers()
    async with Fetcher.open(s) as fetcher, ExtractPool(workers, s.extract_timeout_s) as pool:
        run = _Run(m, fetcher, pool, now, progress, asyncio.Semaphore(max(2, s.max_connections * 2)))
        run.tick("", len(due))
        outcomes = list(await asyncio.gather(*(_poll_source(run, cfg, ids[cfg.name]) for cfg in due)))
        _flush(run)
        return outcomes


async def _poll_source(run: _Run, cfg: SourceConfig, source_id: int) -> SourceOutcome:
    out = SourceOutcome(cfg.name, source_id)
    try:
        await _poll(run, cfg, out)
    except (FetchError, SourceError, ExtractError) as exc:
        _flush(run)
        out.status = "error"
        out.error_kind = getattr(exc, "kind", "source_error")
        out.error = str(exc)[:500]
        _record(run, cfg, out, exc)
    else:
        _flush(run)
        _record(run, cfg, out, None)
    run.tick(cfg.name)
    return out


def _record(run: _Run, cfg: SourceConfig, out: SourceOutcome, exc: Exception | None) -> None:
    with run.m.session("recording a source result") as s:
        src = s.get(Source, out.source_id)
        assert src is not None
        out.next_attempt_at = _next_attempt(run, cfg, src, out, exc)
        if exc is not None:
            source_repo.add_fetch_attempt(
                s, source_id=out.source_id, url=getattr(exc, "url", cfg.url)[:2048], started_at=run.now,
                finished_at=run.now, outcome="error", error_kind=out.error_kind, error=out.error)
        source_repo.record_source_result(s, out.source_id, run.now, error_kind=out.error_kind, error=out.error,
                                         new_items=out.new, next_attempt_at=out.next_attempt_at)


def _next_attempt(run: _Run, cfg: SourceConfig, src: Source, out: SourceOutcome, exc: Exception | None) -> datetime:
    """Success: the (adaptive) interval. Failure: exponential backoff from the interval, capped;
    a Retry-After is honoured (clamped to [interval, cap])."""
    s = run.m.settings.fetch
    base = cfg.interval_min or s.default_interval_min
    cap = s.max_backoff_h * 60
    if exc is not None:
        failures = (src.consecutive_failures or 0) + 1
        delay = min(cap, base * 2 ** min(failures - 1, 20))
        retry_after = getattr(exc, "retry_after_s", None)
        if retry_after is not None:
            delay = min(cap, max(base, retry_after / 60))
        return run.now + timedelta(minutes=delay)
    current = src.current_interval_min or base
    if s.adaptive_interval:
        lo, hi = max(MIN_INTERVAL_MIN, base / 4), min(MAX_INTERVAL_MIN, base * 4)
        current = current / 2 if out.new >= 5 else current * 1.5 if out.new == 0 else current
        current = min(hi, max(lo, current)) if lo <= hi else base
    else:
        current = base
    src.current_interval_min = current
    return run.now + timedelta(minutes=current)


# --- one source ---------------------------------------------------------------------------------


async def _poll(run: _Run, cfg: SourceConfig, out: SourceOutcome) -> None:
    url = cfg.url  # fetched as configured; items and articles are keyed on canonical URLs
    if cfg.kind == "page":
        await _poll_page(run, cfg, out, url)
        return
    with run.m.session("reading the source") as s:
        src = s.get(Source, out.source_id)
        feed_url = src.feed_url if src is not None and cfg.kind in ("home", "auto") else None
    target = feed_url or url
    doc = await _conditional_get(run, out, target, "sitemap" if cfg.kind == "sitemap" else "feed")
    if doc is None:
        return
    kind = "sitemap" if cfg.kind == "sitemap" else sniff_document(doc.body, doc.content_type)
    if kind == "html" and cfg.kind in ("home", "auto") and feed_url is None:
        found = discover_feeds(doc.body[:512 * 1024].decode("utf-8", "replace"), doc.final_url)
        if found:
            with run.m.session("storing the discovered feed") as s:
                src = s.get(Source, out.source_id)
                assert src is not None
                src.feed_url = found[0]
            doc = await _conditional_get(run, out, found[0], "feed")
            if doc is None:
                return
            target, kind = found[0], "feed"
        elif cfg.kind == "auto":
            await _store_page(run, cfg, out, url, doc)
            return
        else:
            raise PermanentFetchError(url, "the page announces no feed", "not_a_feed")
    entries = await _entries(run, cfg, out, doc, kind)
    await _process_entries(run, cfg, out, entries)
    _flush(run)  # the items' results are committed before the validators that would skip them
    _save_state(run, out, target, doc)


async def _conditional_get(run: _Run, out: SourceOutcome, url: str, kind: str) -> FetchResult | None:
    """GET with the stored validators (an unconditional GET at least every unconditional_after_h);
    None when the server says 304 (recorded as not_modified)."""
    with run.m.session("reading the conditional-GET state") as s:
        state = item_repo.get_url_state(s, out.source_id, url)
        etag, modified, last_full = (state.etag, state.last_modified, state.last_unconditional_at) if state else (None, None, None)
    if last_full is None or run.now - last_full > timedelta(hours=run.m.settings.fetch.unconditional_after_h):
        etag = modified = None
    result = await run.fetcher.get(url, kind=kind, etag=etag, last_modified=modified)  # type: ignore[arg-type]
    if result.not_modified:
        out.status = "not_modified"
        with run.m.session("recording a 304") as s:
            item_repo.touch_url_state(s, out.source_id, url, run.now)
            source_repo.add_fetch_attempt(s, source_id=out.source_id, url=url, started_at=run.now, finished_at=run.now,
                                          http_status=304, outcome="not_modified")
        return None
    return result


def _save_state(run: _Run, out: SourceOutcome, url: str, doc: FetchResult) -> None:
    with run.m.session("saving the conditional-GET state") as s:
        item_repo.save_url_state(s, out.source_id, url, run.now, etag=doc.etag, last_modified=doc.last_modified,
                                 content_hash=hashlib.sha256(doc.body).hexdigest(), unconditional=True)
        source_repo.add_fetch_attempt(s, source_id=out.source_id, url=url, started_at=run.now, finished_at=run.now,
                                      http_status=doc.status, etag=doc.etag, last_modified=doc.last_modified,
                                      bytes=len(doc.body), outcome="ok")


async def _entries(run: _Run, cfg: SourceConfig, out: SourceOutcome, doc: FetchResult,
                   kind: str) -> list[item_repo.ItemInput]:
    max_items = run.m.settings.fetch.max_items_per_feed
    if kind == "sitemap":
        return await _sitemap_entries(run, out, doc, max_items)
    feed = await asyncio.to_thread(parse_feed, doc.body, doc.final_url, content_type=doc.content_type,
                                   max_items=max_items)
    if feed.warning:
        log.warning("%s: feed parsed with problems: %s", cfg.name, feed.warning)
    out.truncated, out.skipped = feed.truncated, feed.skipped
    return [item_repo.ItemInput(e.url, e.guid, e.title, e.summary, e.published_at, e.updated_marker)
            for e in feed.entries]


async def _sitemap_entries(run: _Run, out: SourceOutcome, doc: FetchResult, max_items: int) -> list[item_repo.ItemInput]:
    """Walk a sitemap (index): visited set, depth <= MAX_INDEX_DEPTH, <= 50,000 URLs in all;
    the newest ``max_items`` (by lastmod) are processed."""
    found: list[item_repo.ItemInput] = []
    visited = {doc.final_url}
    queue: list[tuple[FetchResult, int]] = [(doc, 0)]
    while queue and len(found) < MAX_URLS_PER_SITEMAP:
        current, depth = queue.pop(0)
        sm = await asyncio.to_thread(parse_sitemap, current.body, current.final_url)
        out.truncated += sm.truncated
        found += [item_repo.ItemInput(e.url, None, e.title, None, e.published_at, e.lastmod) for e in sm.entries]
        for child in sm.children:
            if child in visited or depth + 1 > MAX_INDEX_DEPTH:
                continue
            visited.add(child)
            try:
                queue.append((await run.fetcher.get(child, kind="sitemap", robots=True), depth + 1))
            except FetchError as exc:  # one broken child sitemap does not fail the source
                out.item_errors += 1
                log.warning("child sitemap %s: %s", child, exc)
    found.sort(key=lambda e: (e.updated_marker or ""), reverse=True)
    out.truncated += max(0, len(found) - max_items)
    return found[:max_items]


async def _process_entries(run: _Run, cfg: SourceConfig, out: SourceOutcome,
                           entries: list[item_repo.ItemInput]) -> None:
    with run.m.session("registering feed items") as s:
        todo, unchanged = item_repo.register_items(s, out.source_id, entries, run.now)
    out.unchanged += unchanged
    run.tick(cfg.name, len(todo))
    await asyncio.gather(*(_process_item(run, cfg, out, item) for item in todo))


async def _process_item(run: _Run, cfg: SourceConfig, out: SourceOutcome, item: item_repo.ItemTodo) -> None:
    s = run.m.settings.fetch
    async with run.items:
        try:
            page = await run.fetcher.get(item.url, kind="page", robots=True)
            result = await run.pool.extract(page.body, page.charset, page.final_url, min_chars=s.min_text_chars,
                                            outlet=cfg.outlet or None, max_bytes=s.max_page_bytes)
        except (FetchError, ExtractError) as exc:
            kind = getattr(exc, "kind", "extract_error")
            if kind in BLOCKED_KINDS and _store_partial(run, cfg, out, item, kind):
                return
            _mark(run, out, item, "failed", error_kind=kind, error=str(exc))
            out.item_errors += 1
            run.tick(item.url)
            return
    if isinstance(result, NoText):
        if result in PARTIAL_NOTEXT and _store_partial(run, cfg, out, item, result.value):
            return
        _mark(run, out, item, "skipped", error_kind=result.value, error=f"no article text ({result.value})")
        out.skipped += 1
        run.tick(item.url)
        return
    _store(run, cfg, out, item, page, result)
    run.tick(item.url)


def _article_url(item_url: str, page: FetchResult, result: ArticleData) -> tuple[str, tuple[str, ...]]:
    """The article's canonical URL (rel=canonical when on the same site) and its other URLs."""
    final = canonical_url(page.final_url) or item_url
    declared = canonical_url(result.url) if result.url else None
    main = declared if declared and same_site(declared, final) else final
    return main, tuple(dict.fromkeys(u for u in (item_url, final) if u != main))


def _store(run: _Run, cfg: SourceConfig, out: SourceOutcome, item: item_repo.ItemTodo, page: FetchResult,
           result: ArticleData) -> None:
    url, others = _article_url(item.url, page, result)
    data = ArticleData(
        url=url, text=result.text, title=result.title or item.title, author=result.author,
        outlet=cfg.outlet or result.outlet, published_at=item.published_at or result.published_at,
        language=result.language or cfg.language or None, summary=item.summary or result.summary,
        other_urls=others, html=result.html, extractor=result.extractor,
        replacement_ratio=result.replacement_ratio,
    )
    _save_article(run, out, item, data)


def _store_partial(run: _Run, cfg: SourceConfig, out: SourceOutcome, item: item_repo.ItemTodo, why: str) -> bool:
    """Keep the feed's title and summary as a partial article; False when there is nothing to keep."""
    text = "\n\n".join(t for t in (item.title, item.summary) if t)
    if not item.summary or len(text) < 40:
        return False
    data = ArticleData(url=item.url, text=text, title=item.title, outlet=cfg.outlet or None,
                       published_at=item.published_at, language=cfg.language or None, summary=item.summary,
                       is_partial=True, extractor=f"feed:{why}")
    _save_article(run, out, item, data)
    out.partial += 1
    return True


def _save_article(run: _Run, out: SourceOutcome, item: item_repo.ItemTodo, data: ArticleData) -> None:
    _queue(run, _Result(out, item, data=data))


def _mark(run: _Run, out: SourceOutcome, item: item_repo.ItemTodo, status: str, *, error_kind: str,
          error: str) -> None:
    _queue(run, _Result(out, item, mark=item_repo.ItemMark(item.item_id, status, error_kind=error_kind, error=error)))


def _queue(run: _Run, result: _Result) -> None:
    run.batch.append(result)
    run.batch_chars += len(result.data.html or "") if result.data else 0
    if (len(run.batch) >= BATCH_ITEMS or run.batch_chars >= BATCH_HTML_CHARS
            or time.monotonic() - run.flushed_at >= BATCH_S):
        _flush(run)


def _flush(run: _Run) -> None:
    """Store the queued item results in one transaction, then count them."""
    batch, run.batch, run.batch_chars, run.flushed_at = run.batch, [], 0, time.monotonic()
    if not batch:
        return
    s = run.m.settings.fetch
    stored: list[StoreOutcome | None] = []
    marks: list[item_repo.ItemMark] = []
    with run.m.session(f"storing {len(batch)} fetched items") as session:
        for r in batch:
            if r.mark is not None:
                source_repo.add_fetch_attempt(
                    session, source_id=r.out.source_id, url=r.item.url[:2048], started_at=run.now,
                    finished_at=run.now, outcome="error" if r.mark.status == "failed" else "skipped",
                    error_kind=r.mark.error_kind, error=(r.mark.error or "")[:500])
                stored.append(None)
                marks.append(r.mark)
            elif r.data is not None:
                o = article_repo.upsert_article(session, r.data, run.now, source_id=r.out.source_id,
                                                keep_html_bytes=s.max_kept_html_bytes if s.keep_html else 0)
                stored.append(o)
                marks.append(item_repo.ItemMark(r.item.item_id, "done", o.article_id))
                if r.data.replacement_ratio > CHARSET_SUSPECT_RATIO:
                    source_repo.add_fetch_attempt(session, **_charset_suspect(run, r))
        item_repo.mark_items(session, marks)
    for r, outcome in zip(batch, stored, strict=True):
        if outcome is not None:
            _count(r.out, outcome)


def _charset_suspect(run: _Run, r: _Result) -> dict[str, object]:
    """The fetch attempt that records a stored page as probably mis-decoded (and counts it)."""
    assert r.data is not None
    why = f"{r.data.replacement_ratio:.1%} of the decoded page is U+FFFD: probably a wrong or missing charset"
    log.warning("%s: %s", r.item.url, why)
    r.out.charset_suspect += 1
    return {"source_id": r.out.source_id, "url": r.item.url[:2048], "started_at": run.now, "finished_at": run.now,
            "outcome": "ok", "error_kind": "charset_suspect", "error": why}


def _count(out: SourceOutcome, stored: StoreOutcome) -> None:
    if stored.created:
        out.new += 1
        out.created_ids.append(stored.article_id)
    elif stored.updated:
        out.updated += 1
        out.updated_ids.append(stored.article_id)
    else:
        out.unchanged += 1


# --- a single page source -----------------------------------------------------------------------


async def _poll_page(run: _Run, cfg: SourceConfig, out: SourceOutcome, url: str) -> None:
    doc = await _conditional_get(run, out, url, "page")
    if doc is not None:
        await _store_page(run, cfg, out, url, doc)
        _flush(run)
        _save_state(run, out, url, doc)


async def _store_page(run: _Run, cfg: SourceConfig, out: SourceOutcome, url: str, doc: FetchResult) -> None:
    s = run.m.settings.fetch
    with run.m.session("registering the page") as session:
        todo, unchanged = item_repo.register_items(session, out.source_id, [item_repo.ItemInput(
            canonical_url(url) or url, updated_marker=hashlib.sha256(doc.body).hexdigest()[:32])], run.now)
    out.unchanged += unchanged
    if not todo:
        return
    result = await run.pool.extract(doc.body, doc.charset, doc.final_url, min_chars=s.min_text_chars,
                                    outlet=cfg.outlet or None, max_bytes=s.max_page_bytes)
    if isinstance(result, NoText):
        _mark(run, out, todo[0], "skipped", error_kind=result.value, error=f"no article text ({result.value})")
        raise PermanentFetchError(url, f"no article text ({result.value})", result.value)
    _store(run, cfg, out, todo[0], doc, result)



# --- re-extraction from kept HTML ------------------------------------------------------------------


def reextract_articles(m: Monitor, now: datetime, ids: Sequence[int] | None = None,
                       progress: Progress | None = None) -> IngestReport:
    """Run the current extractor again over the kept HTML of stored articles (after an upgrade);
    changed texts are updated (and detected again), unchanged ones left alone."""
    from monitor.extract.html import extract_article

    report = IngestReport()
    with m.session("listing articles with kept HTML") as s:
        todo = article_repo.kept_html_ids(s, ids)
    for i, article_id in enumerate(todo):
        if progress:
            progress(i, len(todo), str(article_id))
        with m.session("reading kept HTML") as s:
            kept = article_repo.kept_html(s, article_id)
        if kept is None:
            continue
        url, html, outlet = kept
        result = extract_article(html, url, min_chars=m.settings.fetch.min_text_chars, outlet=outlet)
        if isinstance(result, NoText):
            report.errors.append(f"article {article_id}: no text on re-extraction ({result.value})")
            continue
        with m.session(f"updating article {article_id}") as s:
            changed = article_repo.replace_text(s, article_id, result, now)
        (report.updated if changed else report.unchanged).append(article_id)
    return report


# --- what kind of source a URL is ---------------------------------------------------------------


def detect_source_kind(settings: FetchSettings, url: str) -> tuple[str, str | None]:
    """Fetch ``url`` once (guarded) and say what it is: ``feed``, ``sitemap``, ``home`` (an HTML page
    announcing a feed, returned as the second value) or ``page``. Raises FetchError."""

    async def probe() -> tuple[str, str | None]:
        async with Fetcher.open(settings) as f:
            doc = await f.get(url, kind="feed")
        kind = sniff_document(doc.body, doc.content_type)
        if kind in ("feed", "sitemap"):
            return kind, None
        if kind == "html":
            found = discover_feeds(doc.body[:512 * 1024].decode("utf-8", "replace"), doc.final_url)
            return ("home", found[0]) if found else ("page", None)
        raise PermanentFetchError(url, f"neither a feed, a sitemap nor a web page ({doc.content_type or 'no type'})",
                                  "unsupported_type")

    return asyncio.run(probe())
