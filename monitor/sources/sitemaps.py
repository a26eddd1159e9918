"""Sitemap bytes -> URLs (pure: no I/O). XML sitemaps, sitemap indexes, Google News sitemaps and
plain-text URL lists, parsed with defusedxml: a DOCTYPE (and so any entity declaration or external
DTD) is refused outright. Walking an index (depth and count caps, visited set) is the pipeline's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from monitor.dates import parse_iso_datetime
from monitor.errors import PermanentFetchError
from monitor.sources.feeds import MAX_TITLE_CHARS, clean_text
from monitor.sources.urls import canonical_url

MAX_URLS_PER_SITEMAP = 50_000
MAX_INDEX_DEPTH = 3


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: str | None = None
    title: str | None = None  # Google News <news:title>
    published_at: datetime | None = None  # Google News <news:publication_date>


@dataclass(frozen=True)
class ParsedSitemap:
    kind: Literal["urlset", "index"]
    entries: tuple[SitemapEntry, ...] = ()  # for an urlset
    children: tuple[str, ...] = ()  # for an index
    truncated: int = 0


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower()


def parse_sitemap(body: bytes, url: str, *, max_urls: int = MAX_URLS_PER_SITEMAP) -> ParsedSitemap:
    """Parse a sitemap or sitemap index. Raises PermanentFetchError ``parse_error``."""
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"<"):
        return _text_sitemap(stripped, url, max_urls)
    if b"<!doctype" in body[:8192].lower():
        raise PermanentFetchError(url, "sitemap carries a DOCTYPE/ENTITY declaration (refused)", "parse_error")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise PermanentFetchError(url, f"invalid sitemap XML: {type(exc).__name__}: {exc}"[:300], "parse_error") from exc
    top = _local(root.tag)
    if top == "sitemapindex":
        locs = [_text(sm, "loc") for sm in root if _local(sm.tag) == "sitemap"]
        children = [u for u in (canonical_url(loc or "", url) for loc in locs) if u]
        return ParsedSitemap("index", children=tuple(children[:max_urls]), truncated=max(0, len(children) - max_urls))
    if top != "urlset":
        raise PermanentFetchError(url, f"not a sitemap (root element <{top}>)", "not_a_feed")
    entries: list[SitemapEntry] = []
    total = 0
    for node in root:
        if _local(node.tag) != "url":
            continue
        total += 1
        if len(entries) >= max_urls:
            continue
        entry = _entry(node, url)
        if entry is not None:
            entries.append(entry)
    return ParsedSitemap("urlset", tuple(entries), truncated=max(0, total - max_urls))


def _entry(node: Element, base: str) -> SitemapEntry | None:
    loc = canonical_url(_text(node, "loc") or "", base)
    if loc is None:
        return None
    title = published = None
    for child in node:
        if _local(child.tag) == "news":
            title = clean_text(_text(child, "title"), MAX_TITLE_CHARS)
            published = parse_iso_datetime(_text(child, "publication_date"))
    lastmod = _text(node, "lastmod")
    return SitemapEntry(loc, (lastmod or "")[:200] or None, title, published or parse_iso_datetime(lastmod))


def _text(node: Element, name: str) -> str | None:
    for child in node:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None




def _text_sitemap(body: bytes, url: str, max_urls: int) -> ParsedSitemap:
    """A plain-text sitemap: one URL per line."""
    lines = body.decode("utf-8", errors="replace").splitlines()
    urls = [u for u in (canonical_url(ln.strip()) for ln in lines if ln.strip()) if u]
    if not urls:
        raise PermanentFetchError(url, "not a sitemap (no XML and no URL lines)", "parse_error")
    return ParsedSitemap("urlset", tuple(SitemapEntry(u) for u in urls[:max_urls]),
                         truncated=max(0, len(urls) - max_urls))
