"""Fetch-stage commands: fetch, sources add, reextract."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from monitor.cli import EXIT_PARTIAL, main
from monitor.cli.core_cmds import opened, print_report, progress_bar, settings_of, sources_group
from monitor.cli.output import emit, format_option
from monitor.config import PACKAGE_DATA, Settings
from monitor.errors import ConfigError

if TYPE_CHECKING:  # imported inside the commands that use them (see monitor/cli/__init__.py)
    from monitor.pipeline import FetchReport


def print_fetch_report(report: FetchReport, fmt: str = "table") -> None:
    """One row per source (new, updated, unchanged, partial, item errors, error), then totals."""
    rows: list[dict[str, Any]] = [
        {"source": o.name, "status": o.status, "new": o.new, "updated": o.updated, "unchanged": o.unchanged,
         "partial": o.partial, "skipped": o.skipped, "item_errors": o.item_errors, "error_kind": o.error_kind or "",
         "error": o.error or "", "next_attempt_at": o.next_attempt_at}
        for o in report.sources
    ]
    emit(rows, fmt, ["source", "status", "new", "updated", "unchanged", "partial", "item_errors", "error_kind"],
         title="Fetch")
    c = report.counts()
    click.echo(f"fetched {c['sources']} sources: {c['new']} new, {c['updated']} updated, {c['unchanged']} unchanged, "
               f"{c['failed_sources']} failed", err=fmt != "table")
    for o in report.failed:
        click.secho(f"  {o.name}: {o.error_kind}: {(o.error or '')[:300]}", fg="yellow", err=True)


@main.command()
@click.option("--source", "names", multiple=True, help="Only this source (repeatable); ignores its schedule.")
@click.option("--force", is_flag=True, help="Poll every selected source now, whatever its schedule.")
@format_option
@click.pass_context
def fetch(ctx: click.Context, names: tuple[str, ...], force: bool, fmt: str) -> None:
    """Fetch the web sources that are due: feeds, sitemaps, pages; extract and store articles.

    Exit code 1 when any source failed (each failure is recorded and shown in `monitor sources list`)."""
    from monitor.clock import utc_now
    from monitor.pipeline import FetchReport, fetch_sources, run_stage

    settings = settings_of(ctx)
    unknown = [n for n in names if settings.source(n) is None]
    if unknown:
        raise click.UsageError(f"unknown source(s): {', '.join(unknown)}")
    with opened(ctx) as m, progress_bar("fetching") as bar:
        _, report, _ = run_stage(m, "fetch", utc_now(), lambda: fetch_sources(m, utc_now(), list(names) or None, bar,
                                                                              force=force or bool(names)), utc_now)
    assert isinstance(report, FetchReport)
    print_fetch_report(report, fmt)
    if report.failed:
        sys.exit(EXIT_PARTIAL)


@main.command()
@click.option("--id", "ids", type=int, multiple=True, help="Only this article (repeatable).")
@click.pass_context
def reextract(ctx: click.Context, ids: tuple[int, ...]) -> None:
    """Extract stored articles again from their kept HTML (after upgrading the extractor)."""
    from monitor.clock import utc_now
    from monitor.pipeline import reextract_articles, run_stage

    with opened(ctx) as m, progress_bar("re-extracting") as bar:
        _, report, _ = run_stage(m, "reextract", utc_now(), lambda: reextract_articles(m, utc_now(), list(ids), bar),
                                 utc_now)
    print_report(report)
    if report.errors:
        sys.exit(EXIT_PARTIAL)


@sources_group.command("add")
@click.argument("url")
@click.option("--name", default="", help="Source name (default: derived from the host).")
@click.option("--kind", type=click.Choice(["auto", "feed", "sitemap", "page", "home"]), default="auto",
              show_default=True, help="auto fetches the URL once and detects the kind.")
@click.pass_context
def sources_add(ctx: click.Context, url: str, name: str, kind: str) -> None:
    """Add a web source to the configuration file (appends a [[sources]] table).

    Sources live in the configuration file, which stays the one list of sources; the database's
    source table mirrors it on every run. With --kind auto the URL is fetched once (through the
    guarded client) to tell a feed, a sitemap, a home page announcing a feed, or a single page apart."""
    from monitor.pipeline.fetch import WEB_KINDS, detect_source_kind
    from monitor.sources.urls import canonical_url

    settings = settings_of(ctx)
    clean = canonical_url(url)
    if clean is None:
        raise click.UsageError(f"not an http(s) URL: {url!r}")
    target = _writable_config(settings)
    name = name or _name_for(clean, settings)
    if settings.source(name) is not None:
        raise click.UsageError(f"a source named {name!r} exists already")
    if any(s.url and canonical_url(s.url) == clean for s in settings.sources):
        raise click.UsageError(f"{clean} is already a source")
    if kind == "auto":
        kind, feed = detect_source_kind(settings.fetch, clean)
        if feed:
            click.echo(f"{clean} announces the feed {feed}")
    assert kind in WEB_KINDS
    _append_source(target, name, kind, clean)
    click.echo(f"added source {name!r} ({kind}) to {target}")


def _writable_config(settings: Settings) -> Path:
    path = Path(settings.config_path)
    if not settings.config_path or path.resolve().is_relative_to(PACKAGE_DATA.resolve()):
        raise ConfigError(settings.config_path or "(built-in)",
                          "the built-in configuration is read-only: run `monitor init` and use ./monitor.toml")
    return path


def _name_for(url: str, settings: Settings) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", (urlsplit(url).hostname or "source").removeprefix("www.")).strip("-")
    name, n = base, 2
    while settings.source(name) is not None:
        name, n = f"{base}-{n}", n + 1
    return name


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _append_source(path: Path, name: str, kind: str, url: str) -> None:
    block = f"\n[[sources]]\nname = {_toml_string(name)}\nkind = {_toml_string(kind)}\nurl = {_toml_string(url)}\n"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + ("" if text.endswith("\n") else "\n") + block, encoding="utf-8")
