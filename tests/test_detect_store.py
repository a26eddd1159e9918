"""The detect step on a real database (SQLite and PostgreSQL): idempotent, one alert per statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.app import open_monitor
from monitor.config import Settings
from monitor.detect_step import detect_articles
from monitor.pipeline import ingest_paths
from monitor.store.models import Alert, Statement, StatementGroup
from monitor.store.statements import iter_statements

SEEDS = Path(__file__).parents[1] / "seeds"
NOW = datetime(2022, 1, 24, tzinfo=UTC)


def _counts(m: object) -> tuple[int, int, int]:
    with m.session() as s:  # type: ignore[attr-defined]
        return (
            s.scalar(select(func.count()).select_from(Statement)) or 0,
            s.scalar(select(func.count()).select_from(StatementGroup)) or 0,
            s.scalar(select(func.count()).select_from(Alert)) or 0,
        )


def test_detect_seeds_idempotent_with_repeats(settings: Settings) -> None:
    with open_monitor(settings) as m:
        ingest_paths(m, [SEEDS], NOW)
        first = detect_articles(m, NOW)
        assert first.articles == 5 and not first.errors
        counts = _counts(m)
        again = detect_articles(m, NOW + timedelta(hours=1))
        assert again.articles == 0 and _counts(m) == counts
        statements, groups, alerts = counts
        assert groups == alerts == first.new_groups and statements > groups
        # the seed gold set has 45 distinct statements; the learned detector raises fewer alerts
        # (the author's narrative raises none, and it joins one speaker's adjacent points that the
        # seeds' gold keeps apart, each seed being one long transcript or briefing): 21 with the
        # shipped model (B-cubed 0.79 on the seeds), never fewer than 20 nor a flood
        assert 20 <= alerts <= 56
        with m.session() as s:
            assert (s.scalar(select(func.max(StatementGroup.source_count))) or 0) >= 2
            rows = iter_statements(s, demand="posture_1997")
        assert rows and all("posture_1997" in r.demands for r in rows)
        assert any(r.new for r in rows)


def test_repeats_record_what_they_matched(settings: Settings) -> None:
    with open_monitor(settings) as m:
        ingest_paths(m, [SEEDS], NOW)
        detect_articles(m, NOW)
        with m.session() as s:
            repeats = list(
                s.scalars(select(Statement).where(Statement.is_new.is_(False), Statement.group_id.is_not(None)))
            )
            narrative = list(s.scalars(select(Statement).where(Statement.group_id.is_(None))))
            alerts = list(s.scalars(select(Alert)))
        assert repeats and all(r.evidence and r.evidence["repeat_of"]["reason"] for r in repeats)
        assert all(n.speaker is None and n.evidence["repeat_of"] is None for n in narrative)
        assert all(a.evidence and a.evidence["demands"] and a.evidence["speaker_cue"] for a in alerts)


def test_bodies_of_one_state_share_a_statement_group(settings: Settings, tmp_path: Path) -> None:
    """The Kremlin and the Russian Foreign Ministry speak for Russia: the same point reported from
    each is one statement, one alert (the labelling conventions count them as one speaker). A
    person never merges with their institution."""
    folder = tmp_path / "articles"
    folder.mkdir()
    point = "must legally guarantee that NATO will never admit Ukraine and will stop its eastward expansion."
    (folder / "a.txt").write_text(f"Kremlin on guarantees\n\nThe Kremlin said the United States {point}\n")
    (folder / "b.txt").write_text(
        f"Moscow on guarantees\n\nThe Russian Foreign Ministry said the United States {point}\n"
    )
    (folder / "c.txt").write_text(f"Lavrov on guarantees\n\nSergei Lavrov said the United States {point}\n")
    with open_monitor(settings) as m:
        ingest_paths(m, [folder], NOW)
        report = detect_articles(m, NOW)
        assert report.articles == 3 and not report.errors
        with m.session() as s:
            rows = [r for r in s.scalars(select(Statement).where(Statement.group_id.is_not(None)))]
    by_speaker = {r.speaker: r.group_id for r in rows if "nato_expansion" in (r.demands or [])}
    assert {"Kremlin", "Russian Foreign Ministry", "Sergey Lavrov"} <= set(by_speaker), by_speaker
    assert by_speaker["Kremlin"] == by_speaker["Russian Foreign Ministry"]
    assert by_speaker["Sergey Lavrov"] != by_speaker["Kremlin"]


def _ingest_dated(m: object, folder: Path, name: str, text: str, published: datetime | None, now: datetime) -> None:
    from sqlalchemy import update

    from monitor.store.models import Article

    path = folder / name
    path.write_text(text)
    ingest_paths(m, [path], now)  # type: ignore[arg-type]
    with m.session() as s:  # type: ignore[attr-defined]
        newest = s.scalar(select(func.max(Article.id)))
        s.execute(update(Article).where(Article.id == newest).values(published_at=published))
        s.commit()


@pytest.mark.parametrize("dated", [True, False], ids=["dated", "undated"])
def test_a_report_fetched_weeks_later_repeats_by_its_publication_date(
    settings: Settings, tmp_path: Path, dated: bool
) -> None:
    """Two outlets' reports of one occasion, published two days apart but fetched ten weeks apart
    (a source added late): the second is a repeat, no second alert, because statements are also
    found by the week their article was published. Undated, the fetch weeks alone decide."""
    quote = (
        'Sergei Ryabkov said: "We need legally binding guarantees that NATO will never admit Ukraine '
        'and will stop its eastward expansion."'
    )
    later = NOW + timedelta(weeks=10)
    with open_monitor(settings) as m:
        first = f"Ryabkov on guarantees\n\n{quote}\n\nThe talks in Geneva lasted eight hours.\n"
        _ingest_dated(m, tmp_path, "a.txt", first, NOW if dated else None, NOW)
        detect_articles(m, NOW)
        _ingest_dated(
            m, tmp_path, "b.txt",
            "Geneva round ends without a breakthrough\n\nThe delegations met at the US mission on Monday.\n\n"
            f"{quote}\n\nThe next meeting is scheduled in Brussels on Wednesday, diplomats said.\n",
            NOW + timedelta(days=2) if dated else None, later,
        )
        report = detect_articles(m, later)
        assert report.articles == 1 and not report.errors
        with m.session() as s:
            groups = {
                g for g, d in s.execute(select(Statement.group_id, Statement.demands)).all()
                if g is not None and "nato_expansion" in (d or [])
            }
    assert len(groups) == (1 if dated else 2), groups
