"""Foundation commands: init, db, ingest, sources, articles, status (run/serve: flows/cli.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli import EXIT_PARTIAL, main
from monitor.cli.output import emit, format_option
from monitor.config import DEFAULT_CONFIG_NAME

if TYPE_CHECKING:  # imported inside the commands that use them (see monitor/cli/__init__.py)
    from monitor.app import Monitor
    from monitor.config import Settings
    from monitor.pipeline import IngestReport
    from monitor.store.models import Article, Source



def settings_of(ctx: click.Context) -> Settings:
    """The settings, loaded once per invocation (ConfigError -> exit 2 before any I/O)."""
    from monitor.config import load_settings

    obj = ctx.find_root().obj
    if "settings" not in obj:
        obj["settings"] = load_settings(obj.get("config_path"))
    return obj["settings"]  # type: ignore[no-any-return]


@contextmanager
def opened(ctx: click.Context) -> Iterator[Monitor]:
    """The opened database (settings loaded once; schema checked)."""
    from monitor.app import open_monitor

    with open_monitor(settings_of(ctx)) as m:
        yield m


@contextmanager
def progress_bar(label: str) -> Iterator[Any]:
    """A progress callback (done, total, item) drawing a bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("", total=None)
        yield lambda done, total, item: bar.update(task, completed=done, total=total, description=item[:40])


# --- init / db ------------------------------------------------------------------------------


@main.command()
@click.argument("path", type=click.Path(dir_okay=False), default=DEFAULT_CONFIG_NAME)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: str, force: bool) -> None:
    """Write a starter configuration file (default ./monitor.toml)."""
    import shutil

    from monitor.config import default_config_file

    target = Path(path)
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; use --force to overwrite it")
    shutil.copyfile(default_config_file(), target)
    click.echo(f"wrote {target}; edit it, then run `monitor run`")


@main.group("db")
def db_group() -> None:
    """Database schema: upgrade, current revision."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Create or migrate the database schema (same as `alembic upgrade head`)."""
    from monitor.store import db

    s = settings_of(ctx)
    engine = db.make_engine(s.database_url, busy_timeout_s=s.database.busy_timeout_s)
    try:
        before = db.current_revision(engine)
        db.upgrade(engine, revision)
        after = db.current_revision(engine)
    finally:
        engine.dispose()
    click.echo(f"{db.safe_url(s.database_url)}: {before or 'empty'} -> {after}")


@db_group.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show the database's schema revision and the one this version needs."""
    from monitor.store import db

    s = settings_of(ctx)
    engine = db.make_engine(s.database_url, busy_timeout_s=s.database.busy_timeout_s)
    try:
        click.echo(f"{db.safe_url(s.database_url)}: {db.current_revision(engine) or 'empty'} "
                   f"(head {db.head_revision()})")
    finally:
        engine.dispose()


# --- ingest ---------------------------------------------------------------------------------


def print_report(report: IngestReport, what: str = "articles") -> None:
    c = report.counts()
    click.echo(f"{what}: {c['new']} new, {c['updated']} updated, {c['unchanged']} unchanged, {c['errors']} errors")
    for err in report.errors:
        click.secho(f"  error: {err}", fg="yellow", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", "source_name", default="local-files", show_default=True,
              help="Source name the articles are filed under.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], source_name: str) -> None:
    """Store local .txt, .md and .html files (or folders of them) as articles.

    A .txt file's first line is its title unless the folder's manifest.toml says otherwise;
    HTML goes through the article extractor. Re-ingesting stores nothing twice."""
    from monitor.clock import utc_now
    from monitor.pipeline import ingest_paths, run_stage

    with opened(ctx) as m, progress_bar("ingesting") as bar:
        _, report, _ = run_stage(m, "ingest", utc_now(), lambda: ingest_paths(m, list(paths), utc_now(),
                                 source_name=source_name, progress=bar), utc_now)
    print_report(report)
    if report.errors:
        sys.exit(EXIT_PARTIAL)


# --- sources / articles / status ------------------------------------------------------------


@main.group("sources")
def sources_group() -> None:
    """Configured sources and their health."""


@sources_group.command("list")
@format_option
@click.pass_context
def sources_list(ctx: click.Context, fmt: str) -> None:
    """List sources with their state: ok, failing (with the last error), silent or disabled."""
    from monitor.clock import utc_now
    from monitor.pipeline import sync_sources
    from monitor.store import sources as source_repo

    with opened(ctx) as m:
        now = utc_now()
        sync_sources(m, now)
        with m.session() as s:
            rows = [_source_row(src, m.settings, now) for src in source_repo.list_sources(s)]
    emit(rows, fmt, ["name", "kind", "state", "target", "last_success_at", "last_new_item_at", "last_error"],
         widths={"target": 40, "last_error": 50})


def _source_row(src: Source, settings: Settings, now: Any) -> dict[str, Any]:
    from monitor.sources.health import source_state

    state = source_state(src, now, settings.fetch.silent_after_h)
    return {"name": src.name, "kind": src.kind, "state": state, "target": src.url or src.path,
            "enabled": src.enabled, "last_polled_at": src.last_polled_at, "last_success_at": src.last_success_at,
            "last_new_item_at": src.last_new_item_at, "consecutive_failures": src.consecutive_failures,
            "next_attempt_at": src.next_attempt_at, "last_error_kind": src.last_error_kind,
            "last_error": src.last_error}


def article_row(s: Any, a: Article, *, with_text: bool) -> dict[str, Any]:
    from monitor.store import articles as article_repo

    row: dict[str, Any] = {
        "id": a.id, "title": a.title, "outlet": a.outlet, "published_at": a.published_at,
        "language": a.language, "url": a.canonical_url, "urls": article_repo.article_urls(s, a.id),
        "author": a.author, "chars": len(a.text), "is_partial": a.is_partial, "first_seen_at": a.first_seen_at,
        "content_hash": a.content_hash, "duplicate_of": a.duplicate_of_id,
    }
    if with_text:
        row["text"] = a.text
    return row


@main.command()
@format_option
@click.option("--limit", type=int, default=None, help="Show at most this many articles.")
@click.option("--text/--no-text", "with_text", default=None,
              help="Include the full text (default: in json/jsonl/csv only).")
@click.pass_context
def articles(ctx: click.Context, fmt: str, limit: int | None, with_text: bool | None) -> None:
    """List stored articles with their metadata."""
    from monitor.store import articles as article_repo

    with opened(ctx) as m, m.session() as s:
        full = with_text if with_text is not None else fmt != "table"
        rows = [article_row(s, a, with_text=full) for a in article_repo.iter_articles(s, limit=limit)]
    emit(rows, fmt, ["id", "title", "outlet", "published_at", "language", "chars", "url"],
         widths={"title": 50, "url": 40})


@main.command()
@format_option
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Counts per table and the last run."""
    from monitor.store import db
    from monitor.store import runs as run_repo
    from monitor.store.models import Alert, Article, Delivery, FetchAttempt, Source, Statement, StatementGroup

    with opened(ctx) as m, m.session() as s:
        counts = run_repo.table_counts(s, [Source, Article, Statement, StatementGroup, Alert, Delivery, FetchAttempt])
        last = run_repo.last_run(s)
        row: dict[str, Any] = {"database": db.safe_url(m.settings.database_url), **counts}
        if last:
            row.update(last_run_kind=last.kind, last_run_started_at=last.started_at,
                       last_run_status=last.status, last_run_counts=last.counts)
    if fmt == "table":
        emit([{"item": k, "value": v} for k, v in row.items()], fmt, ["item", "value"])
    else:
        emit([row], fmt)


# `monitor run` and `monitor serve` run Prefect flows, so they are registered by flows/cli.py
# (the console script's entry point); monitor/ never imports Prefect.


# --- config ---------------------------------------------------------------------------------


@main.group("config")
def config_group() -> None:
    """Inspect the configuration: effective values, reference of every setting."""


@config_group.command("show")
@click.pass_context
def config_show(ctx: click.Context) -> None:
    """Print the effective settings (file + environment), secrets hidden."""
    import json

    from monitor.config import redacted

    s = settings_of(ctx)
    click.echo(json.dumps(redacted(s), indent=2, ensure_ascii=False, default=str))


@config_group.command("reference")
def config_reference() -> None:
    """Print every setting with its default and meaning (Markdown)."""
    from monitor.config import settings_markdown

    click.echo(settings_markdown())
