"""HTML string -> ArticleData | NoText, with trafilatura (pure: no I/O, no downloads)."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.types import ArticleData, NoText

MAX_HTML_CHARS = 5 * 1024 * 1024


def extract_article(html: str, url: str, *, min_chars: int = 200, outlet: str | None = None) -> ArticleData | NoText:
    """Main text and metadata of an HTML page. Hand it decoded text, never bytes."""
    if len(html) > MAX_HTML_CHARS:
        return NoText.TOO_LARGE
    from trafilatura import bare_extraction

    doc = bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        deduplicate=False, favor_precision=True,
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        return NoText.EMPTY_PAGE
    if len(text) < min_chars:
        return NoText.TOO_SHORT
    title = getattr(doc, "title", None)
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
