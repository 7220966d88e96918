"""The database handle the edges hold: one SQLAlchemy engine plus the unit tree."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from engine.db import make_engine, writing
from engine.units import UnitTree


class Store:
    """Transactions for readers and writers, and the unit tree read once per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writer = writing(self.engine)
        self._tree: UnitTree | None = None
        self._one_writer = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction that commits on success and rolls back on any error.

        SQLite has one writer at a time. Between threads of one process they take turns
        on a lock, woken the moment it is free; left to SQLite's busy handler, a waiting
        writer sleeps in steps of up to 100 ms, which made the tail of concurrent intake
        ten times its median.
        """
        if self._one_writer is None:
            with self._writer.begin() as conn:
                yield conn
            return
        with self._one_writer, self._writer.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def tree(self) -> UnitTree:
        if self._tree is None:
            with self.read() as conn:
                self._tree = UnitTree.read(conn)
        return self._tree

    def forget_tree(self) -> None:
        """Call after units change, so the next ``tree()`` reads them again."""
        self._tree = None

    def close(self) -> None:
        self.engine.dispose()
