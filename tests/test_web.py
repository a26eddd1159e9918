"""`monitor web` over HTTP: the table and its filters, exports, triage and the security rules,
against a real server on loopback, on both databases."""

from __future__ import annotations

import csv
import html
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from monitor.app import open_monitor
from monitor.cli import main
from monitor.config import Settings
from tests.alert_fixtures import add_alert, alert_settings, alert_status
from tests.web_fixtures import NOW, Sample, add_sample, page_csrf, row_ids, web_server


@pytest.fixture
def sample_server(tmp_path: Path, db_url: str) -> Iterator[tuple[str, Sample, Settings]]:
    settings = alert_settings(tmp_path, db_url)
    with open_monitor(settings) as m:
        sample = add_sample(m)
    with web_server(settings) as url:
        yield url, sample, settings


def test_filters_sorting_and_pages(sample_server: tuple[str, Sample, Settings]) -> None:
    url, s, settings = sample_server
    newest_first = [s.posture, s.blinken, s.peskov, s.lavrov, s.old]
    cases = {
        "": newest_first,
        "?status=new": newest_first,
        "?status=muted": [],
        "?demand=deployments": [s.peskov],
        "?speaker=lavrov": [s.lavrov],
        "?stance=contra": [s.blinken],
        "?q=OPEN+DOOR": [s.blinken],
        "?since=2026-11-23": [s.posture, s.blinken, s.peskov, s.lavrov],
        "?until=2026-11-22": [s.old],
        "?since=2026-11-23T08:30&until=2026-11-23T09:30": [s.blinken],
        "?sort=speaker&order=asc": [s.blinken, s.peskov, s.old, s.lavrov, s.posture],
        "?sort=sources": [s.lavrov, s.old, s.posture, s.blinken, s.peskov],  # ties: newest id first
        "?sort=first_seen&order=asc&per_page=25": list(reversed(newest_first)),
    }
    with httpx.Client() as client:
        for query, expected in cases.items():
            response = client.get(url + "/" + query)
            assert response.status_code == 200, (query, response.text)
            assert row_ids(response.text) == expected, query
        many = [add_alert_in(settings, i) for i in range(26)]
        first = client.get(url + "/?per_page=25")
        assert len(row_ids(first.text)) == 25 and "31</strong> alerts" in first.text and "Page 1 of 2" in first.text
        second = client.get(url + "/?per_page=25&page=2")
        assert row_ids(second.text)[-3:] == [s.peskov, s.lavrov, s.old] and "Page 2 of 2" in second.text
        assert set(row_ids(first.text)) | set(row_ids(second.text)) == set(many) | set(newest_first)
        assert not set(row_ids(first.text)) & set(row_ids(second.text))


def add_alert_in(settings: Settings, i: int) -> int:
    from datetime import timedelta

    with open_monitor(settings) as m:
        return add_alert(m, NOW + timedelta(days=1, minutes=i))


BAD_FILTERS = {
    "unknown status": ("?status=open", "status: 'open' is not one of"),
    "unknown stance": ("?stance=angry", "stance: 'angry' is not one of"),
    "bad date": ("?since=yesterday", "since: 'yesterday' is not a date"),
    "until before since": ("?since=2026-11-23&until=2026-11-01", "until: must be after since"),
    "bad sort": ("?sort=text", "sort: 'text' is not one of"),
    "bad order": ("?order=up", "order: 'up' is not asc or desc"),
    "page zero": ("?page=0", "page: '0' is not a positive whole number"),
    "page not a number": ("?page=two", "page: 'two' is not a positive whole number"),
    "huge page size": ("?per_page=100000", "per_page: choose one of"),
    "unknown parameter": ("?colour=red", "unknown parameter 'colour'"),
    "markup in a demand": ("?demand=%3Cscript%3E", "demand: '<script>' is not a demand name"),
    "two demands": ("?demand=a&demand=b", "demand: give one value, not 2"),
    "long text": ("?q=" + "x" * 201, "q: at most 200 characters"),
}


def test_bad_filter_values_get_400_with_a_message(tmp_path: Path) -> None:
    settings = alert_settings(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}")  # parsing: one backend is enough
    with web_server(settings) as url, httpx.Client() as client:
        for case, (query, message) in BAD_FILTERS.items():
            for path in ("/", "/alerts.csv"):
                response = client.get(url + path + query)
                assert response.status_code == 400, (case, path)
                assert message in html.unescape(response.text), (case, path)
                assert "Traceback" not in response.text
                if path == "/":
                    assert "<script>" not in response.text  # escaped in the page
                else:
                    assert response.headers["content-type"].startswith("text/plain")


def test_exports_follow_the_filters_across_pages(sample_server: tuple[str, Sample, Settings]) -> None:
    url, s, settings = sample_server
    cli = CliRunner().invoke(main, ["--config", settings.config_path or "", "alerts", "--demand", "nato_expansion",
                                    "--format", "json"])
    expected = sorted(json.loads(cli.stdout), key=lambda r: r["id"])
    as_json = httpx.get(url + "/alerts.json?demand=nato_expansion&per_page=25&page=3")
    assert as_json.status_code == 200 and "attachment" in as_json.headers["content-disposition"]
    rows = sorted(as_json.json(), key=lambda r: r["id"])
    assert [r["id"] for r in rows] == [r["id"] for r in expected] == sorted([s.lavrov, s.blinken, s.old])
    for mine, theirs in zip(rows, expected, strict=True):
        assert mine == theirs  # the same fields and values as `monitor alerts --format json`
    as_csv = httpx.get(url + "/alerts.csv?speaker=lavrov")
    parsed = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [int(r["id"]) for r in parsed] == [s.lavrov] and parsed[0]["sources"] == "3"
    assert parsed[0]["first_source_url"] == "https://tass.example/lavrov"
    assert httpx.get(url + "/alerts.xml").status_code == 404


def test_triage_needs_post_same_origin_and_csrf(sample_server: tuple[str, Sample, Settings]) -> None:
    url, s, settings = sample_server
    with httpx.Client() as client:
        token = page_csrf(client, url + "/")
        form = {"csrf": token, "action": "acknowledge", "id": str(s.lavrov), "next": "/?status=new"}
        refused = {
            "no token": ({**form, "csrf": ""}, {"origin": url}),
            "wrong token": ({**form, "csrf": "0" * 64}, {"origin": url}),
            "other origin": (form, {"origin": "http://evil.example"}),
            "other port": (form, {"origin": "http://127.0.0.1:1"}),
            "cross-site fetch": (form, {"origin": url, "sec-fetch-site": "cross-site"}),
            "no origin or referer": (form, {}),
            "referer elsewhere": (form, {"referer": "http://evil.example/page"}),
        }
        for case, (data, headers) in refused.items():
            response = client.post(url + "/alerts/triage", data=data, headers=headers)
            assert response.status_code == 403, case
            assert "Refused" in response.text, case
        assert client.get(url + "/alerts/triage").status_code == 405  # no change on GET
        assert alert_status_in(settings, s.lavrov) == "new"
        done = client.post(url + "/alerts/triage", data=form, headers={"origin": url})
        assert done.status_code == 303 and done.headers["location"] == "/?status=new&done=acknowledge&changed=1&unchanged=0"
        assert alert_status_in(settings, s.lavrov) == "acknowledged"
        again = client.post(url + "/alerts/triage", headers={"referer": url + "/"},
                            data={**form, "id": [str(s.lavrov), str(s.peskov)], "action": "mute", "reason": "noise",
                                  "next": "//evil.example/"})
        assert again.headers["location"] == "/?done=mute&changed=2&unchanged=0"  # never another host
        assert "2 alerts muted." in client.get(url + again.headers["location"]).text
        assert alert_status_in(settings, s.lavrov) == alert_status_in(settings, s.peskov) == "muted"
        back = client.post(url + "/alerts/triage", headers={"origin": url},
                           data={**form, "id": [str(s.lavrov), str(s.blinken)], "action": "unmute"})
        assert back.headers["location"].endswith("changed=1&unchanged=1")
        assert alert_status_in(settings, s.lavrov) == "acknowledged"  # the state before the mute
        page = html.unescape(client.get(f"{url}/alerts/{s.lavrov}").text)
        assert page.count("by web") == 3 and "noise" in page  # acknowledge, mute, unmute in its history
        bad = client.post(url + "/alerts/triage", headers={"origin": url}, data={**form, "action": "delete"})
        assert bad.status_code == 400 and "action: 'delete' is not one of" in html.unescape(bad.text)


def alert_status_in(settings: Settings, alert_id: int) -> str:
    with open_monitor(settings) as m:
        return alert_status(m, alert_id)


def test_responses_are_locked_down(tmp_path: Path) -> None:
    settings = alert_settings(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}")  # headers: one backend is enough
    with open_monitor(settings) as m:
        s = add_sample(m)
    with web_server(settings) as url:
        _check_locked_down(url, s)


def _check_locked_down(url: str, s: Sample) -> None:
    for path in ("/", f"/alerts/{s.lavrov}", "/sources", "/static/web.css", "/nope", "/?page=x"):
        response = httpx.get(url + path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert response.headers["x-content-type-options"] == "nosniff"
    # a DNS name rebound to 127.0.0.1 must not read the pages
    assert httpx.get(url + "/", headers={"host": "attacker.example"}).status_code == 400
    assert httpx.get(url + "/", headers={"host": "localhost"}).status_code == 200
    assert httpx.get(url + "/alerts/999999").status_code == 404


def test_token_protects_every_page(tmp_path: Path) -> None:
    settings = alert_settings(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}")
    token = "s3cret-token-for-tests-0123456789"
    with web_server(settings, token=token) as url, httpx.Client() as client:
        first = client.get(url + "/sources")
        assert first.status_code == 303 and first.headers["location"] == "/login?next=%2Fsources"
        assert client.get(url + "/alerts.json").status_code == 303
        assert httpx.post(url + "/alerts/triage", data={}).status_code == 401
        assert httpx.get(url + "/alerts.json", headers={"authorization": f"Bearer {token}"}).json() == []
        csrf = page_csrf(client, url + "/login")
        wrong = client.post(url + "/login", data={"csrf": csrf, "token": "guess", "next": "/sources"},
                            headers={"origin": url})
        assert wrong.status_code == 403 and "Wrong token" in wrong.text
        ok = client.post(url + "/login", data={"csrf": csrf, "token": token, "next": "/sources"},
                         headers={"origin": url})
        assert ok.status_code == 303 and ok.headers["location"] == "/sources"
        assert token not in ok.headers["set-cookie"]
        assert client.get(url + "/sources").status_code == 200
        # with a token, any host name may reach the server (it was bound for other machines)
        assert client.get(url + "/", headers={"host": "monitor.internal"}).status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


REFUSED_BINDS = {
    "all interfaces, no token": (["--host", "0.0.0.0"], {}, "refusing to serve on 0.0.0.0"),
    "a LAN address, no token": (["--host", "192.0.2.10"], {}, "without a token: set MONITOR_WEB_TOKEN"),
    "IPv6 any, no token": (["--host", "::"], {}, "refusing to serve on ::"),
    "token too short": (["--host", "0.0.0.0"], {"MONITOR_WEB_TOKEN": "short"}, "at least 16 characters"),
}


@pytest.mark.parametrize("args, env, message", REFUSED_BINDS.values(), ids=list(REFUSED_BINDS))
def test_web_refuses_other_addresses_without_a_token(tmp_path: Path, args: list[str], env: dict[str, str],
                                                     message: str) -> None:
    settings = alert_settings(tmp_path, f"sqlite:///{tmp_path / 'm.db'}")
    port = _free_port()
    result = CliRunner().invoke(main, ["--config", settings.config_path or "", "web", *args, "--port", str(port)],
                                env={"MONITOR_WEB_TOKEN": "", **env})
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "m.db").exists()  # refused before opening anything


def test_the_server_socket_has_no_nagle_delay() -> None:
    from monitor.web.server import bind

    sock = bind("127.0.0.1", 0)
    try:  # asyncio sets TCP_NODELAY on accepted connections only for IPPROTO_TCP sockets
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_pages_read_while_a_writer_holds_sqlite_and_a_blocked_change_says_why(tmp_path: Path) -> None:
    import sqlite3

    from monitor.config import load_settings
    from tests.conftest import write_config

    path = tmp_path / "monitor.db"
    settings = load_settings(write_config(tmp_path, f"sqlite:///{path}", seeds=False),
                             env={"MONITOR_DATABASE_BUSY_TIMEOUT_S": "1"})
    with open_monitor(settings) as m:
        s = add_sample(m)
    with web_server(settings) as url, httpx.Client(timeout=60) as client:
        token = page_csrf(client, url + "/")
        writer = sqlite3.connect(path, isolation_level=None)  # e.g. `monitor run` storing a batch
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("UPDATE alert SET mute_reason = 'pending' WHERE id = ?", (s.old,))
            assert row_ids(client.get(url + "/").text)[-1] == s.old  # a snapshot, not a wait
            assert client.get(f"{url}/alerts/{s.old}").status_code == 200
            blocked = client.post(url + "/alerts/triage", headers={"origin": url},
                                  data={"csrf": token, "action": "acknowledge", "id": str(s.old)})
            assert blocked.status_code == 503 and "database is locked" in blocked.text
            assert "Traceback" not in blocked.text
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    assert alert_status_in(settings, s.old) == "new"


def test_model_features_render_as_weighted_chips_and_stay_escaped() -> None:
    from monitor.web.render import make_environment

    env = make_environment()
    macro = env.from_string('{% from "macros.html" import evidence %}{{ evidence(value) }}')
    html = macro.render(value={"features": [["lex:nato_expansion", 1.523], ["<b>w:x</b>", -0.25]], "flags": [True, 2]})
    assert '<ul class="evidence-weights">' in html
    assert '<span class="feature">lex:nato_expansion</span> <span class="weight">1.52</span>' in html
    assert "&lt;b&gt;w:x&lt;/b&gt;" in html and "<b>" not in html
    assert '<ul class="evidence-list">' in html  # a list of other values keeps the plain list
