"""The health of a source from its polling state (pure): ok, failing, silent, disabled."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class PolledSource(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def consecutive_failures(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def last_polled_at(self) -> datetime | None: ...
    @property
    def last_new_item_at(self) -> datetime | None: ...


def source_state(src: PolledSource, now: datetime, silent_after_h: float) -> str:
    """``disabled``, ``failing (Nx)``, ``silent`` (polled fine but nothing new for longer than
    ``silent_after_h``: a coverage gap), ``never polled`` or ``ok``."""
    if not src.enabled:
        return "disabled"
    if src.consecutive_failures:
        return f"failing ({src.consecutive_failures}x)"
    if (src.kind != "files" and src.last_polled_at is not None
            and now - (src.last_new_item_at or src.created_at) > timedelta(hours=silent_after_h)):
        return "silent"
    if src.last_polled_at is None:
        return "never polled"
    return "ok"
