"""Alembic environment: the database URL comes from the monitor's configuration.

Run through ``monitor db upgrade`` (which passes its connection in ``config.attributes``) or
plain ``alembic upgrade head`` from the project folder (URL from monitor.toml / MONITOR_DATABASE_URL).
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection

from monitor.store.models import Base, JsonType

target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Autogenerate writes the JSON type as plain SQLAlchemy types (as in revision 0001)."""
    if type_ == "type" and isinstance(obj, JsonType):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')"
    return False


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    from monitor.config import load_settings
    from monitor.store.db import make_engine

    settings = load_settings()
    engine = make_engine(settings.database_url, busy_timeout_s=settings.database.busy_timeout_s)
    try:
        with engine.begin() as conn:
            _configure_and_run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run against a database")
run_migrations_online()
