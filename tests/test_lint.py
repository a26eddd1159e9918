"""The code passes the linter the project configures (pyproject.toml [tool.ruff.lint]: unused and
undefined names, redefinitions, syntax errors) and the type checker ([tool.mypy]: the package and
the flows), so a stale import, a misspelt name or a call with the wrong types fails the suite
instead of a run in production."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _tool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m <tool> args...`` in the repository's root."""
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_the_code_passes_the_configured_lint_rules() -> None:
    done = _tool("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_lint_gate_catches_an_unused_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    done = _tool("ruff", "check", "--no-cache", "--select", "F", str(bad))
    assert done.returncode == 1 and "F401" in done.stdout


def test_the_package_and_flows_pass_the_type_checker(tmp_path: Path) -> None:
    done = _tool("mypy", "--cache-dir", str(tmp_path / "cache"), "--no-error-summary")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_type_gate_catches_a_wrong_argument(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def half(x: int) -> int:\n    return x // 2\n\n\nhalf('two')\n")
    done = _tool("mypy", "--cache-dir", str(tmp_path / "cache"), str(bad))
    assert done.returncode == 1 and "arg-type" in done.stdout
