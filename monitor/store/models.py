"""The database schema of the whole product (SQLAlchemy 2 typed ORM).

Works unchanged on SQLite and PostgreSQL. Unique constraints carry every idempotency rule:
re-running any stage inserts with ``ON CONFLICT DO NOTHING`` against them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# JsonType and UTCDateTime are named through this module by the migrations
from monitor.store.coltypes import Json, JsonType, UTCDateTime  # noqa: F401

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: Json, list[Any]: Json}


class Source(Base):
    """A configured source; its row carries the polling state across runs."""

    __tablename__ = "source"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(String(2048))
    path: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    outlet: Mapped[str | None] = mapped_column(String(300))
    interval_min: Mapped[float | None] = mapped_column(Float)
    current_interval_min: Mapped[float | None] = mapped_column(Float)
    feed_url: Mapped[str | None] = mapped_column(String(2048))  # discovered feed of a home page
    created_at: Mapped[datetime]
    last_polled_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_new_item_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error_kind: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]


class UrlState(Base):
    """Conditional-GET state per source and URL (ETag, Last-Modified, last body hash)."""

    __tablename__ = "url_state"
    __table_args__ = (UniqueConstraint("source_id", "url"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    last_fetched_at: Mapped[datetime | None]
    last_unconditional_at: Mapped[datetime | None]


class FetchAttempt(Base):
    """One HTTP fetch (or file read) made for a source, with its outcome."""

    __tablename__ = "fetch_attempt"
    __table_args__ = (Index("ix_fetch_attempt_source_started", "source_id", "started_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    http_status: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(20))  # ok | not_modified | error | skipped
    error_kind: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)


class SourceItem(Base):
    """An entry seen in a feed or sitemap: the persistent 'seen' state of a source."""

    __tablename__ = "source_item"
    __table_args__ = (UniqueConstraint("source_id", "item_key"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))  # hash of canonical URL (+ guid when needed)
    guid: Mapped[str | None] = mapped_column(String(2048))
    url: Mapped[str] = mapped_column(String(2048), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    updated_marker: Mapped[str | None] = mapped_column(String(200))  # feed's updated/lastmod value
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|done|skipped|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error_kind: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)


class Article(Base):
    """An article: one per canonical URL; identical text at other URLs is recorded in article_url."""

    __tablename__ = "article"
    __table_args__ = (
        Index("ix_article_detect_pending", "detected_at", "id"),
        Index("ix_article_first_seen", "first_seen_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    is_partial: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id", ondelete="SET NULL"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("article.id", ondelete="SET NULL"), index=True)
    html_gz: Mapped[bytes | None] = mapped_column(LargeBinary)
    extractor: Mapped[str | None] = mapped_column(String(60))
    detected_at: Mapped[datetime | None]
    detector_version: Mapped[str | None] = mapped_column(String(60))


class ArticleUrl(Base):
    """Every URL an article was seen at (its canonical URL included)."""

    __tablename__ = "article_url"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    seen_at: Mapped[datetime]


class ArticleShingle(Base):
    """Blocking keys of an article's text for near-duplicate lookup (indexed, never a scan)."""

    __tablename__ = "article_shingle"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)


class StatementGroup(Base):
    """A known statement: the same speaker making the same point, across articles and translations."""

    __tablename__ = "statement_group"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    canonical_text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(300), index=True)
    speaker_key: Mapped[str | None] = mapped_column(String(300), index=True)
    demand: Mapped[str] = mapped_column(String(100), index=True)
    demands: Mapped[list[Any]]
    stance: Mapped[str | None] = mapped_column(String(20))
    first_seen_at: Mapped[datetime] = mapped_column(index=True)
    first_statement_id: Mapped[int | None] = mapped_column(BigInteger)  # no FK: avoids a cycle
    source_count: Mapped[int] = mapped_column(Integer, default=1)
    fingerprint: Mapped[dict[str, Any] | None]


class GroupKey(Base):
    """Blocking keys of a statement group: candidate groups are found by an indexed key lookup."""

    __tablename__ = "group_key"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("statement_group.id", ondelete="CASCADE"), primary_key=True)


class Statement(Base):
    """A sentence of an article that carries a statement on one or more tracked demands."""

    __tablename__ = "statement"
    __table_args__ = (UniqueConstraint("article_id", "char_start", "char_end"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    sentence_index: Mapped[int] = mapped_column(Integer)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    demands: Mapped[list[Any]]
    speaker: Mapped[str | None] = mapped_column(String(300), index=True)
    speaker_cue: Mapped[str | None] = mapped_column(Text)
    stance: Mapped[str | None] = mapped_column(String(20))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("statement_group.id", ondelete="SET NULL"), index=True)
    is_new: Mapped[bool] = mapped_column(Boolean, default=False)
    similarity: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict[str, Any] | None]
    detector_version: Mapped[str | None] = mapped_column(String(60))  # the model that labelled it
    created_at: Mapped[datetime] = mapped_column(index=True)


class Alert(Base):
    """One alert per new statement group. Status: new -> notified -> acknowledged | muted."""

    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_status_created", "status", "created_at"),
        Index("ix_alert_created", "created_at", "id"),  # the alert table's default order, newest first
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("statement_group.id", ondelete="CASCADE"), unique=True)
    demand: Mapped[str] = mapped_column(String(100), index=True)
    demands: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(20), default="new")
    created_at: Mapped[datetime]
    notified_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    muted_at: Mapped[datetime | None]
    mute_reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any] | None]


class AlertHistory(Base):
    """One change of an alert's state (notify, acknowledge, mute, unmute), by whom and why.
    Written by the store functions that change alerts, so the CLI and the web pages share it."""

    __tablename__ = "alert_history"
    __table_args__ = (Index("ix_alert_history_alert_at", "alert_id", "at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(40))  # cli | web | rule | delivery


class Delivery(Base):
    """An e-mail digest or webhook POST: an outbox row written before sending (exactly once)."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(100))  # "email" | "webhook:<name>"
    kind: Mapped[str] = mapped_column(String(20))  # digest | alert | batch
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)  # Message-ID / webhook key
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error_kind: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime | None]
    recipients: Mapped[list[Any] | None]
    refused: Mapped[dict[str, Any] | None]
    subject: Mapped[str | None] = mapped_column(Text)
    outbox_path: Mapped[str | None] = mapped_column(Text)


class DeliveryAlert(Base):
    """Which alerts a delivery carries."""

    __tablename__ = "delivery_alert"
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"), primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True, index=True)


class Run(Base):
    """One run of a stage or of the whole pipeline, with its counts and errors."""

    __tablename__ = "run"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|ok|partial|failed
    counts: Mapped[dict[str, Any] | None]
    errors: Mapped[list[Any] | None]
    error_count: Mapped[int] = mapped_column(Integer, default=0)


class Lease(Base):
    """A named lease so that only one process does an exclusive job (e.g. sending a digest)."""

    __tablename__ = "lease"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]
