"""The fetch stage end to end: loopback sources -> stored articles, on SQLite and PostgreSQL.

Every case asserts the recorded result, that the other sources of the run were unaffected, and
that a re-run stores nothing twice.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from monitor.app import Monitor, open_monitor
from monitor.clock import utc_now
from monitor.config import load_settings
from monitor.pipeline import FetchReport, fetch_sources, reextract_articles
from monitor.store.models import Article, ArticleUrl, FetchAttempt, Source, SourceItem
from tests.conftest import write_config
from tests.feed_fixtures import BILLION_LAUGHS, GARBAGE_FEED, MALFORMED_RSS, atom, json_feed, rss, sitemap, sitemap_index
from tests.servers import (LoopbackServer, Request, admin_server, blackhole, endless, gzip_bomb,  # noqa: F401
                           http_server, trickle)

PAGES = Path(__file__).parent / "data" / "pages"
WORDS = ("ministry statement alliance eastern flank security guarantees treaty troops border talks "
         "spokesperson briefing reporters sanctions negotiations summit defence").split()


def article_html(i: int, *, lang: str = "en", extra: str = "") -> str:
    """A page with a distinct article of about 1,500 characters."""
    paras = "".join(
        f"<p>Paragraph {j} of story {i}: " + " ".join(WORDS[(i * 7 + j * 3 + k) % len(WORDS)] for k in range(25))
        + f" number {i}-{j}.</p>" for j in range(8))
    return (f'<html lang="{lang}"><head><title>Story {i}</title></head><body><header>Site</header>'
            f"<article><h1>Story {i}</h1>{paras}{extra}</article><footer>(c)</footer></body></html>")


def config(tmp_path: Path, db_url: str, server: LoopbackServer, sources: dict[str, tuple[str, str]],
           **fetch: Any) -> Path:
    opts = {"allow_hosts": [f"127.0.0.1:{server.port}"], "per_host_delay_s": 0.0, "per_host_concurrency": 16, "connect_timeout_s": 5.0,
            "read_timeout_s": 5.0, "feed_deadline_s": 10.0, "page_deadline_s": 10.0, "retry_base_delay_s": 0.01,
            "retry_max_delay_s": 0.05, "extract_workers": 0, "min_text_chars": 200, **fetch}
    body = "\n[fetch]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in opts.items())
    for name, (kind, url) in sources.items():
        body += f'\n[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n'
    return write_config(tmp_path, db_url, body, seeds=False)


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(f'"{x}"' for x in v) + "]"
    return repr(v)


def run(cfg: Path, now: datetime | None = None, **kw: Any) -> tuple[FetchReport, Monitor]:
    m = open_monitor(load_settings(cfg, env={}))
    try:
        return fetch_sources(m, now or utc_now(), **kw), m
    finally:
        m.close()


def by_name(report: FetchReport) -> dict[str, Any]:
    return {o.name: o for o in report.sources}


def count(cfg: Path, model: Any) -> int:
    with open_monitor(load_settings(cfg, env={})) as m, m.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def serve_articles(server: LoopbackServer, n: int, prefix: str = "/a/") -> list[str]:
    for i in range(n):
        server.static(f"{prefix}{i}", article_html(i + hash(prefix) % 1000))
    return [server.url(f"{prefix}{i}") for i in range(n)]


def test_rss_atom_and_json_feeds_then_nothing_twice(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    urls = serve_articles(http_server, 6)
    http_server.etag_route("/rss", rss([(f"g{i}", urls[i], "Mon, 02 Mar 2026 10:00:00 GMT") for i in range(3)]),
                           "application/rss+xml")
    http_server.static("/atom", atom([("urn:3", urls[3], "2026-01-02T00:00:00Z"), ("urn:0", urls[0], "2026-01-01T00:00:00Z")]),
                       "application/atom+xml")
    http_server.static("/json", json_feed([("j4", urls[4]), ("j5", urls[5] + "?utm_source=feed")]), "application/feed+json")
    cfg = config(tmp_path, db_url, http_server, {"rss": ("feed", http_server.url("/rss")),
                                                  "atom": ("feed", http_server.url("/atom")),
                                                  "json": ("auto", http_server.url("/json"))})
    first, _ = run(cfg)
    got = by_name(first)
    assert all(o.status == "ok" for o in first.sources), [o.summary() for o in first.sources]
    assert got["json"].new == 2 and got["rss"].new + got["rss"].unchanged == 3
    assert got["atom"].new + got["atom"].unchanged == 2  # urls[0] is in both: either feed may store it first
    assert sum(o.new for o in first.sources) == 6
    assert count(cfg, Article) == 6
    second, _ = run(cfg, force=True)
    assert by_name(second)["rss"].status == "not_modified" and http_server.hits["/rss"] == 2
    assert sum(o.new for o in second.sources) == 0 and count(cfg, Article) == 6
    assert http_server.hits["/a/1"] == 1  # a seen URL is not fetched again


HOSTILE: dict[str, tuple[str, Any, str]] = {
    # name: (path, handler, expected error kind)
    "hangs": ("/hang", Request.hang, "timeout"),
    "trickles": ("/trickle", trickle, "timeout"),
    "endless": ("/endless", endless, "too_large"),
    "bomb": ("/bomb", lambda r: r.reply(200, BOMB[0], "application/rss+xml", {"Content-Encoding": "gzip"}), "too_large"),
    "loop": ("/loop", lambda r: r.redirect("/loop"), "too_many_redirects"),
    "gone": ("/gone", lambda r: r.reply(404, b"no"), "http_404"),
    "down": ("/down", lambda r: r.reply(503, b"down"), "http_5xx"),
    "html": ("/html", lambda r: r.reply(200, b"<!doctype html><html><body>login</body></html>"), "not_a_feed"),
    "lol": ("/lol", lambda r: r.reply(200, BILLION_LAUGHS.format(link="javascript:x").encode(), "application/rss+xml"),
            "parse_error"),
    "empty": ("/empty", lambda r: r.reply(200, b""), "empty_body"),
    "garbage": ("/garbage", lambda r: r.reply(200, GARBAGE_FEED, "application/rss+xml"), "parse_error"),
    "pdf": ("/feed.pdf", lambda r: r.reply(200, b"%PDF-1.4" + b"\0" * 1000, "application/pdf"), "unsupported_type"),
}
BOMB: list[bytes] = []


def test_hostile_sources_are_recorded_and_isolated(
    tmp_path: Path, db_url: str, http_server: LoopbackServer, admin_server: LoopbackServer
) -> None:
    if not BOMB:
        BOMB.append(gzip_bomb(64 * 1024 * 1024))
    urls = serve_articles(http_server, 3)
    http_server.static("/good", rss([(f"g{i}", u, None) for i, u in enumerate(urls)]), "application/rss+xml")
    http_server.static("/bad.xml", MALFORMED_RSS.format(link=urls[0]), "application/rss+xml")
    http_server.routes["/evil"] = lambda r: r.redirect(admin_server.url("/admin"))
    sources = {"good": ("feed", http_server.url("/good")), "malformed": ("feed", http_server.url("/bad.xml")),
               "evil": ("feed", http_server.url("/evil")), "offline": ("feed", "http://host.invalid/feed")}
    for name, (path, handler, _) in HOSTILE.items():
        http_server.routes[path] = handler
        sources[name] = ("feed", http_server.url(path))
    # the read timeout is what the hanging source must hit; the deadline (which the trickling one
    # must hit) leaves the ordinary answers room on a loaded machine: 1.5 s was too tight there
    cfg = config(tmp_path, db_url, http_server, sources, max_feed_bytes=2_000_000, read_timeout_s=0.5,
                 feed_deadline_s=5.0)
    now = utc_now()
    report, _ = run(cfg, now)
    got = by_name(report)
    expected = {name: kind for name, (_, _, kind) in HOSTILE.items()} | {"evil": "ssrf_blocked", "offline": "network"}
    assert {n: got[n].error_kind for n in expected} == expected
    assert got["good"].status == "ok" and got["good"].new + got["good"].unchanged == 3  # "malformed" shares urls[0]
    assert count(cfg, Article) == 3
    assert got["malformed"].status == "ok"  # the loose parser recovered the surviving entry
    assert admin_server.hits["/admin"] == 0
    with open_monitor(load_settings(cfg, env={})) as m, m.session() as s:
        rows = {src.name: src for src in s.scalars(select(Source))}
        assert rows["hangs"].last_error_kind == "timeout" and rows["hangs"].consecutive_failures == 1
        assert "not well-formed" in (rows["garbage"].last_error or "")  # the parser's own message
        assert rows["down"].next_attempt_at is not None and rows["down"].next_attempt_at > now
        assert rows["good"].consecutive_failures == 0 and rows["good"].last_error is None
        kinds = set(s.scalars(select(FetchAttempt.error_kind).where(FetchAttempt.outcome == "error")))
        assert set(expected.values()) <= kinds
        assert not any("SECRET" in (a.text or "") for a in s.scalars(select(Article)))
    again, _ = run(cfg, now + timedelta(days=2))
    assert by_name(again)["good"].new == 0 and count(cfg, Article) == 3


def test_a_connect_that_never_completes_is_a_timeout_and_other_sources_are_unaffected(
    tmp_path: Path, db_url: str, http_server: LoopbackServer, blackhole: int
) -> None:
    urls = serve_articles(http_server, 2)
    http_server.static("/good", rss([(f"g{i}", u, None) for i, u in enumerate(urls)]), "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"good": ("feed", http_server.url("/good")),
                                                  "blackhole": ("feed", f"http://127.0.0.1:{blackhole}/feed")},
                 allow_hosts=[f"127.0.0.1:{http_server.port}", f"127.0.0.1:{blackhole}"],
                 connect_timeout_s=0.3, feed_deadline_s=60.0, retries=0)
    report, _ = run(cfg)
    got = by_name(report)
    assert got["blackhole"].status == "error" and got["blackhole"].error_kind == "timeout"
    assert "ConnectTimeout" in (got["blackhole"].error or "")  # the connect timeout, not the 60 s deadline
    assert got["good"].status == "ok" and got["good"].new == 2 and count(cfg, Article) == 2
    with open_monitor(load_settings(cfg, env={})) as m, m.session() as s:
        rows = {src.name: src for src in s.scalars(select(Source))}
        assert rows["blackhole"].last_error_kind == "timeout" and rows["blackhole"].consecutive_failures == 1
        assert rows["good"].consecutive_failures == 0


def test_a_mis_decoded_page_is_stored_and_recorded_as_charset_suspect(
    tmp_path: Path, db_url: str, http_server: LoopbackServer
) -> None:
    clean = http_server.static("/a/clean", article_html(1), "text/html")
    broken = http_server.static("/a/broken", b"\xef\xbb\xbf" + article_html(2).encode().replace(b"e", b"\xff"),
                                "text/html")
    http_server.static("/feed", rss([("c", clean, None), ("b", broken, None)]), "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"news": ("feed", http_server.url("/feed"))})
    report, _ = run(cfg)
    news = by_name(report)["news"]
    assert news.status == "ok" and news.new == 2 and news.charset_suspect == 1
    assert report.counts()["charset_suspect"] == 1
    with open_monitor(load_settings(cfg, env={})) as m, m.session() as s:
        flagged = s.execute(select(FetchAttempt.url, FetchAttempt.outcome, FetchAttempt.error)
                            .where(FetchAttempt.error_kind == "charset_suspect")).all()
    assert [(u, o) for u, o, _ in flagged] == [(broken, "ok")] and "U+FFFD" in flagged[0][2]


def test_429_with_retry_after_then_200_on_a_later_run(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    urls = serve_articles(http_server, 2)
    http_server.sequence("/feed", lambda r: r.reply(429, b"", headers={"Retry-After": "7200"}),
                         lambda r: r.reply(200, rss([("a", urls[0], None), ("b", urls[1], None)]).encode(),
                                           "application/rss+xml"))
    http_server.static("/other", rss([("c", urls[1], None)]), "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"busy": ("feed", http_server.url("/feed")),
                                                  "other": ("feed", http_server.url("/other"))})
    now = utc_now()
    first, _ = run(cfg, now)
    busy = by_name(first)["busy"]
    assert busy.error_kind == "http_429" and http_server.hits["/feed"] == 1  # no in-run retry
    assert busy.next_attempt_at is not None and busy.next_attempt_at >= now + timedelta(seconds=7199)
    assert by_name(first)["other"].new == 1
    early, _ = run(cfg, now + timedelta(minutes=30))
    assert by_name(early)["busy"].status == "not_due" and http_server.hits["/feed"] == 1
    later, _ = run(cfg, now + timedelta(hours=3))
    assert by_name(later)["busy"].status == "ok" and by_name(later)["busy"].new == 1  # urls[1] already stored
    assert count(cfg, Article) == 2


def test_500_then_200_within_the_run(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    urls = serve_articles(http_server, 1)
    http_server.sequence("/feed", lambda r: r.reply(500, b""),
                         lambda r: r.reply(200, rss([("a", urls[0], None)]).encode(), "application/rss+xml"))
    cfg = config(tmp_path, db_url, http_server, {"flaky": ("feed", http_server.url("/feed"))})
    report, _ = run(cfg)
    assert by_name(report)["flaky"].new == 1 and http_server.hits["/feed"] == 2


def test_seen_state_survives_guid_and_date_churn(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    urls = serve_articles(http_server, 3)
    counter = iter(range(1000))

    def churning(r: Request) -> None:
        n = next(counter)
        r.reply(200, rss([(f"guid-{n}-{i}", u + f"?utm_campaign={n}", f"Mon, 0{1 + n % 8} Mar 2026 10:00:00 GMT")
                          for i, u in enumerate(urls)]).encode(), "application/rss+xml")

    http_server.routes["/feed"] = churning
    cfg = config(tmp_path, db_url, http_server, {"churn": ("feed", http_server.url("/feed"))})
    first, _ = run(cfg)
    assert by_name(first)["churn"].new == 3
    for _ in range(2):
        again, _ = run(cfg, force=True)
        assert by_name(again)["churn"].new == 0
    assert count(cfg, Article) == 3 and count(cfg, SourceItem) == 3
    assert all(http_server.hits[f"/a/{i}"] <= 3 for i in range(3))


def test_duplicate_guids_no_dates_future_dates_and_a_pdf_link(
    tmp_path: Path, db_url: str, http_server: LoopbackServer
) -> None:
    urls = serve_articles(http_server, 3)
    http_server.static("/doc.pdf", b"%PDF-1.7" + b"\0" * 5000, "application/pdf")
    items = [("same", urls[0], None), ("same", urls[0], None), ("twin", urls[1], "Fri, 01 Jan 2100 00:00:00 GMT"),
             ("twin", urls[2], None), ("pdf", http_server.url("/doc.pdf"), None)]
    http_server.static("/feed", rss(items), "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"dups": ("feed", http_server.url("/feed"))})
    report, _ = run(cfg)
    out = by_name(report)["dups"]
    assert out.status == "ok" and out.new == 3 and out.item_errors == 1
    with open_monitor(load_settings(cfg, env={})) as m, m.session() as s:
        pdf = s.scalar(select(SourceItem).where(SourceItem.url.like("%doc.pdf")))
        assert pdf is not None and pdf.status == "failed" and pdf.last_error_kind == "unsupported_type"
        dates = {a.canonical_url: a.published_at for a in s.scalars(select(Article))}
        assert dates[urls[0]] is None and dates[urls[1]] is not None and dates[urls[1]].year == 2100
    run(cfg, force=True)
    assert count(cfg, Article) == 3


def test_big_feed_is_truncated_to_the_newest_items(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    http_server.routes["/a/*"] = lambda r: r.reply(200, article_html(int(r.path.rsplit("/", 1)[1])).encode())
    items = [(str(i), http_server.url(f"/a/{i}"), f"Mon, 02 Mar 2026 {i % 24:02d}:{i % 60:02d}:00 GMT")
             for i in range(3000)]
    http_server.static("/big", rss(items), "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"big": ("feed", http_server.url("/big"))}, max_items_per_feed=10)
    report, _ = run(cfg)
    out = by_name(report)["big"]
    assert out.new == 10 and out.truncated == 2990 and count(cfg, Article) == 10


def test_sitemap_index_and_news_sitemap(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    urls = serve_articles(http_server, 4)
    http_server.static("/s1.xml", sitemap(urls[:2]), "application/xml")
    http_server.static("/s2.xml.gz", gzip.compress(sitemap(urls[2:], news=True).encode()), "application/gzip")
    http_server.static("/loop.xml", sitemap_index([http_server.url("/index.xml")]), "application/xml")
    http_server.static("/index.xml", sitemap_index([http_server.url(p) for p in ("/s1.xml", "/s2.xml.gz", "/loop.xml")]),
                       "application/xml")
    cfg = config(tmp_path, db_url, http_server, {"sm": ("sitemap", http_server.url("/index.xml"))})
    report, _ = run(cfg)
    assert by_name(report)["sm"].new == 4 and http_server.hits["/index.xml"] == 1
    run(cfg, force=True)
    assert count(cfg, Article) == 4


def test_autodiscovery_from_a_home_page(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    urls = serve_articles(http_server, 2)
    http_server.static("/", '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
                            "</head><body>Home</body></html>")
    http_server.static("/feed.xml", rss([("a", urls[0], None), ("b", urls[1], None)]), "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"home": ("home", http_server.url("/"))})
    report, _ = run(cfg)
    assert by_name(report)["home"].new == 2
    with open_monitor(load_settings(cfg, env={})) as m, m.session() as s:
        assert s.scalar(select(Source.feed_url).where(Source.name == "home")) == http_server.url("/feed.xml")
    run(cfg, force=True)
    assert http_server.hits["/"] == 1 and count(cfg, Article) == 2


@pytest.mark.parametrize("encoding, declared", [("utf-8", "header"), ("windows-1251", "header"),
                                                ("windows-1251", "meta"), ("koi8-r", "none")])
def test_cyrillic_pages_come_out_right(
    tmp_path: Path, db_url: str, http_server: LoopbackServer, encoding: str, declared: str
) -> None:
    sentence = "Министр иностранных дел России заявил, что расширение НАТО на восток недопустимо. "
    meta = f'<meta charset="{encoding}">' if declared == "meta" else ""
    page = (f"<html><head>{meta}<title>Заявление</title></head><body><article><h1>Заявление МИД</h1>"
            + "".join(f"<p>{sentence}Абзац {i}.</p>" for i in range(8)) + "</article></body></html>")
    ctype = f"text/html; charset={encoding}" if declared == "header" else "text/html"
    http_server.static("/ru", page.encode(encoding), ctype)
    cfg = config(tmp_path, db_url, http_server, {"ru": ("page", http_server.url("/ru"))})
    report, _ = run(cfg)
    assert by_name(report)["ru"].new == 1, report.errors
    with open_monitor(load_settings(cfg, env={})) as m, m.session() as s:
        text = s.scalar(select(Article.text))
    assert text is not None and "расширение НАТО на восток" in text and "\ufffd" not in text


def test_blocked_page_keeps_the_feed_text_as_a_partial_article(
    tmp_path: Path, db_url: str, http_server: LoopbackServer
) -> None:
    http_server.static("/paywalled", "<html>Subscribe</html>", status=403)
    http_server.static("/cf", "<html>Just a moment</html>", status=403, headers={"cf-mitigated": "challenge"})
    http_server.static("/feed", rss([("p", http_server.url("/paywalled"), None), ("c", http_server.url("/cf"), None)]),
                       "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"pw": ("feed", http_server.url("/feed"))})
    report, _ = run(cfg)
    assert by_name(report)["pw"].partial == 2
    with open_monitor(load_settings(cfg, env={})) as m, m.session() as s:
        arts = list(s.scalars(select(Article)))
    assert all(a.is_partial and "the ministry said things" in a.text for a in arts)


def test_same_text_at_two_urls_and_a_near_duplicate(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    original = article_html(1)
    edited = original.replace("Paragraph 3 of story 1", "Paragraph three of story 1")
    http_server.static("/orig", original)
    http_server.static("/mirror", original)
    http_server.static("/edited", edited)
    http_server.static("/feed", rss([("1", http_server.url("/orig"), None), ("2", http_server.url("/mirror"), None)]),
                       "application/rss+xml")
    http_server.static("/feed2", rss([("3", http_server.url("/edited"), None)]), "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"a": ("feed", http_server.url("/feed"))})
    run(cfg)
    assert count(cfg, Article) == 1 and count(cfg, ArticleUrl) == 2
    cfg = config(tmp_path, db_url, http_server, {"a": ("feed", http_server.url("/feed")),
                                                  "b": ("feed", http_server.url("/feed2"))})
    run(cfg, names=["b"])
    with open_monitor(load_settings(cfg, env={})) as m, m.session() as s:
        first, second = s.scalars(select(Article).order_by(Article.id))
    assert second.duplicate_of_id == first.id


def test_reextract_updates_only_changed_texts(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    urls = serve_articles(http_server, 2)
    http_server.static("/feed", rss([("a", urls[0], None), ("b", urls[1], None)]), "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"f": ("feed", http_server.url("/feed"))})
    run(cfg)
    with open_monitor(load_settings(cfg, env={})) as m:
        with m.session() as s:
            first = s.scalar(select(Article).order_by(Article.id))
            assert first is not None and first.html_gz is not None
            first.text = "stale text from an older extractor"
            first.content_hash = "stale"
        report = reextract_articles(m, utc_now())
        assert len(report.updated) == 1 and len(report.unchanged) == 1


def test_a_real_page_behind_a_feed(tmp_path: Path, db_url: str, http_server: LoopbackServer) -> None:
    http_server.static("/dw", gzip.decompress((PAGES / "dw.com.colonial.html.gz").read_bytes()))
    http_server.static("/feed", rss([("dw", http_server.url("/dw"), None)]), "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"dw": ("feed", http_server.url("/feed"))}, extract_workers=1,
                 extract_timeout_s=20.0)
    report, _ = run(cfg)
    assert by_name(report)["dw"].new == 1
    with open_monitor(load_settings(cfg, env={})) as m, m.session() as s:
        art = s.scalar(select(Article))
    assert art is not None and len(art.text) > 1000 and not art.is_partial


def test_a_304_forever_server_still_gets_an_unconditional_fetch_daily(
    tmp_path: Path, db_url: str, http_server: LoopbackServer
) -> None:
    urls = serve_articles(http_server, 2)
    http_server.etag_route("/feed", rss([("a", urls[0], None)]), "application/rss+xml")
    cfg = config(tmp_path, db_url, http_server, {"stale": ("feed", http_server.url("/feed"))})
    now = utc_now()
    run(cfg, now)
    second, _ = run(cfg, now + timedelta(hours=2), force=True)
    assert by_name(second)["stale"].status == "not_modified"
    http_server.etag_route("/feed", rss([("a", urls[0], None), ("b", urls[1], None)]), "application/rss+xml")
    third, _ = run(cfg, now + timedelta(hours=30), force=True)  # the ETag did not change, the content did
    assert by_name(third)["stale"].new == 1
    feed_requests = [h for p, h in http_server.requests if p == "/feed"]
    assert "If-None-Match" not in feed_requests[0] and "If-None-Match" in feed_requests[1]
    assert "If-None-Match" not in feed_requests[2]
