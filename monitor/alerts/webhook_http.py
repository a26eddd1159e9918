"""Interim HTTP sender for webhooks, used until the fetch stage's guarded client is wired in.

It applies the project's URL policy before connecting: http(s) only, no userinfo, no
backslash, and every address the host resolves to must be public unless it is on the operator
allow list (``fetch.allow_hosts``: ``host``, ``host:port``, ``[v6]:port`` or CIDR). Redirects are
never followed; the response body is read up to 64 KiB and discarded. Unlike the fetch client's
connect-time guard this is a pre-flight check (DNS rebinding between check and connect is not
covered): :func:`post` is the single function to switch over to ``monitor.fetch`` once its
client is available.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import httpx

from monitor.errors import DeliveryError

_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def _public(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address):
        embedded = addr.ipv4_mapped or addr.sixtofour or (addr.teredo[1] if addr.teredo else None)
        if embedded is not None:
            return _public(str(embedded))
    if isinstance(addr, ipaddress.IPv4Address) and addr in _CGNAT:
        return False
    return bool(addr.is_global) and not (addr.is_multicast or addr.is_reserved or addr.is_unspecified)


def _split(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, port = entry.split(":")
    else:
        host, port = entry, ""
    return host, int(port) if port.isdigit() else None


def _allowed(host: str, ip: str, port: int, allow_hosts: Sequence[str]) -> bool:
    """Whether the operator allow list exempts this host name or address (and port)."""
    for entry in allow_hosts:
        name, entry_port = _split(entry)
        if entry_port is not None and entry_port != port:
            continue
        if "/" in name:
            try:
                if ipaddress.ip_address(ip.split("%", 1)[0]) in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                continue
        elif name in (host.lower(), ip):
            return True
    return False


def check_webhook_url(url: str, allow_hosts: Sequence[str] = ()) -> tuple[str, int]:
    """(host, port) of ``url`` if the policy allows it; DeliveryError(kind=ssrf_blocked | bad_url) if not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(url, "only http(s) URLs are allowed", kind="bad_url", transient=False)
    if "\\" in url or "@" in parts.netloc or any(ord(c) < 33 for c in url):
        raise DeliveryError(url, "URL with userinfo, backslash or control characters", kind="bad_url",
                            transient=False)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DeliveryError(url, f"cannot resolve {parts.hostname!r}: {exc}", kind="network") from exc
    for *_, sockaddr in infos:
        ip = str(sockaddr[0])
        if not _public(ip) and not _allowed(parts.hostname, ip, port, allow_hosts):
            raise DeliveryError(url, f"refused to connect to {ip} port {port}: not a public address",
                                kind="ssrf_blocked", transient=False)
    return parts.hostname, port


def post(url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float,
         allow_hosts: Sequence[str] = ()) -> int:
    """POST ``body``; the HTTP status (redirects are returned, not followed)."""
    check_webhook_url(url, allow_hosts)
    timeout = httpx.Timeout(timeout_s)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client, \
                client.stream("POST", url, content=body, headers=dict(headers)) as response:
            read = 0
            for chunk in response.iter_raw():
                read += len(chunk)
                if read > 64 * 1024:
                    break
            return response.status_code
    except httpx.TimeoutException as exc:
        raise DeliveryError(url, "timed out", kind="timeout") from exc
    except httpx.TransportError as exc:
        raise DeliveryError(url, f"{type(exc).__name__}: {exc}", kind="network") from exc
