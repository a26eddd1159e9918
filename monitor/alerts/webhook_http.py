"""Webhook POSTs through the fetch stage's guarded client (the same URL policy as fetching).

:func:`post` applies ``monitor.fetch.guard.check_url`` (http(s) only, no userinfo or backslash,
IP literals must be public) and sends with ``monitor.fetch.client.make_client``, whose network
backend refuses at connect time any resolved address that is not public unless it is on the
operator allow list (``fetch.allow_hosts``). Redirects are never followed for a POST; the
response body is read up to 64 KiB and discarded; a wall-clock deadline bounds the whole call.
Fetch errors are translated into DeliveryError here.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping

from monitor.config import FetchSettings
from monitor.errors import DeliveryError, FetchError, TransientFetchError

MAX_RESPONSE_BYTES = 64 * 1024


def post(url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float, fetch: FetchSettings) -> int:
    """POST ``body``; the HTTP status (a redirect status is returned, not followed)."""
    try:
        return asyncio.run(_post(url, body, dict(headers), timeout_s, fetch))
    except FetchError as exc:
        transient = isinstance(exc, TransientFetchError)
        raise DeliveryError(url, exc.reason, kind=exc.kind, transient=transient) from exc


async def _post(url: str, body: bytes, headers: dict[str, str], timeout_s: float, fetch: FetchSettings) -> int:
    from monitor.fetch.client import make_client
    from monitor.fetch.errors import fetch_errors
    from monitor.fetch.guard import AllowList, check_url

    settings = dataclasses.replace(fetch, connect_timeout_s=min(fetch.connect_timeout_s, timeout_s),
                                   read_timeout_s=min(fetch.read_timeout_s, timeout_s))
    check_url(url, AllowList.parse(settings.allow_hosts))
    async with make_client(settings) as client:
        with fetch_errors(url):
            async with asyncio.timeout(timeout_s), client.stream(
                "POST", url, content=body, headers=headers, follow_redirects=False,
            ) as response:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read > MAX_RESPONSE_BYTES:
                        break
                return response.status_code
