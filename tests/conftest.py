"""Shared fixtures: databases (a SQLite file per test, PostgreSQL: one database per test process,
emptied for each test), settings, the Prefect test server."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# Prefect reads its settings at import: isolate it before anything imports prefect. Each process
# gets its own PREFECT_HOME: pytest-xdist workers inherit the controller's environment, so a home
# the controller made is replaced in each worker (a PREFECT_HOME set by the caller is kept).
if os.environ.get("PREFECT_HOME", "") in ("", os.environ.get("PYTEST_MONITOR_PREFECT_HOME")):
    os.environ["PREFECT_HOME"] = os.environ["PYTEST_MONITOR_PREFECT_HOME"] = tempfile.mkdtemp(
        prefix="monitor-test-prefect-")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
for _key in [k for k in os.environ if k.startswith("MONITOR_") and not k.startswith("MONITOR_TEST_")]:
    del os.environ[_key]  # tests never inherit the developer's configuration (MONITOR_TEST_* configures them)

import pytest  # noqa: E402
from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from monitor.config import Settings, load_settings  # noqa: E402
from monitor.store.db import make_engine, upgrade  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
DATA = Path(__file__).resolve().parent / "data"
PG_ADMIN_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


@dataclass
class PgAdmin:
    engine: Engine
    created: list[str] = field(default_factory=list)

    def create_database(self, template: str | None = None) -> str:
        name = f"monitor_test_{uuid.uuid4().hex[:12]}"
        tmpl = f' TEMPLATE "{template}"' if template else ""
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{tmpl}'))
            # commits return before their WAL reaches the disk (they stay atomic and visible):
            # only a server crash could lose them, and no test crashes the server
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        self.created.append(name)
        return name

    def drop_created(self) -> None:
        """Drop this session's databases, several at once: every DROP DATABASE waits for a
        checkpoint, and drops that wait together share one."""

        def drop(name: str) -> None:
            with self.engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(drop, self.created))


# A migrated database's shape: tables, columns, indexes, constraints and triggers of its schema.
_SHAPE = text("""
SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
  SELECT table_name || '.' || column_name || ':' || data_type || ':' || coalesce(column_default, '') AS x
    FROM information_schema.columns WHERE table_schema = 'public'
  UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL SELECT conname || ':' || pg_get_constraintdef(c.oid) FROM pg_constraint c
    JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
  UNION ALL SELECT tgname FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = r.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal
) shape""")


@dataclass
class PgWorkDatabase:
    """The test process's own PostgreSQL database at the current schema, emptied for each test
    that asks for one (TRUNCATE ... RESTART IDENTITY, the template's alembic_version put back).
    A database per test cost more than the tests themselves on a busy server: CREATE DATABASE
    copies the template through the WAL and DROP DATABASE waits for a checkpoint. A test that
    changed the schema leaves a shape that no longer matches: the database is then replaced."""

    admin: PgAdmin
    template: str
    name: str = ""
    shape: str = ""
    versions: list[str] = field(default_factory=list)

    def fresh(self) -> str:
        if not self.name:
            self._replace()
        with self.admin.engine.connect() as conn:  # connections a previous test left open
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": self.name})
        eng = create_engine(_pg_url(self.name), poolclass=NullPool)
        try:
            with eng.begin() as conn:
                if conn.scalar(_SHAPE) != self.shape:
                    self._replace()
                    return _pg_url(self.name)
                tables = conn.scalars(text("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"))
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                for version in self.versions:
                    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
        finally:
            eng.dispose()
        return _pg_url(self.name)

    def _replace(self) -> None:
        self.name = self.admin.create_database(self.template)
        eng = create_engine(_pg_url(self.name), poolclass=NullPool)
        try:
            with eng.connect() as conn:
                self.shape = str(conn.scalar(_SHAPE))
                self.versions = list(conn.scalars(text("SELECT version_num FROM alembic_version")))
        finally:
            eng.dispose()


def _pg_reachable() -> str | None:
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 5})
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - report any failure to reach the server
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[PgAdmin]:
    """An AUTOCOMMIT engine on the server's admin database. Fails under CI=true when unreachable."""
    problem = _pg_reachable()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is unreachable under CI: {problem}")
        pytest.skip(f"PostgreSQL unreachable (set CI=true to make this a failure): {problem}")
    admin = PgAdmin(create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT"))
    yield admin
    admin.drop_created()
    admin.engine.dispose()


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_template(pg_admin: PgAdmin) -> str:
    """A database migrated with `alembic upgrade head` once, used as the template of test databases."""
    name = pg_admin.create_database()
    eng = make_engine(_pg_url(name))
    upgrade(eng)
    eng.dispose()
    return name


@pytest.fixture(scope="session")
def pg_work_database(pg_admin: PgAdmin, pg_template: str) -> PgWorkDatabase:
    return PgWorkDatabase(pg_admin, pg_template)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    eng.dispose()
    return path


def fresh_pg_database(pg_admin: PgAdmin, template: str | None = None) -> str:
    return _pg_url(pg_admin.create_database(template))


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a fresh, empty database (no schema) on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return fresh_pg_database(request.getfixturevalue("pg_admin"))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database at the current schema (made by alembic) on each backend: a
    copy of the migrated SQLite template, or this process's PostgreSQL database emptied."""
    if request.param == "sqlite":
        target = tmp_path / "monitor.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    return request.getfixturevalue("pg_work_database").fresh()


def write_config(tmp_path: Path, db_url: str, extra: str = "", *, seeds: bool = True) -> Path:
    """A config file in tmp_path using ``db_url``; ``extra`` is appended TOML."""
    cfg = tmp_path / "monitor.toml"
    body = f'data_dir = "{tmp_path / "var"}"\n[database]\nurl = "{db_url}"\n'
    if seeds:
        body += f'\n[[sources]]\nname = "seeds"\nkind = "files"\npath = "{SEEDS}"\n'
    cfg.write_text(body + extra, encoding="utf-8")
    return cfg


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Settings on a fresh migrated database of each backend, with the seeds as the only source."""
    return load_settings(write_config(tmp_path, db_url), env={})


# --- Prefect (flows/ tests): one temporary API server per test session --------------------------


@pytest.fixture(scope="session")
def prefect_backend() -> Iterator[str]:
    """A Prefect test server for the session (~15 s once), heartbeats off (~1 s saved per flow
    run); yields its API URL so subprocesses (`monitor run`) can use it too."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield str(PREFECT_API_URL.value())

