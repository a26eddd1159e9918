"""The alert table's rules (pure): allowed state changes and mute rules.

States: ``new`` -> ``notified`` (carried by a delivered digest or webhook) -> ``acknowledged``
or ``muted``. A ``new`` alert can be acknowledged or muted directly; acknowledging or muting
twice changes nothing; a muted alert stays muted until it is un-muted by hand, which gives it
back the state it had before (acknowledged if it was, else notified if it was, else new).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from monitor.alerts.values import AlertStatus
from monitor.config import MuteRule

S = AlertStatus
# action -> (statuses it applies to, resulting status, timestamp column)
TRANSITIONS: Final = {
    "notify": ({S.NEW}, S.NOTIFIED, "notified_at"),
    "acknowledge": ({S.NEW, S.NOTIFIED}, S.ACKNOWLEDGED, "acknowledged_at"),
    "mute": ({S.NEW, S.NOTIFIED, S.ACKNOWLEDGED}, S.MUTED, "muted_at"),
}


@dataclass(frozen=True)
class Change:
    """What an action does to one alert: new values, or why nothing changes."""

    alert_id: int
    values: dict[str, object]
    skipped: str | None = None


#: the actions a person can take on alerts (the CLI's and the web page's triage)
MANUAL_ACTIONS: Final = ("acknowledge", "mute", "unmute")


def decide_change(alert_id: int, status: str, action: str, now: datetime, reason: str | None = None, *,
                  was_notified: bool = False, was_acknowledged: bool = False) -> Change:
    """The column values ``action`` sets on an alert in ``status`` (or why it does not apply).
    ``was_notified`` / ``was_acknowledged`` (the alert's timestamps are set) say which state an
    un-mute restores."""
    if action == "unmute":
        return _decide_unmute(alert_id, status, was_notified=was_notified, was_acknowledged=was_acknowledged)
    sources, target, stamp = TRANSITIONS[action]
    if status == target:
        return Change(alert_id, {}, skipped=f"already {target}")
    if status not in sources:
        return Change(alert_id, {}, skipped=f"is {status}, cannot become {target}")
    values: dict[str, object] = {"status": str(target), stamp: now}
    if action == "mute":
        values["mute_reason"] = reason or "muted by hand"
    return Change(alert_id, values)


def _decide_unmute(alert_id: int, status: str, *, was_notified: bool, was_acknowledged: bool) -> Change:
    if status != S.MUTED:
        return Change(alert_id, {}, skipped=f"is {status}, not muted")
    back = S.ACKNOWLEDGED if was_acknowledged else S.NOTIFIED if was_notified else S.NEW
    return Change(alert_id, {"status": str(back), "muted_at": None, "mute_reason": None})


class Mutable(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def speaker(self) -> str | None: ...
    @property
    def demands(self) -> tuple[str, ...]: ...


def fold(text: str | None) -> str:
    """Case- and accent-insensitive form used for rule matching."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def mute_reason(item: Mutable, rules: Sequence[MuteRule]) -> str | None:
    """The first rule that matches ``item`` (every non-empty field of a rule must match)."""
    for rule in rules:
        checks = []
        if rule.speaker:
            checks.append(fold(rule.speaker) in fold(item.speaker))
        if rule.phrase:
            checks.append(fold(rule.phrase) in fold(item.text))
        if rule.demand:
            checks.append(rule.demand in item.demands)
        if checks and all(checks):
            return "mute rule: " + ", ".join(
                f"{k}={v!r}" for k, v in (("speaker", rule.speaker), ("phrase", rule.phrase),
                                           ("demand", rule.demand)) if v
            )
    return None


def decide_mutes(items: Iterable[Mutable], rules: Sequence[MuteRule]) -> list[tuple[int, str]]:
    """(alert id, reason) for every item a mute rule matches."""
    out = []
    for item in items:
        reason = mute_reason(item, rules)
        if reason:
            out.append((item.id, reason))
    return out
