"""Frozen value types of the alert stage (no I/O): what the repository reads, what renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


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
    why: str = ""  # why the statement fired (demands, cues, strongest features)
    speaker_cue: str = ""  # what chose the speaker

    def as_row(self) -> dict[str, Any]:
        """The alert as a flat row: the columns of ``monitor alerts`` and of the web exports."""
        src = self.first_source
        return {
            "id": self.id, "status": self.status, "demand": self.demand, "demands": list(self.demands),
            "speaker": self.speaker, "stance": self.stance, "statement": self.text,
            "first_source": (f"{src.outlet or '?'}: {src.title or src.url}" if src else None),
            "first_source_url": src.url if src else None,
            "first_source_published_at": src.published_at if src else None,
            "sources": self.source_count, "first_seen": self.created_at, "notified_at": self.notified_at,
            "acknowledged_at": self.acknowledged_at, "muted_at": self.muted_at, "mute_reason": self.mute_reason,
            "why": self.why, "speaker_cue": self.speaker_cue,
        }


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


#: how the alert table can be sorted: key -> what it sorts by
ALERT_SORTS: dict[str, str] = {
    "first_seen": "when the alert was raised", "id": "alert id", "status": "status", "demand": "demand",
    "speaker": "speaker", "stance": "stance", "sources": "number of sources",
}


@dataclass(frozen=True)
class AlertFilter:
    """A view of the alert table: which alerts, in which order, which page. ``since``/``until``
    bound the time the alert was raised (``since`` <= created_at < ``until``)."""

    statuses: tuple[str, ...] = ()
    demand: str | None = None
    speaker: str | None = None
    stance: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    sort: str = "first_seen"
    descending: bool = True
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class AlertPage:
    """One page of the alert table; ``total`` is exact unless ``total_capped`` (then "at least")."""

    items: tuple[AlertItem, ...]
    total: int
    total_capped: bool
    page: int
    per_page: int


@dataclass(frozen=True)
class CarryingStatement:
    """One sentence of one article that carried an alert's statement."""

    statement_id: int
    source: SourceRef
    text: str
    speaker: str | None
    speaker_cue: str | None
    stance: str | None
    similarity: float | None
    is_first: bool
    evidence: dict[str, object] | None


@dataclass(frozen=True)
class AlertEvent:
    """One change of an alert's state: raised, notified, acknowledged, muted, un-muted."""

    at: datetime
    action: str
    status: str
    reason: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class AlertDetail:
    """Everything the alert page shows: the alert, why it fired, where its statement appeared
    (with the first statement's paragraph: ``before`` + sentence + ``after``) and its history."""

    item: AlertItem
    evidence: dict[str, object] | None
    statements: tuple[CarryingStatement, ...]
    paragraph: tuple[str, str, str] | None
    history: tuple[AlertEvent, ...]
