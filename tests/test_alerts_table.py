"""Alert state changes and mute rules (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.alerts.table import decide_change, decide_mutes, mute_reason
from monitor.alerts.values import AlertItem
from monitor.config import MuteRule

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

CHANGE_CASES = {
    "new -> acknowledged": ("new", "acknowledge", "acknowledged", "acknowledged_at"),
    "notified -> acknowledged": ("notified", "acknowledge", "acknowledged", "acknowledged_at"),
    "new -> muted": ("new", "mute", "muted", "muted_at"),
    "acknowledged -> muted": ("acknowledged", "mute", "muted", "muted_at"),
    "new -> notified": ("new", "notify", "notified", "notified_at"),
}


@pytest.mark.parametrize("status, action, target, stamp", CHANGE_CASES.values(), ids=list(CHANGE_CASES))
def test_allowed_changes_set_status_and_timestamp(status: str, action: str, target: str, stamp: str) -> None:
    change = decide_change(7, status, action, NOW)
    assert change.skipped is None and change.values["status"] == target and change.values[stamp] == NOW


SKIP_CASES = {
    "ack twice": ("acknowledged", "acknowledge", "already acknowledged"),
    "mute twice": ("muted", "mute", "already muted"),
    "ack a muted alert": ("muted", "acknowledge", "is muted, cannot become acknowledged"),
    "notify an acknowledged alert": ("acknowledged", "notify", "is acknowledged, cannot become notified"),
}


@pytest.mark.parametrize("status, action, why", SKIP_CASES.values(), ids=list(SKIP_CASES))
def test_other_changes_are_skipped_with_a_reason(status: str, action: str, why: str) -> None:
    change = decide_change(7, status, action, NOW)
    assert change.values == {} and change.skipped == why


def _item(i: int, speaker: str | None, text: str, demand: str = "nato_expansion") -> AlertItem:
    return AlertItem(i, i, demand, (demand,), "new", NOW, text, speaker, None, None, 0)


def test_mute_rules_match_speaker_phrase_demand_case_and_accent_insensitive() -> None:
    rules = (MuteRule(speaker="zakharova"), MuteRule(phrase="RÉSUMÉ"), MuteRule(demand="deployments", speaker="Peskov"))
    items = [_item(1, "Maria Zakharova", "x"), _item(2, "Lavrov", "the resume of talks"),
             _item(3, "Dmitry Peskov", "y", "deployments"), _item(4, "Dmitry Peskov", "y"), _item(5, None, "z")]
    muted = dict(decide_mutes(items, rules))
    assert sorted(muted) == [1, 2, 3]
    assert muted[1] == "mute rule: speaker='zakharova'"
    assert mute_reason(items[3], rules) is None
