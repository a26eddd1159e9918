"""The ``pipeline`` flow: thin Prefect wiring over ``monitor.pipeline.run`` (no business rules here).

Stages run as tasks: one per file source, one per host of web sources (hosts in parallel), one
per chunk of articles for detection (never per article or sentence), each tagged with its stage. Tasks return ids and counts; texts and HTML stay in the database. The database is the
source of truth: re-running a failed run redoes exactly what is missing, and two runs at once
cannot store anything twice (unique keys; the ``pipeline`` lease makes the second run wait).

Per-host politeness when fetching is enforced by one mechanism only: the library's own per-host
limiter (``fetch.per_host_concurrency`` and ``fetch.per_host_delay_s`` in the configuration); the
flow creates no Prefect concurrency limits for it.

Retries: network stages retry only ``TransientFetchError`` (timeouts, connection errors, 5xx;
``retry_transient``); local and pure stages (ingest, detection) never retry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from monitor.app import Monitor, open_monitor
from monitor.clock import utc_now
from monitor.config import load_settings
from monitor.errors import MonitorError, TransientFetchError
from monitor.pipeline import run as steps
from monitor.detect_step import DetectReport
from monitor.pipeline.alerts import DeliveryReport
from monitor.pipeline.fetch import FetchReport
from monitor.pipeline.ingest import IngestReport

ARTIFACT_KEY = "pipeline-summary"
#: the run artifact lists at most this many new alerts (as a digest does: alerts.max_digest_items)
ARTIFACT_ALERTS = 200
LEASE_WAIT_S = steps.LEASE_WAIT_S


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """``retry_condition_fn`` of network tasks: retry only transient fetch errors."""
    try:
        state.result()
    except TransientFetchError:
        return True
    except BaseException:  # noqa: BLE001 - anything else fails fast
        return False
    return False


@task(name="ingest-source", tags=["ingest"], cache_policy=NO_CACHE, task_run_name="ingest {name}")
def ingest_source_task(m: Monitor, name: str, now: datetime) -> IngestReport:
    """Local files of one source; no retries (a bad file is reported, not retried)."""
    report = steps.ingest_source(m, name, now)
    get_run_logger().info("source %s: %s", name, report.counts())
    return report


@task(name="fetch-host", tags=["fetch"], cache_policy=NO_CACHE, task_run_name="fetch {names[0]}",
      retries=2, retry_delay_seconds=[2, 10], retry_jitter_factor=0.5, retry_condition_fn=retry_transient)
def fetch_sources_task(m: Monitor, names: list[str], now: datetime, force: bool = False) -> FetchReport:
    """The web sources of one host (if due). The library records per-source failures and retries
    transient HTTP errors itself; a TransientFetchError that still escapes is retried here."""
    report = steps.fetch_source(m, names, now, force=force)
    for outcome in report.sources:
        get_run_logger().info("%s", outcome.summary())
    return report


@task(name="detect-chunk", tags=["detect"], cache_policy=NO_CACHE,
      task_run_name="detect from article {article_ids[0]}")
def detect_chunk_task(m: Monitor, article_ids: list[int], now: datetime) -> DetectReport:
    """One chunk of articles (detect.batch_size); pure work on stored text, so no retries."""
    report = steps.detect_chunk(m, article_ids, now)
    get_run_logger().info("detected %d articles: %d statements, %d new alerts",
                          report.articles, report.statements, len(report.alert_ids))
    return report


@task(name="deliver", tags=["alerts"], cache_policy=NO_CACHE)
def deliver_task(m: Monitor, now: datetime, since: datetime | None, send_digest: bool) -> list[DeliveryReport]:
    """Webhooks and the digest. No Prefect retries: the outbox retries failed deliveries on the
    next run with backoff, exactly once per delivery."""
    reports = steps.deliver(m, now, since, send_digest)
    for r in reports:
        get_run_logger().info("%s", r.summary())
    return reports


@flow(name="pipeline", log_prints=False, validate_parameters=True)
def pipeline(sources: list[str] | None = None, since: datetime | None = None,
             send_digest: bool = True) -> dict[str, Any]:
    """One run: ingest files -> fetch -> detect -> alerts/digest (the stages that exist).

    sources: source names (default: every enabled source of the configuration).
    since: only articles first seen at/after this time are detected and digested (default: all pending).
    send_digest: send the digest e-mail (webhooks are always sent).
    """
    log = get_run_logger()
    settings = load_settings()
    names = steps.select_sources(settings, sources)
    steps.check_since(since, utc_now())
    with open_monitor(settings) as m, steps.pipeline_lease(m, wait_s=LEASE_WAIT_S) as (holder, busy):
        if busy is not None:
            log.warning("skipped: %s", busy)
            summary = steps.PipelineSummary(status="skipped", sources=names, skipped=busy)
        else:
            summary = _run_stages(m, holder, names, since, send_digest, explicit_sources=sources is not None)
    publish_summary(summary)
    return summary.as_dict()


def _run_stages(m: Monitor, holder: str, names: list[str], since: datetime | None,
                send_digest: bool, *, explicit_sources: bool = False) -> steps.PipelineSummary:
    log = get_run_logger()
    now = utc_now()
    run_id = steps.start_pipeline(m, now)
    reports = steps.StageReports()
    try:
        for name in steps.file_sources(m.settings, names):
            reports.ingest.merge(ingest_source_task(m, name, now))
            steps.renew_pipeline_lease(m, holder, utc_now())
        # sources named by the caller (a manual run, a per-source schedule) are polled now;
        # otherwise each source is polled when due (its interval, backoff, Retry-After)
        force = explicit_sources
        hosts = [fetch_sources_task.submit(m, group, now, force)
                 for group in steps.web_source_groups(m.settings, names)]
        for future in hosts:  # hosts in parallel; each host's requests go through one limiter
            reports.ingest.merge(future.result())
        steps.renew_pipeline_lease(m, holder, utc_now())
        for chunk in steps.detect_chunks(m, since):
            reports.add_detect(detect_chunk_task(m, chunk, now))
            steps.renew_pipeline_lease(m, holder, utc_now())
        reports.deliveries = deliver_task(m, now, since, send_digest)
    except MonitorError as exc:
        steps.fail_pipeline(m, run_id, utc_now(), exc)
        raise
    summary = steps.finish_pipeline(m, run_id, utc_now(), names, reports)
    log.info("run %s %s: %s", run_id, summary.status, summary.counts())
    for failure in summary.failing_sources:
        log.warning("failing source %s (%sx): %s", failure.name, failure.consecutive_failures, failure.error)
    return summary


def _md(text: object, limit: int = 200) -> str:
    """Untrusted text as an inert markdown table cell."""
    s = " ".join(str(text or "").split())[:limit]
    for ch in "\\|<>[]*_`#":
        s = s.replace(ch, "\\" + ch)
    return s


def summary_markdown(summary: steps.PipelineSummary) -> str:
    """The run artifact: counts, new alerts, failing sources."""
    c = summary.counts()
    lines = [f"# Pipeline run {summary.run_id or '-'}: {summary.status}", ""]
    if summary.skipped:
        lines += [f"Skipped: {_md(summary.skipped)}", ""]
    lines += ["| new articles | updated | unchanged | detected | statements | new alerts | failing sources | errors |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|",
              f"| {c['new_articles']} | {c['updated_articles']} | {c['unchanged_articles']} "
              f"| {c['detected_articles']} | {c['statements']} | {c['new_alerts']} "
              f"| {c['failing_sources']} | {c['errors']} |", "", "## New alerts", ""]
    if summary.new_alerts:
        lines += ["| alert | demand | speaker | statement |", "|---:|---|---|---|"]
        lines += [f"| {a['id']} | {_md(a['demand'])} | {_md(a['speaker'])} | {_md(a['text'])} |"
                  for a in summary.new_alerts[:ARTIFACT_ALERTS]]
        if len(summary.new_alerts) > ARTIFACT_ALERTS:
            lines += ["", f"... and {len(summary.new_alerts) - ARTIFACT_ALERTS} more in the alert table "
                          "(`monitor alerts`, `monitor web`)."]
    else:
        lines.append("None.")
    lines += ["", "## Failing sources", ""]
    if summary.failing_sources:
        lines += ["| source | failures | kind | last error |", "|---|---:|---|---|"]
        lines += [f"| {_md(f.name)} | {f.consecutive_failures} | {_md(f.error_kind)} | {_md(f.error)} |"
                  for f in summary.failing_sources]
    else:
        lines.append("None.")
    if summary.deliveries:
        lines += ["", "## Deliveries", ""] + [f"- {_md(d, 300)}" for d in summary.deliveries]
    if summary.errors:
        lines += ["", "## Errors", ""] + [f"- {_md(e, 500)}" for e in summary.errors[:50]]
    return "\n".join(lines) + "\n"


def publish_summary(summary: steps.PipelineSummary) -> None:
    create_markdown_artifact(key=ARTIFACT_KEY, markdown=summary_markdown(summary),
                             description="New alerts and failing sources of this pipeline run")
