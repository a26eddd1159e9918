"""Alert commands: alerts (list, show, ack, mute), digest, deliveries."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import click

from monitor.alerts.values import AlertItem, AlertStatus
from monitor.cli import EXIT_PARTIAL, main
from monitor.cli.core_cmds import opened
from monitor.cli.output import emit, format_option

STATUSES = [s.value for s in AlertStatus]
LIST_COLUMNS = ["id", "status", "demand", "speaker", "stance", "statement", "first_source", "sources", "first_seen"]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def alert_row(item: AlertItem) -> dict[str, Any]:
    return item.as_row()


@main.group("alerts", invoke_without_command=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only alerts in this state (repeatable).")
@click.option("--demand", help="Only alerts on this demand.")
@click.option("--speaker", help="Only alerts whose speaker contains this text.")
@click.option("--since", type=click.DateTime(), help="Only alerts created since this time (UTC).")
@click.option("--limit", type=int, default=None, help="Show at most this many alerts.")
@format_option
@click.pass_context
def alerts_group(ctx: click.Context, statuses: tuple[str, ...], demand: str | None, speaker: str | None,
                 since: datetime | None, limit: int | None, fmt: str) -> None:
    """The alert table: list alerts (default), show one, acknowledge or mute them.

    Each alert is a new statement: new -> notified (carried by a delivered digest or webhook)
    -> acknowledged | muted."""
    if ctx.invoked_subcommand is not None:
        return
    from monitor.store.alert_items import list_alert_items  # Core only: no ORM for a quick listing

    with opened(ctx) as m, m.reading_core("listing alerts") as conn:
        items = list_alert_items(conn, status=statuses, demand=demand, speaker=speaker, since=_utc(since),
                                 limit=limit)
    emit([alert_row(i) for i in items], fmt, LIST_COLUMNS,
         widths={"statement": 60, "first_source": 30, "speaker": 20})


@alerts_group.command("show")
@click.argument("alert_id", type=int)
@format_option
@click.pass_context
def alerts_show(ctx: click.Context, alert_id: int, fmt: str) -> None:
    """One alert with every source that carried its statement."""
    from monitor.store.alert_items import find_alert_item

    with opened(ctx) as m, m.reading_core("reading an alert") as conn:
        item = find_alert_item(conn, alert_id)
    if item is None:
        raise click.ClickException(f"no alert {alert_id}")
    row = alert_row(item)
    sources = [{"outlet": r.outlet, "title": r.title, "url": r.url, "published_at": r.published_at,
                "first_seen_at": r.first_seen_at, "article_id": r.article_id} for r in item.sources]
    if fmt != "table":
        plain = [{k: v.isoformat() if isinstance(v, datetime) else v for k, v in r.items()} for r in sources]
        emit([{**row, "all_sources": plain}], fmt)
        return
    emit([{"field": k, "value": v} for k, v in row.items()], fmt, ["field", "value"],
         title=f"Alert {alert_id}", widths={"value": 80})
    emit(sources, fmt, ["outlet", "title", "published_at", "url"], title="Sources",
         widths={"title": 40, "url": 50})


def _change(ctx: click.Context, ids: tuple[int, ...], action: str, reason: str | None) -> None:
    from monitor.clock import utc_now
    from monitor.store import alerts as alert_repo

    with opened(ctx) as m, m.session(f"{action} alerts") as s:
        changes = alert_repo.change_alerts(s, ids, action, utc_now(), reason)
    failed = False
    for c in changes:
        if c.values:
            click.echo(f"alert {c.alert_id}: {c.values['status']}")
        else:
            click.secho(f"alert {c.alert_id}: unchanged ({c.skipped})", fg="yellow", err=True)
            failed = failed or c.skipped == "no such alert"
    if failed:
        sys.exit(EXIT_PARTIAL)


@alerts_group.command("ack")
@click.argument("alert_ids", type=int, nargs=-1, required=True)
@click.pass_context
def alerts_ack(ctx: click.Context, alert_ids: tuple[int, ...]) -> None:
    """Mark alerts acknowledged (read and dealt with)."""
    _change(ctx, alert_ids, "acknowledge", None)


@alerts_group.command("mute")
@click.argument("alert_ids", type=int, nargs=-1, required=True)
@click.option("--reason", help="Why (stored on the alert).")
@click.pass_context
def alerts_mute(ctx: click.Context, alert_ids: tuple[int, ...], reason: str | None) -> None:
    """Mute alerts: they leave digests and webhooks (for rules, see alerts.mute in the config)."""
    _change(ctx, alert_ids, "mute", reason)


@alerts_group.command("unmute")
@click.argument("alert_ids", type=int, nargs=-1, required=True)
@click.pass_context
def alerts_unmute(ctx: click.Context, alert_ids: tuple[int, ...]) -> None:
    """Un-mute alerts: each gets back the state it had before (acknowledged, notified or new)."""
    _change(ctx, alert_ids, "unmute", None)


@main.command()
@click.option("--since", type=click.DateTime(), help="Only alerts created since this time (UTC).")
@click.option("--dry-run", is_flag=True, help="Print the digest; write, send and record nothing.")
@click.option("--send/--no-send", default=True, show_default=True,
              help="E-mail it when SMTP is configured (--no-send: write it to the outbox only).")
@click.option("--force", is_flag=True, help="Send now even while a failed delivery waits for its retry time.")
@click.pass_context
def digest(ctx: click.Context, since: datetime | None, dry_run: bool, send: bool, force: bool) -> None:
    """Compose the digest of new alerts, write it to the outbox (.eml and .html) and e-mail it
    once when SMTP is configured. Nothing new: no e-mail (unless alerts.send_empty_digest)."""
    from monitor.clock import utc_now
    from monitor.pipeline import send_digest

    with opened(ctx) as m:
        report = send_digest(m, utc_now(), since=_utc(since), dry_run=dry_run, send=send, force=force)
    if dry_run and report.digest is not None:
        click.echo(f"Subject: {report.digest.subject}\n")
        click.echo(report.digest.text)
    click.echo(report.summary())
    if report.eml_path:
        click.echo(f"outbox: {report.eml_path}")
    for rcpt, reply in report.refused.items():
        click.secho(f"refused: {rcpt}: {reply}", fg="yellow", err=True)
    if report.status in ("retry", "failed", "busy"):
        sys.exit(EXIT_PARTIAL)


@main.command()
@click.option("--limit", type=int, default=50, show_default=True, help="Show at most this many deliveries.")
@format_option
@click.pass_context
def deliveries(ctx: click.Context, limit: int, fmt: str) -> None:
    """The outbox: digests and webhook POSTs with their status, attempts and last error."""
    from monitor.store import alerts as alert_repo

    with opened(ctx) as m, m.session("listing deliveries") as s:
        rows = [{"id": d.id, "channel": d.channel, "kind": d.kind, "status": d.status, "attempts": d.attempts,
                 "created_at": d.created_at, "sent_at": d.sent_at, "next_attempt_at": d.next_attempt_at,
                 "alerts": len(alert_repo.delivery_alert_ids(s, d.id)), "key": d.idempotency_key,
                 "subject": d.subject, "refused": d.refused, "last_error_kind": d.last_error_kind,
                 "last_error": d.last_error, "outbox_path": d.outbox_path}
                for d in alert_repo.list_deliveries(s, limit=limit)]
    emit(rows, fmt, ["id", "channel", "status", "attempts", "alerts", "created_at", "sent_at", "last_error"],
         widths={"last_error": 50})
