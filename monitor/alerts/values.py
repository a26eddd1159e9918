"""Frozen value types of the alert stage (no I/O): what the repository reads, what renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class AlertStatus(StrEnum):
    """Life cycle of an alert: new -> notified -> acknowledged | muted."""

    NEW = "new"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    MUTED = "muted"


class DeliveryStatus(StrEnum):
    """Life cycle of an outbox row (one e-mail digest or one webhook POST).

    ``sending``: written and claimed before anything is sent; a row left in this state by a
    crash is reclaimed after its claim expires and re-sent *identically* (same Message-ID).
    ``retry``: a transient failure; re-sent from ``next_attempt_at``.
    ``sent``: the server accepted it. ``failed``: a permanent failure (5xx, attempts exhausted).
    ``superseded``: definitely never accepted, and its alerts were folded into a newer digest.
    """

    SENDING = "sending"
    RETRY = "retry"
    SENT = "sent"
    FAILED = "failed"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class SourceRef:
    """An article that carried a statement."""

    article_id: int
    outlet: str | None
    title: str | None
    url: str
    published_at: datetime | None
    first_seen_at: datetime | None = None


@dataclass(frozen=True)
class AlertItem:
    """One alert with what a reader needs: the statement, who said it, where it appeared first."""

    id: int
    group_id: int
    demand: str
    demands: tuple[str, ...]
    status: str
    created_at: datetime
    text: str
    speaker: str | None
    stance: str | None
    first_source: SourceRef | None
    source_count: int
    notified_at: datetime | None = None
    acknowledged_at: datetime | None = None
    muted_at: datetime | None = None
    mute_reason: str | None = None
    sources: tuple[SourceRef, ...] = field(default=())


@dataclass(frozen=True)
class FailingSource:
    """A source whose fetches failed during the digest period."""

    name: str
    error: str | None
    failures: int
    last_error_at: datetime | None


@dataclass(frozen=True)
class RenderedDigest:
    """A digest ready to be turned into a message: subject, text and HTML bodies."""

    subject: str
    text: str
    html: str
    counts: dict[str, int]
    alert_ids: tuple[int, ...]
    omitted: int
