"""Repository functions for articles (all SQL about articles lives here)."""

from __future__ import annotations

import gzip
import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from monitor.store.db import insert_for
from monitor.store.models import Article, ArticleShingle, ArticleUrl
from monitor.types import ArticleData, StoreOutcome

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")

# Near-duplicates (fetch stage): 64-bit simhash over word 3-grams; texts within
# NEAR_DUPLICATE_MAX_BITS differing bits are the same story lightly edited or syndicated. The hash
# is split into NEAR_DUPLICATE_BANDS 16-bit bands stored in article_shingle, so by pigeonhole any
# such pair shares a band: candidates come from an indexed key lookup, never a scan.
# (bits, bands, min words); checked on tests/test_extract_dedup.py's edited/syndicated pairs
NEAR_DUPLICATE_MAX_BITS, NEAR_DUPLICATE_BANDS, NEAR_DUPLICATE_MIN_WORDS = 3, 4, 40


def content_hash(text: str) -> str:
    """Fingerprint of an article's text: NFKC, case-folded, whitespace collapsed."""
    norm = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def compress_html(html: str | None, max_bytes: int) -> bytes | None:
    if not html:
        return None
    data = gzip.compress(html.encode("utf-8"), compresslevel=6)
    return data if len(data) <= max_bytes else None


def simhash(text: str) -> int | None:
    """64-bit simhash of a text's word 3-grams (signed, to fit BIGINT); None for short texts."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) < NEAR_DUPLICATE_MIN_WORDS:
        return None
    grams = [" ".join(words[i:i + 3]) for i in range(len(words) - 2)]
    # one 64-character bit string per 3-gram; column b of the concatenation is s[b::64]
    bits = "".join(format(int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big"), "064b")
                   for g in grams)
    half = len(grams) / 2
    value = sum(1 << (63 - b) for b in range(64) if bits[b::64].count("1") > half)
    return value - (1 << 64) if value >= 1 << 63 else value


def _bands(value: int) -> list[str]:
    unsigned = value & 0xFFFFFFFFFFFFFFFF
    width = 64 // NEAR_DUPLICATE_BANDS
    return [f"s{i}:{unsigned >> (i * width) & ((1 << width) - 1):x}" for i in range(NEAR_DUPLICATE_BANDS)]


def _distance(a: int, b: int) -> int:
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def find_near_duplicate(session: Session, value: int | None) -> int | None:
    """The original (root) article whose simhash is within NEAR_DUPLICATE_MAX_BITS, if any."""
    if value is None:
        return None
    rows = session.execute(
        select(Article.id, Article.simhash, Article.duplicate_of_id)
        .join(ArticleShingle, ArticleShingle.article_id == Article.id)
        .where(ArticleShingle.key.in_(_bands(value))).order_by(Article.id).limit(200)
    ).all()
    for article_id, other, root in rows:
        if other is not None and _distance(value, other) <= NEAR_DUPLICATE_MAX_BITS:
            return int(root or article_id)
    return None


def _add_shingles(session: Session, article_id: int, value: int | None) -> None:
    if value is None:
        return
    table = ArticleShingle.__table__
    stmt = insert_for(session)(table).on_conflict_do_nothing(index_elements=["key", "article_id"])
    session.connection().execute(stmt, [{"key": key, "article_id": article_id} for key in _bands(value)])


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
    near = simhash(data.text) if not data.is_partial else None
    if duplicate_of is None:
        duplicate_of = find_near_duplicate(session, near)
    ins = insert_for(session)(Article).values(
        canonical_url=data.url, content_hash=digest, simhash=near, title=data.title, author=data.author,
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
    else:
        _add_shingles(session, new_id, near)
    _add_urls(session, new_id, urls, now)
    return StoreOutcome(new_id, created=created, duplicate_of=duplicate_of)


def _update_if_changed(session: Session, article_id: int, data: ArticleData, digest: str, now: datetime) -> bool:
    current = session.get(Article, article_id)
    assert current is not None
    if current.content_hash == digest:
        return False
    if data.is_partial and not current.is_partial:
        return False  # never replace a full text by a fragment
    near = simhash(data.text) if not data.is_partial else None
    session.execute(
        update(Article).where(Article.id == article_id).values(
            content_hash=digest, text=data.text, title=data.title or current.title,
            is_partial=data.is_partial, updated_at=now, detected_at=None, simhash=near,
        )
    )
    session.execute(delete(ArticleShingle).where(ArticleShingle.article_id == article_id))
    _add_shingles(session, article_id, near)
    return True


def _add_urls(session: Session, article_id: int, urls: Sequence[str], now: datetime) -> None:
    table = ArticleUrl.__table__
    stmt = insert_for(session)(table).on_conflict_do_nothing(index_elements=["url"])
    session.connection().execute(stmt, [{"article_id": article_id, "url": url, "seen_at": now} for url in urls])


def iter_articles(session: Session, *, limit: int | None = None, since: datetime | None = None) -> Iterator[Article]:
    q = select(Article).order_by(Article.id)
    if since is not None:
        q = q.where(Article.first_seen_at >= since)
    if limit:
        q = q.limit(limit)
    yield from session.scalars(q)


def articles_by_id(session: Session, ids: Sequence[int]) -> list[Article]:
    return list(session.scalars(select(Article).where(Article.id.in_(list(ids))).order_by(Article.id)))


def article_urls(session: Session, article_id: int) -> list[str]:
    return list(session.scalars(select(ArticleUrl.url).where(ArticleUrl.article_id == article_id).order_by(ArticleUrl.id)))


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0


# --- re-extraction (fetch stage) -----------------------------------------------------------------


def kept_html_ids(session: Session, ids: Sequence[int] | None = None) -> list[int]:
    """Ids of articles whose fetched HTML was kept (candidates for ``monitor reextract``)."""
    q = select(Article.id).where(Article.html_gz.is_not(None)).order_by(Article.id)
    if ids:
        q = q.where(Article.id.in_(list(ids)))
    return list(session.scalars(q))


def kept_html(session: Session, article_id: int) -> tuple[str, str, str | None] | None:
    """(canonical URL, decompressed HTML, outlet) of an article with kept HTML."""
    row = session.execute(select(Article.canonical_url, Article.html_gz, Article.outlet)
                          .where(Article.id == article_id)).one_or_none()
    if row is None or row.html_gz is None:
        return None
    return row.canonical_url, gzip.decompress(row.html_gz).decode("utf-8"), row.outlet


def replace_text(session: Session, article_id: int, data: ArticleData, now: datetime) -> bool:
    """Store re-extracted text when it differs (clears detected_at so detection runs again)."""
    return _update_if_changed(session, article_id, data, content_hash(data.text), now)
