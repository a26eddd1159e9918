"""Repository functions for articles (all SQL about articles lives here)."""

from __future__ import annotations

import gzip
import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor.store.db import insert_for
from monitor.store.models import Article, ArticleUrl
from monitor.types import ArticleData, StoreOutcome

_SPACE = re.compile(r"\s+")


def content_hash(text: str) -> str:
    """Fingerprint of an article's text: NFKC, case-folded, whitespace collapsed."""
    norm = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def compress_html(html: str | None, max_bytes: int) -> bytes | None:
    if not html:
        return None
    data = gzip.compress(html.encode("utf-8"), compresslevel=6)
    return data if len(data) <= max_bytes else None


def find_article_by_url(session: Session, url: str) -> int | None:
    return session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url == url))


def upsert_article(
    session: Session,
    data: ArticleData,
    now: datetime,
    *,
    source_id: int | None = None,
    keep_html_bytes: int = 0,
    duplicate_of: int | None = None,
) -> StoreOutcome:
    """Store an article idempotently: one row per canonical URL; the same text at another URL
    becomes another URL of the same article. Safe against concurrent writers (unique keys)."""
    digest = content_hash(data.text)
    urls = (data.url, *[u for u in data.other_urls if u != data.url])
    known = find_article_by_url(session, data.url)
    if known is not None:
        updated = _update_if_changed(session, known, data, digest, now)
        _add_urls(session, known, urls, now)
        return StoreOutcome(known, created=False, updated=updated)
    same_text = session.scalar(select(Article.id).where(Article.content_hash == digest).order_by(Article.id).limit(1))
    if same_text is not None:
        _add_urls(session, same_text, urls, now)
        return StoreOutcome(same_text, created=False)
    ins = insert_for(session)(Article).values(
        canonical_url=data.url, content_hash=digest, title=data.title, author=data.author,
        outlet=data.outlet, published_at=data.published_at, language=data.language, text=data.text,
        summary=data.summary, is_partial=data.is_partial, first_seen_at=now, updated_at=now,
        source_id=source_id, duplicate_of_id=duplicate_of, extractor=data.extractor,
        html_gz=compress_html(data.html, keep_html_bytes) if keep_html_bytes else None,
    )
    new_id = session.scalar(ins.on_conflict_do_nothing(index_elements=["canonical_url"]).returning(Article.id))
    created = new_id is not None
    if new_id is None:  # a concurrent writer stored the same URL first
        new_id = session.scalar(select(Article.id).where(Article.canonical_url == data.url))
        assert new_id is not None
    _add_urls(session, new_id, urls, now)
    return StoreOutcome(new_id, created=created, duplicate_of=duplicate_of)


def _update_if_changed(session: Session, article_id: int, data: ArticleData, digest: str, now: datetime) -> bool:
    current = session.get(Article, article_id)
    assert current is not None
    if current.content_hash == digest:
        return False
    if data.is_partial and not current.is_partial:
        return False  # never replace a full text by a fragment
    session.execute(
        update(Article).where(Article.id == article_id).values(
            content_hash=digest, text=data.text, title=data.title or current.title,
            is_partial=data.is_partial, updated_at=now, detected_at=None,
        )
    )
    return True


def _add_urls(session: Session, article_id: int, urls: Sequence[str], now: datetime) -> None:
    ins = insert_for(session)(ArticleUrl)
    for url in urls:
        session.execute(
            ins.values(article_id=article_id, url=url, seen_at=now).on_conflict_do_nothing(index_elements=["url"])
        )


def iter_articles(session: Session, *, limit: int | None = None, since: datetime | None = None) -> Iterator[Article]:
    q = select(Article).order_by(Article.id)
    if since is not None:
        q = q.where(Article.first_seen_at >= since)
    if limit:
        q = q.limit(limit)
    yield from session.scalars(q)


def article_urls(session: Session, article_id: int) -> list[str]:
    return list(session.scalars(select(ArticleUrl.url).where(ArticleUrl.article_id == article_id).order_by(ArticleUrl.id)))


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0
