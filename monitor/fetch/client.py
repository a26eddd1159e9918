"""The guarded HTTP client and the one fetch function every request goes through.

``make_client(settings)`` builds one ``httpx.AsyncClient`` per run (never shared across runs or
event loops): TLS always verified, environment proxies ignored (``trust_env=False``), the
connect-time SSRF guard as its network backend, redirects followed by us (each hop re-checked).

``Fetcher.get(url, kind=...)`` streams one response within budgets:

- a wall-clock deadline over the whole call, retries and redirects included (httpx's timeouts
  only bound a single socket operation; a server trickling a byte a second never trips them);
- a cap on *decoded* bytes. We ask for ``gzip, deflate`` only and inflate ourselves with
  ``max_length``-bounded zlib, so a compression bomb is cut within one 64 KiB step of the cap;
  gzip bytes served without Content-Encoding (``sitemap.xml.gz``, lying servers) are sniffed and
  inflated the same bounded way;
- Content-Type and magic bytes checked before the body is read (PDF, images... are refused);
- conditional GET (ETag / Last-Modified); ``304`` is a result, not an error;
- in-run retries with exponential backoff and jitter on network errors, timeouts and 5xx, and
  on 429 when its Retry-After fits ``retry_max_delay_s`` (otherwise the 429 is returned to the
  caller, which schedules the source for later).
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin

import httpcore
import httpx

from monitor.config import FetchSettings
from monitor.errors import FetchError, PermanentFetchError, TransientFetchError
from monitor.fetch.errors import fetch_errors, status_error
from monitor.fetch.guard import AllowList, GuardedBackend, Resolver, check_url, system_resolver
from monitor.fetch.politeness import HostGate, RobotsCache

BodyKind = Literal["feed", "page", "sitemap", "robots"]
STEP = 64 * 1024  # most bytes one inflate call may produce
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
RETRIED_KINDS = frozenset({"network", "timeout", "http_5xx"})

ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
            "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1",
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
    "sitemap": "application/xml, text/xml;q=0.9, */*;q=0.5",
    "robots": "text/plain, */*;q=0.5",
}
# media types never read, whatever the kind (X3): checked on the header, then on magic bytes
_REFUSED_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
_REFUSED_TYPES = frozenset({
    "application/pdf", "application/zip", "application/msword", "application/vnd.ms-excel",
    "application/x-shockwave-flash", "application/x-msdownload", "application/wasm",
})
_MAGIC = (
    (b"%PDF-", "PDF"), (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"), (b"RIFF", "RIFF media"), (b"ID3", "MP3 audio"), (b"OggS", "Ogg media"),
    (b"\x1a\x45\xdf\xa3", "WebM/Matroska video"), (b"\xd0\xcf\x11\xe0", "MS Office document"),
)


@dataclass(frozen=True)
class FetchResult:
    """One successful (2xx or 304) response, body decoded from its transfer encodings."""

    url: str
    final_url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    redirects: tuple[str, ...] = ()
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def make_client(settings: FetchSettings, *, resolver: Resolver | None = None) -> httpx.AsyncClient:
    """The one AsyncClient of a run: guarded, verified TLS, no environment proxies."""
    allow = AllowList.parse(settings.allow_hosts)
    limits = httpx.Limits(max_connections=settings.max_connections,
                          max_keepalive_connections=min(10, settings.max_connections))
    transport = httpx.AsyncHTTPTransport(verify=True, http2=True, limits=limits, trust_env=False,
                                         proxy=settings.proxy or None)
    if not settings.proxy:  # a configured proxy is the trusted hop: the guard can only see its address
        transport._pool = httpcore.AsyncConnectionPool(  # as httpx builds it, plus the guarded backend
            ssl_context=httpx.create_ssl_context(verify=True, trust_env=False),
            max_connections=limits.max_connections, max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=5.0, http1=True, http2=True,
            network_backend=GuardedBackend(allow, resolver or system_resolver),
        )
    timeout = httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s,
                            pool=max(settings.feed_deadline_s, settings.page_deadline_s))
    return httpx.AsyncClient(
        transport=transport, timeout=timeout, follow_redirects=False, trust_env=False,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
    )


@dataclass
class Fetcher:
    """A run's client plus its politeness state. ``async with Fetcher.open(settings) as f``."""

    client: httpx.AsyncClient
    settings: FetchSettings
    gate: HostGate
    robots: RobotsCache
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    allow: AllowList = field(default_factory=AllowList)

    @classmethod
    def open(cls, settings: FetchSettings, *, resolver: Resolver | None = None,
             sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> Fetcher:
        return cls(make_client(settings, resolver=resolver), settings,
                   HostGate(settings.per_host_concurrency, settings.per_host_delay_s, sleep=sleep),
                   RobotsCache(settings.user_agent), sleep, AllowList.parse(settings.allow_hosts))

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    def budget(self, kind: BodyKind) -> tuple[int, float]:
        s = self.settings
        return {
            "feed": (s.max_feed_bytes, s.feed_deadline_s),
            "page": (s.max_page_bytes, s.page_deadline_s),
            "sitemap": (s.max_sitemap_bytes, s.feed_deadline_s),
            "robots": (512 * 1024, s.feed_deadline_s),
        }[kind]

    async def get(self, url: str, *, kind: BodyKind = "page", etag: str | None = None,
                  last_modified: str | None = None, robots: bool = False) -> FetchResult:
        """GET ``url`` within the kind's budgets. Raises FetchError with a stable ``kind``."""
        check_url(url, self.allow)
        if robots and self.settings.respect_robots:
            await self.robots.check(self, url)
            delay = self.robots.crawl_delay(url)
            if delay:
                self.gate.set_delay(url, min(float(delay), 60.0))
        max_bytes, deadline = self.budget(kind)
        # the host slot is taken before the deadline starts: waiting for politeness is not the
        # server's fault; retries (and their delays) keep the slot
        async with self.gate.slot(url):
            with fetch_errors(url):
                async with asyncio.timeout(deadline):
                    return await self._with_retries(url, kind, max_bytes, etag, last_modified)

    async def _with_retries(self, url: str, kind: BodyKind, max_bytes: int, etag: str | None,
                            last_modified: str | None) -> FetchResult:
        s = self.settings
        attempt = 0
        while True:
            attempt += 1
            try:
                with fetch_errors(url):
                    result = await self._follow(url, kind, max_bytes, etag, last_modified)
                return dataclasses.replace(result, attempts=attempt)
            except TransientFetchError as exc:
                delay = self._retry_delay(exc, attempt)
                if delay is None or attempt > s.retries:
                    raise
                if exc.kind == "http_429":
                    self.gate.pause(url, delay)
                await self.sleep(delay)

    def _retry_delay(self, exc: FetchError, attempt: int) -> float | None:
        s = self.settings
        if exc.retry_after_s is not None:
            return exc.retry_after_s if exc.retry_after_s <= s.retry_max_delay_s else None
        if exc.kind not in RETRIED_KINDS:
            return None
        base = min(s.retry_max_delay_s, s.retry_base_delay_s * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography

    async def _follow(self, url: str, kind: BodyKind, max_bytes: int, etag: str | None,
                      last_modified: str | None) -> FetchResult:
        headers = {"Accept": ACCEPT[kind]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        hop, hops = url, [url]
        while True:
            check_url(hop, self.allow)
            async with self.client.stream("GET", hop, headers=headers) as resp:
                location = resp.headers.get("location")
                if resp.status_code in REDIRECT_CODES and location:
                    nxt = urljoin(hop, location.strip())
                else:
                    return await self._finish(url, hops, resp, kind, max_bytes)
            if nxt in hops or len(hops) > self.settings.max_redirects:
                what = "redirect loop" if nxt in hops else f"more than {self.settings.max_redirects} redirects"
                raise PermanentFetchError(url, what, "too_many_redirects")
            hop = nxt
            hops.append(hop)

    async def _finish(self, url: str, hops: list[str], resp: httpx.Response, kind: BodyKind,
                      max_bytes: int) -> FetchResult:
        final = hops[-1]
        if resp.status_code == 304:
            return FetchResult(url, final, 304, etag=resp.headers.get("etag"),
                               last_modified=resp.headers.get("last-modified"), redirects=tuple(hops[1:]))
        if not 200 <= resp.status_code < 300:
            raise status_error(final, resp.status_code, resp.headers)
        media, charset = _content_type(resp.headers.get("content-type", ""))
        _refuse_type(final, media, kind)
        length = resp.headers.get("content-length", "")
        if not resp.headers.get("content-encoding") and length.isdigit() and int(length) > max_bytes:
            raise PermanentFetchError(final, f"Content-Length {length} exceeds the {max_bytes}-byte cap", "too_large")
        body = await _read_body(resp, final, max_bytes)
        if not body.strip():
            raise PermanentFetchError(final, "empty body", "empty_body")
        return FetchResult(url, final, resp.status_code, body, media, charset, resp.headers.get("etag"),
                           resp.headers.get("last-modified"), tuple(hops[1:]))


def _content_type(header: str) -> tuple[str, str | None]:
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _refuse_type(url: str, media: str, kind: BodyKind) -> None:
    if media in _REFUSED_TYPES or media.startswith(_REFUSED_PREFIXES):
        raise PermanentFetchError(url, f"content type {media} is not supported", "unsupported_type")
    if kind == "page" and media and not (media.startswith("text/") or "html" in media or "xml" in media):
        raise PermanentFetchError(url, f"content type {media} is not a web page", "unsupported_type")


class _Inflater:
    """zlib inflation that never produces more than STEP bytes per call (bomb-safe)."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._d = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        buf = data
        while True:
            out = self._d.decompress(buf, STEP)
            if out:
                yield out
            buf = self._d.unconsumed_tail
            if self._d.eof:
                rest = self._d.unused_data
                if not rest.startswith(b"\x1f\x8b"):
                    return  # trailing garbage after the last member is ignored
                self._d, buf = zlib.decompressobj(self._wbits), rest
            elif not buf and len(out) < STEP:
                return


def _decoders(url: str, header: str) -> list[_Inflater | None]:
    """One inflater per Content-Encoding token (``None`` = deflate, wrapping decided on data)."""
    out: list[_Inflater | None] = []
    for token in reversed([t.strip().lower() for t in header.split(",") if t.strip()]):
        if token in ("gzip", "x-gzip"):
            out.append(_Inflater(31))
        elif token == "deflate":
            out.append(None)
        elif token != "identity":
            raise PermanentFetchError(url, f"content encoding {token!r} was not requested", "unsupported_type")
    return out


class _Body:
    """Accumulates decoded bytes under a cap; sniffs magic bytes on the first ones."""

    def __init__(self, url: str, max_bytes: int, decoders: list[_Inflater | None]) -> None:
        self.url, self.max_bytes, self.decoders = url, max_bytes, decoders
        self.head = bytearray()
        self.inner: _Inflater | None = None
        self.sniffed = False
        self.buf = bytearray()

    def push(self, raw: bytes) -> None:
        pieces: Iterator[bytes] = iter((raw,))
        for i, dec in enumerate(self.decoders):
            if dec is None:  # deflate: zlib-wrapped or raw, decided on the first bytes
                dec = self.decoders[i] = _Inflater(15 if raw[:1] and raw[0] & 0x0F == 8 else -15)
            pieces = _chain(dec, pieces)
        for piece in pieces:
            self._accept(piece)

    def _accept(self, piece: bytes) -> None:
        if not self.sniffed:
            self.head += piece
            if len(self.head) < 16:
                return
            piece, self.head = bytes(self.head), bytearray()
            self._sniff(piece)
        for out in self.inner.feed(piece) if self.inner else (piece,):
            self.buf += out
            if len(self.buf) > self.max_bytes:
                raise PermanentFetchError(self.url, f"body exceeds the {self.max_bytes}-byte cap", "too_large")

    def _sniff(self, head: bytes) -> None:
        self.sniffed = True
        for magic, what in _MAGIC:
            if head.startswith(magic):
                raise PermanentFetchError(self.url, f"body is a {what}", "unsupported_type")
        if head[4:8] == b"ftyp":
            raise PermanentFetchError(self.url, "body is an MP4 video", "unsupported_type")
        if head.startswith(b"\x1f\x8b"):  # gzip without Content-Encoding (F12)
            self.inner = _Inflater(31)

    def finish(self) -> bytes:
        if not self.sniffed and self.head:
            head, self.head = bytes(self.head), bytearray()
            self._sniff(head)
            self._accept(head)
        return bytes(self.buf)


def _chain(dec: _Inflater, pieces: Iterator[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from dec.feed(piece)


async def _read_body(resp: httpx.Response, url: str, max_bytes: int) -> bytes:
    body = _Body(url, max_bytes, _decoders(url, resp.headers.get("content-encoding", "")))
    try:
        async for raw in resp.aiter_raw():
            body.push(raw)
    except zlib.error as exc:
        raise PermanentFetchError(url, f"corrupt compressed body: {exc}", "decode_error") from exc
    try:
        return body.finish()
    except zlib.error as exc:
        raise PermanentFetchError(url, f"corrupt compressed body: {exc}", "decode_error") from exc
