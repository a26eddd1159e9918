"""The one boundary where httpx/httpcore exceptions become FetchErrors with a stable ``kind``.

Kinds (stored in ``fetch_attempt.error_kind`` / ``source.last_error_kind``):

=====================  =========  ===============================================================
kind                   class      meaning
=====================  =========  ===============================================================
timeout                transient  connect/read timeout, or the whole-request deadline passed
network                transient  connection refused/reset, DNS failure, truncated body
http_429               transient  too many requests (``retry_after_s`` carries Retry-After)
http_5xx               transient  server error
http_401/403/404/410   permanent  the status itself (other 4xx: ``http_4xx``)
blocked_challenge      permanent  a bot challenge page (``cf-mitigated: challenge`` ...)
tls_error              permanent  certificate or handshake failure (never retried insecurely)
ssrf_blocked           permanent  the URL or a resolved address is not public
bad_scheme / bad_url   permanent  not http(s); backslash, userinfo, too long
too_many_redirects     permanent  more than ``fetch.max_redirects`` hops, or a loop
too_large              permanent  decoded body over the cap
unsupported_type       permanent  PDF, image, audio, video, archive...
empty_body             permanent  200 with nothing in it
robots_disallowed      permanent  robots.txt forbids the URL
=====================  =========  ===============================================================
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import httpcore
import httpx

from monitor.errors import FetchError, PermanentFetchError, TransientFetchError
from monitor.fetch.guard import BlockedAddress

TRANSIENT_KINDS = frozenset({"timeout", "network", "http_429", "http_5xx", "robots_unavailable"})


def status_error(url: str, status: int, headers: httpx.Headers | None = None) -> FetchError:
    """The FetchError of a final non-2xx/304 status."""
    if status == 429:
        err: FetchError = TransientFetchError(url, "HTTP 429 Too Many Requests", "http_429")
        err.retry_after_s = parse_retry_after(headers.get("retry-after") if headers else None)
        return err
    if status >= 500:
        err = TransientFetchError(url, f"HTTP {status}", "http_5xx")
        err.retry_after_s = parse_retry_after(headers.get("retry-after") if headers else None)
        return err
    if status in (401, 403) and headers is not None and _is_challenge(headers):
        return PermanentFetchError(url, f"HTTP {status} bot challenge", "blocked_challenge")
    kind = f"http_{status}" if status in (401, 403, 404, 410) else "http_4xx"
    return PermanentFetchError(url, f"HTTP {status}", kind)


def _is_challenge(headers: httpx.Headers) -> bool:
    return (headers.get("cf-mitigated", "").lower() == "challenge"
            or "x-amzn-waf-action" in headers or headers.get("x-datadome", "") != "")


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or HTTP-date relative to the Date of now); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime
    from time import time

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time())


def _is_tls(exc: BaseException) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(cur) or "SSL" in type(cur).__name__:
            return True
        cur = cur.__cause__ or cur.__context__
    return False


@contextmanager
def fetch_errors(url: str) -> Iterator[None]:
    """Translate httpx/httpcore/deadline exceptions raised inside into FetchErrors."""
    try:
        yield
    except BlockedAddress as exc:
        raise PermanentFetchError(url, str(exc), "ssrf_blocked") from exc
    except TimeoutError as exc:  # our own wall-clock deadline (asyncio.timeout)
        raise TransientFetchError(url, "deadline exceeded", "timeout") from exc
    except httpx.TimeoutException as exc:
        raise TransientFetchError(url, f"timed out ({type(exc).__name__})", "timeout") from exc
    except httpx.UnsupportedProtocol as exc:
        raise PermanentFetchError(url, "scheme is not allowed (http/https only)", "bad_scheme") from exc
    except httpx.ConnectError as exc:
        if _is_tls(exc):
            raise PermanentFetchError(url, f"TLS failure: {exc}", "tls_error") from exc
        raise TransientFetchError(url, f"cannot connect: {exc}", "network") from exc
    except httpx.RemoteProtocolError as exc:
        if "location header" in str(exc):  # httpx refuses to parse a malformed redirect target
            raise PermanentFetchError(url, f"invalid redirect target: {exc}", "bad_url") from exc
        raise TransientFetchError(url, f"protocol error: {exc}", "network") from exc
    except (httpx.TransportError, httpcore.NetworkError) as exc:
        if _is_tls(exc):
            raise PermanentFetchError(url, f"TLS failure: {exc}", "tls_error") from exc
        raise TransientFetchError(url, f"{type(exc).__name__}: {exc}", "network") from exc
    except httpx.InvalidURL as exc:
        raise PermanentFetchError(url, f"invalid URL: {exc}", "bad_url") from exc
