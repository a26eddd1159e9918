"""Repository functions behind the alert pages: a filtered, sorted, paginated alert table and
one alert with everything that carried it.

The table's first page costs the same with a thousand alerts or a hundred thousand: the order
follows an index, only the page's rows and their sources are read, and the total is counted
up to ``COUNT_CAP`` (beyond it the page says "at least").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from sqlalchemy import func, select

from monitor.alerts.excerpt import paragraph_around
from monitor.alerts.values import (
    AlertDetail,
    AlertEvent,
    AlertFilter,
    AlertItem,
    AlertPage,
    CarryingStatement,
    SourceRef,
)
from monitor.store.alert_items import item_from, like_escape, sources_by_group
from monitor.store.models import Alert, AlertHistory, Article, Statement, StatementGroup

#: the article columns a SourceRef needs (never the text or the kept HTML)
SOURCE_COLUMNS: Final = (Article.id, Article.outlet, Article.title, Article.canonical_url, Article.published_at,
                         Article.first_seen_at)
#: the table counts matching alerts up to this many (an exact count would scan them all)
COUNT_CAP: Final = 10_000
#: an export holds at most this many alerts
EXPORT_CAP: Final = 100_000
#: the alert page lists at most this many sentences that carried the statement
MAX_CARRIERS: Final = 500

_SORT_COLUMNS: Final[dict[str, Any]] = {
    "first_seen": Alert.created_at, "id": Alert.id, "status": Alert.status, "demand": Alert.demand,
    "speaker": StatementGroup.speaker, "stance": StatementGroup.stance, "sources": StatementGroup.source_count,
}


def _filtered(f: AlertFilter, *columns: Any) -> Any:
    q = select(*columns).select_from(Alert).join(StatementGroup, StatementGroup.id == Alert.group_id)
    if f.statuses:
        q = q.where(Alert.status.in_(list(f.statuses)))
    if f.demand:
        q = q.where(Alert.demand == f.demand)
    if f.speaker:
        q = q.where(StatementGroup.speaker.ilike(f"%{like_escape(f.speaker)}%", escape="\\"))
    if f.stance:
        q = q.where(StatementGroup.stance == f.stance)
    if f.text:
        q = q.where(StatementGroup.canonical_text.ilike(f"%{like_escape(f.text)}%", escape="\\"))
    if f.since is not None:
        q = q.where(Alert.created_at >= f.since)
    if f.until is not None:
        q = q.where(Alert.created_at < f.until)
    return q


def _ordered(q: Any, f: AlertFilter) -> Any:
    column = _SORT_COLUMNS[f.sort]
    if f.sort == "id":
        return q.order_by(column.desc() if f.descending else column.asc())
    if f.descending:
        return q.order_by(column.desc(), Alert.id.desc())
    return q.order_by(column.asc(), Alert.id.asc())


def page_alerts(session: Any, f: AlertFilter, count_cap: int = COUNT_CAP) -> AlertPage:
    """The page ``f.page`` of the alerts ``f`` selects, in its order, with their first source."""
    q = _ordered(_filtered(f, Alert, StatementGroup), f).limit(f.per_page).offset((f.page - 1) * f.per_page)
    rows = session.execute(q).all()
    sources = sources_by_group(session, [g.id for _, g in rows])
    items = tuple(item_from(a, g, sources.get(g.id, []), False) for a, g in rows)
    bounded = _filtered(f, Alert.id).limit(count_cap + 1).subquery()
    total = int(session.scalar(select(func.count()).select_from(bounded)) or 0)
    return AlertPage(items, min(total, count_cap), total > count_cap, f.page, f.per_page)


def iter_filtered_alerts(session: Any, f: AlertFilter, chunk: int = 500) -> Iterator[AlertItem]:
    """Every alert ``f`` selects (all pages, at most EXPORT_CAP), in its order: for exports."""
    q = _ordered(_filtered(f, Alert, StatementGroup), f).limit(EXPORT_CAP)
    rows = session.execute(q).all()
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        sources = sources_by_group(session, [g.id for _, g in part])
        yield from (item_from(a, g, sources.get(g.id, []), False) for a, g in part)


def alert_detail(session: Any, alert_id: int) -> AlertDetail | None:
    """One alert: why it fired, every statement that carried it and its history; None if unknown."""
    row = session.execute(select(Alert, StatementGroup).join(StatementGroup, StatementGroup.id == Alert.group_id)
                          .where(Alert.id == alert_id)).first()
    if row is None:
        return None
    alert, group = row
    q = (select(Statement, *SOURCE_COLUMNS).join(Article, Article.id == Statement.article_id)
         .where(Statement.group_id == group.id).order_by(Statement.id).limit(MAX_CARRIERS))
    found = [(st, SourceRef(*ref)) for st, *ref in session.execute(q)]
    item = item_from(alert, group, [(st.id, ref) for st, ref in found], True)
    first_id = group.first_statement_id or (found[0][0].id if found else None)
    statements = tuple(_carrying(st, ref, st.id == first_id) for st, ref in found)
    first = next((st for st, _ in found if st.id == first_id), None)
    paragraph = None
    if first is not None:
        text = session.scalar(select(Article.text).where(Article.id == first.article_id)) or ""
        paragraph = paragraph_around(text, first.char_start, first.char_end)
    return AlertDetail(item, alert.evidence, statements, paragraph, tuple(alert_history(session, alert)))


def _carrying(st: Statement, ref: SourceRef, is_first: bool) -> CarryingStatement:
    return CarryingStatement(st.id, ref, st.text, st.speaker, st.speaker_cue, st.stance, st.similarity,
                             is_first, st.evidence)


def alert_history(session: Any, alert: Alert) -> list[AlertEvent]:
    """The alert's state changes, oldest first: raised, then every recorded change."""
    q = select(AlertHistory).where(AlertHistory.alert_id == alert.id).order_by(AlertHistory.at, AlertHistory.id)
    return [AlertEvent(alert.created_at, "raised", "new")] + [
        AlertEvent(h.at, h.action, h.to_status, h.reason, h.actor) for h in session.scalars(q)
    ]
