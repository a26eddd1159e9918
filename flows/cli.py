"""The ``monitor`` console script: the library's command group plus ``run`` and ``serve``.

``monitor/`` never imports Prefect, so the two commands that run Prefect flows are registered
here, on the same click group. Prefect reads its settings when it is imported, so the commands
prepare the environment first (``prefect_env``) and import the flows afterwards.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli import EXIT_PARTIAL, core_cmds, main
from monitor.cli.core_cmds import settings_of

if TYPE_CHECKING:  # imported inside the commands that use them (see monitor/cli/__init__.py)
    from monitor.config import Settings

__all__ = ["main", "prefect_env", "recording_server"]


def prefect_env(settings: Settings, env: MutableMapping[str, str] | None = None) -> bool:
    """Set Prefect's environment before it is imported; True when no API server is configured
    (then a server on ``$PREFECT_HOME``, by default ``<data_dir>/prefect``, is reused or started)."""
    env = os.environ if env is None else env
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "monitor")
    if settings.config_path:
        env.setdefault("MONITOR_CONFIG", settings.config_path)  # the flow loads the same configuration
    if env.get("PREFECT_API_URL"):
        return False
    env.setdefault("PREFECT_HOME", str(settings.data_path / "prefect"))
    # how long a temporary server may take to answer: the first start on a fresh PREFECT_HOME
    # creates its database (~13 s); Prefect's default for its own temporary server, 20 s, is tight
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    return True


@contextmanager
def recording_server(env: MutableMapping[str, str] | None = None) -> Iterator[str]:
    """Where the flow run is recorded, for as long as the block runs; yields a line saying which.

    A reachable server is reused: ``PREFECT_API_URL``, else the server `monitor serve` started on
    the same ``$PREFECT_HOME``, else the server Prefect's own settings name (a profile). Only
    otherwise is a temporary server started for the run: a plain ``prefect server start``
    subprocess (``flows.serve.temporary_server``), stopped when the block ends, which prints a
    line saying so. That server ends with the run, so nobody would watch heartbeats: they are
    skipped (~1 s per run). Against a real server they stay on: they detect crashed runs."""
    from flows.serve import ServerUnreachable, find_server, temporary_server

    env = os.environ if env is None else env
    try:
        url, origin = find_server(env)
    except ServerUnreachable as exc:
        raise click.ClickException(str(exc)) from exc
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_UI_URL,
        temporary_settings,
    )

    if url is None and PREFECT_API_URL.value():
        url, origin = str(PREFECT_API_URL.value()), "Prefect settings"
    if url is not None:
        with temporary_settings({PREFECT_API_URL: url}):
            yield f"Prefect server: {url} ({origin})"
        return
    timeout_s = float(env.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or 90)
    started = ""
    try:
        with ExitStack() as stack:
            try:
                started = stack.enter_context(temporary_server(timeout_s))
            except RuntimeError as exc:
                raise click.ClickException(str(exc)) from exc
            # the server (and any UI) is gone when the run ends: no "View at" link to a dead page
            stack.enter_context(temporary_settings(
                {PREFECT_API_URL: started, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None, PREFECT_UI_URL: ""}
            ))
            stack.callback(send_pending_logs_and_events)  # first of the exits: the server still answers
            yield (f"Prefect server: none running; a temporary one on {env['PREFECT_HOME']} for this run "
                   f"({started}, stopped at its end)")
    finally:
        if started:
            click.echo(f"Prefect server: the temporary server at {started} stopped")


def send_pending_logs_and_events() -> None:
    """Send now the run's logs and events Prefect still holds (its workers send them in batches,
    the last ones at exit, when a temporary server would be gone already)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    EventsWorker.drain_all(timeout=10)


# `run` moved here from monitor/cli/core_cmds.py: it runs the Prefect flow now.
main.commands.pop("run", None)


@main.command()
@click.option("--source", "names", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--digest/--no-digest", "send_digest", default=True, show_default=True,
              help="Send the digest e-mail if one is due.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when a web source failed too (by default failing sources are reported, "
                   "recorded and retried later with backoff, and do not fail the run).")
@click.pass_context
def run(ctx: click.Context, names: tuple[str, ...], send_digest: bool, strict: bool) -> None:
    """Run the pipeline once (a Prefect flow run) and print what it found.

    The run is recorded on a running Prefect server: PREFECT_API_URL, else the one `monitor
    serve` started. With neither, a temporary server (`prefect server start` on a free loopback
    port) on <data_dir>/prefect runs for the length of the run and is stopped at its end, also
    on Ctrl-C (about 13 s to create the first time, a few seconds after). The first line says
    which. Prints new articles, new alerts and failing sources."""
    from monitor.pipeline.run import select_sources

    settings = settings_of(ctx)
    try:
        select_sources(settings, names)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    from monitor.detect_step import load_detector

    load_detector(settings)  # a missing or broken model file fails here (exit 2), before any work
    prefect_env(settings)
    from flows.pipeline import pipeline

    with recording_server() as where:
        click.echo(where)
        result = pipeline(sources=list(names) or None, send_digest=send_digest)
    print_summary(result)
    print_new_articles(settings, result["new_articles"])
    if run_failed(result, strict=strict):
        sys.exit(EXIT_PARTIAL)


SHOWN_ARTICLES = 20


def print_new_articles(settings: Settings, ids: list[int]) -> None:
    """The articles this run stored, as a table (the first SHOWN_ARTICLES)."""
    if not ids:
        return
    from monitor.app import open_monitor
    from monitor.cli.output import emit
    from monitor.store.articles import articles_by_id

    with open_monitor(settings) as m, m.session("listing new articles") as s:
        rows = [{"id": a.id, "title": a.title, "outlet": a.outlet, "published_at": a.published_at,
                 "chars": len(a.text), "url": a.canonical_url}
                for a in articles_by_id(s, ids[:SHOWN_ARTICLES])]
    emit(rows, "table", ["id", "title", "outlet", "published_at", "chars"], title="New articles",
         widths={"title": 60})
    if len(ids) > SHOWN_ARTICLES:
        click.echo(f"... and {len(ids) - SHOWN_ARTICLES} more: `monitor articles`")


def run_failed(result: dict[str, Any], *, strict: bool) -> bool:
    """Whether the run ends with exit code 1: any error other than a failing web source (those
    are recorded per source, shown, and retried on later runs), or any error at all when strict."""
    if strict:
        return bool(result["errors"] or result["failing_sources"])
    failing = {f["name"] for f in result["failing_sources"]}
    return any(str(e).split(":", 1)[0] not in failing for e in result["errors"])


def print_summary(result: dict[str, Any]) -> None:
    """The run's summary: counts, then every new alert and failing source."""
    if result["skipped"]:
        click.echo(f"skipped: {result['skipped']}")
        return
    click.echo(f"run {result['run_id']} ({result['status']}): sources {', '.join(result['sources']) or '-'}")
    click.echo(f"articles: {len(result['new_articles'])} new, {len(result['updated_articles'])} updated, "
               f"{result['unchanged_articles']} unchanged")
    click.echo(f"detection: {result['detected_articles']} articles, {result['statements']} statements")
    click.echo(f"alerts: {len(result['new_alerts'])} new")
    for a in result["new_alerts"]:
        speaker = f"{a['speaker']}: " if a["speaker"] else ""
        click.echo(f"  #{a['id']} [{a['demand']}] {speaker}{' '.join(str(a['text']).split())[:160]}")
    click.echo(f"failing sources: {len(result['failing_sources'])}")
    for f in result["failing_sources"]:
        click.echo(f"  {f['name']} ({f['consecutive_failures']}x {f['error_kind'] or 'error'}): {f['error'] or ''}")
    for line in result["deliveries"]:
        click.echo(f"delivery: {line}")
    failing = {f["name"] for f in result["failing_sources"]}
    for err in result["errors"]:
        if str(err).split(":", 1)[0] not in failing:  # failing sources are listed above
            click.secho(f"  error: {err}", fg="yellow", err=True)


@main.command()
@click.option("--port", type=int, default=4200, show_default=True,
              help="Port of the Prefect server started when PREFECT_API_URL is not set.")
@click.pass_context
def serve(ctx: click.Context, port: int) -> None:
    """Schedule the pipeline from the configuration and run it until stopped (Ctrl-C).

    Deployments: `pipeline` (schedule.pipeline_cron or every schedule.interval_min minutes),
    `source-<name>` for sources with their own interval_min/schedule, and `digest`
    (alerts.digest_schedule in alerts.timezone). Without PREFECT_API_URL it first starts a Prefect
    server (UI at http://127.0.0.1:PORT) on <data_dir>/prefect and stops it on exit; `monitor run`
    records its runs on that server while it runs. Trigger a run
    by hand while it serves (with PREFECT_API_URL=http://127.0.0.1:PORT/api):
    prefect deployment run 'pipeline/pipeline' --param 'sources=["seeds"]'"""
    settings = settings_of(ctx)
    from monitor.detect_step import load_detector

    load_detector(settings)  # a missing or broken model file fails here (exit 2)
    needs_server = prefect_env(settings)
    from flows.serve import local_server, serve_pipeline

    if not needs_server:
        serve_pipeline(settings)
        return
    with local_server(port) as url:
        click.echo(f"Prefect server: {url.removesuffix('/api')} (PREFECT_API_URL={url})")
        serve_pipeline(settings)


__all__ += ["core_cmds", "run", "serve", "print_summary"]

if __name__ == "__main__":
    main()
