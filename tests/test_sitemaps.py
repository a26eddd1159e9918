"""Sitemap parsing: urlset, index, Google News, text lists; DOCTYPE, entities and XXE refused — pure."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import PermanentFetchError
from monitor.sources.sitemaps import parse_sitemap
from tests.feed_fixtures import BILLION_LAUGHS_SITEMAP, GARBAGE, sitemap, sitemap_index, xxe_sitemap

URL = "https://news.example/sitemap.xml"


def test_urlset() -> None:
    sm = parse_sitemap(sitemap(["https://news.example/a", "/b", "mailto:x@y.example"]).encode(), URL)
    assert sm.kind == "urlset" and [e.url for e in sm.entries] == ["https://news.example/a", "https://news.example/b"]
    assert sm.entries[0].lastmod == "2026-02-01"


def test_google_news_sitemap() -> None:
    sm = parse_sitemap(sitemap(["https://news.example/n1"], news=True).encode(), URL)
    (e,) = sm.entries
    assert e.title == "News 0" and e.published_at == datetime(2026, 2, 1, 8, tzinfo=UTC)


def test_index() -> None:
    sm = parse_sitemap(sitemap_index(["https://news.example/s1.xml", "https://news.example/s2.xml"]).encode(), URL)
    assert sm.kind == "index" and sm.children == ("https://news.example/s1.xml", "https://news.example/s2.xml")


def test_text_sitemap() -> None:
    assert [e.url for e in parse_sitemap(b"https://news.example/a\nhttps://news.example/b\n", URL).entries] == [
        "https://news.example/a", "https://news.example/b"]


def test_count_cap() -> None:
    sm = parse_sitemap(sitemap([f"https://news.example/{i}" for i in range(120)]).encode(), URL, max_urls=100)
    assert len(sm.entries) == 100 and sm.truncated == 20


@pytest.mark.parametrize("body", [BILLION_LAUGHS_SITEMAP, GARBAGE, "<urlset><url><loc>x</loc></urlset>",
                                  '<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "http://evil.example/x.dtd"><urlset/>'])
def test_hostile_or_broken_xml_is_a_parse_error(body: str) -> None:
    with pytest.raises(PermanentFetchError) as info:
        parse_sitemap(body.encode(), URL)
    assert info.value.kind == "parse_error"


def test_xxe_sentinel_never_appears(tmp_path: Path) -> None:
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("https://news.example/XXE-SENTINEL")
    with pytest.raises(PermanentFetchError) as info:
        parse_sitemap(xxe_sitemap(str(sentinel)).encode(), URL)
    assert "SENTINEL" not in str(info.value)


def test_not_a_sitemap() -> None:
    with pytest.raises(PermanentFetchError) as info:
        parse_sitemap(b"<?xml version='1.0'?><rss/>", URL)
    assert info.value.kind == "not_a_feed"


def test_quadratic_blowup_is_refused() -> None:
    from tests.feed_fixtures import quadratic_blowup

    body = quadratic_blowup("https://news.example/q").split("<rss")[0] + "<urlset><url><loc>&a;</loc></url></urlset>"
    with pytest.raises(PermanentFetchError):
        parse_sitemap(body.encode(), URL)
