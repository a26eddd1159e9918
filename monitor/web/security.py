"""What keeps the pages safe: who may connect, which hosts they name, CSRF and origin checks on
every POST, and the response headers (a strict Content-Security-Policy).

- Binding to a loopback address needs nothing; any other address needs a token, which comes
  from the environment only (``MONITOR_WEB_TOKEN``). With a token every page asks for it once
  (``/login`` sets an HttpOnly cookie derived from it; scripts may send ``Authorization: Bearer``).
- Without a token, only requests naming a loopback host are served (DNS rebinding).
- State changes only on POST; a POST must come from the page's own origin (``Origin``, else
  ``Referer``; ``Sec-Fetch-Site`` when sent) and carry the CSRF token of its form: an HMAC, with
  this process's secret, of a random cookie (another site cannot read it, nor forge the HMAC).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

TOKEN_ENV: Final = "MONITOR_WEB_TOKEN"
MIN_TOKEN_CHARS: Final = 16
LOOPBACK_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1"})

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: Final = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",  # same-origin POSTs keep their Origin; other sites get no referrer
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address, IPv6 with or without brackets) is this machine only."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse (ValueError) to serve a non-loopback address without a long enough token."""
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise ValueError(f"{TOKEN_ENV} must be at least {MIN_TOKEN_CHARS} characters long")
    if not is_loopback(host) and not token:
        raise ValueError(
            f"refusing to serve on {host}, which other machines can reach, without a token: set {TOKEN_ENV} "
            f"in the environment (at least {MIN_TOKEN_CHARS} random characters), or bind to 127.0.0.1"
        )


def _sign(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Guard:
    """The security decisions of one server: bound port, token, this process's secret."""

    port: int
    token: str | None = None
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @property
    def csrf_cookie(self) -> str:
        # cookies ignore ports: one name per port, so two servers on one host do not clash
        return f"monitor_csrf_{self.port}"

    @property
    def auth_cookie(self) -> str:
        return f"monitor_auth_{self.port}"

    def host_allowed(self, host_header: str | None) -> bool:
        """With a token any host name may be used; without one only loopback names (so a
        rebinding DNS name pointing at 127.0.0.1 cannot read the pages)."""
        if self.token:
            return True
        if not host_header:
            return False
        host = urlsplit(f"//{host_header}").hostname or ""
        return host in LOOPBACK_NAMES or is_loopback(host)

    # --- token ---

    def session_value(self) -> str:
        assert self.token
        return _sign(self.token.encode(), "monitor-web-session")

    def authenticated(self, cookie: str | None, authorization: str | None) -> bool:
        if not self.token:
            return True
        if cookie and hmac.compare_digest(cookie, self.session_value()):
            return True
        scheme, _, value = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self.token.encode())

    def token_matches(self, candidate: str) -> bool:
        return bool(self.token) and hmac.compare_digest(candidate.encode(), (self.token or "").encode())

    # --- CSRF ---

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_urlsafe(24)

    def csrf_token(self, nonce: str) -> str:
        return _sign(self.secret, nonce)

    def csrf_ok(self, nonce: str | None, submitted: str | None) -> bool:
        return bool(nonce and submitted) and hmac.compare_digest(self.csrf_token(nonce or ""), submitted or "")

    @staticmethod
    def same_origin(origin: str | None, referer: str | None, fetch_site: str | None, own_origin: str) -> str | None:
        """None when a POST comes from ``own_origin``, else why it is refused."""
        if fetch_site and fetch_site != "same-origin":
            return f"request from another origin (Sec-Fetch-Site: {fetch_site})"
        if origin:
            return None if origin == own_origin else f"request from another origin ({origin})"
        if referer:
            parts = urlsplit(referer)
            seen = f"{parts.scheme}://{parts.netloc}"
            return None if seen == own_origin else f"request from another origin ({seen})"
        return "request without Origin or Referer"
