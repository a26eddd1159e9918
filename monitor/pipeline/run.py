"""One pipeline run without Prefect: ingest file sources, fetch web sources, detect, deliver.

``run_pipeline`` is the plain-Python composition; the Prefect flow (``flows/pipeline.py``) calls
the same pieces (``start_pipeline``, ``ingest_source``, ``fetch_source``, ``detect_chunk``,
``deliver``, ``finish_pipeline``) as tasks. Both take the
``pipeline`` lease in the database so that two runs never work at the same time (a second run
returns a skipped summary); a lease left by a killed process on this host is taken over at once,
one left by another host when it expires (``LEASE_TTL``, renewed after every unit of work).
Exactly-once does not depend on the lease: every stage writes through unique keys.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from monitor.app import Monitor
from monitor.clock import utc_now
from monitor.config import Settings
from monitor.errors import ConfigError, MonitorError
from monitor.detect_step import DetectReport, detect_articles
from monitor.pipeline.alerts import DeliveryReport, send_webhooks
from monitor.pipeline.fetch import WEB_KINDS, FetchReport, fetch_sources
from monitor.pipeline.alerts import send_digest as deliver_digest
from monitor.pipeline.ingest import IngestReport, ingest_file_sources, sync_sources
from monitor.store import runs as run_repo
from monitor.store import sources as source_repo
from monitor.store import statements as statement_repo

log = logging.getLogger(__name__)
PIPELINE_LEASE = "pipeline"
LEASE_TTL = timedelta(minutes=15)
LEASE_WAIT_S = 600.0  # a run started while another holds the lease waits this long, then skips
LEASE_POLL_S = 2.0
MAX_DETECT_PER_RUN = 100_000
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SourceFailure:
    """A selected source whose last poll failed."""

    name: str
    error_kind: str | None
    error: str | None
    consecutive_failures: int


@dataclass
class PipelineSummary:
    """What one pipeline run did: ids and counts, never article text."""

    run_id: int | None = None
    status: str = "ok"  # ok | partial | failed | skipped
    sources: list[str] = field(default_factory=list)
    new_articles: list[int] = field(default_factory=list)
    updated_articles: list[int] = field(default_factory=list)
    unchanged_articles: int = 0
    detected_articles: int = 0
    statements: int = 0
    new_alerts: list[dict[str, Any]] = field(default_factory=list)
    failing_sources: list[SourceFailure] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None  # why nothing was done (another run holds the lease)

    def counts(self) -> dict[str, int]:
        return {"new_articles": len(self.new_articles), "updated_articles": len(self.updated_articles),
                "unchanged_articles": self.unchanged_articles, "detected_articles": self.detected_articles,
                "statements": self.statements, "new_alerts": len(self.new_alerts),
                "failing_sources": len(self.failing_sources), "errors": len(self.errors)}

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (datetimes as ISO strings), e.g. a flow's result."""
        out = asdict(self)
        out["new_alerts"] = [{k: v.isoformat() if isinstance(v, datetime) else v for k, v in a.items()}
                             for a in self.new_alerts]
        return out


def select_sources(settings: Settings, names: Sequence[str] | None = None) -> list[str]:
    """The sources a run works on: the named ones (unknown names -> ConfigError), else all enabled."""
    if names:
        unknown = [n for n in names if settings.source(n) is None]
        if unknown:
            known = ", ".join(s.name for s in settings.sources) or "none configured"
            raise ConfigError(settings.config_path, f"unknown source(s): {', '.join(unknown)} (known: {known})")
        return list(dict.fromkeys(names))
    return [s.name for s in settings.sources if s.enabled]


def check_since(since: datetime | None, now: datetime) -> datetime | None:
    """``since`` must be timezone-aware and not in the future."""
    if since is None:
        return None
    if since.tzinfo is None:
        raise ConfigError("since", f"must carry a time zone, got {since.isoformat()}")
    if since > now:
        raise ConfigError("since", f"is in the future: {since.isoformat()}")
    return since


def file_sources(settings: Settings, names: Sequence[str]) -> list[str]:
    """The ``kind = "files"`` sources among ``names``."""
    return [n for n in names if (cfg := settings.source(n)) is not None and cfg.kind == "files"]


# --- the lease --------------------------------------------------------------------------------


def lease_holder() -> str:
    """``host:pid:token``: identifies this process so a dead holder on this host can be detected."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _holder_is_dead(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine: wait for the lease to expire
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def take_pipeline_lease(m: Monitor, holder: str, now: datetime) -> str | None:
    """Take the pipeline lease; None on success, else why not (who holds it and until when)."""
    with m.session("taking the pipeline lease") as s:
        if run_repo.acquire_lease(s, PIPELINE_LEASE, holder, now, LEASE_TTL):
            return None
        current = run_repo.find_lease(s, PIPELINE_LEASE)
        if current is None:  # released between our insert and our read: try once more
            return None if run_repo.acquire_lease(s, PIPELINE_LEASE, holder, now, LEASE_TTL) else "lease contended"
        if _holder_is_dead(current.holder) and run_repo.take_over_lease(
                s, PIPELINE_LEASE, current.holder, holder, now, LEASE_TTL):
            log.warning("took over the pipeline lease of %s: that process is gone", current.holder)
            return None
        return (f"another run ({current.holder}) holds the pipeline lease until "
                f"{current.expires_at:%Y-%m-%d %H:%M:%S} UTC")


def renew_pipeline_lease(m: Monitor, holder: str, now: datetime) -> None:
    with m.session("renewing the pipeline lease") as s:
        if not run_repo.renew_lease(s, PIPELINE_LEASE, holder, now, LEASE_TTL):
            log.warning("the pipeline lease of %s was lost; unique keys still prevent duplicates", holder)


def release_pipeline_lease(m: Monitor, holder: str) -> None:
    with m.session("releasing the pipeline lease") as s:
        run_repo.release_lease(s, PIPELINE_LEASE, holder)


@contextmanager
def pipeline_lease(m: Monitor, *, wait_s: float = 0.0, clock: Clock = utc_now,
                   holder: str | None = None) -> Iterator[tuple[str, str | None]]:
    """Hold the pipeline lease for the block: yields (holder, None), or (holder, why it is busy)
    after waiting up to ``wait_s`` seconds for another run to finish."""
    holder = holder or lease_holder()
    deadline = time.monotonic() + wait_s
    busy = take_pipeline_lease(m, holder, clock())
    if busy is not None and wait_s > 0:
        log.warning("waiting up to %.0f s: %s", wait_s, busy)
    while busy is not None and time.monotonic() < deadline:
        time.sleep(min(LEASE_POLL_S, max(0.0, deadline - time.monotonic())))
        busy = take_pipeline_lease(m, holder, clock())
    try:
        yield holder, busy
    finally:
        if busy is None:
            release_pipeline_lease(m, holder)


# --- the stages -------------------------------------------------------------------------------


@dataclass
class StageReports:
    """What the stages of one run returned (ids, counts, messages)."""

    ingest: IngestReport = field(default_factory=IngestReport)
    detect: DetectReport = field(default_factory=DetectReport)
    deliveries: list[DeliveryReport] = field(default_factory=list)

    def add_detect(self, part: DetectReport) -> None:
        d = self.detect
        d.articles += part.articles
        d.statements += part.statements
        d.new_groups += part.new_groups
        d.repeats += part.repeats
        d.alert_ids += part.alert_ids
        d.errors += part.errors


def start_pipeline(m: Monitor, now: datetime) -> int:
    """Mirror the configured sources into the database and open a run row; returns the run id."""
    sync_sources(m, now)
    with m.session("starting a run") as s:
        return run_repo.start_run(s, "pipeline", now)


def web_sources(settings: Settings, names: Sequence[str]) -> list[str]:
    """The web sources (feed, sitemap, page, home, auto) among ``names``."""
    return [n for n in names if (cfg := settings.source(n)) is not None and cfg.kind in WEB_KINDS]


def web_source_groups(settings: Settings, names: Sequence[str]) -> list[list[str]]:
    """The web sources among ``names`` grouped by host: one group is polled by one call, so the
    library's per-host limiter sees every request to its host (groups may run in parallel)."""
    groups: dict[str, list[str]] = {}
    for name in web_sources(settings, names):
        cfg = settings.source(name)
        host = (urlsplit(cfg.url).hostname or "") if cfg is not None else ""
        groups.setdefault(host, []).append(name)
    return list(groups.values())


def fetch_source(m: Monitor, names: Sequence[str], now: datetime, *, force: bool = False) -> FetchReport:
    """Poll these web sources (one host's) if due (``force``: now, whatever their schedule):
    own client, event loop and politeness limiter."""
    return fetch_sources(m, now, list(names), force=force)


def ingest_source(m: Monitor, name: str, now: datetime) -> IngestReport:
    """Ingest one ``files`` source (idempotent)."""
    return ingest_file_sources(m, now, [name])


def detect_chunks(m: Monitor, since: datetime | None = None) -> list[list[int]]:
    """Ids of the articles still to detect, in chunks of ``detect.batch_size`` (oldest first)."""
    with m.session("listing articles to detect") as s:
        ids = statement_repo.pending_article_ids(s, limit=MAX_DETECT_PER_RUN, since=since)
    size = max(1, m.settings.detect.batch_size)
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def detect_chunk(m: Monitor, article_ids: Sequence[int], now: datetime) -> DetectReport:
    """Statements, groups and alerts of these articles (each in its own transaction; idempotent)."""
    return detect_articles(m, now, article_ids=list(article_ids))


def deliver(m: Monitor, now: datetime, since: datetime | None, send_digest: bool) -> list[DeliveryReport]:
    """Webhooks, then the digest when asked (each channel exactly once, under its own lease)."""
    reports = send_webhooks(m, now)
    if send_digest:
        reports.append(deliver_digest(m, now, since))
    return reports


def finish_pipeline(m: Monitor, run_id: int, finished_at: datetime, names: Sequence[str],
                    reports: StageReports) -> PipelineSummary:
    """Close the run row and collect the summary: new articles, new alerts, failing sources."""
    ing, det = reports.ingest, reports.detect
    summary = PipelineSummary(
        run_id=run_id, sources=list(names), new_articles=list(ing.created),
        updated_articles=list(ing.updated), unchanged_articles=len(ing.unchanged),
        detected_articles=det.articles, statements=det.statements,
        deliveries=[r.summary() for r in reports.deliveries],
        errors=[*ing.errors, *det.errors, *(r.summary() for r in reports.deliveries if r.status == "failed")],
    )
    wanted = set(names)
    with m.session("finishing a run") as s:
        summary.new_alerts = run_repo.alerts_by_id(s, sorted(set(det.alert_ids)))
        summary.status = run_repo.finish_run(s, run_id, finished_at, summary.counts(), summary.errors)
        summary.failing_sources = [
            SourceFailure(src.name, src.last_error_kind, src.last_error, src.consecutive_failures)
            for src in source_repo.list_sources(s) if src.name in wanted and src.consecutive_failures
        ]
    return summary


def fail_pipeline(m: Monitor, run_id: int, finished_at: datetime, exc: BaseException) -> None:
    """Mark the run row failed (the exception is re-raised by the caller)."""
    with m.session("finishing a failed run") as s:
        run_repo.finish_run(s, run_id, finished_at, {}, [f"{type(exc).__name__}: {exc}"])


def run_pipeline(
    m: Monitor, now: datetime, sources: Sequence[str] | None = None, since: datetime | None = None,
    send_digest: bool = True, *, clock: Clock = utc_now, lease_wait_s: float = LEASE_WAIT_S,
) -> PipelineSummary:
    """One run over the selected sources (default: all enabled): ingest files, fetch the due web
    sources, detect, deliver.
    ``since`` bounds detection and the digest; ``send_digest=False`` skips the digest e-mail.
    A failed source or article is reported and the run goes on; a storage error fails the run.
    While another run holds the pipeline lease this one waits up to ``lease_wait_s``, then skips."""
    names = select_sources(m.settings, sources)
    check_since(since, now)
    with pipeline_lease(m, wait_s=lease_wait_s, clock=clock) as (holder, busy):
        if busy is not None:
            log.warning("pipeline run skipped: %s", busy)
            return PipelineSummary(status="skipped", sources=names, skipped=busy)
        run_id = start_pipeline(m, now)
        reports = StageReports()
        try:
            for name in file_sources(m.settings, names):
                reports.ingest.merge(ingest_source(m, name, now))
                renew_pipeline_lease(m, holder, clock())
            for group in web_source_groups(m.settings, names):
                reports.ingest.merge(fetch_source(m, group, now, force=sources is not None))
                renew_pipeline_lease(m, holder, clock())
            for chunk in detect_chunks(m, since):
                reports.add_detect(detect_chunk(m, chunk, now))
                renew_pipeline_lease(m, holder, clock())
            reports.deliveries = deliver(m, now, since, send_digest)
        except MonitorError as exc:
            fail_pipeline(m, run_id, clock(), exc)
            raise
        return finish_pipeline(m, run_id, clock(), names, reports)
