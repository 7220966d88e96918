"""Bulk writes straight to the database driver, for the set-based tick and bulk loads.

SQLAlchemy's executemany spends most of its time turning each row's dict into driver
parameters (profiled: ~40% of a tick). Here each column's bind processor is looked up
once per statement, rows become plain tuples, and the driver does the rest: sqlite3's
``executemany``, and on PostgreSQL ``COPY`` for inserts and psycopg's pipelined
``executemany`` for updates. Values go through the same type processors as through
SQLAlchemy (UTC timestamps, JSON, booleans), so a row reads back exactly as if written
by a Core statement: the hash chain depends on it.

Everything runs on the caller's connection, inside its transaction. The driver's errors
come out as SQLAlchemy's, as from a Core statement, so callers handle one kind: a full
disk or a cut connection mid-tick is the same ``OperationalError`` everywhere.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

Processor = Callable[[Any], Any] | None


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, column names) into ``table``."""
    if not rows:
        return
    columns = list(rows[0])
    values = _tuples(conn.dialect, table, columns, rows)
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"
        with _cursor(conn, statement) as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    else:
        marks = ", ".join(_mark(conn.dialect) for c in columns)
        statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"
        with _cursor(conn, statement) as cursor:
            cursor.executemany(statement, values)


def update_rows(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    match: Mapping[str, str],
) -> int:
    """Update one row of ``table`` per item of ``rows``; returns how many rows changed.

    ``match`` maps the columns that select a row to the keys holding their values (e.g.
    ``{"id": "b_id", "row_version": "b_version"}``); every other key is a column to set.
    A row that no longer matches (say, its version moved) is simply not updated: compare
    the count with ``len(rows)``.
    """
    if not rows:
        return 0
    keys = set(match.values())
    setting = [k for k in rows[0] if k not in keys]
    quote = conn.dialect.identifier_preparer.quote
    assignments = ", ".join(f"{quote(c)} = {_mark(conn.dialect)}" for c in setting)
    where = " AND ".join(f"{quote(c)} = {_mark(conn.dialect)}" for c in match)
    statement = f"UPDATE {quote(table.name)} SET {assignments} WHERE {where}"
    values = _tuples(conn.dialect, table, [*setting, *match], rows, [*setting, *match.values()])
    with _cursor(conn, statement) as cursor:
        cursor.executemany(statement, values)
        return int(cursor.rowcount)  # both drivers sum it over the rows


@contextmanager
def _cursor(conn: Connection, statement: str) -> Iterator[Any]:
    """A cursor of the DBAPI connection under ``conn`` (sqlite3 or psycopg), in the same
    transaction; the driver's errors are raised as SQLAlchemy's ``DBAPIError`` kinds."""
    driver: Any = conn.connection.driver_connection
    base: Any = conn.dialect.loaded_dbapi.Error
    cursor = driver.cursor()
    try:
        yield cursor
    except base as exc:
        raise sa.exc.DBAPIError.instance(
            statement,
            None,
            exc,
            base,
            connection_invalidated=conn.dialect.is_disconnect(exc, driver, cursor),
            dialect=conn.dialect,
        ) from exc
    finally:
        cursor.close()


def _mark(dialect: Dialect) -> str:
    """A positional parameter in the driver's style: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def _processors(dialect: Dialect, table: sa.Table, columns: Sequence[str]) -> list[Processor]:
    """Each column's bind processor, remembering its values for this statement only."""
    found = _bind_processors(dialect, table, tuple(columns))
    return [None if p is None else _remembering(p) for p in found]


@functools.lru_cache(maxsize=64)
def _bind_processors(
    dialect: Dialect, table: sa.Table, columns: tuple[str, ...]
) -> tuple[Processor, ...]:
    """Looked up once per dialect, table and columns: an officer's action writes its
    events through here, and the lookup was a quarter of the write."""
    return tuple(table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns)


_EMPTY = object()
"""The key under which an empty dict's processed value is remembered."""


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` computed once per distinct value: a chunk's rows repeat the same few
    instants, states and empty payloads thousands of times. Values are told apart by type
    and equality (``True`` is not ``1``; equal instants store alike)."""
    seen: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        kind = type(value)
        key = _EMPTY if kind is dict and not value else (kind, value)
        try:
            return seen[key]
        except KeyError:
            result = seen[key] = process(value)
            return result
        except TypeError:  # unhashable: a JSON document with content
            return process(value)

    return remembered


def _tuples(
    dialect: Dialect,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str] | None = None,
) -> list[list[Any]]:
    """Each row as a list of driver values: ``row[keys[i]]`` through column ``i``'s
    processor (``keys`` defaults to the column names)."""
    keys = list(keys or columns)
    processors = _processors(dialect, table, columns)
    get = operator.itemgetter(*keys, *keys[:1])  # one key more: always a tuple
    width = len(keys)
    processed = [(i, p) for i, p in enumerate(processors) if p is not None]
    values = []
    for row in rows:
        value = list(get(row)[:width])
        for i, process in processed:
            value[i] = process(value[i])
        values.append(value)
    return values
