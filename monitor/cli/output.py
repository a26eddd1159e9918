"""Printing rows as a terminal table or as json / jsonl / csv."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

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
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        table.add_column(c, overflow="fold", max_width=widths.get(c))
    for r in rows:
        table.add_row(*[_cell(r.get(c), widths.get(c)) for c in columns])
    Console().print(table)
    if not rows:
        click.echo("(nothing to show)")


def _cell(value: Any, width: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    text = str(value).replace("\n", " ")
    if width and len(text) > width * 3:
        text = text[: width * 3 - 1] + "…"
    # rich markup in article text must not be interpreted
    from rich.markup import escape

    return escape(text)
