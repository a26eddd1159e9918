"""Repository functions for the fetch stage's persistent state: seen items and conditional GET.

An item is keyed on (source, hash of its canonical URL) — never on a feed's GUID or date, which
feeds change at will. Its ``updated_marker`` (the feed's updated date, or a hash of title and
summary) is the content fingerprint: a known URL is fetched again only when it changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Integer, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from monitor.store.db import insert_for
from monitor.store.models import ArticleUrl, SourceItem, UrlState

MAX_ITEM_ATTEMPTS = 3  # a failing item URL is retried on this many polls, then left alone
MAX_CHANGE_REFETCHES = 24  # an entry whose marker churns on every poll is refetched at most this often
_CHUNK = 500


@dataclass(frozen=True)
class ItemInput:
    url: str
    guid: str | None = None
    title: str | None = None
    summary: str | None = None
    published_at: datetime | None = None
    updated_marker: str | None = None


@dataclass(frozen=True)
class ItemTodo:
    """An item to fetch (new, changed, or failed earlier), with what the feed said about it."""

    item_id: int
    url: str
    title: str | None
    summary: str | None
    published_at: datetime | None
    is_new: bool


def item_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def register_items(session: Session, source_id: int, entries: Sequence[ItemInput], now: datetime) -> tuple[list[ItemTodo], int]:
    """Insert unseen entries, refresh seen ones; returns (items to fetch, number unchanged).
    URLs already stored as an article (by any source) are linked, not fetched again."""
    by_key = {item_key(e.url): e for e in entries}
    existing: dict[str, SourceItem] = {}
    keys = list(by_key)
    for i in range(0, len(keys), _CHUNK):
        rows = session.scalars(select(SourceItem).where(SourceItem.source_id == source_id,
                                                        SourceItem.item_key.in_(keys[i:i + _CHUNK])))
        existing.update({r.item_key: r for r in rows})
    known_articles = _known_article_ids(session, [e.url for k, e in by_key.items() if k not in existing])
    inserted = _insert_new(session, source_id, [(k, e) for k, e in by_key.items() if k not in existing], now,
                           known_articles)
    todo: list[ItemTodo] = []
    unchanged = 0
    for key, e in by_key.items():
        row = existing.get(key)
        if row is None:
            new = inserted.get(key)
            if new is not None and new[1] == "pending":
                todo.append(ItemTodo(new[0], e.url, e.title, e.summary, e.published_at, True))
            else:  # already stored as an article, or a concurrent writer registered it first
                unchanged += 1
            continue
        row.last_seen_at = now
        if _needs_fetch(row, e):
            row.updated_marker, row.title, row.summary = e.updated_marker, e.title or row.title, e.summary or row.summary
            todo.append(ItemTodo(row.id, e.url, row.title, row.summary, e.published_at or row.published_at, False))
        else:
            unchanged += 1
    session.flush()
    return todo, unchanged


def _needs_fetch(row: SourceItem, e: ItemInput) -> bool:
    if row.status == "pending":
        return True
    if row.status == "failed":
        return (row.attempts or 0) < MAX_ITEM_ATTEMPTS
    changed = bool(e.updated_marker) and e.updated_marker != row.updated_marker
    return changed and (row.attempts or 0) < MAX_CHANGE_REFETCHES


def _insert_new(session: Session, source_id: int, entries: Sequence[tuple[str, ItemInput]], now: datetime,
                known_articles: dict[str, int]) -> dict[str, tuple[int, str]]:
    """Insert unseen entries in batches (one multi-row INSERT per _CHUNK); returns {item key: (id, status)}
    of the rows this call inserted (a row a concurrent writer inserted first is not among them)."""
    table = SourceItem.__table__
    stmt = (insert_for(session)(table).on_conflict_do_nothing(index_elements=["source_id", "item_key"])
            .returning(table.c.id, table.c.item_key, table.c.status))
    inserted: dict[str, tuple[int, str]] = {}
    for i in range(0, len(entries), _CHUNK):
        params = [{"source_id": source_id, "item_key": key, "guid": e.guid, "url": e.url, "title": e.title,
                   "summary": e.summary, "published_at": e.published_at, "updated_marker": e.updated_marker,
                   "first_seen_at": now, "last_seen_at": now, "article_id": known_articles.get(e.url),
                   "status": "done" if e.url in known_articles else "pending", "attempts": 0}
                  for key, e in entries[i:i + _CHUNK]]
        rows = session.connection().execute(stmt, params)
        inserted.update({key: (row_id, status) for row_id, key, status in rows})
    return inserted


def _known_article_ids(session: Session, urls: Iterable[str]) -> dict[str, int]:
    urls = list(urls)
    found: dict[str, int] = {}
    for i in range(0, len(urls), _CHUNK):
        rows = session.execute(select(ArticleUrl.url, ArticleUrl.article_id).where(ArticleUrl.url.in_(urls[i:i + _CHUNK])))
        found.update({u: a for u, a in rows})
    return found


@dataclass(frozen=True)
class ItemMark:
    """What fetching an item did: done (with its article), skipped or failed (with why)."""

    item_id: int
    status: str
    article_id: int | None = None
    error_kind: str | None = None
    error: str | None = None


def mark_item(session: Session, item_id: int, status: str, *, article_id: int | None = None,
              error_kind: str | None = None, error: str | None = None) -> None:
    """Record what fetching an item did: done (with its article), skipped or failed (with why)."""
    mark_items(session, [ItemMark(item_id, status, article_id, error_kind, error)])


def mark_items(session: Session, marks: Sequence[ItemMark]) -> None:
    """Record several item results with one prepared UPDATE (executemany)."""
    if not marks:
        return
    table = cast(Table, SourceItem.__table__)
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"), attempts=table.c.attempts + 1,
                    last_error_kind=bindparam("b_kind"), last_error=bindparam("b_error"),
                    article_id=func.coalesce(bindparam("b_article", type_=Integer), table.c.article_id)))
    session.connection().execute(stmt, [
        {"b_id": m.item_id, "b_status": m.status, "b_kind": m.error_kind, "b_error": (m.error or "")[:500] or None,
         "b_article": m.article_id} for m in marks])


def get_url_state(session: Session, source_id: int, url: str) -> UrlState | None:
    return session.scalar(select(UrlState).where(UrlState.source_id == source_id, UrlState.url == url))


def save_url_state(session: Session, source_id: int, url: str, now: datetime, *, etag: str | None,
                   last_modified: str | None, content_hash: str | None, unconditional: bool) -> None:
    values: dict[str, object] = {"etag": (etag or "")[:500] or None, "last_modified": (last_modified or "")[:100] or None,
                                 "content_hash": content_hash, "last_fetched_at": now}
    if unconditional:
        values["last_unconditional_at"] = now
    ins = insert_for(session)(UrlState).values(source_id=source_id, url=url, **values)
    session.execute(ins.on_conflict_do_update(index_elements=["source_id", "url"], set_=values))


def touch_url_state(session: Session, source_id: int, url: str, now: datetime) -> None:
    session.execute(update(UrlState).where(UrlState.source_id == source_id, UrlState.url == url)
                    .values(last_fetched_at=now))


def count_items(session: Session, source_id: int | None = None) -> int:
    q = select(func.count()).select_from(SourceItem)
    if source_id is not None:
        q = q.where(SourceItem.source_id == source_id)
    return session.scalar(q) or 0
