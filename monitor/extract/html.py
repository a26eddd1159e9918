"""HTML -> ArticleData | NoText, with trafilatura (pure: no I/O, no downloads).

``decode_html`` turns fetched bytes into text (HTTP charset, else BOM, else ``<meta charset>``,
else UTF-8, else charset_normalizer among the encodings we expect) *before* trafilatura sees
them; ``extract_page`` is what the worker processes of :mod:`monitor.extract.pool` run.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from datetime import UTC, datetime

from monitor.types import ArticleData, NoText

MAX_HTML_CHARS = 5 * 1024 * 1024
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})""", re.I)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
DETECT_ENCODINGS = ("utf_8", "cp1251", "koi8_r", "cp1252", "iso8859_1", "iso8859_2", "iso8859_5", "cp1250",
                    "mac_cyrillic", "cp866", "iso8859_15", "gb18030", "shift_jis", "euc_jp", "big5", "euc_kr")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def decode_html(body: bytes, header_charset: str | None = None) -> tuple[str, float]:
    """(text, share of U+FFFD replacement characters). Order: HTTP header charset (when the body
    decodes with it), BOM, ``<meta charset>``, strict UTF-8, charset_normalizer, lenient UTF-8."""
    for raw_name in (header_charset,):
        name = _codec(raw_name)
        if name:
            try:
                return _strip_bom(body.decode(name)), 0.0
            except UnicodeDecodeError:
                pass
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _ratio(body.decode(name, errors="replace"))
    meta = _META_CHARSET.search(body[:4096])
    name = _codec(meta.group(1).decode("ascii")) if meta else None
    if name and name not in ("utf-16-le", "utf-16-be", "utf-16"):
        try:
            return body.decode(name), 0.0
        except UnicodeDecodeError:
            pass
    try:
        return body.decode("utf-8"), 0.0
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000], cp_isolation=list(DETECT_ENCODINGS)).best()
    if best is not None and best.encoding:
        return _ratio(body.decode(best.encoding, errors="replace"))
    return _ratio(body.decode("utf-8", errors="replace"))


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _ratio(text: str) -> tuple[str, float]:
    return text, (text.count("\ufffd") / len(text)) if text else 0.0


def extract_page(body: bytes, charset: str | None, url: str, *, min_chars: int = 200,
                 outlet: str | None = None, max_bytes: int = MAX_HTML_CHARS) -> ArticleData | NoText:
    """Fetched bytes -> article: size cap, decoding, extraction (runs in a worker process). The
    article carries the decoded page's share of U+FFFD (``replacement_ratio``)."""
    if len(body) > max_bytes:
        return NoText.TOO_LARGE
    html, bad = decode_html(body, charset)
    result = extract_article(html, url, min_chars=min_chars, outlet=outlet)
    return dataclasses.replace(result, replacement_ratio=bad) if bad and isinstance(result, ArticleData) else result


def extract_article(html: str, url: str, *, min_chars: int = 200, outlet: str | None = None) -> ArticleData | NoText:
    """Main text and metadata of an HTML page. Hand it decoded text, never bytes."""
    if len(html) > MAX_HTML_CHARS:
        return NoText.TOO_LARGE
    from trafilatura import bare_extraction

    doc = bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        deduplicate=False, favor_precision=True,
    )
    text = _CONTROL.sub("", (getattr(doc, "text", None) or "")).strip() if doc is not None else ""
    if not text:
        return NoText.EMPTY_PAGE
    if len(text) < min_chars:
        return NoText.TOO_SHORT
    title = _CONTROL.sub("", getattr(doc, "title", None) or "").strip()[:1000] or None
    return ArticleData(
        url=getattr(doc, "url", None) or url,
        text=f"{title}\n\n{text}" if title and not text.startswith(title) else text,
        title=title,
        author=getattr(doc, "author", None),
        outlet=outlet or getattr(doc, "sitename", None),
        published_at=_parse_date(getattr(doc, "date", None)),
        language=getattr(doc, "language", None),
        summary=getattr(doc, "description", None),
        html=html,
        extractor="trafilatura",
    )


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
