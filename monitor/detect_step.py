"""Pipeline step ``detect``: statements, groups and alerts for articles not yet detected.

Idempotent: an article is detected in one transaction that also sets ``article.detected_at``,
so running the step twice changes nothing; statements are unique per (article, char span) and
alerts per group. Novelty is judged by the program's own ``now`` (first-seen time), never by a
page's claimed date. ``monitor.pipeline.run`` and the Prefect flow call it per chunk of articles.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.detect.article import Resources, analyse_text
from monitor.detect.dedup import DEFAULT_THRESHOLD, assign_groups, speaker_key
from monitor.detect.resources import load_actors, load_demands
from monitor.errors import MonitorError, StorageError
from monitor.store import statements as repo

if TYPE_CHECKING:
    from monitor.app import Monitor
    from monitor.config import Settings

__all__ = ["DETECTOR_VERSION", "DetectReport", "detect_article", "detect_articles", "load_resources"]

DETECTOR_VERSION = "lexical-1"
log = logging.getLogger(__name__)


@dataclass
class DetectReport:
    articles: int = 0
    statements: int = 0
    new_groups: int = 0
    repeats: int = 0
    alert_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def load_resources(settings: Settings) -> Resources:
    """Compile the configured demands and actors (validated already by load_settings)."""
    where = settings.config_path or "built-in defaults"
    return Resources(load_demands(list(settings.demands), where), load_actors(list(settings.actors), where))


def detect_article(
    m: Monitor, article_id: int, now: datetime, resources: Resources, report: DetectReport
) -> None:
    """Detect one article in one transaction (skips it when another run already did)."""
    threshold = m.settings.detect.group_threshold or DEFAULT_THRESHOLD
    with m.session(f"detect article {article_id}") as session:
        if not repo.claim_article(session, article_id, now, DETECTOR_VERSION):
            return  # another run detected it already (or is doing so and has committed)
        text, language = repo.article_text(session, article_id)
        results = analyse_text(text, resources, language=language, use_context=m.settings.detect.use_context)
        items = [
            (
                r.segment.text,
                r.labels,
                speaker_key(r.speaker.name if r.speaker else None, f"article:{article_id}"),
                k > 0 and any(mt.context_from == k - 1 for mt in r.matches),
                r.concepts,
            )
            for k, r in enumerate(results)
        ]
        index = repo.SqlGroupIndex(session, article_id, results)
        grouped = assign_groups(items, index, now, threshold)
    report.articles += 1
    report.statements += len(grouped)
    report.new_groups += sum(g.is_new for g in grouped)
    report.repeats += sum(not g.is_new for g in grouped)
    report.alert_ids.extend(index.new_alerts)


def detect_articles(
    m: Monitor,
    now: datetime,
    *,
    article_ids: Sequence[int] | None = None,
    since: datetime | None = None,
    limit: int = 100_000,
) -> DetectReport:
    """Detect every pending article (or the given ones), oldest first; one bad article never stops the batch."""
    resources = load_resources(m.settings)
    report = DetectReport()
    if article_ids is None:
        with m.session("list articles to detect") as session:
            article_ids = repo.pending_article_ids(session, limit=limit, since=since)
    for article_id in article_ids:
        try:
            detect_article(m, article_id, now, resources, report)
        except StorageError:
            raise  # the database failed: fail the run loudly; the next run resumes in order
        except MonitorError as exc:
            log.warning("detect article %s failed: %s", article_id, exc)
            report.errors.append(f"article {article_id}: {exc}")
    return report
