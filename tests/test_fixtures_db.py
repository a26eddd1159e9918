"""The test databases themselves: PostgreSQL's per-process database really is empty and at the
migrated schema for every test, and a test that changed its schema does not leak the change."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PgWorkDatabase

pytestmark = pytest.mark.postgres


def _run(url: str, *sql: str) -> list[object]:
    """Run the statements in one transaction; the rows of each SELECT (None for the others)."""
    eng = create_engine(url)
    out: list[object] = []
    try:
        with eng.begin() as conn:
            for statement in sql:
                result = conn.execute(text(statement))
                out.append(result.all() if result.returns_rows else None)
    finally:
        eng.dispose()
    return out


def test_each_fresh_database_is_empty_with_ids_from_one(pg_work_database: PgWorkDatabase) -> None:
    url = pg_work_database.fresh()
    insert = ("INSERT INTO source (name, kind, enabled, created_at, consecutive_failures) "
              "VALUES ('x', 'feed', true, now(), 0)")
    _run(url, insert, insert.replace("'x'", "'y'"))
    again = pg_work_database.fresh()
    assert again == url  # the same database, emptied
    (rows, version), = [_run(again, "SELECT id FROM source", "SELECT version_num FROM alembic_version")]
    assert rows == [] and version == [(v,) for v in pg_work_database.versions]
    _run(again, insert)
    assert _run(again, "SELECT id FROM source") == [[(1,)]]  # identities restarted


def test_a_changed_schema_is_replaced_by_a_fresh_database(pg_work_database: PgWorkDatabase) -> None:
    url = pg_work_database.fresh()
    _run(url, "ALTER TABLE source ADD COLUMN leaked integer")
    replaced = pg_work_database.fresh()
    assert replaced != url
    columns = _run(replaced, "SELECT column_name FROM information_schema.columns WHERE table_name = 'source'")
    assert ("leaked",) not in columns[0]
