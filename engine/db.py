"""Database engines: SQLite (embedded default, WAL) or PostgreSQL through psycopg 3.

A SQLite database can be opened read-only with SQLite's URI form,
``sqlite:///file:/path/diktum.sqlite?mode=ro&uri=true``: every write is then refused as
``DatabaseFault.read_only``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another before failing: ticks hold the lock briefly."""

_IMMEDIATE = "diktum_sqlite_immediate"

_SQLITE_READONLY = 8
_SQLITE_FULL = 13
_PG_READ_ONLY = "25006"
"""``read_only_sql_transaction``: a hot standby, or ``default_transaction_read_only``."""
_PG_DISK_FULL = "53100"


class DatabaseFault(StrEnum):
    """Why the database refused a request that was otherwise fine. The transaction was
    rolled back, so nothing is half-written; the same request succeeds once the fault
    clears. The value is the API's error code."""

    unavailable = "unavailable"
    """Down, unreachable, the connection cut, or every pooled connection busy."""
    read_only = "read_only"
    disk_full = "disk_full"

    @property
    def message(self) -> str:
        """What the API, Open311 and the CLI say (the web pages say it in Indonesian)."""
        return _FAULT_MESSAGES[self]


_FAULT_MESSAGES = {
    DatabaseFault.unavailable: "the database is unavailable; try again",
    DatabaseFault.read_only: "the database is read-only: nothing was saved; try again later",
    DatabaseFault.disk_full: (
        "the database is full (no space left on its disk): nothing was saved; try again later"
    ),
}


def fault_of(error: BaseException) -> DatabaseFault | None:
    """The database's fault behind ``error``, or None when the error is not one (a
    violated constraint or a bug is not the database's doing, and stays a 500)."""
    if isinstance(error, sa.exc.TimeoutError):
        return DatabaseFault.unavailable
    if not isinstance(error, sa.exc.DBAPIError):
        return None
    code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF  # extended codes keep the primary one in the low byte
        if primary == _SQLITE_READONLY:
            return DatabaseFault.read_only
        if primary == _SQLITE_FULL:
            return DatabaseFault.disk_full
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate == _PG_READ_ONLY:
        return DatabaseFault.read_only
    if sqlstate == _PG_DISK_FULL:
        return DatabaseFault.disk_full
    if error.connection_invalidated or isinstance(error, sa.exc.OperationalError):
        return DatabaseFault.unavailable
    return None


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
    """An engine for ``url``. Statement parameters are never put into log lines or error
    messages (``hide_parameters``): they carry complainants' personal data, and SQL
    logging or a logged database error must not leak it."""
    url = normalise_url(url)
    options.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        options.setdefault("json_deserializer", read_json)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False}, **options)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **options)


_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # set in __init__


def read_json(text: str) -> Any:
    """``json.loads`` for the JSON SQLite hands back, at twice its speed: the decoder's C
    scanner called directly, skipping ``loads``'s Python layers (half the cost of a small
    document; payloads are small and a replay reads one per event). Anything it does not
    consume whole (leading or trailing space, say) goes to ``json.loads`` itself."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


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
