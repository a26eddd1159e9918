"""The composition root: open_monitor(settings) wires the database (and later clients)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings
from monitor.store.db import READ_ONLY, ensure_schema, make_engine, make_sessionmaker, storage_errors


@dataclass
class Monitor:
    """Settings plus the opened database. Create with :func:`open_monitor`."""

    settings: Settings
    engine: Engine
    _sessions: sessionmaker[Session] = field(repr=False)

    @contextmanager
    def session(self, what: str = "database work") -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error; DB failures -> StorageError."""
        with storage_errors(what), self._sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self, what: str = "reading") -> Iterator[Session]:
        """A transaction that only reads: on SQLite it takes no write lock, so it neither waits
        for a running writer nor holds one up (pages of ``monitor web``). Rolled back at the end."""
        with storage_errors(what), self._sessions(bind=self.engine.execution_options(**{READ_ONLY: True})) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_monitor(settings: Settings, *, auto_upgrade: bool = True) -> Monitor:
    """Open the configured database; a new database is created at the current schema, an
    outdated one raises SchemaOutdatedError telling the user to run ``monitor db upgrade``."""
    engine = make_engine(settings.database_url, busy_timeout_s=settings.database.busy_timeout_s,
                         echo=settings.database.echo)
    try:
        ensure_schema(engine, auto_upgrade=auto_upgrade)
        return Monitor(settings, engine, make_sessionmaker(engine))
    except BaseException:
        engine.dispose()
        raise
