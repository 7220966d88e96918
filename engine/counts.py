"""Counts of open cases for diagrams and dashboards, each in one grouped query.

Scopes follow ``engine.reports.monitoring``: a unit's figures are those of the cases
received in its subtree (``origin_unit``), so a case escalated out of a kecamatan still
counts for the kecamatan that took it in (2024 KESATU b monitors intake per office).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.cases import CASES
from engine.units import UnitTree

AGE_EDGES_DAYS = (1, 3, 7, 14, 30)
"""Where the open-age histogram splits, in days since a complaint was received."""

_OPEN = CASES.c.closed.is_(False)


def subtree(tree: UnitTree, unit: str | None) -> list[str] | None:
    """The units whose complaints the figures of ``unit`` count; None for every complaint.

    A unit above every other (the province) needs no filter at all: looking each of the
    318 units up in the ``origin_unit`` index and fetching its rows one by one took
    SQLite four times as long as reading every case (a million stored, the dashboard's
    nine seconds)."""
    if unit is None:
        return None
    units = tree.descendants(tree.require(unit))
    return None if len(units) == len(tree.names) else units


def scoped(units: Collection[str] | None) -> Any:
    """The condition of ``subtree``'s scope."""
    return sa.true() if units is None else CASES.c.origin_unit.in_(sorted(units))


def open_per_version(conn: Connection) -> dict[int, int]:
    """Open cases per definition version id (versions without any are absent)."""
    rows = conn.execute(
        sa.select(CASES.c.definition_version_id, sa.func.count())
        .where(_OPEN)
        .group_by(CASES.c.definition_version_id)
    )
    return {int(version): int(count) for version, count in rows}


def open_per_state(conn: Connection, version_id: int) -> dict[str, int]:
    """Open cases of one definition version per state: the counts a diagram overlays."""
    rows = conn.execute(
        sa.select(CASES.c.state, sa.func.count())
        .where(_OPEN, CASES.c.definition_version_id == version_id)
        .group_by(CASES.c.state)
    )
    return {str(state): int(count) for state, count in rows}


def open_per_version_state(
    conn: Connection, units: Collection[str] | None = None
) -> dict[tuple[int, str], int]:
    """Open cases per (definition version id, state), within ``units`` when given."""
    rows = conn.execute(
        sa.select(CASES.c.definition_version_id, CASES.c.state, sa.func.count())
        .where(_OPEN, scoped(units))
        .group_by(CASES.c.definition_version_id, CASES.c.state)
    )
    return {(int(version), str(state)): int(count) for version, state, count in rows}


@dataclass(frozen=True)
class AgeBucket:
    """Open cases received between ``low`` and ``high`` days ago (``high`` None: older)."""

    low: int
    high: int | None
    count: int


def open_age_buckets(
    conn: Connection,
    now: dt.datetime,
    units: Collection[str] | None = None,
    edges: tuple[int, ...] = AGE_EDGES_DAYS,
) -> list[AgeBucket]:
    """How long open complaints have waited since they were received, as a histogram."""
    younger = [
        sa.func.count(sa.case((CASES.c.received_at > now - dt.timedelta(days=days), 1)))
        for days in edges
    ]
    row = conn.execute(sa.select(sa.func.count(), *younger).where(_OPEN, scoped(units))).one()
    total, cumulative = int(row[0]), [int(value) for value in row[1:]]
    buckets, low, below = [], 0, 0
    for days, within in zip(edges, cumulative, strict=True):
        buckets.append(AgeBucket(low, days, within - below))
        low, below = days, within
    buckets.append(AgeBucket(low, None, total - below))
    return buckets


def _overdue(now: dt.datetime) -> Any:
    return sa.or_(CASES.c.overdue.is_(True), CASES.c.due_at < now)


def overdue_cases(
    conn: Connection,
    now: dt.datetime,
    units: Collection[str] | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Open cases past their state's deadline (flagged by a tick, or due before ``now``),
    longest overdue first: the total and one page of them."""
    where = (_OPEN, scoped(units), _overdue(now))
    total = conn.execute(sa.select(sa.func.count()).select_from(CASES).where(*where)).scalar_one()
    rows = conn.execute(
        sa.select(
            CASES.c.number,
            CASES.c.title,
            CASES.c.state,
            CASES.c.definition_version_id,
            CASES.c.unit_code,
            CASES.c.origin_unit,
            CASES.c.received_at,
            CASES.c.due_at,
            CASES.c.overdue,
        )
        .where(*where)
        .order_by(CASES.c.due_at.is_(None), CASES.c.due_at, CASES.c.id)
        .limit(limit)
        .offset(offset)
    )
    return int(total), [dict(row._mapping) for row in rows]
