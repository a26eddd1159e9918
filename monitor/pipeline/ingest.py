"""Pipeline steps: each takes the Monitor, what to work on and ``now``; CLI and flows call these.

Every step is idempotent: re-running it stores nothing twice (the database's unique keys decide).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from monitor.app import Monitor
from monitor.errors import MonitorError, SourceError
from monitor.sources.files import FileEntry, iter_files, read_file, read_manifest
from monitor.store import articles as article_repo
from monitor.store import runs as run_repo
from monitor.store import sources as source_repo

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]  # (done, total, label)


@dataclass
class IngestReport:
    """What an ingestion did: ids of stored articles and the problems met."""

    created: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def article_ids(self) -> list[int]:
        return [*self.created, *self.updated, *self.unchanged]

    def counts(self) -> dict[str, int]:
        return {"new": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "errors": len(self.errors)}

    def merge(self, other: IngestReport) -> None:
        self.created += other.created
        self.unchanged += other.unchanged
        self.updated += other.updated
        self.errors += other.errors


def ingest_paths(
    m: Monitor, paths: Sequence[Path], now: datetime, *, source_name: str = "local-files",
    progress: Progress | None = None,
) -> IngestReport:
    """Store local files (.txt/.md/.html) as articles. Bad files are reported, not fatal."""
    report = IngestReport()
    files: list[Path] = []
    for path in paths:
        try:
            files.extend(iter_files([path]))
        except SourceError as exc:
            report.errors.append(str(exc))
    manifests: dict[Path, dict[str, FileEntry]] = {}
    with m.session("registering the source") as s:
        source_id = source_repo.ensure_source(s, source_name, "files", now)
    for i, file in enumerate(files):
        if progress:
            progress(i, len(files), file.name)
        try:
            _ingest_file(m, file, manifests, source_id, now, report)
        except SourceError as exc:
            report.errors.append(str(exc))
    if progress:
        progress(len(files), len(files), "")
    return report


def _ingest_file(m: Monitor, file: Path, manifests: dict[Path, dict[str, FileEntry]],
                 source_id: int, now: datetime, report: IngestReport) -> None:
    folder = file.parent
    if folder not in manifests:
        manifests[folder] = read_manifest(folder)
    data = read_file(file, manifests[folder].get(file.name))
    with m.session(f"storing {file}") as s:
        out = article_repo.upsert_article(s, data, now, source_id=source_id,
                                          keep_html_bytes=m.settings.fetch.max_kept_html_bytes
                                          if m.settings.fetch.keep_html else 0)
    (report.created if out.created else report.updated if out.updated else report.unchanged).append(out.article_id)


def sync_sources(m: Monitor, now: datetime) -> dict[str, int]:
    """Mirror the configured sources into the source table; returns name -> id."""
    with m.session("syncing sources") as s:
        return source_repo.sync_sources(s, m.settings.sources, now)


def ingest_file_sources(
    m: Monitor, now: datetime, names: Sequence[str] | None = None, progress: Progress | None = None
) -> IngestReport:
    """Ingest every enabled ``kind = "files"`` source (or the named ones)."""
    report = IngestReport()
    for cfg in m.settings.sources:
        if cfg.kind != "files" or (names and cfg.name not in names) or (not names and not cfg.enabled):
            continue
        part = ingest_paths(m, [m.settings.resolve(cfg.path)], now, source_name=cfg.name, progress=progress)
        with m.session("recording the source result") as s:
            sid = source_repo.ensure_source(s, cfg.name, "files", now)
            source_repo.record_source_result(
                s, sid, now, new_items=len(part.created),
                error_kind="source_error" if part.errors and not part.article_ids else None,
                error="; ".join(part.errors)[:500] or None,
            )
        report.merge(part)
    return report


def run_stage(m: Monitor, kind: str, now: datetime, work: Callable[[], IngestReport],
              clock: Callable[[], datetime]) -> tuple[int, IngestReport, str]:
    """Run ``work`` recorded as a row of the run table."""
    with m.session("starting a run") as s:
        run_id = run_repo.start_run(s, kind, now)
    try:
        report = work()
    except MonitorError as exc:
        with m.session("finishing a run") as s:
            run_repo.finish_run(s, run_id, clock(), {}, [str(exc)])
        raise
    with m.session("finishing a run") as s:
        status = run_repo.finish_run(s, run_id, clock(), report.counts(), report.errors)
    return run_id, report, status
