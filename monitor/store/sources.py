"""Repository functions for sources and fetch attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config import SourceConfig
from monitor.store.db import insert_for
from monitor.store.models import FetchAttempt, Source


def sync_sources(session: Session, configs: Sequence[SourceConfig], now: datetime, resolve: object = None) -> dict[str, int]:
    """Create or update a source row per configured source (by name); returns name -> id.
    Sources removed from the configuration keep their rows (and articles) but are disabled."""
    ins = insert_for(session)(Source)
    ids: dict[str, int] = {}
    for cfg in configs:
        values = dict(kind=cfg.kind, url=cfg.url or None, path=cfg.path or None, enabled=cfg.enabled,
                      outlet=cfg.outlet or None, interval_min=cfg.interval_min or None)
        stmt = ins.values(name=cfg.name, created_at=now, **values).on_conflict_do_update(
            index_elements=["name"], set_=values
        ).returning(Source.id)
        ids[cfg.name] = session.scalar(stmt)  # type: ignore[assignment]
    if configs:
        stale = select(Source).where(Source.name.not_in(list(ids)), Source.enabled.is_(True))
        for row in session.scalars(stale):
            row.enabled = False
    return ids


def ensure_source(session: Session, name: str, kind: str, now: datetime, *, path: str | None = None) -> int:
    """The id of source ``name``, created when missing (ad-hoc ingestion)."""
    stmt = insert_for(session)(Source).values(name=name, kind=kind, path=path, enabled=False, created_at=now)
    new_id = session.scalar(stmt.on_conflict_do_nothing(index_elements=["name"]).returning(Source.id))
    if new_id is None:
        new_id = session.scalar(select(Source.id).where(Source.name == name))
    assert new_id is not None
    return new_id


def list_sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.name)))


def get_source(session: Session, name: str) -> Source | None:
    return session.scalar(select(Source).where(Source.name == name))


def add_fetch_attempt(session: Session, **values: object) -> int:
    row = FetchAttempt(**values)
    session.add(row)
    session.flush()
    return row.id


def record_source_result(
    session: Session, source_id: int, now: datetime, *, error_kind: str | None = None,
    error: str | None = None, new_items: int = 0, next_attempt_at: datetime | None = None,
) -> None:
    """Update a source's polling state after a poll (success resets the failure counter)."""
    src = session.get(Source, source_id)
    assert src is not None, f"source {source_id} vanished"
    src.last_polled_at = now
    src.next_attempt_at = next_attempt_at
    if error_kind is None:
        src.last_success_at = now
        src.consecutive_failures = 0
        src.last_error_kind = None
        src.last_error = None
        if new_items:
            src.last_new_item_at = now
    else:
        src.consecutive_failures = (src.consecutive_failures or 0) + 1
        src.last_error_kind = error_kind
        src.last_error = (error or "")[:500]
        src.last_error_at = now
