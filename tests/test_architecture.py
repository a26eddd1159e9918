"""Dependency rules of the code base (see the README's architecture section)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MONITOR = Path(__file__).resolve().parent.parent / "monitor"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(MONITOR), ids=lambda p: str(p.relative_to(MONITOR)))
def test_library_never_imports_prefect_or_flows(path: Path) -> None:
    bad = {name for name in _imports(path) if name.split(".")[0] in ("prefect", "flows")}
    assert not bad, f"{path} imports {bad}: monitor/ must stay a plain library"


PURE = [p for p in _modules(MONITOR / "detect")] + [MONITOR / "types.py", MONITOR / "errors.py"]
IO_LIBRARIES = {"sqlalchemy", "httpx", "httpcore", "smtplib", "socket", "requests", "urllib.request"}


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(MONITOR)))
def test_pure_modules_import_no_io_library(path: Path) -> None:
    bad = {n for n in _imports(path) if n in IO_LIBRARIES or n.split(".")[0] in IO_LIBRARIES}
    assert not bad, f"{path} imports {bad}: detection is pure"


def test_no_sql_built_from_strings() -> None:
    for path in _modules(MONITOR):
        src = path.read_text(encoding="utf-8")
        assert 'text(f"' not in src and "text(f'" not in src, f"{path}: SQL built with an f-string"
