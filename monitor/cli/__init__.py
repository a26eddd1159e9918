"""The ``monitor`` command line. Exit codes: 0 success, 1 partial failure, 2 usage/config error.

Command groups live in modules of this package; each registers its commands on ``main`` when it
is imported (the list at the bottom of this file). ``flows/cli.py`` adds ``run`` and ``serve``.

Start-up: each command imports only what it uses. ``monitor --help`` (and ``monitor X --help``)
imports every command module, so a command module's top level imports only the standard
library, ``click``, this package's helpers (``monitor.cli``, ``.output``, ``.core_cmds``) and
light pure modules of ``monitor`` (``config``, ``errors``, value types). Everything else, such as
SQLAlchemy, httpx, rich, the stages, Prefect or a web or ML stack, is imported inside the
function of the command that needs it. Type hints of such names go under
``if TYPE_CHECKING:``, which ``from __future__ import annotations`` makes free at run time::

    from typing import TYPE_CHECKING

    import click

    from monitor.cli import main
    from monitor.cli.core_cmds import opened

    if TYPE_CHECKING:
        from monitor.store.models import Article

    @main.command()
    @click.pass_context
    def export(ctx: click.Context) -> None:
        from monitor.store.articles import iter_articles  # SQLAlchemy: only when it runs

        with opened(ctx) as m, m.session() as s:
            rows = [_row(a) for a in iter_articles(s)]

    def _row(a: Article) -> dict[str, object]: ...

A listing people run often reads through SQLAlchemy Core (``Monitor.reading_core`` and the
table clauses of ``monitor.store.alert_items``, as ``monitor alerts`` does): the ORM and the
declarative models cost about a third of such a command's start-up. Tables are drawn by
``monitor.cli.output`` without rich.

``tests/test_cli_startup.py`` runs ``--help`` of every command and fails when one of them
imports a heavy library, and checks that ``monitor alerts`` loads neither the ORM, the models
nor rich; ``bench/bench_cli.py`` times the result.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from monitor.errors import ConfigError, ModelError, MonitorError, TrainingError

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


class MonitorGroup(click.Group):
    """Turns MonitorError into a clear message and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ConfigError, ModelError, TrainingError) as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_USAGE)
        except MonitorError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_PARTIAL)


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", envvar="MONITOR_CONFIG", type=click.Path(dir_okay=False),
              help="Configuration file (default: ./monitor.toml, else the built-in default). Env: MONITOR_CONFIG.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="monitor")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """Monitor the news for new official statements on tracked demands, and alert on them."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"config_path": config_path}


# command modules register themselves on `main`
from monitor.cli import core_cmds  # noqa: E402,F401
from monitor.cli import alert_cmds  # noqa: E402,F401
from monitor.cli import fetch_cmds  # noqa: E402,F401
from monitor.cli import detect_cmds  # noqa: E402,F401
from monitor.cli import web_cmds  # noqa: E402,F401
