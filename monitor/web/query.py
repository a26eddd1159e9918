"""Query strings of the alert table <-> AlertFilter. A bad value is a BadRequest with a message
(the page answers 400 with it), never a traceback."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Final
from urllib.parse import urlencode

from monitor.alerts.values import ALERT_SORTS, AlertFilter, AlertStatus

STATUSES: Final = tuple(s.value for s in AlertStatus)
STANCES: Final = ("pro", "contra", "neutral")
PER_PAGE_CHOICES: Final = (25, 50, 100, 200)
MAX_TEXT: Final = 200
_NAME: Final = re.compile(r"^[\w.:-]{1,100}$")
FILTER_KEYS: Final = ("status", "demand", "speaker", "stance", "since", "until", "q", "sort", "order", "page",
                      "per_page")
#: what a page says after a triage (set by the redirect that follows it; not filters)
NOTICE_KEYS: Final = ("done", "changed", "unchanged")


class BadRequest(ValueError):
    """A request parameter that cannot be used; the message says which and why."""


def _one(params: Sequence[tuple[str, str]], key: str) -> str | None:
    values = [v.strip() for k, v in params if k == key]
    values = [v for v in values if v]
    if len(values) > 1:
        raise BadRequest(f"{key}: give one value, not {len(values)}")
    return values[0] if values else None


def _text(params: Sequence[tuple[str, str]], key: str) -> str | None:
    value = _one(params, key)
    if value is not None and len(value) > MAX_TEXT:
        raise BadRequest(f"{key}: at most {MAX_TEXT} characters")
    return value


def _time(value: str | None, key: str, *, end_of_day: bool) -> datetime | None:
    """A date (YYYY-MM-DD, the whole day) or an ISO date-time (UTC unless it says otherwise)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        when = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{key}: {value!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM)") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _int(value: str | None, key: str, default: int, allowed: Iterable[int] | None = None) -> int:
    if value is None:
        return default
    if not value.isdigit() or len(value) > 9 or int(value) < 1:
        raise BadRequest(f"{key}: {value!r} is not a positive whole number")
    number = int(value)
    choices = tuple(allowed) if allowed is not None else None
    if choices is not None and number not in choices:
        raise BadRequest(f"{key}: choose one of {', '.join(map(str, choices))}")
    return number


def parse_filter(params: Sequence[tuple[str, str]]) -> AlertFilter:
    """The AlertFilter of a query string (as (key, value) pairs); BadRequest for bad values."""
    unknown = sorted({k for k, _ in params} - set(FILTER_KEYS) - set(NOTICE_KEYS))
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]!r}; known: {', '.join(FILTER_KEYS)}")
    statuses = tuple(dict.fromkeys(v.strip() for k, v in params if k == "status" and v.strip()))
    for s in statuses:
        if s not in STATUSES:
            raise BadRequest(f"status: {s!r} is not one of {', '.join(STATUSES)}")
    demand, stance = _one(params, "demand"), _one(params, "stance")
    if demand is not None and not _NAME.match(demand):
        raise BadRequest(f"demand: {demand[:40]!r} is not a demand name")
    if stance is not None and stance not in STANCES:
        raise BadRequest(f"stance: {stance!r} is not one of {', '.join(STANCES)}")
    sort, order = _one(params, "sort") or "first_seen", _one(params, "order") or "desc"
    if sort not in ALERT_SORTS:
        raise BadRequest(f"sort: {sort!r} is not one of {', '.join(ALERT_SORTS)}")
    if order not in ("asc", "desc"):
        raise BadRequest(f"order: {order!r} is not asc or desc")
    since = _time(_one(params, "since"), "since", end_of_day=False)
    until = _time(_one(params, "until"), "until", end_of_day=True)
    if since and until and until <= since:
        raise BadRequest("until: must be after since")
    return AlertFilter(
        statuses=statuses, demand=demand, speaker=_text(params, "speaker"), stance=stance, since=since,
        until=until, text=_text(params, "q"), sort=sort, descending=order == "desc",
        page=_int(_one(params, "page"), "page", 1), per_page=_int(_one(params, "per_page"), "per_page", 50,
                                                                PER_PAGE_CHOICES),
    )


def _day_or_time(value: datetime, *, end_of_day: bool) -> str:
    shown = value - timedelta(days=1) if end_of_day and value.time() == datetime.min.time() else value
    if value.time() == datetime.min.time():
        return shown.date().isoformat()
    return value.strftime("%Y-%m-%dT%H:%M")


def filter_params(f: AlertFilter, *, with_page: bool = True) -> list[tuple[str, str]]:
    """The query string pairs that give back ``f`` (defaults left out)."""
    out: list[tuple[str, str]] = [("status", s) for s in f.statuses]
    for key, value in (("demand", f.demand), ("speaker", f.speaker), ("stance", f.stance), ("q", f.text)):
        if value:
            out.append((key, value))
    if f.since:
        out.append(("since", _day_or_time(f.since, end_of_day=False)))
    if f.until:
        out.append(("until", _day_or_time(f.until, end_of_day=True)))
    if f.sort != "first_seen":
        out.append(("sort", f.sort))
    if not f.descending:
        out.append(("order", "asc"))
    if f.per_page != 50:
        out.append(("per_page", str(f.per_page)))
    if with_page and f.page != 1:
        out.append(("page", str(f.page)))
    return out


def filter_query(f: AlertFilter, **changes: object) -> str:
    """``?…`` for ``f`` with some fields changed (e.g. page=2), for links."""
    query = urlencode(filter_params(replace(f, **changes)))  # type: ignore[arg-type]
    return f"?{query}" if query else "?"


def form_value(f: AlertFilter, key: str) -> str:
    """What a filter form field shows for ``f``."""
    return dict(filter_params(f, with_page=False)).get(key, "")
