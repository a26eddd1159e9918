"""The one place the library reads the clock (edges pass ``now`` down)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
