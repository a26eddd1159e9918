"""Feed parsing (RSS, Atom, JSON Feed), hostile XML, canonical URLs and autodiscovery — pure."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.errors import PermanentFetchError
from monitor.sources.feeds import discover_feeds, parse_feed, sniff_document
from monitor.sources.urls import canonical_url
from tests.feed_fixtures import (BILLION_LAUGHS, GARBAGE, GARBAGE_FEED, MALFORMED_RSS, atom, json_feed, quadratic_blowup,
                                 rdf, rss, xxe)

FEED_URL = "https://news.example/feed.xml"


def test_rss_entries_with_dates_newest_first() -> None:
    body = rss([("1", "/a?utm_source=x", "Mon, 02 Mar 2026 10:00:00 GMT"),
                ("2", "https://news.example/b#frag", "Tue, 03 Mar 2026 10:00:00 GMT")])
    feed = parse_feed(body.encode(), FEED_URL)
    assert [e.url for e in feed.entries] == ["https://news.example/b", "https://news.example/a"]
    assert feed.entries[0].published_at == datetime(2026, 3, 3, 10, tzinfo=UTC)
    assert feed.entries[1].summary == "Summary of 1: the ministry said things." and feed.title == "Test feed"


def test_atom() -> None:
    feed = parse_feed(atom([("urn:1", "https://news.example/x", "2026-01-02T00:00:00Z")]).encode(), FEED_URL)
    (e,) = feed.entries
    assert (e.url, e.guid, e.title, e.summary) == ("https://news.example/x", "urn:1", "Entry urn:1", "Atom summary urn:1")
    assert e.updated_marker == "2026-01-02T00:00:00Z"


@pytest.mark.parametrize("version", ["1", "1.1"])
def test_json_feed(version: str) -> None:
    feed = parse_feed(json_feed([("a", "https://news.example/j1"), ("b", "/j2")], version).encode(), FEED_URL)
    assert [e.url for e in feed.entries] == ["https://news.example/j1", "https://news.example/j2"]
    assert feed.entries[0].published_at == datetime(2026, 3, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize("body, kind", [
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}', "parse_error"),
    (b'{"hello": "world"}', "not_a_feed"),
    (b'{"version": "https://jsonfeed.org/version/1", "items": [{"url": "https://x.example/"}]}', "parse_error"),
    (b"<!doctype html><html><body>login</body></html>", "not_a_feed"),
    (GARBAGE.encode(), "parse_error"),
])
def test_not_feeds_and_broken_feeds(body: bytes, kind: str) -> None:
    with pytest.raises(PermanentFetchError) as info:
        parse_feed(body, FEED_URL)
    assert info.value.kind == kind


def test_malformed_xml_recovers_what_it_can() -> None:
    feed = parse_feed(MALFORMED_RSS.format(link="https://news.example/ok").encode(), FEED_URL)
    assert [e.title for e in feed.entries] == ["Survivor"] and feed.warning


def test_billion_laughs_is_not_expanded() -> None:
    try:
        feed = parse_feed(BILLION_LAUGHS.format(link="https://news.example/lol").encode(), FEED_URL)
    except PermanentFetchError as exc:
        assert exc.kind == "parse_error"
    else:
        assert all(len(e.title or "") < 1000 for e in feed.entries)


def test_xxe_sentinel_never_appears(tmp_path: Path) -> None:
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("XXE-SENTINEL-SECRET")
    try:
        feed = parse_feed(xxe(str(sentinel), "https://news.example/x").encode(), FEED_URL)
    except PermanentFetchError:
        return
    assert "XXE-SENTINEL-SECRET" not in repr(feed)


def test_duplicate_guids() -> None:
    body = rss([("g", "https://news.example/same", None), ("g", "https://news.example/same", None),
                ("h", "https://news.example/one", None), ("h", "https://news.example/two", None)])
    feed = parse_feed(body.encode(), FEED_URL)
    assert sorted(e.url for e in feed.entries) == ["https://news.example/one", "https://news.example/same",
                                                   "https://news.example/two"]


def test_no_dates_and_future_dates_are_kept_raw() -> None:
    body = rss([("1", "https://news.example/nodate", None), ("2", "https://news.example/future",
                                                              "Fri, 01 Jan 2100 00:00:00 GMT")])
    feed = parse_feed(body.encode(), FEED_URL)
    by_url = {e.url: e for e in feed.entries}
    assert by_url["https://news.example/nodate"].published_at is None
    assert by_url["https://news.example/future"].published_at == datetime(2100, 1, 1, tzinfo=UTC)


def test_bad_links_are_skipped_relative_ones_resolved() -> None:
    body = rss([("1", "javascript:alert(1)", None), ("2", "data:text/html,x", None), ("3", "file:///etc/passwd", None),
                ("4", "relative/path", None), ("5", "https://x.example/" + "a" * 3000, None)])
    feed = parse_feed(body.encode(), FEED_URL)
    assert [e.url for e in feed.entries] == ["https://news.example/relative/path"] and feed.skipped == 4


def test_giant_title_is_truncated() -> None:
    body = rss([("1", "https://news.example/a", None)]).replace("Item 1", "T" * 100_000)
    assert len(parse_feed(body.encode(), FEED_URL).entries[0].title or "") == 1000


def test_50k_entry_feed_is_truncated_to_max_items() -> None:
    body = rss([(str(i), f"https://news.example/a/{i}", None) for i in range(50_000)]).encode()
    feed = parse_feed(body, FEED_URL, max_items=2000)
    assert len(feed.entries) == 2000 and feed.truncated == 48_000
    assert [e.url for e in feed.entries] == [f"https://news.example/a/{i}" for i in range(2000)]  # undated: feed order


def _shuffled_dates(n: int, seed: int) -> list[datetime | None]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    dates: list[datetime | None] = [start + timedelta(minutes=rng.randrange(60 * 24 * 60)) for _ in range(n)]
    dates[::9] = [None] * len(dates[::9])  # some entries undated: they come after every dated one
    dates[5] = dates[6]  # a tie keeps feed order
    return dates


def _many(fmt: str, n: int, seed: int = 1) -> bytes:
    dates = _shuffled_dates(n, seed)
    if fmt == "atom":  # Atom entries need a date; updated only
        return atom([(f"urn:{i}", f"https://news.example/x/{i}", (d or datetime(2025, 1, 1, tzinfo=UTC))
                      .strftime("%Y-%m-%dT%H:%M:%SZ")) for i, d in enumerate(dates)]).encode()
    if fmt == "rdf":
        return rdf([(f"urn:{i}", f"https://news.example/r/{i}", d.strftime("%Y-%m-%dT%H:%M:%SZ") if d else None)
                    for i, d in enumerate(dates)]).encode()
    return rss([(str(i), f"https://news.example/a/{i}", d.strftime("%a, %d %b %Y %H:%M:%S GMT") if d else None)
                for i, d in enumerate(dates)]).encode()


@pytest.mark.parametrize("fmt", ["rss", "atom", "rdf"])
def test_a_feed_longer_than_max_items_keeps_its_newest_entries(fmt: str) -> None:
    """Entries past max_items are dropped before the full parse, whatever the feed's order:
    the result is the full parse's newest max_items, in the same order."""
    body = _many(fmt, 300)
    full = parse_feed(body, FEED_URL, max_items=1000)
    cut = parse_feed(body, FEED_URL, max_items=50)
    assert len(full.entries) == 300 and full.truncated == 0
    assert cut.entries == full.entries[:50] and cut.truncated == 250 and cut.title == full.title
    dated = [e.published_at or datetime.min.replace(tzinfo=UTC) for e in cut.entries]
    assert dated == sorted(dated, reverse=True)


def test_a_long_feed_in_a_charset_from_the_http_header() -> None:
    items = [(str(i), f"https://news.example/a/{i}", f"Mon, {1 + i % 28:02d} Feb 2026 10:00:00 GMT") for i in range(80)]
    body = rss(items, title="Новости").replace(' encoding="utf-8"', "").replace("Item 3<", "Пункт 3<").encode("cp1251")
    full = parse_feed(body, FEED_URL, content_type="application/rss+xml; charset=windows-1251", max_items=1000)
    cut = parse_feed(body, FEED_URL, content_type="application/rss+xml; charset=windows-1251", max_items=10)
    assert cut.title == full.title == "Новости" and cut.entries == full.entries[:10]
    assert "Пункт 3" in [e.title for e in full.entries]


def test_a_long_malformed_feed_is_still_read_by_the_lenient_parser() -> None:
    body = rss([(str(i), f"https://news.example/a/{i}", None) for i in range(60)]).replace("</channel></rss>", "<item>")
    feed = parse_feed(body.encode(), FEED_URL, max_items=50)
    assert len(feed.entries) == 50 and feed.truncated == 10 and feed.warning


def test_garbage_that_looks_like_rss_is_a_parse_error_with_the_parsers_message() -> None:
    with pytest.raises(PermanentFetchError) as info:
        parse_feed(GARBAGE_FEED, FEED_URL, content_type="application/rss+xml")
    assert info.value.kind == "parse_error" and "not well-formed" in str(info.value)


@pytest.mark.parametrize("body", [rss([]), '<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
                                  atom([])], ids=["rss with a title", "bare rss", "atom"])
def test_an_empty_valid_feed_is_ok(body: str) -> None:
    feed = parse_feed(body.encode(), FEED_URL)
    assert feed.entries == () and feed.truncated == 0


def test_sniff_document() -> None:
    assert sniff_document(rss([]).encode()) == "feed"
    assert sniff_document(b"<?xml version='1.0'?><urlset>") == "sitemap"
    assert sniff_document(b"\xef\xbb\xbf<!DOCTYPE html><html>") == "html"
    assert sniff_document(json_feed([]).encode()) == "feed"


def test_autodiscovery() -> None:
    page = """<html><head><link rel="stylesheet" href="/s.css">
      <link rel="alternate" type="application/rss+xml" href="/rss.xml?utm_medium=x">
      <link rel="Alternate" type="application/atom+xml" href="https://news.example/atom">
      <link rel="alternate" type="text/html" hreflang="de" href="/de/"></head><body></body></html>"""
    assert discover_feeds(page, "https://news.example/") == ["https://news.example/rss.xml", "https://news.example/atom"]
    assert discover_feeds("", "https://news.example/") == []


CANONICAL = {
    "tracking and fragment": ("https://News.Example/a/?utm_source=x&id=3&fbclid=y#top", "https://news.example/a/?id=3"),
    "default port": ("http://news.example:80/a", "http://news.example/a"),
    "root": ("https://news.example", "https://news.example/"),
    "double slash": ("https://news.example//a//b/", "https://news.example/a/b/"),
    "percent": ("https://news.example/%D0%BC%D0%B8%D1%80", "https://news.example/%D0%BC%D0%B8%D1%80"),
    "idn": ("https://кремль.рф/events", "https://xn--e1ajeds9e.xn--p1ai/events"),
}


@pytest.mark.parametrize("url, expected", CANONICAL.values(), ids=CANONICAL)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected  # idempotent


@pytest.mark.parametrize("url", ["ftp://x.example/", "mailto:a@b.example", "https://user@x.example/", "//", ""])
def test_canonical_url_refuses(url: str) -> None:
    assert canonical_url(url) is None


def test_quadratic_blowup_is_not_expanded() -> None:
    try:
        feed = parse_feed(quadratic_blowup("https://news.example/q").encode(), FEED_URL)
    except PermanentFetchError as exc:
        assert exc.kind == "parse_error"
    else:
        assert all(len(e.title or "") <= 1000 for e in feed.entries)
