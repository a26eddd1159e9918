"""The terminal table of every listing command: fits the terminal, wraps, and prints article
text inertly (no escape sequences or invisible direction overrides reach the terminal)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.cli.output import emit, text_width

COLUMNS = ["id", "speaker", "statement", "first_seen"]
ROWS = [
    {"id": 1, "speaker": "Sergei Ryabkov", "first_seen": datetime(2026, 1, 10, 12, 30, tzinfo=UTC),
     "statement": "Washington should reconsider its priorities of national security and NATO's expansion "
                  "to the east. " * 3},
    {"id": 22, "speaker": "Мария Захарова\x1b[2J\x1b]0;owned\x07", "first_seen": None,
     "statement": "НАТО не должно \u202eрасширяться\u202c на восток.\r\nВторая строка 東京"},
]


@pytest.mark.parametrize("width", [60, 80, 140])
def test_table_fits_the_terminal_and_keeps_every_word(width: int, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    emit(ROWS, "table", COLUMNS, title="Alerts", widths={"statement": 60})
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].strip() == "Alerts" and lines[1].startswith("┏") and lines[-1].startswith("└")
    assert all(text_width(line) <= width for line in lines), out
    assert len({text_width(line) for line in lines[1:]}) == 1  # every row line as wide as the box
    body = " ".join(line.strip("│┃ ") for line in lines[2:])
    assert "Ryabkov" in body and "2026-01-10" in body and "Захарова" in body


def test_table_cells_carry_no_control_or_format_characters(capsys: pytest.CaptureFixture[str]) -> None:
    emit(ROWS, "table", COLUMNS)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out and "\u202e" not in out
    assert "расширяться" in out


def test_empty_table_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    emit([], "table", COLUMNS)
    out = capsys.readouterr().out
    assert "┃ id ┃" in out.replace("  ", " ") and out.rstrip().endswith("(nothing to show)")
