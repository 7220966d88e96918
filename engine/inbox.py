"""The officer's inbox: the cases of the units an officer covers, newest first, by pages.

One statement per page, whatever the page holds: the case columns a list needs (no
description, no data, never the complainant), filtered in SQL and paged by keyset on
``(received_at, id)``, so page 1,000 costs what page 1 costs. Everything else a row
shows (state titles, unit names) comes from the definitions and the unit tree the caller
already holds in memory.

The filters fit the existing index ``ix_case_inbox (unit_code, closed, received_at)``:
the default inbox (open cases of a few units) reads the index in order and stops after
one page. No index was added for this query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.cases import CASES
from engine.errors import InvalidInput
from workflow.messages import Text

PAGE_SIZE = 50
"""Cases per inbox page."""

COLUMNS = (
    CASES.c.id,
    CASES.c.number,
    CASES.c.definition_version_id,
    CASES.c.state,
    CASES.c.unit_code,
    CASES.c.channel,
    CASES.c.title,
    CASES.c.category,
    CASES.c.received_at,
    CASES.c.due_at,
    CASES.c.overdue,
    CASES.c.closed,
)
"""What a row of the inbox shows; the wide columns (description, data) stay on disk."""


class Status(StrEnum):
    """Which cases the inbox lists: the open ones (the default), the closed ones, or all."""

    open = "open"
    closed = "closed"
    all = "all"


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: just after this ``(received_at, id)``."""

    received_at: dt.datetime
    case_id: int

    def encode(self) -> str:
        """A short, URL-safe text: microseconds since the epoch and the case id."""
        micros = (self.received_at - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.case_id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor ``encode`` wrote; ``InvalidInput`` for anything else."""
        micros, dot, case_id = text.partition(".")
        try:
            if not dot:
                raise ValueError
            at = _EPOCH + dt.timedelta(microseconds=int(micros))
            return cls(at, int(case_id))
        except (ValueError, OverflowError):
            raise InvalidInput(Text("'%(text)s' is not an inbox page cursor", text=text)) from None


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class InboxQuery:
    """What the officer asked for. ``number`` is a canonical complaint number (the caller
    normalises what was typed); ``versions`` limits to those definition versions."""

    status: Status = Status.open
    state: str | None = None
    channel: str | None = None
    overdue: bool = False
    number: str | None = None
    versions: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    """Rows with the attributes of ``COLUMNS``, newest received first."""
    next: Cursor | None
    """Where the following page starts; None on the last page."""


def inbox(
    conn: Connection,
    units: Sequence[str],
    query: InboxQuery,
    *,
    now: dt.datetime,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page of the cases handled by ``units`` (an officer's unit and those below it).

    ``now`` decides which open cases are overdue: flagged by a tick, or past their
    deadline already though no tick has flagged them yet.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    statement = sa.select(*COLUMNS).where(CASES.c.unit_code.in_(list(units)))
    if query.status is Status.open:
        statement = statement.where(CASES.c.closed.is_(False))
    elif query.status is Status.closed:
        statement = statement.where(CASES.c.closed.is_(True))
    if query.state:
        statement = statement.where(CASES.c.state == query.state)
    if query.channel:
        statement = statement.where(CASES.c.channel == query.channel)
    if query.number:
        statement = statement.where(CASES.c.number == query.number)
    if query.versions is not None:
        statement = statement.where(CASES.c.definition_version_id.in_(list(query.versions)))
    if query.overdue:
        statement = statement.where(
            CASES.c.closed.is_(False),
            sa.or_(CASES.c.overdue.is_(True), CASES.c.due_at < now),
        )
    if after is not None:
        statement = statement.where(
            sa.or_(
                CASES.c.received_at < after.received_at,
                sa.and_(CASES.c.received_at == after.received_at, CASES.c.id < after.case_id),
            )
        )
    statement = statement.order_by(CASES.c.received_at.desc(), CASES.c.id.desc()).limit(limit + 1)
    rows = list(conn.execute(statement))
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        following = Cursor(last.received_at, last.id)
    return Page(rows, following)


def is_overdue(row: Any, now: dt.datetime) -> bool:
    """Whether an inbox row is late: flagged, or open and past its deadline."""
    if row.closed:
        return False
    return bool(row.overdue) or (row.due_at is not None and row.due_at < now)
