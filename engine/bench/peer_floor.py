"""The peer scenario's floor: the rows Diktum's lifecycle wrote, written again on the
bare driver, with the same transactions and the same hashing and no workflow logic.

Intake, the triage and the meeting's outcome are a transaction per case (as in Diktum
and in SpiffWorkflow); the Sunday review and the Monday meeting one set-based firing
each. What each step writes (its events, the case's new columns) is decided by the
parent from Diktum's own log, so the floor writes exactly what Diktum wrote and the
engine's replay verifies it. No engine with a hash-chained log and a durable
transaction per officer's step can run this lifecycle faster on this storage: the
floor's rate over SpiffWorkflow's is the ceiling of the peer ratio.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import sqlalchemy as sa

from engine import registry
from engine.bench.common import Laps, Measured, Timer
from engine.bench.tick import EVENT_COLUMNS, sqlite_time
from engine.calendars import deadline_of
from engine.cases import CASES
from engine.events import EVENTS, GENESIS, digest
from engine.store import Store

PHASES = ("intake", "triage", "sunday", "monday", "outcome")
"""The lifecycle's phases, in order; a case's events fall into them by ``recorded_at``."""
SCHEDULED = ("sunday", "monday")
"""The phases that are one firing for every case; the others are a step per case."""


@dataclass(frozen=True)
class Step:
    """One case's part of one phase: the events it logs (every hashed column but the
    chain's ``seq``/``prev_hash`` and the firing's id) and the case's columns after it."""

    events: tuple[dict[str, Any], ...]
    values: dict[str, Any]
    """The columns the step sets besides the chain's and the row version, as Diktum's
    does: the fields only when they change, the unit only when the case moves."""


@dataclass(frozen=True)
class Lifecycle:
    """One case: its number, the row intake inserts, and its steps by phase."""

    number: str
    row: dict[str, Any]
    steps: dict[str, Step] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """Everything the floor writes, in the order Diktum wrote it."""

    cases: list[Lifecycle]
    firings: dict[str, dict[str, Any]]
    """Per scheduled phase: the firing row's columns and the due cases' selection."""


def plan_from(url: str, recorded: dict[str, dt.datetime]) -> Plan:
    """Read Diktum's finished lifecycle back as the floor's plan. ``recorded`` maps each
    phase to its ``recorded_at`` (the instant Diktum ran it at)."""
    phase_at = {at: name for name, at in recorded.items()}
    store = Store(url)
    try:
        with store.read() as conn:
            cases = conn.execute(sa.select(CASES).order_by(CASES.c.id)).all()
            logged = conn.execute(
                sa.select(EVENTS).order_by(EVENTS.c.case_id, EVENTS.c.seq)
            ).mappings()
            by_case = {
                k: [dict(e) for e in rows] for k, rows in groupby(logged, lambda e: e["case_id"])
            }
            definitions = {
                c.definition_version_id: registry.get(conn, c.definition_version_id).definition
                for c in cases
            }
    finally:
        store.close()
    lifecycles = []
    firings: dict[str, dict[str, Any]] = {}
    for case in cases:
        definition = definitions[case.definition_version_id]
        data: dict[str, Any] = {}
        unit = case.origin_unit
        row: dict[str, Any] = {}
        steps: dict[str, Step] = {}
        for phase, group in groupby(by_case[case.id], lambda e: phase_at[e["recorded_at"]]):
            events = list(group)
            last = events[-1]
            values = {
                "state": last["dest"],
                "entered_at": last["occurred_at"],
                "due_at": deadline_of(definition, last["dest"], last["occurred_at"]),
                "overdue": False,
                "closed": last["dest"] in definition.end_states,
            }
            for event in events:
                if "fields" in event["payload"]:
                    data |= event["payload"]["fields"]
                    values["data"] = dict(data)
                if event["payload"].get("unit", unit) != unit:
                    unit = values["unit_code"] = event["payload"]["unit"]
            steps[phase] = Step(tuple(_logged(e) for e in events), values)
            if phase == PHASES[0]:
                row = {c.name: getattr(case, c.name) for c in CASES.columns if c.name != "id"}
                # The floor hashes the first event itself and fills in ``last_hash``.
                row |= values | {"unit_code": case.origin_unit, "seq": 1, "last_hash": None}
                row["row_version"] = 1
            if phase in SCHEDULED and phase not in firings:
                firings[phase] = {
                    "definition_version_id": case.definition_version_id,
                    "trigger": events[0]["trigger"],
                    "source": events[0]["source"],
                    "due_at": events[0]["occurred_at"],
                    "now": events[0]["recorded_at"],
                }
        lifecycles.append(Lifecycle(case.number, row, steps))
    return Plan(lifecycles, firings)


class _Driver:
    """The two drivers' differences: placeholders, transactions, times and JSON."""

    mark = "?"

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite"):
            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
                self.conn.execute(f"PRAGMA {pragma}")
            self.begin = "BEGIN IMMEDIATE"
            self.time: Callable[[dt.datetime | None], Any] = sqlite_time
            self.json: Callable[[Any], Any] = json.dumps
            self.many = self.conn.executemany
        else:
            import psycopg
            from psycopg.types.json import Jsonb

            self.conn = psycopg.connect(
                url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True
            )
            self.mark, self.begin = "%s", "BEGIN"
            self.time, self.json = (lambda value: value), Jsonb
            self.many = self.conn.cursor().executemany

    def sql(self, text: str) -> str:
        return text.replace("?", self.mark)

    def close(self) -> None:
        self.conn.close()


def floor_lifecycles(url: str, plan: Plan) -> Measured:
    """The plan's rows on the bare driver, a transaction per case step, one per firing."""
    db = _Driver(url)
    conn, time, as_json = db.conn, db.time, db.json
    insert_case = db.sql(
        f"INSERT INTO case_file ({', '.join(plan.cases[0].row)}) "
        f"VALUES ({', '.join('?' for _ in plan.cases[0].row)}) RETURNING id"
    )
    insert_event = db.sql(
        f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
    )
    insert_person = db.sql(
        "INSERT INTO complainant (case_id, name, phone, email, address, anonymous, "
        "confidential, erased_at) VALUES (?, NULL, NULL, NULL, NULL, ?, ?, NULL)"
    )
    by_number = db.sql("SELECT id, seq, last_hash, row_version FROM case_file WHERE number = ?")
    updates: dict[tuple[str, ...], str] = {}

    def update_of(columns: tuple[str, ...]) -> str:
        if columns not in updates:
            updates[columns] = db.sql(
                f"UPDATE case_file SET {', '.join(f'{c} = ?' for c in columns)}, seq = ?, "
                "last_hash = ?, row_version = ? WHERE id = ? AND row_version = ?"
            )
        return updates[columns]

    due = db.sql(
        "SELECT id, number, seq, last_hash, row_version FROM case_file "
        "WHERE definition_version_id = ? AND state = ? AND closed = ? AND entered_at <= ? "
        "ORDER BY id"
    )
    new_firing = db.sql(
        "INSERT INTO firing (definition_version_id, trigger, nominal_at, due_at, started_at, "
        "moved) VALUES (?, ?, ?, ?, ?, 0) RETURNING id"
    )
    finish_firing = db.sql("UPDATE firing SET finished_at = ?, moved = ? WHERE id = ?")

    def seal(
        number: str, seq: int, prev: str, event: dict[str, Any], firing: int | None
    ) -> dict[str, Any]:
        full = {**event, "seq": seq, "prev_hash": prev, "firing_id": firing}
        full["hash"] = digest(number, full)
        return full

    def event_row(case_id: int, full: dict[str, Any]) -> tuple[Any, ...]:
        row = {**full, "case_id": case_id, "payload": as_json(full["payload"])}
        row["occurred_at"], row["recorded_at"] = time(row["occurred_at"]), time(row["recorded_at"])
        return tuple(row[c] for c in EVENT_COLUMNS)

    def step_values(
        values: dict[str, Any], seq: int, last: str, version: int, case_id: int
    ) -> tuple[Any, ...]:
        stored = {
            **values,
            "entered_at": time(values["entered_at"]),
            "due_at": time(values["due_at"]),
        }
        if "data" in stored:
            stored["data"] = as_json(stored["data"])
        return (*stored.values(), seq, last, version + 1, case_id, version)

    def write_steps(
        steps: Iterable[tuple[int, str, int, str, int, Step]], firing: int | None
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        events, updates = [], []
        for case_id, number, seq, last, version, step in steps:
            for event in step.events:
                seq += 1
                full = seal(number, seq, last, event, firing)
                last = full["hash"]
                events.append(event_row(case_id, full))
            updates.append(step_values(step.values, seq, last, version, case_id))
        return events, updates

    def case_step(lifecycle: Lifecycle, phase: str) -> None:
        conn.execute(db.begin)
        case_id, seq, last, version = conn.execute(by_number, (lifecycle.number,)).fetchone()
        step = lifecycle.steps[phase]
        events, [values] = write_steps(
            [(case_id, lifecycle.number, seq, last, version, step)], None
        )
        conn.execute(update_of(tuple(step.values)), values)
        db.many(insert_event, events)
        conn.execute("COMMIT")

    def firing(phase: str) -> int:
        spec = plan.firings[phase]
        conn.execute(db.begin)
        firing_id = conn.execute(
            new_firing,
            (
                spec["definition_version_id"],
                spec["trigger"],
                time(spec["due_at"]),
                time(spec["due_at"]),
                time(spec["now"]),
            ),
        ).fetchone()[0]
        rows = conn.execute(
            due, (spec["definition_version_id"], spec["source"], False, time(spec["due_at"]))
        ).fetchall()
        due_steps = [(*row, steps[row[1]][phase]) for row in rows]
        events, values = write_steps(due_steps, firing_id)
        if due_steps:
            # A firing sets the same columns of every case it moves (no fields, no unit).
            db.many(update_of(tuple(due_steps[0][-1].values)), values)
        db.many(insert_event, events)
        conn.execute(finish_firing, (time(spec["now"]), len(rows), firing_id))
        conn.execute("COMMIT")
        return len(rows)

    steps = {lifecycle.number: lifecycle.steps for lifecycle in plan.cases}
    moved: dict[str, int] = {}
    try:
        with Timer() as timer:
            laps = Laps()
            for lifecycle in plan.cases:
                row = dict(lifecycle.row)
                for column in ("received_at", "recorded_at", "entered_at", "due_at"):
                    row[column] = time(row[column])
                row["data"] = as_json(row["data"])
                [opened] = lifecycle.steps[PHASES[0]].events
                first = seal(lifecycle.number, 1, GENESIS, opened, None)
                row["last_hash"] = first["hash"]
                conn.execute(db.begin)
                [case_id] = conn.execute(insert_case, tuple(row.values())).fetchone()
                conn.execute(insert_event, event_row(case_id, first))
                conn.execute(insert_person, (case_id, True, False))
                conn.execute("COMMIT")
            laps.lap("intake")
            for phase in PHASES[1:]:
                if phase in SCHEDULED:
                    moved[phase] = firing(phase)
                else:
                    for lifecycle in plan.cases:
                        case_step(lifecycle, phase)
                laps.lap(phase)
        facts = {
            "moved_sunday": moved.get("sunday", 0),
            "moved_monday": moved.get("monday", 0),
            "phase_seconds": laps.seconds,
        }
        return Measured(len(plan.cases), timer.seconds, facts, cpu_seconds=timer.cpu_seconds)
    finally:
        db.close()


def _logged(event: Mapping[str, Any]) -> dict[str, Any]:
    """What a step logs, without what the floor fills in (ids, the chain, the firing)."""
    return {k: v for k, v in event.items() if k not in _FILLED}


_FILLED = ("id", "case_id", "seq", "prev_hash", "hash", "firing_id")


__all__ = ["Plan", "floor_lifecycles", "plan_from"]
