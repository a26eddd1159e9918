"""Templates: a sandboxed, autoescaping Jinja2 environment and the filters the pages use.
Page text is data: it is escaped into the templates, never used as one."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from jinja2 import PackageLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

_CONTROL: Final = re.compile(r"[\x00-\x20\x7f]")


def http_url(value: object) -> str:
    """``value`` when it is an absolute http(s) URL that is safe to put in an href, else ''."""
    if not isinstance(value, str) or len(value) > 4096 or _CONTROL.search(value) or "\\" in value:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme in ("http", "https") and parts.netloc else ""


def when(value: object, with_time: bool = True) -> str:
    """A UTC time as ``2026-11-23 07:00`` (``—`` for none)."""
    if not isinstance(value, datetime):
        return "—" if value is None else str(value)
    value = value.astimezone(UTC) if value.tzinfo else value
    return value.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else ""


def scalar(value: object) -> str:
    """A leaf of evidence as text: numbers rounded, None as —."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def is_mapping(value: object) -> bool:
    return isinstance(value, dict)


def is_list(value: object) -> bool:
    return isinstance(value, list | tuple)


def is_weighted_list(value: object) -> bool:
    """A list of ``[name, number]`` pairs: the strongest features of a model decision."""
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(
            isinstance(item, list | tuple)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], int | float)
            and not isinstance(item[1], bool)
            for item in value
        )
    )


def label(key: object) -> str:
    """An evidence key as a label: ``speaker_cue`` -> ``speaker cue``."""
    return str(key).replace("_", " ")


def make_environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=PackageLoader("monitor.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters.update(http_url=http_url, when=when, iso=iso, scalar=scalar, label=label)
    env.tests.update(mapping_value=is_mapping, list_value=is_list, weighted_list=is_weighted_list)
    return env


def render(env: ImmutableSandboxedEnvironment, name: str, context: dict[str, Any]) -> str:
    return env.get_template(name).render(**context)
