"""Rendering digests (pure): Jinja2 templates in ``templates/``, text and HTML side by side.

Article-derived text is data, never a template: the environment is sandboxed, HTML is
autoescaped, undefined names are errors, links are rendered only for http(s) URLs and no
remote image is ever referenced. The message itself is built by :func:`build_message` with
headers taken only from :func:`~monitor.alerts.headers.header_text`-sanitised values.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import PackageLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from monitor.alerts.headers import address_list, header_text, one_line
from monitor.alerts.values import AlertItem, FailingSource, RenderedDigest

MAX_STATEMENT_CHARS: Final = 1_000
MAX_TITLE_CHARS: Final = 300
MAX_ERROR_CHARS: Final = 300
MAX_URL_CHARS: Final = 2_048


@functools.lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=PackageLoader("monitor.alerts", "templates"),
        autoescape=select_autoescape(["html", "html.j2"], default_for_string=True, default=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(oneline=oneline, http_url=http_url)
    return env


def oneline(value: object, max_chars: int = MAX_TITLE_CHARS) -> str:
    """Text on one line without control characters, capped at ``max_chars``."""
    return one_line(value, max_chars)


def http_url(value: object) -> str:
    """``value`` if it is a plain http(s) URL, else the empty string (no link is rendered)."""
    url = str(value or "")
    if len(url) > MAX_URL_CHARS or any(ch.isspace() or ord(ch) < 32 or ch in '"<>\\`' for ch in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def _group(items: Sequence[AlertItem], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    groups: dict[str, list[AlertItem]] = {}
    for item in items:
        groups.setdefault(item.demand, []).append(item)
    return [{"demand": d, "label": labels.get(d, d), "items": groups[d]} for d in sorted(groups, key=lambda d: (-len(groups[d]), d))]


def digest_subject(counts: Mapping[str, int], labels: Mapping[str, str], prefix: str = "monitor") -> str:
    """``monitor: 3 new statements (NATO expansion 2, Deployments 1)``, sanitised."""
    total = sum(counts.values())
    noun = "statement" if total == 1 else "statements"
    per = ", ".join(f"{labels.get(d, d)} {n}" for d, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    subject = f"{prefix}: {total} new {noun} ({per})" if total else f"{prefix}: no new statements"
    return header_text(subject)


def render_digest(
    items: Sequence[AlertItem], *, now: datetime, period_start: datetime | None = None,
    failing: Sequence[FailingSource] = (), labels: Mapping[str, str] | None = None,
    max_items: int = 200, timezone: str = "UTC",
) -> RenderedDigest:
    """Subject, text and HTML of a digest listing ``items`` (at most ``max_items``) by demand."""
    labels = dict(labels or {})
    shown, omitted = list(items[:max_items]), max(0, len(items) - max_items)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.demand] = counts.get(item.demand, 0) + 1
    tz = ZoneInfo(timezone)
    context = {
        "groups": _group(shown, labels), "total": len(items), "omitted": omitted,
        "failing": list(failing), "now": now, "period_start": period_start,
        "fmt": lambda d: "" if d is None else d.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"),
        "max_statement": MAX_STATEMENT_CHARS, "max_error": MAX_ERROR_CHARS,
    }
    env = _environment()
    text = env.get_template("digest.txt.j2").render(context)
    html = env.get_template("digest.html.j2").render(context)
    return RenderedDigest(digest_subject(counts, labels), text, html, counts,
                          tuple(i.id for i in shown), omitted)


def build_message(
    digest: RenderedDigest, *, from_addr: str, to: Sequence[str], message_id: str, date: datetime,
) -> EmailMessage:
    """A ``multipart/alternative`` message (text first, then HTML) with sanitised headers only."""
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = header_text(digest.subject)
    msg["From"] = address_list([from_addr])[0]
    msg["To"] = ", ".join(address_list(to))
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = header_text(message_id, 300)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(digest.text, cte="quoted-printable")
    msg.add_alternative(digest.html, subtype="html", cte="quoted-printable")
    return msg
