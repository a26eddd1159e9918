"""Frozen value types passed between stages (no I/O, no clock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class ArticleData:
    """An article ready to be stored: extracted text plus metadata."""

    url: str
    text: str
    title: str | None = None
    author: str | None = None
    outlet: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    summary: str | None = None
    is_partial: bool = False
    other_urls: tuple[str, ...] = ()
    html: str | None = field(default=None, repr=False)
    extractor: str | None = None
    replacement_ratio: float = 0.0  # share of U+FFFD in the decoded page: high = a wrong charset guess


class NoText(StrEnum):
    """Why a page yielded no article."""

    EMPTY_PAGE = "empty_page"
    TOO_SHORT = "too_short"
    TOO_LARGE = "too_large"
    TIMEOUT = "extract_timeout"


@dataclass(frozen=True)
class StoreOutcome:
    """What storing one article did."""

    article_id: int
    created: bool
    updated: bool = False
    duplicate_of: int | None = None


@dataclass
class RunCounts:
    """Counts a run reports; stages add their own keys."""

    values: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, key: str, n: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + n
