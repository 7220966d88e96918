"""The tick: every scheduled firing due up to now, in time order, each exactly once.

A firing is keyed by (definition version, trigger, nominal time) in the ``firing`` table.
It is claimed with an insert that ignores conflicts, run in chunks of cases (one
transaction each), and marked finished. A tick that dies mid-firing leaves the firing
unfinished; the next tick resumes it, and because a firing only moves cases that are
still in its source states and entered them before it was due, nothing moves twice.
On PostgreSQL a session advisory lock per firing keeps two processes from running the
same firing at once; on SQLite the write lock does the same per chunk.

Set-based: the rule is decided once per source state by the machine; per case only the
condition (a compiled CEL program) is evaluated, and writes are executemany batches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from engine import events, registry
from engine.bulk import update_rows
from engine.calendars import calendar_of
from engine.cases import CASES, SCHEDULER, destination_unit, facts_of, save, step_rows
from engine.db import is_postgres
from engine.errors import Conflict, Refused
from engine.models import Firing
from engine.registry import VERSIONS, Published
from engine.store import Store
from workflow.definition import (
    OverdueAction,
    StateKind,
    Transition,
    TransitionKind,
)
from workflow.machine import Outcome, Step, machine_for
from workflow.schedule import Firing as Due
from workflow.schedule import due_between

FIRINGS = Firing.__table__  # type: ignore[attr-defined]
CHUNK = 2_000
"""Cases per transaction: big enough for bulk speed, small enough to keep locks short."""
RETRIES = 5
"""Attempts at a chunk that lost a race with a manual action before giving up."""
OVERDUE_TRIGGER = "overdue"

_CASE_COLUMNS = (
    CASES.c.id,
    CASES.c.number,
    CASES.c.state,
    CASES.c.unit_code,
    CASES.c.origin_unit,
    CASES.c.channel,
    CASES.c.category,
    CASES.c.data,
    CASES.c.seq,
    CASES.c.last_hash,
    CASES.c.row_version,
)


@dataclass(frozen=True)
class FiringReport:
    definition: str
    version: int
    trigger: str
    diktum: str | None
    nominal_at: dt.datetime
    fire_time: dt.datetime
    moved: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "definition": self.definition,
            "version": self.version,
            "trigger": self.trigger,
            "diktum": self.diktum,
            "nominal_at": self.nominal_at,
            "fire_time": self.fire_time,
            "moved": self.moved,
        }


@dataclass(frozen=True)
class TickReport:
    firings: list[FiringReport]
    overdue_flagged: int
    escalated: int


@dataclass(frozen=True)
class _Planned:
    published: Published
    trigger: str
    due: Due


def tick(store: Store, now: dt.datetime) -> TickReport:
    """Run every firing and deadline due up to ``now``, in time order.

    Deadlines that passed before a firing are handled before it, so a case escalated on
    Tuesday 08:00 is on the agenda of Tuesday 09:00's firing even when both are caught up
    by one tick after downtime.
    """
    reports: list[FiringReport] = []
    flagged = escalated = 0
    for planned in plan(store, now):
        more_flagged, more_escalated = run_deadlines(store, planned.due.due, now)
        flagged, escalated = flagged + more_flagged, escalated + more_escalated
        reports.append(run_firing(store, planned, now))
    more_flagged, more_escalated = run_deadlines(store, now, now)
    return TickReport(reports, flagged + more_flagged, escalated + more_escalated)


def plan(store: Store, now: dt.datetime) -> list[_Planned]:
    """The firings due up to ``now`` that are not finished, ordered by due time."""
    planned: list[_Planned] = []
    with store.read() as conn:
        oldest_of: dict[int, dt.datetime | None] = {}
        for version_id in conn.execute(sa.select(VERSIONS.c.id)).scalars():
            oldest_of[version_id] = _oldest_open(conn, registry.get(conn, version_id))
        in_use = {v for v, oldest in oldest_of.items() if oldest is not None}
        # A firing that died after moving its last open cases must still be finished.
        in_use |= set(
            conn.execute(
                sa.select(FIRINGS.c.definition_version_id)
                .where(FIRINGS.c.finished_at.is_(None))
                .distinct()
            ).scalars()
        )
        for version_id in sorted(in_use):
            published = registry.get(conn, version_id)
            # Firings due before the oldest open case entered its state move nothing:
            # catch-up starts there rather than at publication.
            oldest = oldest_of.get(version_id)
            for trigger, transition in scheduled_triggers(published).items():
                since = _last_nominal(conn, version_id, trigger) or published.published_at
                if oldest is not None:
                    since = max(since, _aware(oldest) - dt.timedelta(microseconds=1))
                if since >= now:
                    continue
                assert transition.schedule and transition.on_holiday
                for due in due_between(
                    transition.schedule,
                    since,
                    now,
                    calendar_of(published.definition),
                    transition.on_holiday,
                ):
                    if due.due <= now:
                        planned.append(_Planned(published, trigger, due))
            planned.extend(_unfinished(conn, published, now))
    unique = {(p.published.id, p.trigger, p.due.nominal): p for p in planned}
    return sorted(unique.values(), key=lambda p: (p.due.due, p.published.id, p.trigger))


def _oldest_open(conn: Connection, published: Published) -> dt.datetime | None:
    """When the longest-waiting open case of this version entered its state, or None.

    Asked state by state, so each answer is one seek in ``ix_case_due`` however many
    cases are stored: a case is open exactly when its state is not an end state.
    """
    definition = published.definition
    ends = set(definition.end_states)
    found = [
        conn.execute(
            sa.select(sa.func.min(CASES.c.entered_at)).where(
                CASES.c.definition_version_id == published.id, CASES.c.state == state
            )
        ).scalar()
        for state in definition.states
        if state not in ends
    ]
    instants = [_aware(value) for value in found if value is not None]
    return min(instants) if instants else None


def scheduled_triggers(published: Published) -> dict[str, Transition]:
    """One transition per scheduled trigger name: it carries the schedule and holiday rule."""
    found: dict[str, Transition] = {}
    for t in published.definition.transitions_of(TransitionKind.scheduled):
        found.setdefault(t.trigger, t)
    return found


def _last_nominal(conn: Connection, version_id: int, trigger: str) -> dt.datetime | None:
    value: dt.datetime | None = conn.execute(
        sa.select(sa.func.max(FIRINGS.c.nominal_at)).where(
            FIRINGS.c.definition_version_id == version_id, FIRINGS.c.trigger == trigger
        )
    ).scalar()
    return None if value is None else _aware(value)


def _aware(value: dt.datetime | str) -> dt.datetime:
    """Aggregates (min, max) skip the column's type: SQLite hands back naive UTC text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _unfinished(conn: Connection, published: Published, now: dt.datetime) -> list[_Planned]:
    rows = conn.execute(
        sa.select(FIRINGS.c.trigger, FIRINGS.c.nominal_at, FIRINGS.c.due_at).where(
            FIRINGS.c.definition_version_id == published.id,
            FIRINGS.c.finished_at.is_(None),
            FIRINGS.c.due_at <= now,
        )
    )
    return [_Planned(published, r.trigger, Due(r.nominal_at, r.due_at)) for r in rows]


def run_firing(store: Store, planned: _Planned, now: dt.datetime) -> FiringReport:
    """Claim, run and finish one firing; a finished firing is reported with what it moved."""
    published, trigger, due = planned.published, planned.trigger, planned.due
    definition = published.definition
    transition = scheduled_triggers(published)[trigger]
    with _exclusive(store, published.id, trigger, due.nominal):
        firing_id, finished, moved = _claim(store, published.id, trigger, due, now)
        if not finished:
            _move_all(store, published, trigger, due.due, firing_id, now)
            moved = _finish(store, firing_id, trigger, now)
    return FiringReport(
        definition.id, definition.version, trigger, transition.diktum, due.nominal, due.due, moved
    )


_LOCK = sa.text("SELECT pg_advisory_lock(hashtextextended(:k || current_schema(), 0))")
_UNLOCK = sa.text("SELECT pg_advisory_unlock(hashtextextended(:k || current_schema(), 0))")


@contextmanager
def _exclusive(store: Store, version_id: int, trigger: str, nominal: dt.datetime) -> Iterator[None]:
    """Hold PostgreSQL's session advisory lock on this firing while it runs.

    A crashed holder's session ends and the lock with it, so a standby takes over.
    """
    if not is_postgres(store.engine):
        yield
        return
    # Advisory locks are database-wide: the schema is part of the firing's name.
    key = f"diktum-firing:{version_id}:{trigger}:{events.stamp(nominal)}:"
    with store.engine.connect() as conn:
        conn.execute(_LOCK, {"k": key})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(_UNLOCK, {"k": key})
            conn.commit()


def _claim(
    store: Store, version_id: int, trigger: str, due: Due, now: dt.datetime
) -> tuple[int, bool, int]:
    """Record the firing once (or find it); returns its id, whether finished, moved so far."""
    values = {
        "definition_version_id": version_id,
        "trigger": trigger,
        "nominal_at": due.nominal,
        "due_at": due.due,
        "started_at": now,
        "moved": 0,
    }
    with store.write() as conn:
        dialect = postgresql if is_postgres(store.engine) else sqlite
        conn.execute(dialect.insert(FIRINGS).values(**values).on_conflict_do_nothing())
        row = conn.execute(
            sa.select(FIRINGS.c.id, FIRINGS.c.finished_at, FIRINGS.c.moved).where(
                FIRINGS.c.definition_version_id == version_id,
                FIRINGS.c.trigger == trigger,
                FIRINGS.c.nominal_at == due.nominal,
            )
        ).one()
        if row.finished_at is None:
            return row.id, False, _moved(conn, row.id, trigger)
    return row.id, True, row.moved


def _moved(conn: Connection, firing_id: int, trigger: str) -> int:
    """The cases a firing has moved so far: its events, as one run or resumed ones left."""
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(events.EVENTS)
            .where(events.EVENTS.c.firing_id == firing_id, events.EVENTS.c.trigger == trigger)
        ).scalar_one()
    )


def _finish(store: Store, firing_id: int, trigger: str, now: dt.datetime) -> int:
    """Mark the firing finished with what its events say it moved; returns that count.

    Counted from the log rather than from this run, and written only by the first to
    finish: without PostgreSQL's advisory lock (SQLite) two ticks may share one firing's
    chunks, and the later one must not overwrite the count with its own share.
    """
    with store.write() as conn:
        conn.execute(
            sa.update(FIRINGS)
            .where(FIRINGS.c.id == firing_id, FIRINGS.c.finished_at.is_(None))
            .values(finished_at=now, moved=_moved(conn, firing_id, trigger))
        )
        return int(
            conn.execute(sa.select(FIRINGS.c.moved).where(FIRINGS.c.id == firing_id)).scalar_one()
        )


def _move_all(
    store: Store,
    published: Published,
    trigger: str,
    due_at: dt.datetime,
    firing_id: int,
    now: dt.datetime,
) -> int:
    """Move every eligible case, state by state and chunk by chunk, until a full pass
    moves nothing."""
    machine = machine_for(published.definition)
    sources = sorted(
        {
            s
            for t in machine.definition.transitions_of(TransitionKind.scheduled)
            if t.trigger == trigger
            for s in t.source
        }
    )
    moved = 0
    while True:
        moved_this_pass = 0
        for state in sources:
            after: _Position | None = None
            while True:
                count, after = _move_chunk(
                    store, published, trigger, state, due_at, firing_id, after, now
                )
                if after is None:
                    break
                moved_this_pass += count
        moved += moved_this_pass
        if moved_this_pass == 0:
            return moved


_Position = tuple[dt.datetime, int]
"""Where a chunk ended in ``ix_case_due``: the last case's (entered_at, id)."""


def _move_chunk(
    store: Store,
    published: Published,
    trigger: str,
    state: str,
    due_at: dt.datetime,
    firing_id: int,
    after: _Position | None,
    now: dt.datetime,
) -> tuple[int, _Position | None]:
    """One transaction: up to ``CHUNK`` cases in ``state`` after position ``after``;
    returns (moved, the chunk's last position, or None when there were no cases)."""
    for _attempt in range(RETRIES):
        try:
            with store.write() as conn:
                return _move_rows(
                    conn, store, published, trigger, state, due_at, firing_id, after, now
                )
        except Conflict:
            continue
    raise Conflict(f"firing {trigger} kept losing races with manual actions; try again")


def _move_rows(
    conn: Connection,
    store: Store,
    published: Published,
    trigger: str,
    state: str,
    due_at: dt.datetime,
    firing_id: int,
    after: _Position | None,
    now: dt.datetime,
) -> tuple[int, _Position | None]:
    """Move the next chunk of due cases in ``state`` after ``after``.

    The chunk is read in (entered_at, id) order straight off ``ix_case_due`` (version,
    state, entered_at, id) and resumed after its last case, so a firing reads only the
    cases due, never the ones stored beside them. ``closed`` needs no condition: a case
    is closed exactly when it is in an end state, and those are never a source.
    """
    definition = published.definition
    machine = machine_for(definition)
    tree = store.tree()
    query = sa.select(*_CASE_COLUMNS, CASES.c.entered_at, CASES.c.closed).where(
        CASES.c.definition_version_id == published.id,
        CASES.c.state == state,
        CASES.c.entered_at <= due_at,
    )
    if after is not None:
        query = query.where(
            sa.tuple_(CASES.c.entered_at, CASES.c.id)
            > sa.tuple_(sa.literal(after[0], CASES.c.entered_at.type), sa.literal(after[1]))
        )
    query = query.order_by(CASES.c.entered_at, CASES.c.id).limit(CHUNK)
    if is_postgres(store.engine):
        query = query.with_for_update(of=CASES)
    rows = conn.execute(query).all()
    if not rows:
        return 0, None
    last: _Position = (rows[-1].entered_at, rows[-1].id)
    rows = [row for row in rows if not row.closed]
    fast = _fast_paths(machine, trigger, [state])
    updates: list[dict[str, Any]] = []
    new_events: list[dict[str, Any]] = []
    kinds = (TransitionKind.scheduled,)
    templates: dict[str, RecordTemplate | None] = {}
    for row in rows:
        outcome = fast.get(row.state)
        if outcome is None:
            outcome = machine.resolve(
                row.state,
                trigger,
                row.data,
                kinds=kinds,
                facts=facts_of(tree, row),
            )
            if outcome is None:
                continue
        else:
            outcome = Outcome(outcome.steps, outcome.state, row.data)
        try:
            unit = destination_unit(tree, definition, row.unit_code, row.origin_unit, outcome)
        except Refused:
            continue  # nowhere to escalate to: the case stays, and the report shows it

        def exact(row: Any = row, outcome: Outcome = outcome, unit: str = unit) -> _Records:
            return step_rows(
                row, published.id, definition, outcome, unit, None, due_at, now, firing_id
            )

        if row.state in fast and unit == row.unit_code:
            rows_, values = _templated(templates, row, exact)
        else:
            rows_, values = exact()
        values["b_id"] = row.id
        values["b_version"] = row.row_version
        updates.append(values)
        new_events.extend(rows_)
    _bulk_update(conn, updates)
    events.append(conn, new_events)
    return len(updates), last


class RecordTemplate:
    """The records of one case moved on a fast path, reused for the chunk's other cases in
    that state: per case only the ids, the sequence numbers and the hash chain differ, so
    ``step_rows`` runs once and each hash fills in an ``events.Series``.

    Learned from the first case and checked on the second against ``step_rows`` itself;
    if they differ, the state goes back to ``step_rows`` for every case (see
    ``_templated``), so the records are ``step_rows``'s whatever it comes to write.
    """

    def __init__(self, number: str, rows: list[dict[str, Any]], values: dict[str, Any]) -> None:
        self.rows = [dict(r) for r in rows]
        self.values = dict(values)
        self.series = [events.Series(number, r) for r in rows]
        self.checked = False

    def apply(self, row: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        prev, seq = row.last_hash, row.seq
        rows = []
        for template, series in zip(self.rows, self.series, strict=True):
            seq += 1
            digest = series.digest(row.number, seq, prev)
            rows.append(
                {**template, "case_id": row.id, "seq": seq, "prev_hash": prev, "hash": digest}
            )
            prev = digest
        values = {
            **self.values,
            "seq": seq,
            "last_hash": prev,
            "row_version": row.row_version + 1,
        }
        return rows, values


_Records = tuple[list[dict[str, Any]], dict[str, Any]]


def _templated(
    templates: dict[str, RecordTemplate | None], row: Any, exact: Callable[[], _Records]
) -> _Records:
    """``row``'s records by its state's template once one is learned and checked, else
    by ``exact`` (``step_rows``)."""
    if row.state not in templates:
        rows, values = exact()
        templates[row.state] = RecordTemplate(row.number, rows, values)
        return rows, values
    known = templates[row.state]
    if known is None:
        return exact()  # the template failed its check: step_rows for every case
    if not known.checked:
        rows, values = exact()
        if known.apply(row) == (rows, values):
            known.checked = True
        else:
            templates[row.state] = None
        return rows, values
    return known.apply(row)


def _fast_paths(machine: Any, trigger: str, sources: list[str]) -> dict[str, Outcome]:
    """Per source state, the outcome when it needs no per-case decision: the only
    scheduled transition for the trigger has no condition and does not enter a gateway."""
    fast: dict[str, Outcome] = {}
    for state in sources:
        candidates = [
            t
            for t in machine.transitions_from(state, trigger)
            if t.kind is TransitionKind.scheduled
        ]
        first = candidates[0] if candidates else None
        if (
            first is not None
            and first.condition is None
            and machine.definition.states[first.dest].kind is not StateKind.gateway
        ):
            fast[state] = Outcome((Step(first, state, first.dest),), first.dest, {})
    return fast


def _bulk_update(conn: Connection, updates: list[dict[str, Any]]) -> None:
    """One executemany straight to the driver per set of columns written (a case whose
    unit changes writes one more); any row whose version moved meanwhile voids the whole
    chunk."""
    alike: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in updates:
        alike.setdefault(tuple(values), []).append(values)
    changed = sum(
        update_rows(conn, CASES, rows, {"id": "b_id", "row_version": "b_version"})
        for rows in alike.values()
    )
    if changed != len(updates):
        raise Conflict("a case changed while the chunk was being moved")


def run_deadlines(store: Store, until: dt.datetime, now: dt.datetime) -> tuple[int, int]:
    """Flag or escalate the open cases whose deadline passed by ``until``; returns how
    many were flagged and escalated. Each step occurred at the deadline."""
    flagged = escalated = 0
    while True:
        with store.write() as conn:
            query = (
                sa.select(*_CASE_COLUMNS, CASES.c.definition_version_id, CASES.c.due_at)
                .where(
                    CASES.c.closed.is_(False),
                    CASES.c.overdue.is_(False),
                    CASES.c.due_at <= until,
                )
                .order_by(CASES.c.due_at)
                .limit(CHUNK)
            )
            if is_postgres(store.engine):
                query = query.with_for_update(of=CASES, skip_locked=True)
            rows = conn.execute(query).all()
            if not rows:
                return flagged, escalated
            for row in rows:
                if _overdue(conn, store, row, now):
                    escalated += 1
                else:
                    flagged += 1


def _overdue(conn: Connection, store: Store, row: Any, now: dt.datetime) -> bool:
    """Handle one overdue case; True when it was escalated, False when flagged."""
    published = registry.get(conn, row.definition_version_id)
    definition = published.definition
    spec = definition.states[row.state].deadline
    tree = store.tree()
    if spec is not None and spec.on_overdue is OverdueAction.escalate:
        outcome = machine_for(definition).resolve(
            row.state,
            _escalation_trigger(definition, row.state),
            row.data,
            kinds=(TransitionKind.escalation,),
            facts=facts_of(tree, row),
        )
        if outcome is not None:
            try:
                unit = destination_unit(tree, definition, row.unit_code, row.origin_unit, outcome)
            except Refused:
                unit = None
            if unit is not None:
                rows, values = step_rows(
                    row, published.id, definition, outcome, unit, None, row.due_at, now
                )
                save(conn, row, values)
                events.append(conn, rows)
                return True
    flag = Outcome((Step(_flag_transition(row.state), row.state, row.state),), row.state, row.data)
    rows, values = step_rows(
        row, published.id, definition, flag, row.unit_code, None, row.due_at, now
    )
    values["overdue"] = True
    del values["entered_at"], values["due_at"]  # still in the same state, still as late
    save(conn, row, values)
    events.append(conn, rows)
    return False


def _escalation_trigger(definition: Any, state: str) -> str:
    for t in definition.transitions_of(TransitionKind.escalation):
        if state in t.source:
            return str(t.trigger)
    return OVERDUE_TRIGGER


def _flag_transition(state: str) -> Transition:
    """The pseudo-transition of a deadline flag: the case stays put, the log says why."""
    return Transition.model_validate(
        {"trigger": OVERDUE_TRIGGER, "kind": "escalation", "from": [state], "to": state}
    )


__all__ = ["SCHEDULER", "FiringReport", "TickReport", "plan", "run_deadlines", "tick"]
