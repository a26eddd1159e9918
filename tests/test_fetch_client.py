"""The guarded client against a real loopback server: budgets, redirects, SSRF, retries, types."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import ssl
import threading
import time
import zlib
from collections.abc import Sequence
from http.server import ThreadingHTTPServer

import pytest

from monitor.config import FetchSettings
from monitor.errors import FetchError, PermanentFetchError, TransientFetchError
from monitor.fetch.client import FetchResult, Fetcher, make_client
from monitor.fetch.guard import AllowList, check_url, is_public_ip, parse_ip_literal
from monitor.fetch.politeness import HostGate, RobotsCache
from tests.servers import (LoopbackServer, Request, admin_server, blackhole, endless, gz, gzip_bomb,  # noqa: F401
                           http_server, trickle)

HTML = "<html><head><title>t</title></head><body><p>" + "Hello world. " * 50 + "</p></body></html>"


def fast_settings(server: LoopbackServer, **overrides: object) -> FetchSettings:
    """Settings for loopback tests: only this server's port allowed; tiny timeouts and delays."""
    base = dict(
        allow_hosts=(f"127.0.0.1:{server.port}",), per_host_delay_s=0.0, connect_timeout_s=1.0,
        read_timeout_s=0.5, feed_deadline_s=1.5, page_deadline_s=1.5, retry_base_delay_s=0.01,
        retry_max_delay_s=0.05, respect_robots=False,
    )
    base.update(overrides)
    return FetchSettings(**base)  # type: ignore[arg-type]


async def _get(settings: FetchSettings, url: str, **kw: object) -> FetchResult:
    async with Fetcher.open(settings) as f:
        return await f.get(url, **kw)  # type: ignore[arg-type]


def get(settings: FetchSettings, url: str, **kw: object) -> FetchResult:
    return asyncio.run(_get(settings, url, **kw))


def fails(settings: FetchSettings, url: str, **kw: object) -> FetchError:
    with pytest.raises(FetchError) as info:
        get(settings, url, **kw)
    return info.value


# --- plain success, conditional GET, encodings ----------------------------------------------


def test_plain_page(http_server: LoopbackServer) -> None:
    url = http_server.static("/a", HTML)
    r = get(fast_settings(http_server), url)
    assert r.status == 200 and r.body.decode() == HTML and r.content_type == "text/html" and r.charset == "utf-8"
    _, headers = http_server.requests[-1]
    assert headers["Accept-Encoding"] == "gzip, deflate" and "monitor" in headers["User-Agent"]


def test_conditional_get_returns_304_as_a_result(http_server: LoopbackServer) -> None:
    url = http_server.etag_route("/feed", "<rss/>", "application/rss+xml")
    s = fast_settings(http_server)
    first = get(s, url, kind="feed")
    second = get(s, url, kind="feed", etag=first.etag)
    assert first.status == 200 and first.etag == '"v1"'
    assert second.not_modified and second.body == b""


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_content_encodings_are_decoded(http_server: LoopbackServer, encoding: str) -> None:
    data = HTML.encode()
    body = {"gzip": gzip.compress(data), "deflate": zlib.compress(data),
            "raw-deflate": zlib.compress(data)[2:-4]}[encoding]
    url = http_server.static("/enc", body, headers={"Content-Encoding": encoding.replace("raw-", "")})
    assert get(fast_settings(http_server), url).body == data


def test_gzip_without_content_encoding_is_sniffed_and_inflated(http_server: LoopbackServer) -> None:
    url = http_server.static("/sitemap.xml.gz", gz("<urlset/>" + " " * 100), "application/octet-stream")
    assert get(fast_settings(http_server), url, kind="sitemap").body.startswith(b"<urlset/>")


# --- size and time budgets ------------------------------------------------------------------


def test_content_length_over_the_cap_is_refused_before_reading(http_server: LoopbackServer) -> None:
    url = http_server.static("/big", b"x" * 5000)
    err = fails(fast_settings(http_server, max_page_bytes=1000), url)
    assert isinstance(err, PermanentFetchError) and err.kind == "too_large"


def test_endless_chunked_body_is_cut_at_the_cap(http_server: LoopbackServer) -> None:
    http_server.routes["/endless"] = endless
    err = fails(fast_settings(http_server, max_page_bytes=1_000_000, page_deadline_s=10), http_server.url("/endless"))
    assert err.kind == "too_large"


@pytest.mark.parametrize("with_header", [True, False], ids=["content-encoding", "sniffed"])
def test_gzip_bomb_is_cut_within_one_step_of_the_cap(http_server: LoopbackServer, with_header: bool) -> None:
    bomb = gzip_bomb(256 * 1024 * 1024)
    headers = {"Content-Encoding": "gzip"} if with_header else {}
    url = http_server.static("/bomb", bomb, "text/html", headers)
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    err = fails(fast_settings(http_server, max_page_bytes=5 * 1024 * 1024, page_deadline_s=30), url)
    assert err.kind == "too_large"
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 64 * 1024, f"peak memory grew by {grown_kib} KiB"


# Timeouts: small configured values, the recorded outcome and its reason (which timer fired) are
# asserted; a wall-clock bound, where there is one, is at least 10x the timer that must fire.


def test_server_that_never_answers_times_out(http_server: LoopbackServer) -> None:
    http_server.routes["/hang"] = Request.hang
    err = fails(fast_settings(http_server, retries=0, read_timeout_s=0.3, page_deadline_s=60), http_server.url("/hang"))
    assert isinstance(err, TransientFetchError) and err.kind == "timeout"
    assert "ReadTimeout" in err.reason  # the read timeout fired, not the 60 s deadline


def test_connect_that_never_completes_times_out(blackhole: int) -> None:
    s = FetchSettings(allow_hosts=(f"127.0.0.1:{blackhole}",), connect_timeout_s=0.3, read_timeout_s=60,
                      page_deadline_s=60, retries=0, respect_robots=False)
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        get(s, f"http://127.0.0.1:{blackhole}/feed")
    assert isinstance(info.value, TransientFetchError) and info.value.kind == "timeout"
    assert "ConnectTimeout" in info.value.reason  # the connect timeout fired, not the 60 s deadline
    assert time.monotonic() - started < 30 * 0.3  # generous: which timer fired is asserted above


def test_trickling_server_is_cut_at_the_total_deadline(http_server: LoopbackServer) -> None:
    http_server.routes["/trickle"] = trickle
    started = time.monotonic()
    err = fails(fast_settings(http_server, read_timeout_s=5, page_deadline_s=1.0), http_server.url("/trickle"))
    assert err.kind == "timeout" and "deadline" in err.reason
    assert time.monotonic() - started < 30 * 1.0  # generous: which timer fired is asserted above


def test_deadline_covers_retries(http_server: LoopbackServer) -> None:
    http_server.routes["/hang"] = Request.hang
    started = time.monotonic()
    err = fails(fast_settings(http_server, retries=5, read_timeout_s=0.3, page_deadline_s=0.8),
                http_server.url("/hang"))
    # six attempts of 0.3 s would end on a ReadTimeout; the deadline cut them short
    assert err.kind == "timeout" and "deadline" in err.reason and http_server.hits["/hang"] <= 3
    assert time.monotonic() - started < 30 * 0.8  # generous: which timer fired is asserted above


def test_connection_reset_mid_body_is_a_network_error(http_server: LoopbackServer) -> None:
    def half(r: Request) -> None:
        r.send_response(200)
        r.send_header("Content-Type", "text/html")
        r.send_header("Content-Length", "1000")
        r.end_headers()
        r.wfile.write(b"<html>" + b"x" * 100)
        r.wfile.flush()
        r.close_connection = True
        r.connection.shutdown(2)

    http_server.routes["/half"] = half
    err = fails(fast_settings(http_server, retries=0), http_server.url("/half"))
    assert isinstance(err, TransientFetchError) and err.kind == "network"


def test_connection_refused_is_a_network_error(http_server: LoopbackServer) -> None:
    closed = LoopbackServer()
    port = closed.port
    closed.server_close()
    s = fast_settings(http_server, allow_hosts=(f"127.0.0.1:{port}",), retries=1)
    err = fails(s, f"http://127.0.0.1:{port}/")
    assert isinstance(err, TransientFetchError) and err.kind == "network"


# --- statuses and retries -------------------------------------------------------------------


def test_500_then_200_is_retried_in_run(http_server: LoopbackServer) -> None:
    url = http_server.sequence("/flaky", lambda r: r.reply(500, b"oops"), lambda r: r.reply(200, HTML.encode()))
    r = get(fast_settings(http_server), url)
    assert r.status == 200 and r.attempts == 2 and http_server.hits["/flaky"] == 2


def test_persistent_503_gives_up_after_the_configured_retries(http_server: LoopbackServer) -> None:
    url = http_server.static("/down", b"down", status=503)
    err = fails(fast_settings(http_server, retries=2), url)
    assert isinstance(err, TransientFetchError) and err.kind == "http_5xx"
    assert http_server.hits["/down"] == 3


def test_429_with_a_short_retry_after_is_retried_in_run(http_server: LoopbackServer) -> None:
    url = http_server.sequence("/busy", lambda r: r.reply(429, b"", headers={"Retry-After": "0"}),
                               lambda r: r.reply(200, HTML.encode()))
    assert get(fast_settings(http_server), url).attempts == 2


@pytest.mark.parametrize("value, expected", [("120", 120.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_429_with_a_long_retry_after_is_returned_with_its_delay(
    http_server: LoopbackServer, value: str, expected: float
) -> None:
    url = http_server.static("/busy", b"", headers={"Retry-After": value}, status=429)
    err = fails(fast_settings(http_server, retry_max_delay_s=0.0), url)
    assert err.kind == "http_429" and err.retry_after_s == expected
    assert http_server.hits["/busy"] == (1 if expected > 0 else 3)


@pytest.mark.parametrize("status, kind", [(404, "http_404"), (410, "http_410"), (401, "http_401"),
                                          (403, "http_403"), (418, "http_4xx")])
def test_client_errors_are_permanent_and_not_retried(http_server: LoopbackServer, status: int, kind: str) -> None:
    url = http_server.static("/x", b"no", status=status)
    err = fails(fast_settings(http_server), url)
    assert isinstance(err, PermanentFetchError) and err.kind == kind and http_server.hits["/x"] == 1


def test_cloudflare_challenge_is_its_own_kind(http_server: LoopbackServer) -> None:
    url = http_server.static("/cf", "<html>Just a moment...</html>", status=403, headers={"cf-mitigated": "challenge"})
    assert fails(fast_settings(http_server), url).kind == "blocked_challenge"


def test_empty_body_is_recorded(http_server: LoopbackServer) -> None:
    url = http_server.static("/empty", b"")
    assert fails(fast_settings(http_server), url).kind == "empty_body"


# --- redirects ------------------------------------------------------------------------------


def test_redirect_chain_301_302_is_followed(http_server: LoopbackServer) -> None:
    http_server.routes["/r1"] = lambda r: r.redirect("/r2", 301)
    http_server.routes["/r2"] = lambda r: r.redirect(r.base + "/final", 302)
    http_server.static("/final", HTML)
    res = get(fast_settings(http_server), http_server.url("/r1"))
    assert res.final_url == http_server.url("/final") and len(res.redirects) == 2


def test_redirect_loop_stops(http_server: LoopbackServer) -> None:
    http_server.routes["/loop"] = lambda r: r.redirect("/loop")
    assert fails(fast_settings(http_server), http_server.url("/loop")).kind == "too_many_redirects"


def test_more_than_five_redirects_stop(http_server: LoopbackServer) -> None:
    for i in range(10):
        http_server.routes[f"/h{i}"] = (lambda n: lambda r: r.redirect(f"/h{n + 1}"))(i)
    assert fails(fast_settings(http_server), http_server.url("/h0")).kind == "too_many_redirects"
    assert http_server.hits["/h6"] == 0


@pytest.mark.parametrize("target", ["file:///etc/passwd", "gopher://127.0.0.1/", "ftp://example.com/x"])
def test_redirect_to_another_scheme_is_refused(http_server: LoopbackServer, target: str) -> None:
    http_server.routes["/go"] = lambda r: r.redirect(target)
    assert fails(fast_settings(http_server), http_server.url("/go")).kind == "bad_scheme"


# --- the SSRF guard ---------------------------------------------------------------------------

SSRF_TARGETS = {
    "admin port": "http://127.0.0.1:{admin}/admin",
    "localhost": "http://localhost:{admin}/admin",
    "ipv6 loopback": "http://[::1]:{admin}/admin",
    "unspecified": "http://0.0.0.0:{admin}/admin",
    "decimal": "http://2130706433:{admin}/admin",
    "octal": "http://0177.0.0.1:{admin}/admin",
    "mapped": "http://[::ffff:127.0.0.1]:{admin}/admin",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "private": "http://10.0.0.1/",
    "cgnat": "http://100.64.0.1/",
}


@pytest.mark.parametrize("target", SSRF_TARGETS.values(), ids=SSRF_TARGETS)
def test_redirect_to_a_refused_address_is_blocked(
    http_server: LoopbackServer, admin_server: LoopbackServer, target: str
) -> None:
    location = target.format(admin=admin_server.port)
    http_server.routes["/evil"] = lambda r: r.redirect(location)
    err = fails(fast_settings(http_server, connect_timeout_s=0.3), http_server.url("/evil"))
    # httpx itself refuses to parse some spellings (octal) in a Location header: refused either way
    assert err.kind in ("ssrf_blocked", "bad_url"), err
    assert admin_server.hits["/admin"] == 0 and "SECRET" not in str(err)


@pytest.mark.parametrize("target", SSRF_TARGETS.values(), ids=SSRF_TARGETS)
def test_a_refused_address_as_the_url_itself_is_blocked(admin_server: LoopbackServer, target: str) -> None:
    s = FetchSettings(connect_timeout_s=0.3, retries=0, respect_robots=False)
    err = fails(s, target.format(admin=admin_server.port))
    assert err.kind == "ssrf_blocked" and admin_server.hits["/admin"] == 0


def test_allow_list_is_per_port(http_server: LoopbackServer, admin_server: LoopbackServer) -> None:
    s = fast_settings(http_server)
    assert fails(s, admin_server.url("/admin")).kind == "ssrf_blocked"
    opened = dataclasses.replace(s, allow_hosts=("127.0.0.1",))
    assert get(opened, admin_server.url("/admin")).body == b"SECRET"


def test_dns_rebinding_is_blocked_at_connect_time(http_server: LoopbackServer, admin_server: LoopbackServer) -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> Sequence[str]:
        return next(answers)

    async def run() -> FetchError:
        settings = FetchSettings(connect_timeout_s=0.3, retries=0, respect_robots=False)
        async with Fetcher.open(settings, resolver=rebinding) as f:
            # the first lookup (public) would be a pre-flight check; the connect-time one is what counts
            await rebinding("rebind.example", admin_server.port)
            with pytest.raises(FetchError) as info:
                await f.get(f"http://rebind.example:{admin_server.port}/admin")
            return info.value

    err = asyncio.run(run())
    assert err.kind == "ssrf_blocked" and admin_server.hits["/admin"] == 0


def test_any_non_public_record_blocks_the_host(admin_server: LoopbackServer) -> None:
    async def mixed(host: str, port: int) -> Sequence[str]:
        return ["93.184.216.34", "10.0.0.5"]

    async def run() -> FetchError:
        async with Fetcher.open(FetchSettings(retries=0), resolver=mixed) as f:
            with pytest.raises(FetchError) as info:
                await f.get("http://mixed.example/")
            return info.value

    assert asyncio.run(run()).kind == "ssrf_blocked"


URL_POLICY = {
    "backslash": ("http://127.0.0.1:8766\\@example.com/", "bad_url"),
    "userinfo": ("http://user:pw@example.com/", "bad_url"),
    "javascript": ("javascript:alert(1)", "bad_scheme"),
    "data": ("data:text/html,hi", "bad_scheme"),
    "too long": ("http://example.com/" + "a" * 3000, "bad_url"),
    "hex": ("http://0x7f.0.0.1/", "ssrf_blocked"),
    "short": ("http://127.1/", "ssrf_blocked"),
}


@pytest.mark.parametrize("url, kind", URL_POLICY.values(), ids=URL_POLICY)
def test_url_policy(url: str, kind: str) -> None:
    with pytest.raises(PermanentFetchError) as info:
        check_url(url)
    assert info.value.kind == kind


def test_public_addresses_pass_the_policy() -> None:
    assert check_url("https://www.example.com/a?b=c") == "https://www.example.com/a?b=c"
    assert is_public_ip("93.184.216.34") and is_public_ip("2606:4700::1")
    assert not any(is_public_ip(ip) for ip in ["::", "fe80::1", "fc00::1", "2002:7f00:1::", "64:ff9b::a00:1",
                                                "224.0.0.1", "198.18.0.1", "192.0.0.8"])
    assert parse_ip_literal("example.com") is None


def test_allow_list_entries_parse() -> None:
    allow = AllowList.parse(["127.0.0.1", "[::1]:8080", "10.0.0.0/8", "intranet.example:81"])
    assert allow.allows("x", "127.0.0.1", 1) and allow.allows("x", "::ffff:127.0.0.1", 1)
    assert allow.allows("x", "::1", 8080) and not allow.allows("x", "::1", 8081)
    assert allow.allows("x", "10.2.3.4", 80) and allow.allows("intranet.example", "10.9.9.9", 81)
    with pytest.raises(ValueError):
        AllowList.parse(["not a/host"])


def test_environment_proxies_are_ignored(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    url = http_server.static("/p", HTML)
    assert get(fast_settings(http_server), url).status == 200


def test_tls_failure_is_recorded_and_never_retried_insecurely(tmp_path: object) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server = LoopbackServer()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.static("/", HTML)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        s = FetchSettings(allow_hosts=(f"127.0.0.1:{server.port}",), retries=2, retry_base_delay_s=0.01,
                          connect_timeout_s=2, respect_robots=False)
        err = fails(s, f"https://127.0.0.1:{server.port}/")
        assert isinstance(err, PermanentFetchError) and err.kind == "tls_error"
        assert server.hits["/"] == 0
    finally:
        server.close()


# --- content types ----------------------------------------------------------------------------


@pytest.mark.parametrize("content_type, body", [
    ("application/pdf", b"%PDF-1.7 ..."),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("text/html", b"%PDF-1.4 lying about its type" + b" " * 100),
    ("application/octet-stream", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
])
def test_non_html_bodies_are_refused_unread(http_server: LoopbackServer, content_type: str, body: bytes) -> None:
    url = http_server.static("/doc", body + b"\0" * 200_000, content_type)
    err = fails(fast_settings(http_server), url)
    assert isinstance(err, PermanentFetchError) and err.kind == "unsupported_type"


def test_a_hostile_server_does_not_block_another_request(http_server: LoopbackServer) -> None:
    http_server.routes["/hang"] = Request.hang
    ok = http_server.static("/ok", HTML)

    async def run() -> tuple[BaseException | FetchResult, ...]:
        async with Fetcher.open(fast_settings(http_server, per_host_concurrency=4)) as f:
            return tuple(await asyncio.gather(f.get(http_server.url("/hang")), f.get(ok), return_exceptions=True))

    hung, fine = asyncio.run(run())
    assert isinstance(hung, FetchError) and hung.kind == "timeout"
    assert isinstance(fine, FetchResult) and fine.status == 200


def test_per_host_spacing(http_server: LoopbackServer) -> None:
    """Four requests to one host with 0.2 s spacing: the gate waits 0.2 s before each later start
    (on a clock that only its own sleeps move, so the figure does not depend on the machine)."""
    url = http_server.static("/s", HTML)
    clock = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    async def run() -> None:
        s = fast_settings(http_server, per_host_delay_s=0.2)
        gate = HostGate(s.per_host_concurrency, s.per_host_delay_s, clock=lambda: clock[0], sleep=sleep)
        async with Fetcher(make_client(s), s, gate, RobotsCache(s.user_agent), sleep, AllowList.parse(s.allow_hosts)) as f:
            await asyncio.gather(*(f.get(url) for _ in range(4)))

    asyncio.run(run())
    assert slept == pytest.approx([0.2, 0.2, 0.2]) and clock[0] >= 0.6 and http_server.hits["/s"] == 4


def test_robots_txt_is_respected_and_cached(http_server: LoopbackServer) -> None:
    http_server.static("/robots.txt", "User-agent: *\nDisallow: /private\n", "text/plain")
    ok = http_server.static("/public", HTML)
    private = http_server.static("/private/x", HTML)

    async def run() -> FetchError:
        async with Fetcher.open(fast_settings(http_server, respect_robots=True)) as f:
            await f.get(ok, robots=True)
            await f.get(ok, robots=True)
            with pytest.raises(FetchError) as info:
                await f.get(private, robots=True)
            return info.value

    assert asyncio.run(run()).kind == "robots_disallowed"
    assert http_server.hits["/robots.txt"] == 1 and http_server.hits["/private/x"] == 0


def test_missing_robots_txt_allows_everything(http_server: LoopbackServer) -> None:
    url = http_server.static("/a", HTML)

    async def run() -> FetchResult:
        async with Fetcher.open(fast_settings(http_server, respect_robots=True)) as f:
            return await f.get(url, robots=True)

    assert asyncio.run(run()).status == 200


_ = (ThreadingHTTPServer,)
