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


def test_a_redetection_stopped_inside_an_article_loses_nothing(settings: Settings, monkeypatch) -> None:
    """Each article is detected again in one transaction: stopped after it wrote the new statements
    of an article but before the commit, that article keeps its old statements, groups and alerts,
    and the next run finishes the job without raising an alert twice."""
    import monitor.detect_step as step

    rules = _with_model(settings, "rules")
    with open_monitor(rules) as m:
        ingest_paths(m, [SEEDS], NOW)
        detect_articles(m, NOW)
        with m.session() as s:
            first = s.scalars(select(Alert).order_by(Alert.id)).first()
            assert first is not None
            alert_repo.change_alerts(s, [first.id], "acknowledge", NOW)
        with m.session() as s:
            alerts_before = {a.id: (a.group_id, a.status) for a in s.scalars(select(Alert))}
            by_article = {a.id: _rows(s, a.id) for a in s.scalars(select(Article))}
    real = step.assign_groups
    calls = []

    def stop_in_second_article(*args, **kwargs):
        out = real(*args, **kwargs)  # the new statements are written, not yet committed
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return out

    upgraded = _with_model(settings, "")
    version = load_detector(upgraded).version
    later = NOW + timedelta(days=1)
    with open_monitor(upgraded) as m:
        monkeypatch.setattr(step, "assign_groups", stop_in_second_article)
        try:
            redetect_articles(m, later)
        except KeyboardInterrupt:
            pass
        else:
            raise AssertionError("the run was not stopped")
        monkeypatch.setattr(step, "assign_groups", real)
        with m.session() as s:
            versions = {a.id: a.detector_version for a in s.scalars(select(Article))}
            assert sorted(versions.values()).count(version) == 1  # only the first article was done
            for article_id, rows in by_article.items():
                if versions[article_id] != version:  # untouched, including the one stopped inside
                    assert _rows(s, article_id) == rows, article_id
            now_alerts = {a.id: (a.group_id, a.status) for a in s.scalars(select(Alert))}
            assert all(now_alerts[k] == v for k, v in alerts_before.items())
            done = next(k for k, v in versions.items() if v == version)
            for alert_id in set(now_alerts) - set(alerts_before):  # new ones come from the committed article
                opener = s.get(Statement, s.get(StatementGroup, now_alerts[alert_id][0]).first_statement_id)
                assert opener is not None and opener.article_id == done
        report = redetect_articles(m, later + timedelta(hours=1))
        assert report.articles == 4 and not report.errors
        with m.session() as s:
            assert set(s.scalars(select(Article.detector_version))) == {version}
            after = {a.id: (a.group_id, a.status) for a in s.scalars(select(Alert))}
            for alert_id, state in alerts_before.items():
                assert after[alert_id] == state
            groups = list(s.scalars(select(Alert.group_id)))
            assert len(groups) == len(set(groups))  # one alert per group, none raised twice


def _rows(s, article_id: int) -> list[tuple[int, int | None]]:
    statements = s.scalars(select(Statement).where(Statement.article_id == article_id))
    return sorted((st.char_start, st.group_id) for st in statements)
