"""Exit status of `monitor run`: failing web sources are reported, other errors fail the run."""

from __future__ import annotations

from typing import Any

import pytest

from flows.cli import run_failed

FAILING = [{"name": "kremlin", "error_kind": "network", "error": "no route", "consecutive_failures": 3}]
CASES: dict[str, tuple[dict[str, Any], bool, bool]] = {
    "clean run": ({"errors": [], "failing_sources": []}, False, False),
    "only a failing feed": ({"errors": ["kremlin: network: no route"], "failing_sources": FAILING}, False, True),
    "a bad local file": ({"errors": ["/x/bad.txt: empty file"], "failing_sources": []}, True, True),
    "a failing feed and a delivery failure": (
        {"errors": ["kremlin: network: no route", "email: failed: 554 rejected"], "failing_sources": FAILING},
        True, True),
}


@pytest.mark.parametrize("result, default, strict", CASES.values(), ids=list(CASES))
def test_run_exit_status(result: dict[str, Any], default: bool, strict: bool) -> None:
    assert run_failed(result, strict=False) is default
    assert run_failed(result, strict=True) is strict
