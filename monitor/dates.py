"""Parsing dates found in feeds, sitemaps and pages (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_iso_datetime(value: Any) -> datetime | None:
    """An ISO 8601 / RFC 3339 / W3C date or datetime as an aware UTC datetime; None when absent
    or unparseable (a bad date never fails an item). A date without a zone is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
