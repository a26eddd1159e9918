"""Repository functions for alerts and the delivery outbox (digest e-mails, webhook POSTs).

Exactly-once bookkeeping lives here: a delivery row (with its Message-ID or idempotency key,
unique) and the alerts it carries are written in one transaction *before* anything is sent;
rows are claimed with a conditional UPDATE so two processes never send the same delivery.
Alerts are read as ``AlertItem`` values by ``monitor.store.alert_items`` (Core only; its
``list_alert_items`` and ``find_alert_item`` are importable from here too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from monitor.alerts.table import Change, decide_change, decide_mutes
from monitor.alerts.values import AlertStatus, DeliveryStatus, FailingSource
from monitor.config import MuteRule
from monitor.store.alert_items import find_alert_item, list_alert_items  # noqa: F401  (read through Core)
from monitor.store.models import Alert, AlertHistory, Delivery, DeliveryAlert, Source

D = DeliveryStatus
#: statuses of a delivery that hold on to their alerts (a newer delivery must not carry them again)
HOLDING = (D.SENDING.value, D.RETRY.value, D.SENT.value)


# --- changing alerts ------------------------------------------------------------------------


def change_alerts(session: Session, ids: Iterable[int], action: str, now: datetime,
                  reason: str | None = None, *, actor: str = "cli") -> list[Change]:
    """Apply ``action`` (acknowledge | mute | unmute) to each alert; unknown ids are reported as
    skipped. The CLI and the web page both triage through this function."""
    wanted = list(dict.fromkeys(ids))
    q = select(Alert.id, Alert.status, Alert.notified_at, Alert.acknowledged_at).where(Alert.id.in_(wanted))
    current = {r.id: r for r in session.execute(q)}
    changes = []
    for alert_id in wanted:
        row = current.get(alert_id)
        if row is None:
            changes.append(Change(alert_id, {}, skipped="no such alert"))
            continue
        change = decide_change(alert_id, row.status, action, now, reason, was_notified=row.notified_at is not None,
                               was_acknowledged=row.acknowledged_at is not None)
        if change.values:
            done = session.execute(update(Alert).where(Alert.id == alert_id, Alert.status == row.status)
                                   .values(**change.values))
            if done.rowcount != 1:  # type: ignore[attr-defined]
                change = Change(alert_id, {}, skipped="changed concurrently; try again")
            else:
                session.add(AlertHistory(alert_id=alert_id, at=now, action=action, from_status=row.status,
                                         to_status=str(change.values["status"]), actor=actor,
                                         reason=str(change.values["mute_reason"]) if action == "mute" else None))
        changes.append(change)
    if any(c.values for c in changes):
        session.flush()
    return changes


def mark_notified(session: Session, alert_ids: Sequence[int], now: datetime) -> int:
    """new -> notified for the given alerts (others keep their state); returns how many changed."""
    if not alert_ids:
        return 0
    done = session.scalars(update(Alert).where(Alert.id.in_(list(alert_ids)), Alert.status == AlertStatus.NEW.value)
                           .values(status=AlertStatus.NOTIFIED.value, notified_at=now).returning(Alert.id)).all()
    session.add_all([AlertHistory(alert_id=i, at=now, action="notify", from_status=AlertStatus.NEW.value,
                                  to_status=AlertStatus.NOTIFIED.value, actor="delivery") for i in done])
    session.flush()
    return len(done)


def apply_mute_rules(session: Session, rules: Sequence[MuteRule], now: datetime) -> list[int]:
    """Mute every ``new`` alert a configured rule matches, except those un-muted by hand;
    returns their ids."""
    if not rules:
        return []
    unmuted = exists().where(AlertHistory.alert_id == Alert.id, AlertHistory.action == "unmute")
    candidates = list(session.scalars(select(Alert.id).where(Alert.status == AlertStatus.NEW.value, ~unmuted)))
    items = list_alert_items(session, ids=candidates) if candidates else []
    muted = []
    for alert_id, reason in decide_mutes(items, rules):
        if change_alerts(session, [alert_id], "mute", now, reason, actor="rule")[0].values:
            muted.append(alert_id)
    return muted


# --- the outbox -----------------------------------------------------------------------------


def _held(channel: str) -> Any:
    """An EXISTS clause: the alert is carried by a holding delivery of ``channel``."""
    return exists().where(
        DeliveryAlert.alert_id == Alert.id, DeliveryAlert.delivery_id == Delivery.id,
        Delivery.channel == channel, Delivery.status.in_(HOLDING),
    )


def pending_alert_ids(session: Session, channel: str, *, statuses: Sequence[str] = (AlertStatus.NEW.value,),
                      since: datetime | None = None) -> list[int]:
    """Alerts in ``statuses`` that no sending, retrying or sent delivery of ``channel`` carries."""
    q = select(Alert.id).where(Alert.status.in_(list(statuses)), ~_held(channel))
    if since is not None:
        q = q.where(Alert.created_at >= since)
    return list(session.scalars(q.order_by(Alert.created_at, Alert.id)))


def add_delivery(
    session: Session, *, channel: str, kind: str, key: str, alert_ids: Sequence[int], now: datetime,
    claim_until: datetime, attempts: int = 0, **values: Any,
) -> int | None:
    """Write a delivery, already claimed (status ``sending`` until ``claim_until``), with its
    alerts. Returns its id, or None when a delivery with this key exists already."""
    if session.scalar(select(Delivery.id).where(Delivery.idempotency_key == key)) is not None:
        return None
    row = Delivery(channel=channel, kind=kind, idempotency_key=key, status=D.SENDING.value, attempts=attempts,
                   created_at=now, next_attempt_at=claim_until, **values)
    session.add(row)
    session.flush()
    session.add_all([DeliveryAlert(delivery_id=row.id, alert_id=a) for a in dict.fromkeys(alert_ids)])
    session.flush()
    return row.id


def _due(now: datetime, include_waiting: bool) -> Any:
    """Retries whose time has come (any retry with ``include_waiting``), and rows a crashed run
    left ``sending`` whose claim has expired."""
    retry = Delivery.status == D.RETRY.value
    if not include_waiting:
        retry = and_(retry, or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
    stale = and_(Delivery.status == D.SENDING.value,
                 or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
    return or_(retry, stale)


def due_deliveries(session: Session, channel: str, now: datetime, *, include_waiting: bool = False) -> list[Delivery]:
    """Deliveries of ``channel`` to send again now (oldest first)."""
    q = select(Delivery).where(Delivery.channel == channel, _due(now, include_waiting))
    return list(session.scalars(q.order_by(Delivery.created_at, Delivery.id)))


def claim_delivery(session: Session, delivery_id: int, now: datetime, claim_until: datetime, *,
                   include_waiting: bool = False) -> bool:
    """Atomically take a due delivery (only one process wins) and mark it ``sending``."""
    done = session.execute(update(Delivery).where(Delivery.id == delivery_id, _due(now, include_waiting))
                           .values(status=D.SENDING.value, next_attempt_at=claim_until))
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def last_sent_at(session: Session, channel: str) -> datetime | None:
    """When the last delivery of ``channel`` that was sent had been composed."""
    q = select(Delivery.created_at).where(Delivery.channel == channel, Delivery.status == D.SENT.value)
    return session.scalar(q.order_by(Delivery.created_at.desc()).limit(1))


def waiting_until(session: Session, channel: str, now: datetime) -> datetime | None:
    """When ``channel`` may compose a new delivery: a retry waiting for its time, or the pause
    after a permanent failure, blocks new deliveries until then (None: not blocked)."""
    q = select(Delivery.next_attempt_at).where(
        Delivery.channel == channel, Delivery.status.in_([D.RETRY.value, D.FAILED.value]),
        Delivery.next_attempt_at > now,
    ).order_by(Delivery.next_attempt_at.desc()).limit(1)
    return session.scalar(q)


def delivery_alert_ids(session: Session, delivery_id: int) -> list[int]:
    q = select(DeliveryAlert.alert_id).where(DeliveryAlert.delivery_id == delivery_id).order_by(DeliveryAlert.alert_id)
    return list(session.scalars(q))


def get_delivery(session: Session, delivery_id: int) -> Delivery:
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise LookupError(f"no delivery {delivery_id}")
    return row


def mark_sent(session: Session, delivery_id: int, now: datetime, *, attempts: int,
              refused: dict[str, Any] | None = None) -> None:
    note = "; ".join(f"{r}: {v[0]} {v[1]}" for r, v in (refused or {}).items())[:500] or None
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
        status=D.SENT.value, sent_at=now, attempts=attempts, next_attempt_at=None, refused=refused or None,
        last_error_kind="recipient_refused" if refused else None, last_error=note,
    ))


def mark_unsent(session: Session, delivery_id: int, *, status: DeliveryStatus, attempts: int, kind: str,
                error: str, next_attempt_at: datetime | None, refused: dict[str, Any] | None = None) -> None:
    """Record a failed attempt: ``retry`` (transient) or ``failed`` (permanent) with its cause."""
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
        status=status.value, attempts=attempts, last_error_kind=kind[:40], last_error=error[:500],
        next_attempt_at=next_attempt_at, refused=refused or None,
    ))


def mark_superseded(session: Session, delivery_ids: Sequence[int]) -> None:
    if delivery_ids:
        session.execute(update(Delivery).where(Delivery.id.in_(list(delivery_ids)))
                        .values(status=D.SUPERSEDED.value, next_attempt_at=None))


def list_deliveries(session: Session, *, limit: int = 50) -> list[Delivery]:
    return list(session.scalars(select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit)))


def failing_sources(session: Session, since: datetime | None) -> list[FailingSource]:
    """Sources currently failing whose last error falls in the period (all failing ones if no period)."""
    q = select(Source).where(Source.consecutive_failures > 0, Source.enabled.is_(True))
    if since is not None:
        q = q.where(and_(Source.last_error_at.is_not(None), Source.last_error_at >= since))
    return [FailingSource(s.name, s.last_error, s.consecutive_failures, s.last_error_at)
            for s in session.scalars(q.order_by(Source.name))]
