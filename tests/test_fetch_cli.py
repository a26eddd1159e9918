"""The fetch commands: monitor fetch, sources add (kind detection), reextract; offline behaviour."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from tests.feed_fixtures import GARBAGE_FEED, rss, sitemap
from tests.servers import LoopbackServer, http_server  # noqa: F401
from tests.test_fetch_pipeline import article_html, config, serve_articles


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_fetch_prints_a_summary_and_fails_only_the_broken_source(
    tmp_path: Path, db_url: str, http_server: LoopbackServer
) -> None:
    urls = serve_articles(http_server, 2)
    http_server.static("/feed", rss([("a", urls[0], None), ("b", urls[1], None)]), "application/rss+xml")
    cfg = str(config(tmp_path, db_url, http_server, {"good": ("feed", http_server.url("/feed")),
                                                      "offline": ("feed", "http://feeds.invalid/rss")}))
    code, out, err = _run("--config", cfg, "fetch", "--format", "json")
    rows = {r["source"]: r for r in json.loads(out)}
    assert code == 1 and rows["good"]["new"] == 2 and rows["offline"]["error_kind"] == "network"
    assert "offline: network" in err
    code, out, _ = _run("--config", cfg, "fetch", "--source", "good", "--format", "json")
    assert code == 0 and json.loads(out)[0]["new"] == 0
    code, out, _ = _run("--config", cfg, "sources", "list", "--format", "json")
    states = {r["name"]: r["state"] for r in json.loads(out)}
    assert states["offline"].startswith("failing") and states["good"] == "ok"
    code, out, _ = _run("--config", cfg, "reextract")
    assert code == 0 and "2 unchanged" in out


def test_a_garbage_feed_is_reported_as_a_parse_error_and_an_empty_feed_as_ok(
    tmp_path: Path, db_url: str, http_server: LoopbackServer
) -> None:
    http_server.static("/garbage", GARBAGE_FEED, "application/rss+xml")
    http_server.static("/empty", rss([]), "application/rss+xml")
    cfg = str(config(tmp_path, db_url, http_server, {"garbage": ("feed", http_server.url("/garbage")),
                                                      "empty": ("feed", http_server.url("/empty"))}))
    code, out, err = _run("--config", cfg, "fetch", "--format", "json")
    rows = {r["source"]: r for r in json.loads(out)}
    assert code == 1 and rows["garbage"]["status"] == "error" and rows["garbage"]["error_kind"] == "parse_error"
    assert "not well-formed" in rows["garbage"]["error"] and "garbage: parse_error" in err
    assert rows["empty"]["status"] == "ok" and rows["empty"]["error_kind"] == ""
    code, out, err = _run("--config", cfg, "fetch", "--force")  # the table summary
    assert code == 1 and "fetched 2 sources" in out and "1 failed" in out and "garbage: parse_error" in err
    code, out, _ = _run("--config", cfg, "sources", "list", "--format", "json")
    by_name = {r["name"]: r for r in json.loads(out)}
    assert by_name["garbage"]["state"].startswith("failing") and by_name["garbage"]["last_error_kind"] == "parse_error"
    assert "not well-formed" in by_name["garbage"]["last_error"]
    assert by_name["empty"]["state"] == "ok" and by_name["empty"]["last_error"] is None


def test_fetch_rejects_unknown_sources(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    cfg = str(config(tmp_path, db_url, http_server, {}))
    code, _, err = _run("--config", cfg, "fetch", "--source", "nope")
    assert code == 2 and "nope" in err


def test_sources_add_detects_the_kind(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    http_server.static("/rss", rss([("a", http_server.url("/a/0"), None)]), "application/rss+xml")
    http_server.static("/sitemap.xml", sitemap([http_server.url("/a/0")]), "application/xml")
    http_server.static("/home", '<html><head><link rel="alternate" type="application/atom+xml" href="/rss"></head></html>')
    http_server.static("/story", article_html(1))
    cfg = config(tmp_path, db_url, http_server, {})
    expected = {"/rss": "feed", "/sitemap.xml": "sitemap", "/home": "home", "/story": "page"}
    for i, (path, kind) in enumerate(expected.items()):
        code, out, err = _run("--config", str(cfg), "sources", "add", http_server.url(path), "--name", f"s{i}")
        assert code == 0, err
        assert f"({kind})" in out
    text = cfg.read_text()
    assert text.count("[[sources]]") == 4 and 'kind = "home"' in text
    code, _, err = _run("--config", str(cfg), "sources", "add", http_server.url("/rss"))
    assert code == 2 and "already" in err


def test_sources_add_refuses_a_private_address(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    cfg = config(tmp_path, db_url, http_server, {})
    code, _, err = _run("--config", str(cfg), "sources", "add", "http://169.254.169.254/latest/")
    assert code == 1 and "ssrf_blocked" in err or "not public" in err
