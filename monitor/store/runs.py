"""Repository functions for runs (one row per stage or pipeline run) and leases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from monitor.store.db import insert_for
from monitor.store.models import Lease, Run


def start_run(session: Session, kind: str, now: datetime) -> int:
    row = Run(kind=kind, started_at=now, status="running", counts={}, errors=[])
    session.add(row)
    session.flush()
    return row.id


def finish_run(session: Session, run_id: int, now: datetime, counts: dict[str, Any], errors: list[str]) -> str:
    status = "ok" if not errors else ("partial" if any(counts.values()) else "failed")
    session.execute(
        update(Run).where(Run.id == run_id).values(
            finished_at=now, status=status, counts=counts, errors=[e[:500] for e in errors[:200]],
            error_count=len(errors),
        )
    )
    return status


def last_run(session: Session) -> Run | None:
    return session.scalar(select(Run).order_by(Run.started_at.desc(), Run.id.desc()).limit(1))


def table_counts(session: Session, models: list[type[Any]]) -> dict[str, int]:
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0 for m in models}


def acquire_lease(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the named lease if it is free or expired (atomic on both backends)."""
    session.execute(delete(Lease).where(Lease.name == name, Lease.expires_at < now))
    ins = insert_for(session)(Lease).values(name=name, holder=holder, expires_at=now + ttl)
    got = session.scalar(ins.on_conflict_do_nothing(index_elements=["name"]).returning(Lease.name))
    return got is not None


def release_lease(session: Session, name: str, holder: str) -> None:
    session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


# --- pipeline lease and run summary (added for the pipeline run; see monitor/pipeline/run.py) ---


def find_lease(session: Session, name: str) -> Lease | None:
    return session.get(Lease, name)


def renew_lease(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Extend a lease we hold; False when it was lost (expired and taken by another holder)."""
    res = session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                          .values(expires_at=now + ttl))
    return bool(res.rowcount)  # type: ignore[attr-defined]


def take_over_lease(session: Session, name: str, old_holder: str, holder: str, now: datetime,
                    ttl: timedelta) -> bool:
    """Atomically replace ``old_holder`` (known to be dead) by ``holder``."""
    res = session.execute(update(Lease).where(Lease.name == name, Lease.holder == old_holder)
                          .values(holder=holder, expires_at=now + ttl))
    return bool(res.rowcount)  # type: ignore[attr-defined]


def alerts_by_id(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """The given alerts with their statement text and speaker, in id order (for run summaries)."""
    from monitor.store.models import Alert, StatementGroup

    if not ids:
        return []
    q = (select(Alert.id, Alert.demand, Alert.created_at, StatementGroup.speaker, StatementGroup.canonical_text)
         .join(StatementGroup, StatementGroup.id == Alert.group_id)
         .where(Alert.id.in_(ids)).order_by(Alert.id))
    return [dict(id=r.id, demand=r.demand, created_at=r.created_at, speaker=r.speaker, text=r.canonical_text)
            for r in session.execute(q)]


def list_runs(session: Session, limit: int = 20) -> list[Run]:
    """The latest runs, newest first."""
    return list(session.scalars(select(Run).order_by(Run.started_at.desc(), Run.id.desc()).limit(limit)))
