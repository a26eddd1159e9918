"""Pipeline step ``detect``: statements, groups and alerts for articles not yet detected.

Idempotent: an article is detected in one transaction that also sets ``article.detected_at``,
so running the step twice changes nothing; statements are unique per (article, char span) and
alerts per group. Novelty is judged by the program's own ``now`` (first-seen time), never by a
page's claimed date. ``monitor.pipeline.run`` and the Prefect flow call it per chunk of articles.

The detector is the model file of ``detect.model`` (default: the shipped model), loaded once per
process; ``detect.model = "rules"`` uses the rule layer alone. Every statement records the
version of the detector that labelled it.

Re-detection (:func:`redetect_articles`, ``monitor detect --again``) after a detector upgrade
replaces an article's statements in one transaction, and never raises a second alert for a
statement that already alerted: a sentence detected again keeps its row and its group (so its
alert keeps its status: new, notified, acknowledged or muted), with the new labels, speaker,
stance and evidence; a statement that opened a group is kept even when the new detector no
longer finds it, so no alert loses its source; only sentences the new detector finds for the
first time go through repeat matching, and alert only when they are new statements.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.detect.article import Resources, SentenceResult, analyse_text
from monitor.detect.dedup import DEFAULT_THRESHOLD, PairScorer, assign_groups, grouping_items, state_keys
from monitor.detect.learned import analyse_with_model
from monitor.detect.model import DetectorModel, load_model
from monitor.detect.resources import load_actors, load_demands
from monitor.errors import ModelError, MonitorError, StorageError
from monitor.store import statements as repo

if TYPE_CHECKING:
    from monitor.app import Monitor
    from monitor.config import Settings

__all__ = [
    "DETECTOR_VERSION",
    "SHIPPED_MODEL",
    "DetectReport",
    "Detector",
    "detect_article",
    "detect_articles",
    "load_detector",
    "load_resources",
    "redetect_articles",
]

DETECTOR_VERSION = "lexical-1"  # the rule layer alone (detect.model = "rules")
SHIPPED_MODEL = Path(__file__).parent / "data" / "detector.json.gz"
log = logging.getLogger(__name__)
_MODELS: dict[tuple[str, int, int], DetectorModel] = {}
#: the last compiled resources with the configuration they came from (one entry)
_RESOURCES: list[tuple[str, tuple[Any, ...], tuple[Any, ...], Resources]] = []


@dataclass(frozen=True)
class Detector:
    """The configured resources and model; ``version`` is what statements record."""

    resources: Resources
    model: DetectorModel | None

    @property
    def group_threshold(self) -> float:
        """The repeat threshold of this detector (the model's, chosen with it): a similarity, or the
        probability of the model's pairwise repeat classifier when it has one."""
        return self.model.repeat_threshold if self.model is not None else DEFAULT_THRESHOLD

    @property
    def cross_article_threshold(self) -> float:
        """The repeat threshold for statements of earlier articles (the model's, chosen with it)."""
        return self.model.cross_article_threshold if self.model is not None else DEFAULT_THRESHOLD

    def repeat_scorer(self) -> PairScorer | None:
        return self.model.repeat_scorer() if self.model is not None else None

    @cached_property
    def states(self) -> dict[str, str]:
        """The bodies that speak for one state share its speaker key when grouping repeats."""
        return state_keys(self.resources.actors)

    @property
    def version(self) -> str:
        return self.model.version if self.model is not None else DETECTOR_VERSION

    def analyse(
        self,
        text: str,
        language: str = "",
        *,
        use_context: bool = True,
        published: date | None = None,
        title: str = "",
    ) -> list[SentenceResult]:
        """Detect one article; ``published`` is its date when known (who held a role then), ``title``
        its title when known (the one speaker of a transcript)."""
        if self.model is None:
            return analyse_text(
                text, self.resources, language=language, use_context=use_context, published=published, title=title
            )
        return analyse_with_model(
            text, self.resources, self.model, language=language, published=published, title=title
        )


def model_path(settings: Settings) -> Path | None:
    """The model file of ``detect.model`` (None: the rule layer alone)."""
    configured = settings.detect.model.strip()
    if configured.lower() == "rules":
        return None
    return settings.resolve(configured) if configured else SHIPPED_MODEL


def load_detector(settings: Settings) -> Detector:
    """Resources and model of ``settings``, the model read once per process (per file version).

    Raises ModelError (exit 2; call it before opening the database) when the file is missing,
    truncated or incompatible, or was trained for other demands than the configured ones."""
    resources = load_resources(settings)
    path = model_path(settings)
    if path is None:
        return Detector(resources, None)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    key = (str(path), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
    model = _MODELS.get(key)
    if model is None:
        model = load_model(path)
        _MODELS.clear()
        _MODELS[key] = model
    configured = [d.name for d in resources.demands]
    if sorted(model.demands) != sorted(configured):
        raise ModelError(
            str(path),
            f"the model was trained for the demands {', '.join(model.demands)}, but the configuration "
            f"tracks {', '.join(configured)}; train a model for them with `monitor train` "
            "(see the README, 'Adding a demand') or set detect.model = \"rules\"",
        )
    return Detector(resources, model)


@dataclass
class DetectReport:
    articles: int = 0
    statements: int = 0
    new_groups: int = 0
    repeats: int = 0
    alert_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def shipped_resources() -> Resources:
    """The demands and actors the package ships (``monitor/data``), as the built-in configuration
    loads them: for benchmarks and tests, independent of any ``monitor.toml`` nearby."""
    from monitor.config import DEFAULT_CONFIG_NAME, PACKAGE_DATA, load_settings

    return load_resources(load_settings(PACKAGE_DATA / DEFAULT_CONFIG_NAME, env={}))


def load_resources(settings: Settings) -> Resources:
    """Compile the configured demands and actors (validated already by load_settings), once per
    process while they stay the same: every chunk of a run asks again, and a new compilation
    costs ≈ 30 ms, and the speaker index compiled for each new actor list stays in memory."""
    where = settings.config_path or "built-in defaults"
    for cached_where, demands, actors, resources in _RESOURCES:
        if cached_where == where and demands == settings.demands and actors == settings.actors:
            return resources
    resources = Resources(load_demands(list(settings.demands), where), load_actors(list(settings.actors), where))
    _RESOURCES[:] = [(where, settings.demands, settings.actors, resources)]
    return resources


def detect_article(
    m: Monitor, article_id: int, now: datetime, detector: Detector, report: DetectReport, *, again: bool = False
) -> None:
    """Detect one article in one transaction (skips it when another run already did); with
    ``again``, replace the statements of an article detected before (see the module docstring)."""
    threshold = m.settings.detect.group_threshold or detector.group_threshold
    # a configured threshold holds for every candidate; the model's own are chosen for each kind
    cross = m.settings.detect.group_threshold or detector.cross_article_threshold
    with m.session(f"detect article {article_id}") as session:
        if again:
            if not repo.reclaim_article(session, article_id, now, detector.version):
                return  # detected with this version already
            kept = repo.clear_statements(session, article_id)
        else:
            if not repo.claim_article(session, article_id, now, detector.version):
                return  # another run detected it already (or is doing so and has committed)
            kept = {}
        text, language, published_at, first_seen_at, title = repo.article_text(session, article_id)
        day = published_day(published_at, now, first_seen_at)
        use_context = m.settings.detect.use_context
        results = detector.analyse(text, language, use_context=use_context, published=day, title=title)
        items = grouping_items(
            results,
            f"article:{article_id}",
            alert_narrative=m.settings.detect.alert_narrative,
            states=detector.states,
        )
        index = repo.SqlGroupIndex(session, article_id, results, detector.version, kept)
        # grouping weighs the days between two articles on their own dates only: a day first seen
        # stands in for roles, but an archive ingested at once would look like one day's news
        grouped = assign_groups(
            items, index, now, threshold, detector.repeat_scorer(), cross, published_day(published_at, now)
        )
        for k, (r, item) in enumerate(zip(results, items, strict=True)):
            if r.labels and not item[1]:
                index.add_ungrouped(k, now)
    report.articles += 1
    report.statements += len(grouped)
    report.new_groups += sum(g.is_new for g in grouped)
    report.repeats += sum(not g.is_new for g in grouped)
    report.alert_ids.extend(index.new_alerts)


def published_day(published_at: datetime | None, now: datetime, first_seen_at: datetime | None = None) -> date | None:
    """The day an article was published, as far as detection trusts it: a page's claimed date
    after ``now`` is wrong; without a trusted date, the day the monitor first saw the article
    (for news, about the day it came out); None when neither is known."""
    for when in (published_at, first_seen_at):
        if when is None:
            continue
        aware = when if when.tzinfo else when.replace(tzinfo=now.tzinfo)
        if aware <= now:
            return aware.date()
    return None


def detect_articles(
    m: Monitor,
    now: datetime,
    *,
    article_ids: Sequence[int] | None = None,
    since: datetime | None = None,
    limit: int = 100_000,
    detector: Detector | None = None,
) -> DetectReport:
    """Detect every pending article (or the given ones), oldest first; one bad article never stops the
    batch. ``detector``: one already loaded from ``m.settings`` (else it is loaded here)."""
    detector = detector or load_detector(m.settings)
    report = DetectReport()
    if article_ids is None:
        with m.session("list articles to detect") as session:
            article_ids = repo.pending_article_ids(session, limit=limit, since=since)
    _detect_each(m, article_ids, now, detector, report, again=False)
    return report


def redetect_articles(
    m: Monitor,
    now: datetime,
    *,
    article_ids: Sequence[int] | None = None,
    limit: int = 100_000,
    detector: Detector | None = None,
) -> DetectReport:
    """Detect again the articles detected by another detector version (or the given ones)."""
    detector = detector or load_detector(m.settings)
    report = DetectReport()
    if article_ids is None:
        with m.session("list articles to detect again") as session:
            article_ids = repo.outdated_article_ids(session, detector.version, limit=limit)
    _detect_each(m, article_ids, now, detector, report, again=True)
    return report


def _detect_each(
    m: Monitor, article_ids: Sequence[int], now: datetime, detector: Detector, report: DetectReport, *, again: bool
) -> None:
    for article_id in article_ids:
        try:
            detect_article(m, article_id, now, detector, report, again=again)
        except StorageError:
            raise  # the database failed: fail the run loudly; the next run resumes in order
        except MonitorError as exc:
            log.warning("detect article %s failed: %s", article_id, exc)
            report.errors.append(f"article {article_id}: {exc}")
