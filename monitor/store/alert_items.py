"""Reading alerts as ``AlertItem`` values through SQLAlchemy Core only.

``monitor alerts`` lists alerts in a fresh process for every call, so this module imports
neither ``sqlalchemy.orm`` nor the declarative models (together about a third of the command's
start-up): the few columns it reads are declared here as lightweight table clauses, with the
column types the models use. The functions take a Core ``Connection`` or an ORM ``Session``
(both execute Core statements); ``monitor.store.alerts`` and the alert pages read through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import BigInteger, Integer, String, Text, column, select, table

from monitor.alerts.evidence import explain_labels, explain_speaker
from monitor.alerts.values import AlertItem, SourceRef
from monitor.store.coltypes import Json, UTCDateTime

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

__all__ = ["find_alert_item", "item_from", "like_escape", "list_alert_items", "sources_by_group"]

# the columns read here, as the models declare them (tests/test_alerts_store.py checks the names)
ALERT: Final = table(
    "alert", column("id", Integer), column("group_id", Integer), column("demand", String),
    column("demands", Json), column("status", String), column("created_at", UTCDateTime()),
    column("notified_at", UTCDateTime()), column("acknowledged_at", UTCDateTime()),
    column("muted_at", UTCDateTime()), column("mute_reason", Text), column("evidence", Json),
)
GROUP: Final = table(
    "statement_group", column("id", Integer), column("canonical_text", Text), column("speaker", String),
    column("stance", String), column("first_statement_id", BigInteger),
)
STATEMENT: Final = table("statement", column("id", Integer), column("group_id", Integer), column("article_id", Integer))
ARTICLE: Final = table(
    "article", column("id", Integer), column("outlet", String), column("title", Text), column("canonical_url", String),
    column("published_at", UTCDateTime()), column("first_seen_at", UTCDateTime()),
)
#: the article columns a SourceRef needs (never the text or the kept HTML)
SOURCE_REF_COLUMNS: Final = (ARTICLE.c.id, ARTICLE.c.outlet, ARTICLE.c.title, ARTICLE.c.canonical_url,
                             ARTICLE.c.published_at, ARTICLE.c.first_seen_at)
_GROUP_COLUMNS: Final = (GROUP.c.canonical_text, GROUP.c.speaker, GROUP.c.stance, GROUP.c.first_statement_id)


def like_escape(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (with ``escape="\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _alert_query(*, status: Sequence[str] = (), demand: str | None = None, speaker: str | None = None,
                 since: datetime | None = None, ids: Sequence[int] | None = None) -> Any:
    q = select(*ALERT.c, *_GROUP_COLUMNS).join(GROUP, GROUP.c.id == ALERT.c.group_id)
    if status:
        q = q.where(ALERT.c.status.in_(list(status)))
    if demand:
        q = q.where(ALERT.c.demand == demand)
    if speaker:
        q = q.where(GROUP.c.speaker.ilike(f"%{like_escape(speaker)}%", escape="\\"))
    if since is not None:
        q = q.where(ALERT.c.created_at >= since)
    if ids is not None:
        q = q.where(ALERT.c.id.in_(list(ids)))
    return q


def list_alert_items(
    db: Connection | Session, *, status: Sequence[str] = (), demand: str | None = None,
    speaker: str | None = None, since: datetime | None = None, ids: Sequence[int] | None = None,
    limit: int | None = None, with_sources: bool = False,
) -> list[AlertItem]:
    """Alerts (oldest first) with their statement, speaker, first source and number of sources."""
    q = _alert_query(status=status, demand=demand, speaker=speaker, since=since, ids=ids)
    q = q.order_by(ALERT.c.created_at, ALERT.c.id)
    if limit is not None:
        q = q.limit(limit)
    rows = db.execute(q).all()
    sources = sources_by_group(db, [r.group_id for r in rows])
    return [item_from(r, r, sources.get(r.group_id, []), with_sources) for r in rows]


def find_alert_item(db: Connection | Session, alert_id: int) -> AlertItem | None:
    """One alert with every source that carried its statement, or None."""
    items = list_alert_items(db, ids=[alert_id], with_sources=True)
    return items[0] if items else None


def sources_by_group(db: Connection | Session, group_ids: Sequence[int]) -> dict[int, list[tuple[int, SourceRef]]]:
    """group id -> [(statement id, source)] of every article carrying a statement of the group."""
    out: dict[int, list[tuple[int, SourceRef]]] = {}
    for chunk_start in range(0, len(group_ids), 500):
        chunk = list(group_ids[chunk_start:chunk_start + 500])
        q = (select(STATEMENT.c.group_id, STATEMENT.c.id, *SOURCE_REF_COLUMNS)
             .join(ARTICLE, ARTICLE.c.id == STATEMENT.c.article_id)
             .where(STATEMENT.c.group_id.in_(chunk)).order_by(STATEMENT.c.id))
        for group_id, statement_id, *ref in db.execute(q):
            out.setdefault(group_id, []).append((statement_id, SourceRef(*ref)))
    return out


def item_from(a: Any, g: Any, found: list[tuple[int, SourceRef]], with_sources: bool) -> AlertItem:
    """The AlertItem of alert ``a`` (a row or an ORM object with the alert's columns) and its
    statement group ``g`` (the same for the group's: ``canonical_text``, ``speaker``, ``stance``,
    ``first_statement_id``); ``found`` as ``sources_by_group`` gives it."""
    by_article: dict[int, SourceRef] = {}
    first: SourceRef | None = None
    for statement_id, ref in found:
        by_article.setdefault(ref.article_id, ref)
        if statement_id == g.first_statement_id:
            first = ref
    ordered = sorted(by_article.values(), key=_seen_order)
    first = first or (ordered[0] if ordered else None)
    return AlertItem(
        id=a.id, group_id=a.group_id, demand=a.demand, demands=tuple(str(d) for d in (a.demands or [a.demand])),
        status=a.status, created_at=a.created_at, text=g.canonical_text, speaker=g.speaker, stance=g.stance,
        first_source=first, source_count=max(len(by_article), 1 if first else 0),
        notified_at=a.notified_at, acknowledged_at=a.acknowledged_at, muted_at=a.muted_at,
        mute_reason=a.mute_reason, sources=tuple(ordered) if with_sources else (),
        why=explain_labels(a.evidence), speaker_cue=explain_speaker(a.evidence),
    )


def _seen_order(ref: SourceRef) -> tuple[bool, str, int]:
    """Earliest first: the article's first sighting (else its publication date), then its id."""
    seen = ref.first_seen_at or ref.published_at
    return (seen is None, seen.isoformat() if seen else "", ref.article_id)
