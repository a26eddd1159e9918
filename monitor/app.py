"""The composition root: open_monitor(settings) wires the database (and later clients)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from monitor.config import Settings
from monitor.store.db import READ_ONLY, ensure_schema, make_engine, make_sessionmaker, storage_errors

if TYPE_CHECKING:  # the ORM is imported on the first session: a Core-only reader never loads it
    from sqlalchemy.orm import Session, sessionmaker


@dataclass
class Monitor:
    """Settings plus the opened database. Create with :func:`open_monitor`."""

    settings: Settings
    engine: Engine
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    def _sessionmaker(self) -> sessionmaker[Session]:
        if self._sessions is None:
            self._sessions = make_sessionmaker(self.engine)
        return self._sessions

    @contextmanager
    def session(self, what: str = "database work") -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error; DB failures -> StorageError."""
        with storage_errors(what), self._sessionmaker().begin() as session:
            yield session

    @contextmanager
    def reading(self, what: str = "reading") -> Iterator[Session]:
        """A transaction that only reads: on SQLite it takes no write lock, so it neither waits
        for a running writer nor holds one up (pages of ``monitor web``). Rolled back at the end."""
        with storage_errors(what), self._sessionmaker()(bind=self._read_only()) as session:
            yield session

    @contextmanager
    def reading_core(self, what: str = "reading") -> Iterator[Connection]:
        """The same read-only transaction as a Core connection, for readers that need no ORM
        (``monitor alerts``: a quick command does not pay for importing it). Rolled back when
        the connection closes at the end."""
        with storage_errors(what), self._read_only().connect() as conn:
            yield conn

    def _read_only(self) -> Engine:
        return self.engine.execution_options(**{READ_ONLY: True})

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
        return Monitor(settings, engine)
    except BaseException:
        engine.dispose()
        raise
