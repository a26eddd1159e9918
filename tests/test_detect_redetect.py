"""Upgrading the detector is safe: detecting again with a new model raises no second alert for a
statement that already alerted and keeps acknowledged and muted states (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from monitor.app import open_monitor
from monitor.config import Settings
from monitor.detect_step import detect_articles, load_detector, redetect_articles
from monitor.pipeline import ingest_paths
from monitor.store import alerts as alert_repo
from monitor.store.models import Alert, Article, Statement, StatementGroup

SEEDS = Path(__file__).parents[1] / "seeds"
NOW = datetime(2022, 1, 24, tzinfo=UTC)


def _with_model(settings: Settings, model: str) -> Settings:
    return dataclasses.replace(settings, detect=dataclasses.replace(settings.detect, model=model))


def test_redetection_with_a_new_model_keeps_alerts_and_their_states(settings: Settings) -> None:
    rules = _with_model(settings, "rules")
    with open_monitor(rules) as m:
        ingest_paths(m, [SEEDS], NOW)
        detect_articles(m, NOW)
        with m.session() as s:
            alerts = list(s.scalars(select(Alert).order_by(Alert.id)))
            assert len(alerts) >= 3
            alert_repo.change_alerts(s, [alerts[0].id], "acknowledge", NOW)
            alert_repo.change_alerts(s, [alerts[1].id], "mute", NOW, "not relevant")
        with m.session() as s:
            before = {a.id: (a.group_id, a.status, a.mute_reason) for a in s.scalars(select(Alert))}
            spans = {
                (st.article_id, st.char_start, st.char_end): st.group_id
                for st in s.scalars(select(Statement).where(Statement.group_id.is_not(None)))
            }  # every statement in a group (each group has its alert)
    upgraded = _with_model(settings, "")
    version = load_detector(upgraded).version
    later = NOW + timedelta(days=1)
    with open_monitor(upgraded) as m:
        report = redetect_articles(m, later)
        assert report.articles == 5 and not report.errors
        with m.session() as s:
            after = {a.id: (a.group_id, a.status, a.mute_reason) for a in s.scalars(select(Alert))}
            now_spans = {
                (st.article_id, st.char_start, st.char_end): (st.group_id, st.detector_version)
                for st in s.scalars(select(Statement))
            }
            new_alerts = [a for a in s.scalars(select(Alert)) if a.id not in before]
            openers = {
                g.id: s.get(Statement, g.first_statement_id)
                for g in s.scalars(select(StatementGroup).where(StatementGroup.id.in_([a.group_id for a in new_alerts])))
            }
            versions = set(s.scalars(select(Article.detector_version)))
        assert versions == {version}
        for alert_id, state in before.items():  # nothing lost: same group, status, reason
            assert after[alert_id] == state
        assert after[alerts[0].id][1] == "acknowledged" and after[alerts[1].id][1] == "muted"
        for span, group in spans.items():  # a sentence detected again stays in its group
            if span in now_spans:
                assert now_spans[span][0] == group, span
        for st in openers.values():  # new alerts only for sentences that were in no alerted group
            assert st is not None and (st.article_id, st.char_start, st.char_end) not in spans
        redetected = [v for span, v in now_spans.items() if v[1] == version]
        assert redetected, "the new model's statements record its version"
        again = redetect_articles(m, later + timedelta(hours=1))
        assert again.articles == 0
        with m.session() as s:
            assert {a.id for a in s.scalars(select(Alert))} == set(after)
