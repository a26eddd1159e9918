"""Start-up stays quick: a command imports only what it uses (the rule in monitor/cli/__init__.py).

Checked on the modules a fresh interpreter holds after the command, not on time (timings are
in bench/bench_cli.py); each case runs the real console entry point in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from monitor.store.db import _alembic_head, head_revision
from tests.conftest import write_config

# libraries and stages no `--help` needs; a command imports them inside its function
HEAVY = ("sqlalchemy", "alembic", "httpx", "rich", "prefect", "trafilatura", "feedparser", "jinja2", "lxml",
         "numpy", "sklearn", "skops", "fastapi", "starlette", "uvicorn", "selenium",
         "monitor.app", "monitor.store", "monitor.pipeline", "monitor.fetch", "monitor.extract",
         "monitor.sources", "monitor.detect_step", "monitor.web", "flows.pipeline", "flows.serve")

_PROBE = """
import json, sys
import click
from flows.cli import main
for args in json.loads(sys.argv[1]):
    try:
        main(args, standalone_mode=False)
    except (SystemExit, click.ClickException):  # e.g. `alerts show` of an alert that does not exist
        pass
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(*invocations: list[str]) -> set[str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(invocations)], capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


def _all_commands() -> list[list[str]]:
    import click

    from flows.cli import main

    found: list[list[str]] = []

    def walk(group: click.Group, path: list[str]) -> None:
        for name, cmd in group.commands.items():
            found.append([*path, name])
            if isinstance(cmd, click.Group):
                walk(cmd, [*path, name])

    walk(main, [])
    return found


def test_help_of_every_command_imports_no_heavy_library() -> None:
    commands = _all_commands()
    assert {"run", "serve", "alerts", "fetch", "detect"} <= {c[0] for c in commands}
    modules = _modules_after(["--help"], *[[*c, "--help"] for c in commands])
    assert _loaded(modules, HEAVY) == []


def test_alerts_reads_through_sqlalchemy_core_only(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}")
    _modules_after(["--config", str(cfg), "db", "upgrade"])  # migrating needs Alembic; listing does not
    for listing in (["alerts"], ["alerts", "--status", "new", "--speaker", "x", "--format", "json"],
                    ["alerts", "show", "1"]):
        modules = _modules_after(["--config", str(cfg), *listing])
        assert _loaded(modules, ("sqlalchemy", "monitor.store.alert_items")) == ["monitor.store.alert_items",
                                                                              "sqlalchemy"], listing
        # the lean path: no ORM, no declarative models, no rich (the table is drawn by monitor.cli.output)
        not_needed = ("sqlalchemy.orm", "sqlalchemy.ext", "monitor.store.models", "monitor.store.alerts", "rich",
                      "alembic", "httpx", "prefect", "trafilatura", "feedparser", "jinja2", "lxml", "numpy",
                      "monitor.pipeline", "monitor.fetch", "monitor.extract", "monitor.detect_step")
        assert _loaded(modules, not_needed) == [], listing


def test_alerts_core_columns_are_the_models() -> None:
    from monitor.store import alert_items, models

    for clause in (alert_items.ALERT, alert_items.GROUP, alert_items.STATEMENT, alert_items.ARTICLE):
        declared = models.Base.metadata.tables[clause.name]
        for col in clause.c:
            assert col.name in declared.c, f"{clause.name}.{col.name}"
            model_type = type(declared.c[col.name].type)
            assert isinstance(col.type, model_type) or model_type.__name__ in ("BigInteger", "Integer"), col


def test_head_revision_read_from_the_files_is_alembics() -> None:
    assert head_revision() == _alembic_head()
