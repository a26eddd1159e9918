"""Engine, sessions, migrations and the one boundary where SQLAlchemy errors are translated."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, column, create_engine, event, inspect, select, table
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from monitor.errors import SchemaOutdatedError, StorageError

if TYPE_CHECKING:  # the ORM is imported by what uses sessions: a Core-only reader never loads it
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return "<invalid database URL>"


def make_engine(url: str, *, busy_timeout_s: float = 30.0, echo: bool = False) -> Engine:
    """An engine for SQLite (WAL, foreign keys, busy timeout) or PostgreSQL (psycopg 3, pre-ping)."""
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError as exc:
        raise StorageError(f"invalid database URL {url!r}: {exc}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, busy_timeout_s, echo)
    return create_engine(
        parsed, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5,
        connect_args={"connect_timeout": 10, "options": f"-c lock_timeout={int(busy_timeout_s * 1000)}"},
    )


def _sqlite_engine(parsed: Any, busy_timeout_s: float, echo: bool) -> Engine:
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, echo=echo, connect_args={"timeout": busy_timeout_s})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # take transaction control from pysqlite so BEGIN IMMEDIATE-style locking is predictable
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # IMMEDIATE: take the write lock when the transaction starts, so a concurrent writer waits
        # (busy_timeout) instead of failing on a read-to-write upgrade with "database is locked".
        # A read-only transaction (Monitor.reading) takes no lock: under WAL it reads a snapshot
        # while a writer works, and it never holds up a writer.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


#: execution option of the connections of read-only transactions
READ_ONLY = "monitor_read_only"


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Translate SQLAlchemy's operational errors into StorageError (bugs still propagate)."""
    try:
        yield
    except sa_exc.OperationalError as exc:
        msg = str(exc.orig) if exc.orig is not None else str(exc)
        kind = "database is locked" if "locked" in msg else "database unavailable"
        raise StorageError(f"{what}: {kind}: {msg.strip().splitlines()[0] if msg.strip() else msg}") from exc
    except sa_exc.InterfaceError as exc:
        raise StorageError(f"{what}: database connection failed: {exc.orig}") from exc
    except sa_exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise StorageError(f"{what}: database connection lost: {exc.orig}") from exc
        raise


def insert_for(session_or_engine: Session | Engine) -> Any:
    """The dialect-specific ``insert`` that supports ``on_conflict_do_*``."""
    bind = session_or_engine if isinstance(session_or_engine, Engine) else session_or_engine.get_bind()
    if bind.dialect.name == "postgresql":  # imported on use: a SQLite user never loads the PostgreSQL dialect
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


# ---------------------------------------------------------------------------------------------
# Migrations


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision in ``migrations/versions``. Read from the files' ``revision`` and
    ``down_revision`` lines, without importing Alembic (every command checks the schema, and
    importing Alembic and the migration scripts would double a quick command's start-up);
    anything but one linear head is left to Alembic's own reading."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if rev is None or down is None:
            return _alembic_head()
        revisions.add(rev.group(1))
        parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else _alembic_head()


_REVISION = re.compile(r"^revision(?:\s*:\s*[\w\[\] |]+)?\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:\s*[\w\[\], |]+)?\s*=\s*(.+)$", re.MULTILINE)


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "migrations/ has no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision (``alembic_version``), None for a database without one. Plain SQL,
    as Alembic reads it (see head_revision for why not through Alembic)."""
    with storage_errors(f"reading the schema revision of {safe_url(str(engine.url))}"), engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions: list[str] = list(conn.execute(select(column("version_num")).select_from(table("alembic_version"))).scalars())
    if len(versions) > 1:
        raise StorageError(f"{safe_url(str(engine.url))} has several schema heads: {', '.join(versions)}")
    return versions[0] if versions else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with storage_errors(f"migrating {safe_url(str(engine.url))}"), engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with storage_errors(f"migrating {safe_url(str(engine.url))}"), engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def ensure_schema(engine: Engine, *, auto_upgrade: bool) -> None:
    """Check the database is at head. A new (empty) database is created when ``auto_upgrade``;
    an existing database at an older revision is never migrated silently."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        with storage_errors("inspecting the database"):
            tables = set(inspect(engine).get_table_names())
        if auto_upgrade and not tables:
            log.info("creating the database schema at %s", safe_url(str(engine.url)))
            upgrade(engine)
            return
        if tables:
            raise StorageError(
                f"{safe_url(str(engine.url))} holds tables but no monitor schema revision: "
                "is this the right database?"
            )
    raise SchemaOutdatedError(
        f"the database {safe_url(str(engine.url))} is at schema revision {current or 'none'}, "
        f"this version of monitor needs {head}: run `monitor db upgrade`"
    )
