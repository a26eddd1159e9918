"""Printing rows as a terminal table or as json / jsonl / csv (the table without rich: every
command that prints one starts quicker)."""

from __future__ import annotations

import csv
import json
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import click

FORMATS = ("table", "json", "jsonl", "csv")
format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="Output format: a terminal table or machine-readable json / jsonl / csv.",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def emit(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None,
         title: str | None = None, widths: dict[str, int] | None = None) -> None:
    """Print ``rows``; the table shows ``columns`` (truncated), machine formats every field."""
    if fmt == "json":
        click.echo(json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows], ensure_ascii=False, indent=2))
    elif fmt == "jsonl":
        for r in rows:
            click.echo(json.dumps({k: _plain(v) for k, v in r.items()}, ensure_ascii=False))
    elif fmt == "csv":
        fields = list(rows[0]) if rows else list(columns or [])
        w = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else _plain(v)
                        for k, v in r.items()})
    else:
        _table(rows, columns or (list(rows[0]) if rows else []), title, widths or {})


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str | None, widths: dict[str, int]) -> None:
    """A boxed terminal table as wide as the terminal (80 columns when the output is not one):
    cells wrap at words within their column, a column is at most ``widths[column]`` wide."""
    cells = [[_cell(r.get(c), widths.get(c)) for c in columns] for r in rows]
    fitted = fit_widths(columns, cells, widths, shutil.get_terminal_size().columns)
    bar = "".join
    lines = [] if title is None else [title.center(sum(fitted) + 3 * len(fitted) + 1).rstrip()]
    lines.append(bar(["┏", "┳".join("━" * (w + 2) for w in fitted), "┓"]))
    lines += _row_lines(list(columns), fitted, "┃", bold=True)
    lines.append(bar(["┡", "╇".join("━" * (w + 2) for w in fitted), "┩"]))
    for row in cells:
        lines += _row_lines(row, fitted, "│")
    lines.append(bar(["└", "┴".join("─" * (w + 2) for w in fitted), "┘"]))
    click.echo("\n".join(lines))
    if not rows:
        click.echo("(nothing to show)")


def fit_widths(columns: Sequence[str], cells: Sequence[Sequence[str]], caps: dict[str, int], total: int) -> list[int]:
    """Column widths: each column as wide as its widest cell or header (at most its cap), then
    the widest column narrowed, one character at a time, until the table fits ``total``
    characters (or every column is down to ``MIN_WIDTH``; headers wrap too)."""
    natural = [max([text_width(h)] + [text_width(row[i]) for row in cells]) for i, h in enumerate(columns)]
    fitted = [min(n, caps[c]) if c in caps else n for n, c in zip(natural, columns, strict=True)]
    floor = [min(w, MIN_WIDTH) for w in fitted]
    room = total - 3 * len(columns) - 1
    while sum(fitted) > room:
        widest = max((i for i in range(len(fitted)) if fitted[i] > floor[i]), key=fitted.__getitem__, default=None)
        if widest is None:
            break
        fitted[widest] -= 1
    return fitted


def _row_lines(values: Sequence[str], fitted: Sequence[int], edge: str, *, bold: bool = False) -> list[str]:
    wrapped = [_wrap(v, w) for v, w in zip(values, fitted, strict=True)]
    lines = []
    for k in range(max(len(w) for w in wrapped)):
        parts = []
        for column, width in zip(wrapped, fitted, strict=True):
            text = column[k] if k < len(column) else ""
            pad = " " * (width - text_width(text))
            parts.append(f" {click.style(text, bold=True) if bold and text else text}{pad} ")
        lines.append(edge + edge.join(parts) + edge)
    return lines


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces (long words folded)."""
    import textwrap

    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def text_width(text: str) -> int:
    """Terminal columns ``text`` takes (wide East Asian characters take two)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


MIN_WIDTH: Final = 4  # a column is never narrowed below this (nor below its natural width)
_CONTROL: Final = {i: " " for i in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}


def _cell(value: Any, width: int | None) -> str:
    """One cell's text, safe for a terminal: control characters (escape sequences, line breaks)
    and the invisible format characters (bidirectional overrides) of article text are removed."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    text = str(value).translate(_CONTROL)
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = " ".join(text.split())
    if width and len(text) > width * 3:
        text = text[: width * 3 - 1] + "…"
    return text
