"""The alert repository: listing with first source and counts, outbox claims, storage failures."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.app import open_monitor
from monitor.errors import StorageError
from monitor.pipeline import send_digest
from monitor.store import alerts as repo
from tests.alert_fixtures import add_alert, alert_settings

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_list_items_first_source_counts_and_claims(tmp_path: Path, db_url: str) -> None:
    with open_monitor(alert_settings(tmp_path, db_url)) as m:
        a1 = add_alert(m, NOW, repeats=3, outlet="TASS", title="First", url="https://tass.example/1")
        a2 = add_alert(m, NOW + timedelta(hours=1), demand="deployments", speaker="O'Brien_100%")
        with m.session() as s:
            items = repo.list_alert_items(s)
            assert [i.id for i in items] == [a1, a2]
            first = items[0].first_source
            assert first is not None and (first.outlet, first.title, first.url) == ("TASS", "First", "https://tass.example/1")
            assert items[0].source_count == 4
            assert [i.id for i in repo.list_alert_items(s, speaker="brien_100%")] == [a2]  # LIKE wildcards literal
            assert [i.id for i in repo.list_alert_items(s, speaker="_")] == [a2]
            assert [i.id for i in repo.list_alert_items(s, since=NOW + timedelta(minutes=30))] == [a2]
            shown = repo.find_alert_item(s, a1)
            assert shown is not None and len(shown.sources) == 4
            assert repo.find_alert_item(s, 10**9) is None
            key = "<k@x>"
            did = repo.add_delivery(s, channel="email", kind="digest", key=key, alert_ids=[a1], now=NOW,
                                    claim_until=NOW + timedelta(minutes=15))
            assert did is not None
            assert repo.add_delivery(s, channel="email", kind="digest", key=key, alert_ids=[a1], now=NOW,
                                     claim_until=NOW) is None  # same key: never two rows
            assert repo.pending_alert_ids(s, "email") == [a2]
            assert repo.pending_alert_ids(s, "webhook:x") == [a1, a2]  # channels are independent
            assert not repo.claim_delivery(s, did, NOW, NOW + timedelta(minutes=15))  # claim held
            assert repo.claim_delivery(s, did, NOW + timedelta(minutes=16), NOW + timedelta(minutes=31))
            assert not repo.claim_delivery(s, did, NOW + timedelta(minutes=16), NOW + timedelta(minutes=31))


WRITES: dict[str, Callable[[Any], Any]] = {
    "change_alerts": lambda s: repo.change_alerts(s, [1], "acknowledge", NOW),
    "add_delivery": lambda s: repo.add_delivery(s, channel="email", kind="digest", key="<a@b>", alert_ids=[1],
                                                now=NOW, claim_until=NOW),
    "mark_notified": lambda s: repo.mark_notified(s, [1], NOW),
    "claim_delivery": lambda s: repo.claim_delivery(s, 1, NOW, NOW),
    "mark_superseded": lambda s: repo.mark_superseded(s, [1]),
}


@pytest.mark.parametrize("call", WRITES.values(), ids=list(WRITES))
def test_locked_sqlite_surfaces_as_storage_error(tmp_path: Path, call: Callable[[Any], Any]) -> None:
    db = tmp_path / "monitor.db"
    settings = alert_settings(tmp_path, f"sqlite:///{db}")
    settings = dataclasses.replace(settings, database=dataclasses.replace(settings.database, busy_timeout_s=0.2))
    with open_monitor(settings) as m:
        add_alert(m, NOW)
        with m.session() as s:  # a delivery row for the updates to hit
            repo.add_delivery(s, channel="email", kind="digest", key="<x@y>", alert_ids=[1], now=NOW,
                              claim_until=NOW)
        locker = sqlite3.connect(db, isolation_level=None, timeout=1)
        locker.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        try:
            with pytest.raises(StorageError, match="locked"), m.session("test") as s:
                call(s)
                s.flush()
            with pytest.raises(StorageError, match="locked"):
                send_digest(m, NOW)
        finally:
            locker.rollback()
            locker.close()
