"""Database engines: SQLite (embedded default, WAL) or PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another before failing: ticks hold the lock briefly."""

_IMMEDIATE = "diktum_sqlite_immediate"


def sqlite_url(folder: str | Path) -> str:
    """The default database: a file in the Flask instance folder."""
    return f"sqlite:///{Path(folder).resolve() / 'diktum.sqlite'}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` as people write it, and run it on psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **options: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False}, **options)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **options)


def writing(engine: Engine) -> Engine:
    """The same engine whose transactions take SQLite's write lock at BEGIN."""
    return engine.execution_options(**{_IMMEDIATE: True})


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy own transactions: pysqlite's implicit BEGIN defers the write lock
    # until the first write, which turns read-then-write races into lost updates.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A writer's IMMEDIATE takes the write lock at BEGIN, so two writers serialise
    # instead of one failing at commit with "database is locked"; readers stay deferred.
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
