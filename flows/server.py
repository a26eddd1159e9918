"""``python -m flows.server [--host H] [--port P]``: ``prefect server start`` with one compatibility fix.

Prefect 3.8.8's scheduler service inserts scheduled flow runs with ORM bulk INSERT whose rows
carry a ``state`` key; ``FlowRun.state`` is a hybrid property, and SQLAlchemy 2.1 (which this
project pins) refuses such rows ("Can't evaluate bulk DML statement; please supply a bulk_dml
decorated function"), so no scheduled run is ever created. SQLAlchemy 2.0 ignored the key; the
fix gives the hybrid a ``bulk_dml`` setter that ignores it too (Prefect inserts the state rows
itself right after). Use this launcher instead of ``prefect server start`` in the project's
environment; a server installed in its own environment with ``sqlalchemy<2.1`` needs nothing.
"""

from __future__ import annotations

import sys
from typing import Any


def _ignore_in_bulk_insert(cls: Any, mapping: Any, value: Any) -> None:
    """The flow run's state rows are inserted separately: nothing to set on the run row."""


def patch_state_hybrids() -> None:
    """Give ``FlowRun.state`` / ``TaskRun.state`` a no-op ``bulk_dml`` setter (idempotent)."""
    from prefect.server.database import orm_models

    for model in (orm_models.FlowRun, orm_models.TaskRun):
        hybrid = model.__dict__.get("state")
        if hybrid is not None and getattr(hybrid, "bulk_dml_setter", "absent") is None:
            hybrid.bulk_dml_setter = _ignore_in_bulk_insert


def main(argv: list[str] | None = None) -> None:
    patch_state_hybrids()
    from prefect.cli import app

    sys.argv = ["prefect", "server", "start", *(sys.argv[1:] if argv is None else argv)]
    app()


if __name__ == "__main__":
    main()
