"""Pipeline steps of the alert stage: the digest e-mail and webhooks, delivered exactly once.

The guarantee (see the README, "Alerts, digests and webhooks"):

1. A delivery row — its Message-ID (or webhook idempotency key) unique, the alerts it carries,
   the path of the rendered ``.eml`` — is committed *before* anything is sent, already claimed
   (``sending``) by the one process holding the channel's lease.
2. Alerts become ``notified`` only in the transaction that records the server's acceptance.
3. A failure is recorded on the row with its cause; transient ones are retried from
   ``next_attempt_at`` (exponential backoff), permanent ones (5xx) mark it ``failed`` and its
   alerts go into the next digest after ``alerts.retry_max_h``.
4. A row left ``sending`` by a crash, or one whose connection broke after the message data was
   sent (``smtp_in_doubt``), is re-sent byte for byte with the same Message-ID: this is the one
   duplicate SMTP cannot rule out. A failure known to have happened before acceptance instead
   folds the row's alerts into the next digest, so a server that was down yields one e-mail.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from monitor.alerts import delivery as sender
from monitor.alerts.digest import build_message, render_digest
from monitor.alerts.headers import address_list
from monitor.alerts.values import AlertItem, AlertStatus, DeliveryStatus, RenderedDigest
from monitor.app import Monitor
from monitor.config import WebhookConfig
from monitor.errors import DeliveryError
from monitor.store import alerts as repo
from monitor.store import runs as run_repo
from monitor.store.models import Delivery

log = logging.getLogger(__name__)
A = AlertStatus
OPEN_STATUSES = (A.NEW.value, A.NOTIFIED.value)  # alerts a channel still has to carry


@dataclass
class DeliveryReport:
    """What one digest or webhook step did."""

    channel: str
    status: str  # sent | retry | failed | written | nothing_new | waiting | busy | dry_run | disabled
    delivery_ids: list[int] = field(default_factory=list)
    alert_ids: list[int] = field(default_factory=list)
    message_id: str | None = None
    eml_path: Path | None = None
    error: str | None = None
    refused: dict[str, Any] = field(default_factory=dict)
    muted: list[int] = field(default_factory=list)
    digest: RenderedDigest | None = None
    message: EmailMessage | None = None

    def summary(self) -> str:
        parts = [f"{self.channel}: {self.status}", f"{len(self.alert_ids)} alert(s)"]
        if self.message_id:
            parts.append(self.message_id)
        if self.error:
            parts.append(f"error: {self.error}")
        return ", ".join(parts)


# --- helpers --------------------------------------------------------------------------------


def _backoff(m: Monitor, attempts: int) -> timedelta:
    a = m.settings.alerts
    minutes = a.retry_base_min * (2 ** max(attempts - 1, 0))
    return timedelta(minutes=min(minutes, a.retry_max_h * 60))


def _claim_ttl(m: Monitor) -> timedelta:
    return timedelta(minutes=m.settings.alerts.claim_timeout_min)


def _domain(from_addr: str) -> str:
    domain = from_addr.rpartition("@")[2].lower()
    domain = re.sub(r"[^a-z0-9.-]", "", domain).strip(".")
    return domain or "monitor.invalid"


def make_key(kind: str, channel: str, alert_ids: Sequence[int], now: datetime, domain: str) -> str:
    """A deterministic Message-ID / idempotency key: kind, channel, time and the alert set."""
    digest = hashlib.sha256(f"{channel}|{','.join(map(str, alert_ids))}".encode()).hexdigest()[:16]
    return f"<monitor.{kind}.{now.strftime('%Y%m%dT%H%M%S%f')}.{digest}@{domain}>"


def _labels(m: Monitor) -> dict[str, str]:
    out = {}
    for d in m.settings.demands:
        name = str(d.get("name", ""))
        label = d.get("label") or d.get("title")
        if name and label:
            out[name] = str(label)
    return out


class _Lease:
    """The channel's lease: one process at a time composes and sends for a channel."""

    def __init__(self, m: Monitor, channel: str, now: datetime) -> None:
        self.m, self.name, self.now = m, f"deliver:{channel}", now
        self.holder = f"{uuid.uuid4().hex}"

    def __enter__(self) -> bool:
        with self.m.session(f"taking the lease {self.name}") as s:
            return run_repo.acquire_lease(s, self.name, self.holder, self.now, _claim_ttl(self.m))

    def __exit__(self, *exc: object) -> None:
        with self.m.session(f"releasing the lease {self.name}") as s:
            run_repo.release_lease(s, self.name, self.holder)


def _record_failure(m: Monitor, delivery_id: int, attempts: int, exc: DeliveryError, now: datetime) -> str:
    """Store a failed attempt on its delivery; returns the new status."""
    a = m.settings.alerts
    retry = exc.transient and attempts < a.max_attempts
    status = DeliveryStatus.RETRY if retry else DeliveryStatus.FAILED
    nxt = now + (_backoff(m, attempts) if retry else timedelta(hours=a.retry_max_h))
    with m.session("recording a failed delivery") as s:
        repo.mark_unsent(s, delivery_id, status=status, attempts=attempts, kind=exc.kind, error=str(exc),
                         next_attempt_at=nxt, refused=getattr(exc, "refused", None))
    log.warning("delivery %s %s (%s): %s", delivery_id, status.value, exc.kind, exc)
    return status.value


# --- digest ---------------------------------------------------------------------------------


def _write_outbox(m: Monitor, key: str, data: bytes, html: str, now: datetime) -> Path:
    folder = m.settings.outbox_path
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"digest-{now.strftime('%Y%m%dT%H%M%S')}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"
    eml = folder / f"{stem}.eml"
    eml.write_bytes(data)
    (folder / f"{stem}.html").write_text(html, encoding="utf-8")
    return eml


def _render(m: Monitor, items: list[AlertItem], now: datetime, since: datetime | None) -> RenderedDigest:
    with m.session("reading failing sources") as s:
        failing = repo.failing_sources(s, since)
    a = m.settings.alerts
    return render_digest(items, now=now, period_start=since, failing=failing, labels=_labels(m),
                         max_items=a.max_digest_items, timezone=a.timezone)


def _message(m: Monitor, digest: RenderedDigest, key: str, now: datetime) -> EmailMessage:
    smtp = m.settings.smtp
    return build_message(digest, from_addr=smtp.from_addr, to=smtp.to or ("undisclosed-recipients:;",),
                         message_id=key, date=now)


def _period_start(m: Monitor, channel: str, since: datetime | None) -> datetime | None:
    if since is not None:
        return since
    with m.session("reading the last digest") as s:
        return repo.last_sent_at(s, channel)


def preview_digest(m: Monitor, now: datetime, since: datetime | None = None) -> DeliveryReport:
    """Render what the next digest would contain, writing nothing and sending nothing."""
    channel = "email" if m.settings.mail_enabled else "outbox"
    with m.session("reading pending alerts") as s:
        pending = repo.pending_alert_ids(s, channel, statuses=OPEN_STATUSES, since=since)
        items = repo.list_alert_items(s, ids=pending)
    from monitor.alerts.table import decide_mutes

    muted = {i for i, _ in decide_mutes(items, m.settings.alerts.mute)}
    items = [i for i in items if i.id not in muted]
    if not items and not m.settings.alerts.send_empty_digest:
        return DeliveryReport(channel, "nothing_new", muted=sorted(muted))
    digest = _render(m, items, now, _period_start(m, channel, since))
    key = make_key("digest", channel, [i.id for i in items], now, _domain(m.settings.smtp.from_addr))
    return DeliveryReport(channel, "dry_run", alert_ids=list(digest.alert_ids), message_id=key,
                          muted=sorted(muted), digest=digest, message=_message(m, digest, key, now))


def send_digest(m: Monitor, now: datetime, since: datetime | None = None, dry_run: bool = False,
                send: bool = True, *, force: bool = False) -> DeliveryReport:
    """Compose the digest of pending alerts, write it to the outbox and (with SMTP configured and
    ``send``) e-mail it exactly once. Due retries are handled first. ``force`` ignores the backoff
    that follows a failure (an operator's explicit retry)."""
    if dry_run:
        return preview_digest(m, now, since)
    channel = "email" if m.settings.mail_enabled and send else "outbox"
    with _Lease(m, channel, now) as got:
        if not got:
            return DeliveryReport(channel, "busy", error="another process is delivering this channel")
        with m.session("applying mute rules") as s:
            muted = repo.apply_mute_rules(s, m.settings.alerts.mute, now)
        report = _digest_locked(m, channel, now, since, force)
        report.muted = muted
        return report


def _digest_locked(m: Monitor, channel: str, now: datetime, since: datetime | None, force: bool) -> DeliveryReport:
    resent, carried = _redo_due(m, channel, now, force)
    with m.session("reading pending alerts") as s:
        waiting = None if force else repo.waiting_until(s, channel, now)
        pending = repo.pending_alert_ids(s, channel, statuses=OPEN_STATUSES, since=since)
    if resent and (waiting or not pending):
        return resent[-1]
    if waiting is not None:
        return DeliveryReport(channel, "waiting", error=f"retrying after {waiting.isoformat()}")
    if not pending and not m.settings.alerts.send_empty_digest:
        return DeliveryReport(channel, "nothing_new")
    with m.session("reading alerts") as s:
        items = repo.list_alert_items(s, ids=pending)
    digest = _render(m, items, now, _period_start(m, channel, since))
    return _compose_and_send(m, channel, digest, now, attempts=carried)


def _compose_and_send(m: Monitor, channel: str, digest: RenderedDigest, now: datetime, attempts: int) -> DeliveryReport:
    key = make_key("digest", channel, digest.alert_ids, now, _domain(m.settings.smtp.from_addr))
    msg = _message(m, digest, key, now)
    data = sender.message_bytes(msg)
    eml = _write_outbox(m, key, data, digest.html, now)
    with m.session("writing the digest delivery") as s:
        delivery_id = repo.add_delivery(
            s, channel=channel, kind="digest", key=key, alert_ids=digest.alert_ids, now=now,
            claim_until=now + _claim_ttl(m), attempts=attempts, subject=digest.subject,
            recipients=list(address_list(m.settings.smtp.to)), outbox_path=str(eml), period_end=now,
        )
    if delivery_id is None:
        return DeliveryReport(channel, "nothing_new", error=f"digest {key} exists already")
    report = _attempt_digest(m, channel, delivery_id, data, list(digest.alert_ids), attempts, now)
    report.digest, report.message, report.eml_path = digest, msg, eml
    return report


def _attempt_digest(m: Monitor, channel: str, delivery_id: int, data: bytes, alert_ids: list[int],
                    attempts_before: int, now: datetime) -> DeliveryReport:
    """Send one claimed digest and record the outcome (alerts notified only on acceptance)."""
    with m.session("reading the delivery") as s:
        key = repo.get_delivery(s, delivery_id).idempotency_key
    report = DeliveryReport(channel, "", delivery_ids=[delivery_id], alert_ids=alert_ids, message_id=key)
    attempts = attempts_before + 1
    if channel == "outbox":  # no SMTP: the rendered file is the delivery
        with m.session("recording the outbox digest") as s:
            repo.mark_sent(s, delivery_id, now, attempts=attempts)
        report.status = "written"
        return report
    smtp = m.settings.smtp
    try:
        outcome = sender.send_email(data, smtp, from_addr=smtp.from_addr, to=list(address_list(smtp.to)))
    except DeliveryError as exc:
        report.status, report.error = _record_failure(m, delivery_id, attempts, exc, now), str(exc)
        report.refused = dict(getattr(exc, "refused", None) or {})
        return report
    refused = {r: list(v) for r, v in outcome.refused.items()}
    with m.session("recording the sent digest") as s:
        repo.mark_sent(s, delivery_id, now, attempts=attempts, refused=refused)
        repo.mark_notified(s, alert_ids, now)
    report.status, report.refused = "sent", refused
    return report


def _redo_due(m: Monitor, channel: str, now: datetime, force: bool) -> tuple[list[DeliveryReport], int]:
    """Handle due deliveries: in doubt -> re-send identically; known unsent -> supersede (their
    alerts go into the new digest, with their attempt count carried over)."""
    with m.session("reading due deliveries") as s:
        due = repo.due_deliveries(s, channel, now, include_waiting=force)
    reports, carried, superseded = [], 0, []
    for d in due:
        in_doubt = d.status == DeliveryStatus.SENDING.value or d.last_error_kind == sender.IN_DOUBT
        if not in_doubt:
            superseded.append(d.id)
            carried = max(carried, d.attempts)
            continue
        with m.session("claiming a delivery") as s:
            if not repo.claim_delivery(s, d.id, now, now + _claim_ttl(m), include_waiting=force):
                continue
            alert_ids = repo.delivery_alert_ids(s, d.id)
        reports.append(_attempt_digest(m, channel, d.id, _stored_bytes(m, d), alert_ids, d.attempts, now))
    with m.session("superseding deliveries") as s:
        repo.mark_superseded(s, superseded)
    return reports, carried


def _stored_bytes(m: Monitor, d: Delivery) -> bytes:
    """The message exactly as first sent; re-rendered with the same Message-ID if the file is gone."""
    if d.outbox_path and Path(d.outbox_path).is_file():
        return Path(d.outbox_path).read_bytes()
    with m.session("reading alerts") as s:
        items = repo.list_alert_items(s, ids=repo.delivery_alert_ids(s, d.id))
    digest = _render(m, items, d.created_at, d.period_start)
    return sender.message_bytes(_message(m, digest, d.idempotency_key, d.created_at))


# --- webhooks -------------------------------------------------------------------------------


def _payload(hook: WebhookConfig, items: list[AlertItem], key: str, now: datetime) -> dict[str, Any]:
    lines = [f"{len(items)} new statement(s) on tracked demands:"] if len(items) != 1 else []
    alerts = []
    for i in items:
        src = i.first_source
        lines.append(f"[{i.demand}] {i.speaker or 'unknown speaker'}: {i.text[:280]}"
                     + (f" ({src.outlet or 'source'}: {src.url})" if src else ""))
        alerts.append({
            "id": i.id, "demand": i.demand, "demands": list(i.demands), "speaker": i.speaker, "stance": i.stance,
            "statement": i.text, "created_at": i.created_at.isoformat(), "source_count": i.source_count,
            "first_source": None if src is None else {
                "outlet": src.outlet, "title": src.title, "url": src.url,
                "published_at": src.published_at.isoformat() if src.published_at else None},
        })
    return {"text": sender.slack_text(lines), "idempotency_key": key, "webhook": hook.name,
            "generated_at": now.isoformat(), "alerts": alerts}


def send_webhooks(m: Monitor, now: datetime) -> list[DeliveryReport]:
    """POST pending alerts to every enabled webhook (per alert or batched), exactly once each."""
    reports = []
    for hook in m.settings.alerts.webhooks:
        if not hook.enabled:
            continue
        channel = f"webhook:{hook.name}"
        with _Lease(m, channel, now) as got:
            if not got:
                reports.append(DeliveryReport(channel, "busy"))
                continue
            reports.extend(_webhook_locked(m, hook, channel, now))
    return reports


def _webhook_locked(m: Monitor, hook: WebhookConfig, channel: str, now: datetime) -> list[DeliveryReport]:
    with m.session("reading due webhook deliveries") as s:
        due = [(d.id, d.attempts, d.idempotency_key) for d in repo.due_deliveries(s, channel, now)
               if repo.claim_delivery(s, d.id, now, now + _claim_ttl(m))]
    reports = [_attempt_webhook(m, hook, channel, did, key, attempts, now) for did, attempts, key in due]
    with m.session("reading pending alerts") as s:
        if repo.waiting_until(s, channel, now) is not None:
            return reports
        lookback = now - timedelta(hours=m.settings.alerts.webhook_lookback_h)
        pending = repo.pending_alert_ids(s, channel, statuses=OPEN_STATUSES, since=lookback)
    batches = ([pending[: m.settings.alerts.max_digest_items]] if hook.batch else [[i] for i in pending])
    for ids in (b for b in batches if b):
        key = make_key("alert" if len(ids) == 1 and not hook.batch else "batch", channel, ids, now, "monitor")
        with m.session("writing the webhook delivery") as s:
            did = repo.add_delivery(s, channel=channel, kind="batch" if hook.batch else "alert", key=key,
                                    alert_ids=ids, now=now, claim_until=now + _claim_ttl(m))
        if did is not None:
            reports.append(_attempt_webhook(m, hook, channel, did, key, 0, now))
    return reports


def _attempt_webhook(m: Monitor, hook: WebhookConfig, channel: str, delivery_id: int, key: str,
                     attempts_before: int, now: datetime) -> DeliveryReport:
    with m.session("reading the webhook alerts") as s:
        ids = repo.delivery_alert_ids(s, delivery_id)
        items = repo.list_alert_items(s, ids=ids)
    report = DeliveryReport(channel, "", delivery_ids=[delivery_id], alert_ids=ids, message_id=key)
    attempts = attempts_before + 1
    try:
        sender.post_webhook(hook.url, _payload(hook, items, key, now), key=key, timeout_s=hook.timeout_s,
                            fetch=m.settings.fetch)
    except DeliveryError as exc:
        report.status, report.error = _record_failure(m, delivery_id, attempts, exc, now), str(exc)
        return report
    with m.session("recording the sent webhook") as s:
        repo.mark_sent(s, delivery_id, now, attempts=attempts)
        repo.mark_notified(s, ids, now)
    report.status = "sent"
    return report
