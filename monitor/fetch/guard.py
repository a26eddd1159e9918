"""The URL policy and the connect-time SSRF guard.

Two layers, both always on:

1. :func:`check_url` runs on every URL before it is requested (the first one and every redirect
   hop): only ``http``/``https``, no backslash, no userinfo, at most 2,048 characters, and a host
   written as an IP literal (including decimal ``2130706433``, octal ``0177.0.0.1``, hex and
   IPv4-mapped IPv6 spellings) must be a public address.
2. :class:`GuardedBackend` is the httpcore network backend of the client: it resolves the host
   itself, refuses the connection when *any* resolved address is not public (loopback, private,
   link-local incl. 169.254.169.254, carrier-grade NAT, multicast, unspecified, reserved,
   IPv6-embedded IPv4), and then connects to exactly the address it checked. Redirects and DNS
   rebinding are covered because the check and the connect are one step.

Exceptions come only from an operator allow list (``fetch.allow_hosts``, env
``MONITOR_FETCH_ALLOW_HOSTS``): IP addresses, CIDR networks or host names, each optionally with a
port (``127.0.0.1:8080``, ``[::1]:8080``, ``10.0.0.0/8``, ``intranet.example``).
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio
import httpcore
from httpcore._backends.anyio import AnyIOStream  # private: httpcore is pinned (<1.1) for this reason

from monitor.errors import PermanentFetchError

MAX_URL_CHARS = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_EXTRA_BLOCKED = (
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("192.0.0.0/24"),
    ipaddress.ip_network("198.18.0.0/15"),
    _CGNAT,
)


class BlockedAddress(Exception):  # noqa: N818 - raised through httpx untouched, translated in errors.py
    """A connection to a non-public address was refused by the guard."""

    def __init__(self, host: str, address: str, port: int) -> None:
        super().__init__(f"refused to connect to {address} port {port} (host {host!r}): not a public address")
        self.host, self.address, self.port = host, address, port


def is_public_ip(ip: str | IPAddress) -> bool:
    """True only for globally routable unicast addresses (IPv6-embedded IPv4 is checked too)."""
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.scope_id:
            return False
        embedded = addr.ipv4_mapped or addr.sixtofour or (addr.teredo[1] if addr.teredo else None)
        if embedded is None and addr in _NAT64:
            embedded = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_ip(embedded)
        if int(addr) >> 96 == 0:  # IPv4-compatible ::a.b.c.d (deprecated) and ::, ::1
            return False
    if any(addr in net for net in _EXTRA_BLOCKED if net.version == addr.version):
        return False
    return bool(addr.is_global) and not (
        addr.is_multicast or addr.is_private or addr.is_loopback or addr.is_link_local
        or addr.is_reserved or addr.is_unspecified
    )


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a URL host denotes when it is an IP literal in any spelling, else None.
    Handles ``[::1]``, ``2130706433``, ``0177.0.0.1``, ``0x7f.1`` (what inet_aton accepts)."""
    h = host.strip("[]").lower()
    try:
        return ipaddress.ip_address(h.split("%", 1)[0])
    except ValueError:
        pass
    if h[:1].isdigit() and all(c in "0123456789abcdefx." for c in h):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(h))
        except OSError:
            return None
    return None


@dataclass(frozen=True)
class AllowList:
    """Operator exceptions to the guard: networks and host names, each with an optional port."""

    networks: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int | None], ...] = ()
    hosts: tuple[tuple[str, int | None], ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """Parse ``fetch.allow_hosts`` entries; a malformed entry raises ValueError."""
        nets: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int | None]] = []
        hosts: list[tuple[str, int | None]] = []
        for raw in entries:
            entry, port = _split_port(raw.strip())
            if not entry:
                raise ValueError(f"empty allow_hosts entry {raw!r}")
            try:
                nets.append((ipaddress.ip_network(entry, strict=False), port))
            except ValueError:
                if not all(c.isalnum() or c in "-." for c in entry):
                    raise ValueError(f"allow_hosts entry {raw!r} is neither an address, a network nor a host name") from None
                hosts.append((entry.lower().rstrip("."), port))
        return cls(tuple(nets), tuple(hosts))

    def allows(self, host: str, address: str, port: int) -> bool:
        addr = ipaddress.ip_address(address.split("%", 1)[0])
        mapped = addr.ipv4_mapped if isinstance(addr, ipaddress.IPv6Address) else None
        for net, p in self.networks:
            if (p is None or p == port) and any(a in net for a in (addr, mapped) if a is not None and a.version == net.version):
                return True
        name = host.lower().rstrip(".")
        return any(h == name and (p is None or p == port) for h, p in self.hosts)


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, int(port)
    return entry, None


def check_url(url: str, allow: AllowList | None = None) -> str:
    """The URL policy, applied to every URL and redirect hop. Returns the URL or raises
    PermanentFetchError with kind ``bad_url``, ``bad_scheme`` or ``ssrf_blocked``."""
    if len(url) > MAX_URL_CHARS:
        raise PermanentFetchError(url[:200] + "...", f"URL longer than {MAX_URL_CHARS} characters", "bad_url")
    if "\\" in url or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise PermanentFetchError(url, "URL contains a backslash, space or control character", "bad_url")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise PermanentFetchError(url, f"scheme {parts.scheme or '(none)'!r} is not allowed (http/https only)",
                                  "bad_scheme")
    if "@" in parts.netloc:
        raise PermanentFetchError(url, "URL carries user information", "bad_url")
    host = parts.hostname or ""
    if not host:
        raise PermanentFetchError(url, "URL has no host", "bad_url")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise PermanentFetchError(url, "URL has an invalid port", "bad_url") from exc
    ip = parse_ip_literal(host)
    if ip is not None and not is_public_ip(ip) and not (allow and allow.allows(host, str(ip), port)):
        raise PermanentFetchError(url, f"address {ip} is not public", "ssrf_blocked")
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        if not (allow and any(allow.allows(host, a, port) for a in ("127.0.0.1", "::1"))):
            raise PermanentFetchError(url, "host localhost is not public", "ssrf_blocked")
    return url


async def system_resolver(host: str, port: int) -> list[str]:
    """All addresses of ``host`` (A and AAAA), via the system resolver."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore backend that checks every resolved address and connects to the checked one."""

    def __init__(self, allow: AllowList, resolver: Resolver = system_resolver) -> None:
        self._allow = allow
        self._resolve = resolver

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: no address")
        for address in addresses:  # refuse when ANY record is not public
            if not is_public_ip(address.split("%", 1)[0]) and not self._allow.allows(host, address, port):
                raise BlockedAddress(host, address, port)
        return await self._connect_checked(addresses, port, timeout, local_address, socket_options)

    async def _connect_checked(
        self, addresses: Sequence[str], port: int, timeout: float | None, local_address: str | None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in addresses:
            try:
                with anyio.fail_after(timeout):
                    stream = await anyio.connect_tcp(address, port, local_host=local_address)
            except TimeoutError as exc:
                raise httpcore.ConnectTimeout(f"connecting to {address} port {port} timed out") from exc
            except OSError as exc:
                last = exc
                continue
            for option in socket_options or ():
                stream.extra(anyio.abc.SocketAttribute.raw_socket).setsockopt(*option)
            return AnyIOStream(stream)
        raise httpcore.ConnectError(f"cannot connect to port {port}: {last}") from last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)
