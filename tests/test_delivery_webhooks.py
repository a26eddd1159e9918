"""Webhooks against a local HTTP server, on SQLite and PostgreSQL: retries on 5xx/429, exactly
once per alert, idempotency key, redirects never followed, private addresses refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from monitor.app import open_monitor
from monitor.pipeline import send_webhooks
from monitor.store.models import Delivery
from tests.alert_fixtures import HttpScript, add_alert, alert_settings, alert_status, http_server

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def hook_toml(url: str, *, batch: bool = True, allow: str | None = None) -> str:
    port = url.rsplit(":", 1)[1].split("/")[0]
    allow_line = f'allow_hosts = ["{allow or "127.0.0.1:" + port}"]\n'
    return (f'\n[fetch]\n{allow_line}\n[[alerts.webhooks]]\nname = "ops"\nurl = "{url}/hook"\n'
            f"batch = {'true' if batch else 'false'}\ntimeout_s = 2.0\n")


def rows(m) -> list[Delivery]:  # type: ignore[no-untyped-def]
    with m.session() as s:
        return list(s.scalars(select(Delivery).order_by(Delivery.id)))


def test_500_then_200_delivers_the_batch_once_with_one_key(tmp_path: Path, db_url: str) -> None:
    script = HttpScript(statuses=[500, 200])
    with http_server(script) as base:
        with open_monitor(alert_settings(tmp_path, db_url, hook_toml(base))) as m:
            a1 = add_alert(m, NOW, title="<b>t</b>", url="https://ex.example/a")
            a2 = add_alert(m, NOW, demand="deployments")
            (first,) = send_webhooks(m, NOW)
            assert first.status == "retry" and "HTTP 500" in (first.error or "")
            assert alert_status(m, a1) == "new"
            assert send_webhooks(m, NOW + timedelta(minutes=1)) == []  # backoff: nothing before 07:05
            (second,) = send_webhooks(m, NOW + timedelta(minutes=5))
            assert second.status == "sent" and sorted(second.alert_ids) == sorted([a1, a2])
            assert send_webhooks(m, NOW + timedelta(hours=1)) == []  # nothing new: no POST
            assert [alert_status(m, a) for a in (a1, a2)] == ["notified", "notified"]
            (row,) = rows(m)
            assert (row.status, row.attempts, row.channel) == ("sent", 2, "webhook:ops")
    assert len(script.requests) == 2
    keys = {r["headers"]["Idempotency-Key"] for r in script.requests}
    assert keys == {row.idempotency_key}
    body = script.requests[1]["json"]
    assert body["idempotency_key"] == row.idempotency_key and "text" in body
    assert "2 new statement(s)" in body["text"] and "&lt;" not in body["text"]
    assert [a["id"] for a in body["alerts"]] == [a1, a2]
    assert body["alerts"][0]["first_source"]["title"] == "<b>t</b>"  # JSON carries the raw data


def test_per_alert_webhooks_and_429_retry(tmp_path: Path, db_url: str) -> None:
    script = HttpScript(statuses=[200, 429, 200])
    with http_server(script) as base:
        with open_monitor(alert_settings(tmp_path, db_url, hook_toml(base, batch=False))) as m:
            a1, a2 = add_alert(m, NOW), add_alert(m, NOW)
            reports = send_webhooks(m, NOW)
            assert [r.status for r in reports] == ["sent", "retry"]
            assert rows(m)[1].last_error_kind == "http_429"
            (redo,) = send_webhooks(m, NOW + timedelta(minutes=5))
            assert redo.status == "sent" and redo.alert_ids == [a2]
            assert send_webhooks(m, NOW + timedelta(hours=1)) == []
            assert alert_status(m, a1) == alert_status(m, a2) == "notified"
    keys = [r["headers"]["Idempotency-Key"] for r in script.requests]
    assert len(keys) == 3 and keys[1] == keys[2] and keys[0] != keys[1]
    assert [len(r["json"]["alerts"]) for r in script.requests] == [1, 1, 1]


def test_redirect_is_not_followed(tmp_path: Path, db_url: str) -> None:
    admin = HttpScript()
    with http_server(admin) as admin_base:
        script = HttpScript(statuses=[307], location=f"{admin_base}/admin")
        with http_server(script) as base:
            with open_monitor(alert_settings(tmp_path, db_url, hook_toml(base))) as m:
                a1 = add_alert(m, NOW)
                (report,) = send_webhooks(m, NOW)
                assert report.status == "failed"
                assert rows(m)[0].last_error_kind == "webhook_redirect"
                assert alert_status(m, a1) == "new"
    assert len(script.requests) == 1 and admin.requests == []


def test_private_address_is_refused_before_connecting(tmp_path: Path, db_url: str) -> None:
    admin = HttpScript()
    with http_server(admin) as admin_base:
        # the allow list names another port: the webhook's own port stays forbidden
        toml = hook_toml(admin_base, allow="127.0.0.1:1")
        with open_monitor(alert_settings(tmp_path, db_url, toml)) as m:
            add_alert(m, NOW)
            (report,) = send_webhooks(m, NOW)
            assert report.status == "failed" and "not public" in (report.error or "")
            assert rows(m)[0].last_error_kind == "ssrf_blocked"
    assert admin.requests == []


def test_link_local_metadata_address_is_refused(tmp_path: Path, db_url: str) -> None:
    toml = ('\n[[alerts.webhooks]]\nname = "meta"\nurl = "http://169.254.169.254/latest"\ntimeout_s = 1.0\n')
    with open_monitor(alert_settings(tmp_path, db_url, toml)) as m:
        add_alert(m, NOW)
        (report,) = send_webhooks(m, NOW)
        assert report.status == "failed" and rows(m)[0].last_error_kind == "ssrf_blocked"
