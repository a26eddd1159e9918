"""Canonical URLs: the key that decides whether two links are the same article (pure).

``canonical_url`` resolves a link against its base, keeps only http(s), lower-cases scheme and
host, drops default ports, fragments and tracking parameters (``utm_*``, ``fbclid``...), collapses
repeated slashes and gives an empty path ``/``. It keeps a trailing slash (``/a`` and ``/a/`` are
different resources on many servers; stripping it costs a redirect per article). Idempotent.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

MAX_URL_CHARS = 2048
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "__hs", "hsa_", "_hs")
_TRACKING = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid", "_ga", "_gl",
    "ref_src", "ref_url", "cmpid", "ocid", "smid", "sr_share", "at_medium", "at_campaign", "at_custom1",
    "at_custom2", "at_custom3", "at_custom4", "spm", "share", "s_cid", "wt_mc", "wt.mc_id", "xtor", "rss",
    "from_rss", "cid", "ito", "mbid", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
})
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k in _TRACKING or k.startswith(_TRACKING_PREFIXES)


def canonical_url(link: str, base: str | None = None) -> str | None:
    """The canonical form of ``link`` (resolved against ``base``), or None when it is not a
    usable http(s) URL (other schemes, no host, longer than 2,048 characters)."""
    link = (link or "").strip()
    if not link or len(link) > MAX_URL_CHARS:
        return None
    if base:
        link = urljoin(base, link)
    try:
        parts = urlsplit(link)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https") or not host or "@" in parts.netloc or "\\" in link:
        return None
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError:
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == {"http": 80, "https": 443}[scheme] else f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_SAFE_PATH) or "/"
    path = re.sub(r"/{2,}", "/", path)  # a trailing slash is kept: on many servers /a and /a/ differ
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    out = urlunsplit((scheme, netloc, path, query, ""))
    return out if len(out) <= MAX_URL_CHARS else None


def same_site(a: str, b: str) -> bool:
    """True when both URLs are on the same host (ignoring ``www.``): a page may only name a
    canonical URL on its own site."""
    ha = (urlsplit(a).hostname or "").removeprefix("www.")
    hb = (urlsplit(b).hostname or "").removeprefix("www.")
    return bool(ha) and ha == hb
