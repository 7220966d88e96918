"""The database handle the edges hold: one SQLAlchemy engine plus the unit tree."""

from __future__ import annotations

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

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction that commits on success and rolls back on any error."""
        with self._writer.begin() as conn:
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
