"""Triage shared by the CLI and the web pages: un-mute rules, the paged alert table, one alert
with its paragraph and sources."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.alerts.excerpt import paragraph_around
from monitor.alerts.table import decide_change
from monitor.alerts.values import AlertFilter
from monitor.app import open_monitor
from monitor.cli import main
from monitor.store import alert_pages
from monitor.store import alerts as repo
from tests.alert_fixtures import add_alert, alert_settings

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

UNMUTE_CASES = {
    "muted new alert -> new": (False, False, "new"),
    "muted after a digest -> notified": (True, False, "notified"),
    "muted after acknowledging -> acknowledged": (True, True, "acknowledged"),
}


@pytest.mark.parametrize("notified, acknowledged, back", UNMUTE_CASES.values(), ids=list(UNMUTE_CASES))
def test_unmute_gives_back_the_state_before_the_mute(notified: bool, acknowledged: bool, back: str) -> None:
    change = decide_change(3, "muted", "unmute", NOW, was_notified=notified, was_acknowledged=acknowledged)
    assert change.values == {"status": back, "muted_at": None, "mute_reason": None}
    assert decide_change(3, "new", "unmute", NOW).skipped == "is new, not muted"


def test_cli_unmute_and_the_paged_table(tmp_path: Path, db_url: str) -> None:
    settings = alert_settings(tmp_path, db_url)
    cfg = settings.config_path or ""
    with open_monitor(settings) as m:
        ids = [add_alert(m, NOW + timedelta(minutes=i), speaker=f"Speaker {i}", repeats=i % 3) for i in range(7)]
        with m.session() as s:
            repo.change_alerts(s, ids[:2], "acknowledge", NOW)
            repo.change_alerts(s, ids[:3], "mute", NOW, "noise")
    result = CliRunner().invoke(main, ["--config", cfg, "alerts", "unmute", str(ids[0]), str(ids[2]), str(ids[4])])
    assert result.exit_code == 0, result.output
    assert f"alert {ids[0]}: acknowledged" in result.stdout and f"alert {ids[2]}: new" in result.stdout
    assert f"alert {ids[4]}: unchanged (is new, not muted)" in result.stderr
    listed = CliRunner().invoke(main, ["--config", cfg, "alerts", "--status", "muted", "--format", "json"])
    assert [r["id"] for r in json.loads(listed.stdout)] == [ids[1]]
    with open_monitor(settings) as m, m.session() as s:
        page = alert_pages.page_alerts(s, AlertFilter(per_page=3, page=2), count_cap=5)
        assert [i.id for i in page.items] == [ids[3], ids[2], ids[1]] and (page.total, page.total_capped) == (5, True)
        exact = alert_pages.page_alerts(s, AlertFilter(statuses=("new",), sort="sources", per_page=25))
        assert (exact.total, exact.total_capped) == (5, False)
        assert [i.source_count for i in exact.items] == [3, 3, 2, 1, 1]
        detail = alert_pages.alert_detail(s, ids[5])
        assert detail is not None and len(detail.statements) == 3 and detail.statements[0].is_first
        assert detail.paragraph == ("", detail.item.text, "") and detail.history[0].action == "raised"
        assert alert_pages.alert_detail(s, 10**9) is None


PARAGRAPH_CASES = {
    "middle of a paragraph": ("One.\nA b. Said it. C d.\nTwo.", ("A b.", "Said it.", "C d.")),
    "whole text": ("Said it.", ("", "Said it.", "")),
    "long context is cut at words": ("xx " * 600 + "Said it. " + "yy " * 600,
                                     ("… " + "xx " * 6 + "xx", "Said it.", "yy " * 6 + "yy …")),
}


@pytest.mark.parametrize("text, expected", PARAGRAPH_CASES.values(), ids=list(PARAGRAPH_CASES))
def test_paragraph_around(text: str, expected: tuple[str, str, str]) -> None:
    start = text.index("Said it.")
    assert paragraph_around(text, start, start + len("Said it."), max_context=22) == expected


def test_history_records_who_changed_what_and_rules_respect_an_unmute(tmp_path: Path, db_url: str) -> None:
    from monitor.config import MuteRule

    settings = alert_settings(tmp_path, db_url)
    with open_monitor(settings) as m:
        a, b, c = (add_alert(m, NOW, speaker="Maria Zakharova") for _ in range(3))
        with m.session() as s:
            repo.change_alerts(s, [a], "mute", NOW, "noise")
            repo.change_alerts(s, [a], "unmute", NOW + timedelta(minutes=1), actor="web")
            assert repo.mark_notified(s, [a, c], NOW + timedelta(minutes=2)) == 2
            assert repo.mark_notified(s, [a], NOW + timedelta(minutes=3)) == 0  # already notified: no event
            rule = MuteRule(speaker="zakharova")
            assert repo.apply_mute_rules(s, [rule], NOW + timedelta(minutes=4)) == [b]  # a: un-muted by hand
            history = {i: [(e.action, e.status, e.actor, e.reason) for e in alert_pages.alert_detail(s, i).history]
                       for i in (a, b)}  # type: ignore[union-attr]
    assert history[a] == [("raised", "new", None, None), ("mute", "muted", "cli", "noise"),
                          ("unmute", "new", "web", None), ("notify", "notified", "delivery", None)]
    assert history[b] == [("raised", "new", None, None), ("mute", "muted", "rule", "mute rule: speaker='zakharova'")]


def test_upgrade_to_0003_fills_the_history_from_the_time_stamps(empty_db_url: str) -> None:
    from sqlalchemy import select

    from monitor.store.db import make_engine, make_sessionmaker, upgrade
    from monitor.store.models import Alert, AlertHistory, StatementGroup

    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, "0002")
        with make_sessionmaker(engine).begin() as s:
            group = StatementGroup(canonical_text="x", demand="d", demands=["d"], first_seen_at=NOW)
            s.add(group)
            s.flush()
            s.add(Alert(group_id=group.id, demand="d", demands=["d"], status="muted", created_at=NOW,
                        notified_at=NOW + timedelta(hours=1), muted_at=NOW + timedelta(hours=2), mute_reason="old"))
        upgrade(engine)
        with make_sessionmaker(engine).begin() as s:
            rows = [(h.action, h.to_status, h.at, h.reason) for h in s.scalars(select(AlertHistory).order_by(AlertHistory.at))]
    finally:
        engine.dispose()
    assert rows == [("notify", "notified", NOW + timedelta(hours=1), None),
                    ("mute", "muted", NOW + timedelta(hours=2), "old")]
