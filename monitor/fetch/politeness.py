"""Politeness: per-host concurrency and spacing of request starts, and robots.txt per host per run."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from protego import Protego

from monitor.errors import FetchError, PermanentFetchError, TransientFetchError

if TYPE_CHECKING:
    from monitor.fetch.client import Fetcher

log = logging.getLogger(__name__)
MAX_ROBOTS_BYTES = 512 * 1024


def host_key(url: str) -> str:
    """``host:port`` of a URL, the unit of politeness."""
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


class HostGate:
    """At most ``concurrency`` requests per host at once, starts at least ``delay_s`` apart."""

    def __init__(self, concurrency: int, delay_s: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._concurrency = max(1, concurrency)
        self._delay_s = max(0.0, delay_s)
        self._clock, self._sleep = clock, sleep
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._next_start: dict[str, float] = {}
        self._delay_for: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        host = host_key(url)
        sem = self._sems.setdefault(host, asyncio.Semaphore(self._concurrency))
        async with sem:
            async with self._locks[host]:
                wait = self._next_start.get(host, 0.0) - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                self._next_start[host] = self._clock() + self._delay_for.get(host, self._delay_s)
            yield

    def pause(self, url: str, seconds: float) -> None:
        """Push the next start on this host back (after a 429 or a crawl-delay)."""
        host = host_key(url)
        self._next_start[host] = max(self._next_start.get(host, 0.0), self._clock() + seconds)

    def set_delay(self, url: str, seconds: float) -> None:
        """A host asked for more spacing (robots.txt crawl-delay); never less than the default."""
        if seconds > self._delay_s:
            self._delay_for[host_key(url)] = seconds


class RobotsCache:
    """robots.txt per host, fetched once per run through the guarded fetcher.
    4xx (no robots.txt) allows everything; 5xx or a timeout makes the host unavailable this run."""

    def __init__(self, user_agent: str) -> None:
        self._agent = user_agent.split("/", 1)[0]
        self._rules: dict[str, Protego | None] = {}
        self._errors: dict[str, FetchError] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def check(self, fetcher: Fetcher, url: str) -> None:
        """Raise PermanentFetchError(robots_disallowed) or the host's robots failure; else return."""
        host = host_key(url)
        async with self._locks[host]:
            if host not in self._rules and host not in self._errors:
                await self._load(fetcher, url, host)
        if host in self._errors:
            err = self._errors[host]
            raise TransientFetchError(url, f"robots.txt unavailable ({err.reason})", err.kind)
        rules = self._rules[host]
        if rules is not None and not rules.can_fetch(url, self._agent):
            raise PermanentFetchError(url, "disallowed by robots.txt", "robots_disallowed")

    def crawl_delay(self, url: str) -> float | None:
        rules = self._rules.get(host_key(url))
        return rules.crawl_delay(self._agent) if rules is not None else None

    async def _load(self, fetcher: Fetcher, url: str, host: str) -> None:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            result = await fetcher.get(robots_url, kind="robots")
        except PermanentFetchError as exc:
            if exc.kind.startswith("http_4") or exc.kind in ("empty_body", "unsupported_type", "too_large"):
                self._rules[host] = None  # no usable robots.txt: everything is allowed
                return
            self._errors[host] = exc
            return
        except TransientFetchError as exc:
            self._errors[host] = exc
            return
        self._rules[host] = Protego.parse(result.body.decode("utf-8", errors="replace"))
