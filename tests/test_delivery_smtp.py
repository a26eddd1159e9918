"""Digest e-mails through a real in-process SMTP server, on SQLite and PostgreSQL: exactly once,
failures recorded and retried, alerts notified only after the server accepted the message."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from monitor.app import open_monitor
from monitor.pipeline import send_digest
from monitor.store.models import Delivery
from tests.alert_fixtures import (
    SmtpScript, add_alert, alert_settings, alert_status, closed_port, silent_server, smtp_server, smtp_toml,
)

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script> {{ config }} =?UTF-8?Q?=0A?=Bcc: evil@attacker.example\r\nX-Injected: 1"


def deliveries(m) -> list[Delivery]:  # type: ignore[no-untyped-def]
    with m.session() as s:
        return list(s.scalars(select(Delivery).order_by(Delivery.id)))


def test_digest_delivered_once_grouped_escaped_and_notified(tmp_path: Path, db_url: str) -> None:
    with smtp_server() as (port, script):
        settings = alert_settings(tmp_path, db_url, smtp_toml(port, to=("ops@example.org", "lead@example.org")))
        with open_monitor(settings) as m:
            a1 = add_alert(m, NOW, title=HOSTILE, outlet="Outlet <b>", repeats=2)
            a2 = add_alert(m, NOW, demand="deployments", speaker=HOSTILE)
            a3 = add_alert(m, NOW)
            report = send_digest(m, NOW + timedelta(minutes=1))
            assert report.status == "sent", report.error
            again = send_digest(m, NOW + timedelta(minutes=2))
            assert again.status == "nothing_new"
            assert [alert_status(m, a) for a in (a1, a2, a3)] == ["notified"] * 3
            (row,) = deliveries(m)
            assert row.status == "sent" and row.attempts == 1 and row.idempotency_key == report.message_id
    assert len(script.messages) == 1
    msg = script.messages[0]
    assert str(msg["Message-ID"]).strip() == report.message_id
    assert sorted(script.envelopes[0][1]) == ["lead@example.org", "ops@example.org"]
    assert list(msg.keys()) == ["Subject", "From", "To", "Date", "Message-ID", "Auto-Submitted", "MIME-Version",
                                "Content-Type"]
    assert msg["Subject"] == "monitor: 3 new statements (nato_expansion 2, deployments 1)"
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert plain.index("== nato_expansion (2) ==") < plain.index("== deployments (1) ==")
    assert "Repeated by 2 other sources." in plain
    assert "&lt;script&gt;" in html and "<script>" not in html and "Outlet &lt;b&gt;" in html
    assert "{{ config }}" in html  # literal text, never evaluated
    # every rendered digest is also in the outbox, byte for byte what was sent
    eml = Path(row.outbox_path or "")
    assert eml.is_file() and eml.with_suffix(".html").is_file()
    assert email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)["Message-ID"].strip() == report.message_id


def test_nothing_new_sends_nothing_unless_configured(tmp_path: Path, db_url: str) -> None:
    with smtp_server() as (port, script):
        settings = alert_settings(tmp_path, db_url, smtp_toml(port))
        with open_monitor(settings) as m:
            assert send_digest(m, NOW).status == "nothing_new"
            assert not script.messages and deliveries(m) == []
            m.settings = dataclasses.replace(
                settings, alerts=dataclasses.replace(settings.alerts, send_empty_digest=True))
            assert send_digest(m, NOW).status == "sent"
    assert script.messages[0]["Subject"] == "monitor: no new statements"


def test_smtp_down_then_up_sends_one_email_with_the_pending_alerts(tmp_path: Path, db_url: str) -> None:
    settings = alert_settings(tmp_path, db_url, smtp_toml(closed_port()))
    with open_monitor(settings) as m:
        a1, a2 = add_alert(m, NOW), add_alert(m, NOW)
        down = send_digest(m, NOW)
        assert down.status == "retry" and "ConnectionRefused" in (down.error or "")
        (row,) = deliveries(m)
        assert row.last_error_kind == "smtp_unavailable" and row.next_attempt_at == NOW + timedelta(minutes=5)
        assert alert_status(m, a1) == "new"
        assert send_digest(m, NOW + timedelta(minutes=1)).status == "waiting"  # backoff: not before 07:05
        a3 = add_alert(m, NOW + timedelta(minutes=2))
        with smtp_server() as (port, script):
            m.settings = dataclasses.replace(settings, smtp=dataclasses.replace(settings.smtp, port=port))
            up = send_digest(m, NOW + timedelta(minutes=6))
            assert up.status == "sent", up.error
            assert send_digest(m, NOW + timedelta(hours=1)).status == "nothing_new"
        assert len(script.messages) == 1
        assert sorted(up.alert_ids) == sorted([a1, a2, a3])
        assert [alert_status(m, a) for a in (a1, a2, a3)] == ["notified"] * 3
        statuses = [(d.status, d.attempts) for d in deliveries(m)]
        assert statuses == [("superseded", 1), ("sent", 2)]


def test_smtp_5xx_records_the_error_and_keeps_alerts_new(tmp_path: Path, db_url: str) -> None:
    with smtp_server(SmtpScript(data_reply="554 5.7.1 Message rejected as spam")) as (port, script):
        settings = alert_settings(tmp_path, db_url, smtp_toml(port))
        with open_monitor(settings) as m:
            a1 = add_alert(m, NOW)
            report = send_digest(m, NOW)
            assert report.status == "failed"
            (row,) = deliveries(m)
            assert row.last_error_kind == "smtp_rejected" and "554" in (row.last_error or "")
            assert alert_status(m, a1) == "new"
            # not retried on every run: paused for alerts.retry_max_h, then a new digest carries the alert
            assert send_digest(m, NOW + timedelta(hours=1)).status == "waiting"
            script.data_reply = None
            later = send_digest(m, NOW + timedelta(hours=25))
            assert later.status == "sent" and later.alert_ids == [a1]
            assert alert_status(m, a1) == "notified"
    assert len(script.messages) == 1


def test_smtp_4xx_is_retried_later_with_the_same_alerts(tmp_path: Path, db_url: str) -> None:
    with smtp_server(SmtpScript(data_reply="451 4.3.0 Try again later")) as (port, script):
        settings = alert_settings(tmp_path, db_url, smtp_toml(port))
        with open_monitor(settings) as m:
            a1 = add_alert(m, NOW)
            first = send_digest(m, NOW)
            assert first.status == "retry" and "451" in (first.error or "")
            (row,) = deliveries(m)
            assert row.last_error_kind == "smtp_transient" and row.next_attempt_at == NOW + timedelta(minutes=5)
            second = send_digest(m, NOW + timedelta(minutes=5))
            assert second.status == "retry"
            assert deliveries(m)[-1].next_attempt_at == NOW + timedelta(minutes=15)  # 5 min, then 10
            script.data_reply = None
            third = send_digest(m, NOW + timedelta(minutes=15))
            assert third.status == "sent" and third.alert_ids == [a1]
            assert deliveries(m)[-1].attempts == 3
    assert len(script.messages) == 1


def test_partial_recipient_refusal_is_recorded_per_recipient(tmp_path: Path, db_url: str) -> None:
    script = SmtpScript(rcpt_replies={"gone@example.org": "550 5.1.1 No such user"})
    with smtp_server(script) as (port, _):
        to = ("ops@example.org", "gone@example.org", "lead@example.org")
        settings = alert_settings(tmp_path, db_url, smtp_toml(port, to=to))
        with open_monitor(settings) as m:
            a1 = add_alert(m, NOW)
            report = send_digest(m, NOW)
            assert report.status == "sent"
            (row,) = deliveries(m)
            assert row.refused == {"gone@example.org": [550, "5.1.1 No such user"]}
            assert row.last_error_kind == "recipient_refused"
            assert alert_status(m, a1) == "notified"
    assert sorted(script.envelopes[0][1]) == ["lead@example.org", "ops@example.org"]


def test_all_recipients_refused_is_a_failure(tmp_path: Path, db_url: str) -> None:
    script = SmtpScript(rcpt_replies={"ops@example.org": "550 5.1.1 No such user"})
    with smtp_server(script) as (port, _):
        settings = alert_settings(tmp_path, db_url, smtp_toml(port))
        with open_monitor(settings) as m:
            a1 = add_alert(m, NOW)
            report = send_digest(m, NOW)
            assert report.status == "failed" and report.refused == {"ops@example.org": (550, "5.1.1 No such user")}
            assert alert_status(m, a1) == "new"
    assert not script.messages


def test_server_that_never_greets_times_out(tmp_path: Path, db_url: str) -> None:
    with silent_server() as port:
        settings = alert_settings(tmp_path, db_url, smtp_toml(port, timeout_s=0.5))
        with open_monitor(settings) as m:
            a1 = add_alert(m, NOW)
            started = datetime.now(UTC)
            report = send_digest(m, NOW)
            assert (datetime.now(UTC) - started).total_seconds() < 10 * 0.5  # 10x the SMTP timeout
            assert report.status == "retry"
            assert deliveries(m)[0].last_error_kind in ("smtp_timeout", "smtp_disconnected")
            assert alert_status(m, a1) == "new"


def test_starttls_required_but_not_offered_is_permanent(tmp_path: Path, db_url: str) -> None:
    with smtp_server() as (port, script):
        toml = smtp_toml(port).replace('security = "none"', 'security = "starttls"')
        with open_monitor(alert_settings(tmp_path, db_url, toml)) as m:
            add_alert(m, NOW)
            report = send_digest(m, NOW)
            assert report.status == "failed" and deliveries(m)[0].last_error_kind == "smtp_unsupported"
    assert not script.messages  # never sent in clear text


def test_crash_after_sending_resends_the_same_message_id_once(tmp_path: Path, db_url: str) -> None:
    """A run that crashed while 'sending' left its row claimed: after the claim expires the next
    run re-sends the identical bytes (same Message-ID), and only once."""
    with smtp_server() as (port, script):
        settings = alert_settings(tmp_path, db_url, smtp_toml(port))
        with open_monitor(settings) as m:
            a1 = add_alert(m, NOW)
            report = send_digest(m, NOW)
            with m.session() as s:  # simulate: accepted, then the process died before recording it
                row = s.get(Delivery, report.delivery_ids[0])
                assert row is not None
                row.status, row.sent_at, row.next_attempt_at = "sending", None, NOW + timedelta(minutes=15)
            assert send_digest(m, NOW + timedelta(minutes=5)).status == "nothing_new"  # claim still held
            redo = send_digest(m, NOW + timedelta(minutes=16))
            assert redo.status == "sent" and redo.delivery_ids == report.delivery_ids
            assert send_digest(m, NOW + timedelta(minutes=17)).status == "nothing_new"
            assert alert_status(m, a1) == "notified"
    assert [str(msg["Message-ID"]).strip() for msg in script.messages] == [report.message_id, report.message_id]
    assert script.raw[0] == script.raw[1]


def test_without_smtp_the_digest_goes_to_the_outbox_once(tmp_path: Path, db_url: str) -> None:
    settings = alert_settings(tmp_path, db_url)
    with open_monitor(settings) as m:
        a1 = add_alert(m, NOW)
        report = send_digest(m, NOW)
        assert report.status == "written" and report.eml_path is not None and report.eml_path.is_file()
        assert report.eml_path.parent == settings.outbox_path
        assert send_digest(m, NOW + timedelta(hours=1)).status == "nothing_new"
        assert alert_status(m, a1) == "new"  # nobody was told yet


def test_dry_run_writes_and_sends_nothing(tmp_path: Path, db_url: str) -> None:
    with smtp_server() as (port, script):
        with open_monitor(alert_settings(tmp_path, db_url, smtp_toml(port))) as m:
            a1 = add_alert(m, NOW)
            report = send_digest(m, NOW, dry_run=True)
            assert report.status == "dry_run" and report.alert_ids == [a1] and report.message is not None
            assert deliveries(m) == [] and alert_status(m, a1) == "new"
    assert not script.messages


def test_mute_rules_keep_alerts_out_of_the_digest(tmp_path: Path, db_url: str) -> None:
    extra = '\n[[alerts.mute]]\nspeaker = "zakharova"\n'
    with smtp_server() as (port, script):
        with open_monitor(alert_settings(tmp_path, db_url, smtp_toml(port) + extra)) as m:
            muted = add_alert(m, NOW, speaker="Maria Zakharova")
            kept = add_alert(m, NOW)
            report = send_digest(m, NOW)
            assert report.alert_ids == [kept] and report.muted == [muted]
            assert alert_status(m, muted) == "muted"
    assert len(script.messages) == 1


def test_concurrent_runs_send_one_digest(tmp_path: Path, db_url: str) -> None:
    import threading

    with smtp_server() as (port, script):
        settings = alert_settings(tmp_path, db_url, smtp_toml(port))
        with open_monitor(settings) as m:
            add_alert(m, NOW)
            add_alert(m, NOW)
        results: list[str] = []

        def run() -> None:
            with open_monitor(settings) as mm:
                results.append(send_digest(mm, NOW).status)

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results.count("sent") == 1 and len(results) == 4
        assert set(results) <= {"sent", "busy", "nothing_new"}
    assert len(script.messages) == 1


def test_a_held_lease_means_busy(tmp_path: Path, db_url: str) -> None:
    from monitor.store import runs

    with open_monitor(alert_settings(tmp_path, db_url)) as m:
        add_alert(m, NOW)
        with m.session() as s:
            assert runs.acquire_lease(s, "deliver:outbox", "other-process", NOW, timedelta(minutes=15))
        assert send_digest(m, NOW).status == "busy"
        assert send_digest(m, NOW + timedelta(minutes=16)).status == "written"  # expired lease taken over
