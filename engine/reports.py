"""Reports the instructions ask for, computed from cases and their events.

* 2017 KEEMPAT a: the Camat's weekly report to the Walikota of complaints resolved at
  kecamatan level and those that could not be (escalated out of the kecamatan).
* 2017 KEEMPAT c: the city's report to the Governor through the Sekda: resolved at city
  level, escalated to the province, and how each kecamatan carried the instruction out.
* 2024 KESATU b: monitoring figures: counts per office, channel, unit and state; ages
  of open complaints; overdue ones.

"Resolved at a level" is read from where a closed case was handled when it closed; an
escalation is a step that moved the case's unit out of the reporting unit's subtree.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine import counts, events
from engine.cases import CASES
from engine.tick import OVERDUE_TRIGGER
from engine.units import UnitTree
from workflow.definition import UnitLevel


def _case_summary(row: Any) -> dict[str, Any]:
    return {
        "number": row.number,
        "title": row.title,
        "state": row.state,
        "unit": row.unit_code,
        "origin": row.origin_unit,
        "received_at": row.received_at,
    }


def _closed_in(
    conn: Connection, units: Iterable[str], start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(CASES)
        .where(
            CASES.c.closed.is_(True),
            CASES.c.entered_at >= start,
            CASES.c.entered_at < end,
            CASES.c.unit_code.in_(list(units)),
        )
        .order_by(CASES.c.entered_at)
    )
    return [_case_summary(r) | {"closed_at": r.entered_at} for r in rows]


def _escalated_out(
    conn: Connection, regions: dict[str, set[str]], start: dt.datetime, end: dt.datetime
) -> dict[str, list[dict[str, Any]]]:
    """Per region (a unit's subtree, keyed by the unit; regions do not overlap): the cases
    received there that a step in the period moved out of it, and that are still out.

    One query over the period's steps of those cases, however many regions are asked.
    """
    region_of = {unit: key for key, units in regions.items() for unit in units}
    log = events.EVENTS
    steps = conn.execute(
        sa.select(CASES, log.c.occurred_at, log.c.payload)
        .join(log, log.c.case_id == CASES.c.id)
        .where(
            CASES.c.origin_unit.in_(sorted(region_of)),
            log.c.occurred_at >= start,
            log.c.occurred_at < end,
        )
        .order_by(CASES.c.id, log.c.seq)
    )
    found: dict[str, dict[int, dict[str, Any]]] = {key: {} for key in regions}
    for row in steps:
        key = region_of[row.origin_unit]
        region = regions[key]
        moved_to = (row.payload or {}).get("unit")
        if (
            row.unit_code not in region
            and moved_to
            and moved_to not in region
            and row.id not in found[key]
        ):
            found[key][row.id] = _case_summary(row) | {
                "escalated_at": row.occurred_at,
                "escalated_to": moved_to,
            }
    return {key: list(cases.values()) for key, cases in found.items()}


def kecamatan_weekly(
    conn: Connection, tree: UnitTree, kecamatan: str, week_start: dt.datetime
) -> dict[str, Any]:
    """The Camat's weekly report (2017 KEEMPAT a), for the week starting ``week_start``."""
    tree.check_level(kecamatan, UnitLevel.kecamatan, "report")
    end = week_start + dt.timedelta(days=7)
    subtree = set(tree.descendants(kecamatan))
    resolved = _closed_in(conn, subtree, week_start, end)
    unresolved = _escalated_out(conn, {kecamatan: subtree}, week_start, end)[kecamatan]
    still_open = conn.execute(
        sa.select(sa.func.count())
        .select_from(CASES)
        .where(CASES.c.closed.is_(False), CASES.c.unit_code.in_(sorted(subtree)))
    ).scalar_one()
    return {
        "report": "kecamatan_weekly",
        "diktum": "KEEMPAT a",
        "kecamatan": kecamatan,
        "name": tree.names[kecamatan],
        "from": week_start,
        "to": end,
        "resolved": resolved,
        "unresolved": unresolved,
        "open": still_open,
    }


def city_report(
    conn: Connection, tree: UnitTree, city: str, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """The city's report to the Governor through the Sekda (2017 KEEMPAT c)."""
    tree.check_level(city, UnitLevel.kota, "report")
    subtree = set(tree.descendants(city))
    kecamatans = sorted(
        code for code in tree.children.get(city, []) if tree.levels[code] is UnitLevel.kecamatan
    )
    regions = {code: set(tree.descendants(code)) for code in kecamatans}
    below = set().union(*regions.values())
    kecamatan_of = {unit: code for code, units in regions.items() for unit in units}
    closed = _closed_in(conn, subtree, start, end)
    escalated = _escalated_out(conn, regions, start, end)
    per_kecamatan = [
        {
            "kecamatan": code,
            "name": tree.names[code],
            "resolved": sum(1 for c in closed if kecamatan_of.get(c["unit"]) == code),
            "escalated": len(escalated[code]),
        }
        for code in kecamatans
    ]
    return {
        "report": "city",
        "diktum": "KEEMPAT c",
        "city": city,
        "name": tree.names[city],
        "from": start,
        "to": end,
        "resolved_at_city": [c for c in closed if c["unit"] not in below],
        "escalated_to_province": _escalated_out(conn, {city: subtree}, start, end)[city],
        "kecamatan": per_kecamatan,
    }


def monitoring(
    conn: Connection, tree: UnitTree, now: dt.datetime, unit: str | None = None
) -> dict[str, Any]:
    """Monitoring figures (2024 KESATU b), for one unit's subtree or everything."""
    scope = counts.scoped(counts.subtree(tree, unit))

    def grouped(column: Any, *where: Any) -> dict[str, int]:
        rows = conn.execute(
            sa.select(column, sa.func.count()).where(scope, *where).group_by(column)
        )
        return {str(key): int(count) for key, count in rows}

    open_ = CASES.c.closed.is_(False)
    opened, oldest = conn.execute(
        sa.select(sa.func.count(), sa.func.min(CASES.c.received_at)).where(scope, open_)
    ).one()
    # The median's one or two middle instants, found by the database rather than by
    # reading every open complaint (a second of the dashboard with a million stored).
    middle = conn.execute(
        sa.select(CASES.c.received_at)
        .where(scope, open_)
        .order_by(CASES.c.received_at)
        .limit(2 - opened % 2)
        .offset(max(0, (opened - 1) // 2))
    ).scalars()
    ages = [(now - r).total_seconds() / 86_400 for r in middle] if opened else []
    overdue_ever = conn.execute(
        sa.select(sa.func.count(sa.distinct(events.EVENTS.c.case_id)))
        .select_from(events.EVENTS.join(CASES, CASES.c.id == events.EVENTS.c.case_id))
        .where(scope, events.EVENTS.c.trigger == OVERDUE_TRIGGER)
    ).scalar_one()
    return {
        "report": "monitoring",
        "diktum": "KESATU b",
        "unit": unit,
        "at": now,
        "total": sum(grouped(CASES.c.closed).values()),
        "open": int(opened),
        "by_channel": grouped(CASES.c.channel),
        "by_origin": grouped(CASES.c.origin_unit),
        "by_unit": grouped(CASES.c.unit_code, open_),
        "by_state": grouped(CASES.c.state, open_),
        "open_age_days": {
            "median": round(statistics.fmean(ages), 2) if ages else None,
            "max": round((now - oldest).total_seconds() / 86_400, 2) if opened else None,
        },
        "overdue_open": conn.execute(
            sa.select(sa.func.count()).select_from(CASES).where(scope, open_, CASES.c.overdue)
        ).scalar_one(),
        "overdue_ever": overdue_ever,
    }
