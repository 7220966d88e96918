"""Cases: intake (with its receipt) and manual actions, one case at a time.

Every write here happens in the caller's transaction and is all-or-nothing: a refused
intake or action raises before anything is written, and a stale action (the case moved
since the officer loaded it) fails on the row version and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine import events, registry
from engine.calendars import calendar_of, deadline_of
from engine.errors import Conflict, InvalidInput, NotFound, Refused
from engine.models import Case, Complainant
from engine.numbers import new_number, normalise
from engine.units import UnitTree
from engine.users import Actor
from workflow.definition import Definition, FieldType, OutsideWindow, Transition
from workflow.fields import FieldErrors, coerce_all
from workflow.machine import ActionRefused, Outcome, machine_for
from workflow.messages import Text, text_of
from workflow.schedule import next_window_start, window_open

CASES = Case.__table__  # type: ignore[attr-defined]
COMPLAINANTS = Complainant.__table__  # type: ignore[attr-defined]
SCHEDULER = "scheduler"
"""The actor of every step the engine takes by itself (firings, deadlines)."""
OPEN_TRIGGER = "open"
"""The trigger of every case's first event: intake."""
MAX_TITLE = 200
MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class Receipt:
    """What the citizen takes home (2024 KETIGA): the number and where to track it."""

    number: str
    definition: str
    state: str
    channel: str
    unit: str
    received_at: dt.datetime
    recorded_at: dt.datetime
    carried_to: dt.datetime | None = None
    """Set when a complaint outside the window is carried to the next session."""


@dataclass(frozen=True)
class PersonalData:
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    anonymous: bool = False
    confidential: bool = False


def open_case(
    conn: Connection,
    tree: UnitTree,
    *,
    definition_ref: str,
    unit_code: str,
    channel: str,
    title: str,
    description: str = "",
    category: str | None = None,
    fields: dict[str, Any] | None = None,
    received_at: dt.datetime | None = None,
    now: dt.datetime,
    actor: Actor | None = None,
    complainant: PersonalData | None = None,
) -> Receipt:
    """Take in a complaint under the channel's window rules and issue its receipt."""
    published = registry.find(conn, definition_ref)
    definition = published.definition
    received = received_at or now
    if received.tzinfo is None:
        raise InvalidInput(Text("received_at needs a timezone offset, e.g. +07:00"))
    if received > now:
        raise InvalidInput(Text("received_at is in the future"))
    spec = definition.channels.get(channel)
    if spec is None:
        raise InvalidInput(
            Text(
                "unknown channel '%(channel)s' for %(key)s (channels: %(known)s)",
                channel=channel,
                key=definition.key,
                known=", ".join(definition.channels),
            )
        )
    tree.require(unit_code)
    if spec.kind == "in_person":
        if actor is None:
            raise Refused(
                Text("channel '%(channel)s' is recorded by an officer: sign in", channel=channel)
            )
        if actor.role not in spec.roles:
            raise Refused(
                Text(
                    "role '%(role)s' does not receive on channel '%(channel)s'",
                    role=actor.role,
                    channel=channel,
                )
            )
        if not tree.covers(actor.unit_code, unit_code):
            raise Refused(
                Text(
                    "user '%(user)s' cannot receive for unit %(unit)s",
                    user=actor.name,
                    unit=unit_code,
                )
            )
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(Text("title: 1 to %(limit)s characters", limit=MAX_TITLE))
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(Text("description: at most %(limit)s characters", limit=MAX_DESCRIPTION))
    contact = complainant.__dict__ if complainant else {}
    for name, value in {"title": title, "description": description, **contact}.items():
        if isinstance(value, str) and "\x00" in value:
            # PostgreSQL cannot store NUL in text and SQLite would: refuse it on both.
            raise InvalidInput(Text("%(field)s: NUL characters are not allowed", field=name))
    if (
        category is not None
        and definition.intake.categories
        and (category not in definition.intake.categories)
    ):
        raise InvalidInput(
            Text(
                "unknown category '%(category)s' (one of %(known)s)",
                category=category,
                known=", ".join(definition.intake.categories),
            )
        )
    try:
        data = coerce_all(
            definition.fields, fields or {}, definition.intake.fields, definition.intake.optional
        )
    except FieldErrors as exc:
        raise InvalidInput(text_of(exc)) from None
    check_units(tree, definition, data)

    calendar = calendar_of(definition)
    entered = received
    carried: dt.datetime | None = None
    if not window_open(spec, received, calendar):
        if spec.outside_window is OutsideWindow.refuse:
            raise Refused(
                spec.message
                or Text("channel '%(channel)s' is closed at this time", channel=channel)
            )
        carried = next_window_start(spec, received, calendar)
        if carried is None:
            raise Refused(
                spec.message or Text("channel '%(channel)s' has no next session", channel=channel)
            )
        entered = carried

    start = definition.start_state
    number = new_number()
    # Everything the case row says about its intake is in the first event, so replay can
    # tell a row edited behind the log's back; personal data is never in an event. The
    # hash does not cover the case's id, so the event is sealed first and the case row
    # written once, already pointing at it.
    payload: dict[str, Any] = {
        "channel": channel,
        "unit": unit_code,
        "title": title,
        "category": category,
        "fields": data,
    }
    if carried is not None:
        payload["carried_to"] = events.stamp(carried)
    first = events.seal(
        number,
        {
            "seq": 1,
            "trigger": OPEN_TRIGGER,
            "source": None,
            "dest": start,
            "actor": actor.name if actor else f"channel:{channel}",
            "role": actor.role if actor else None,
            "unit_code": unit_code,
            "firing_id": None,
            "occurred_at": received,
            "recorded_at": now,
            "payload": payload,
            "definition_version_id": published.id,
            "prev_hash": events.GENESIS,
        },
    )
    case_id = conn.execute(
        _NEW_CASE,
        {
            "number": number,
            "definition_version_id": published.id,
            "state": start,
            "unit_code": unit_code,
            "origin_unit": unit_code,
            "channel": channel,
            "title": title,
            "description": description,
            "category": category,
            "data": data,
            "received_at": received,
            "recorded_at": now,
            "entered_at": entered,
            "due_at": deadline_of(definition, start, entered),
            "seq": 1,
            "last_hash": first["hash"],
            "overdue": False,
            "closed": False,
            "row_version": 1,
        },
    ).scalar_one()
    events.append(conn, [{"case_id": case_id, **first}])
    person = complainant or PersonalData(anonymous=True)
    conn.execute(_NEW_COMPLAINANT, {"case_id": case_id, "erased_at": None, **person.__dict__})
    return Receipt(number, definition.key, start, channel, unit_code, received, now, carried)


def check_units(tree: UnitTree, definition: Definition, data: dict[str, Any]) -> None:
    """Unit fields must name a known unit at the field's level."""
    for name, value in data.items():
        spec = definition.fields[name]
        if spec.type is FieldType.unit:
            try:
                tree.check_level(value, spec.level, f"field '{name}'")
            except NotFound as exc:
                raise InvalidInput(
                    Text("field '%(field)s': %(problem)s", field=name, problem=text_of(exc))
                ) from None


_NEW_CASE = (
    sa.insert(CASES)
    .values({c.name: sa.bindparam(c.name) for c in CASES.columns if c.name != "id"})
    .returning(CASES.c.id)
)
_NEW_COMPLAINANT = sa.insert(COMPLAINANTS).values(
    {c.name: sa.bindparam(c.name) for c in COMPLAINANTS.columns}
)
_BY_NUMBER = sa.select(CASES).where(CASES.c.number == sa.bindparam("number"))
"""Built once: a manual action reads its case by number (statement building, not the
query, was most of the time of a read)."""


@functools.cache
def _update_of(columns: tuple[str, ...]) -> sa.Update:
    """The guarded update of these columns, built once per set of columns."""
    return (
        sa.update(CASES)
        .where(CASES.c.id == sa.bindparam("_id"), CASES.c.row_version == sa.bindparam("_seen"))
        .values({name: sa.bindparam(name) for name in columns})
    )


def load(conn: Connection, number: str) -> sa.Row[Any]:
    """The case row for a typed number; malformed and unknown numbers read the same."""
    canonical = normalise(number)
    row = None
    if canonical is not None:
        row = conn.execute(_BY_NUMBER, {"number": canonical}).first()
    if row is None:
        raise NotFound(Text("no complaint numbered '%(number)s'", number=number))
    return row


def fire(
    conn: Connection,
    tree: UnitTree,
    *,
    number: str,
    trigger: str,
    actor: Actor,
    fields: dict[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime,
) -> Outcome:
    """An officer's manual action on a case, checked against role, unit and definition."""
    return fire_on(
        conn,
        tree,
        load(conn, number),
        trigger=trigger,
        actor=actor,
        fields=fields,
        expected_version=expected_version,
        now=now,
    )


def fire_on(
    conn: Connection,
    tree: UnitTree,
    case: sa.Row[Any],
    *,
    trigger: str,
    actor: Actor,
    fields: dict[str, Any] | None = None,
    expected_version: int | None = None,
    now: dt.datetime,
) -> Outcome:
    """``fire`` on a case row already read in this write transaction (the API reads it
    first to scope the caller and check the fields; reading it again cost a tenth of an
    action)."""
    if expected_version is not None and case.row_version != expected_version:
        raise Conflict(
            Text(
                "complaint %(number)s changed since you opened it (version %(expected)s, "
                "now %(now)s): reload and try again",
                number=case.number,
                expected=expected_version,
                now=case.row_version,
            )
        )
    published = registry.get(conn, case.definition_version_id)
    definition = published.definition
    if actor.role not in definition.roles:
        raise Refused(
            Text("role '%(role)s' has no part in %(key)s", role=actor.role, key=definition.key)
        )
    if not tree.covers(actor.unit_code, case.unit_code):
        raise Refused(
            Text(
                "user '%(user)s' cannot act on complaints of unit %(unit)s",
                user=actor.name,
                unit=case.unit_code,
            )
        )
    try:
        outcome = machine_for(definition).fire(
            case.state,
            trigger,
            data=case.data,
            role=actor.role,
            facts=facts_of(tree, case),
            supplied=fields or {},
        )
    except ActionRefused as exc:
        raise Refused(text_of(exc)) from None
    check_units(tree, definition, outcome.changes)
    unit = destination_unit(tree, definition, case.unit_code, case.origin_unit, outcome)
    apply(conn, case, published.id, definition, outcome, unit, actor=actor, at=now, now=now)
    return outcome


def facts_of(tree: UnitTree, case: Any) -> dict[str, Any]:
    """The builtin variables a condition sees for ``case`` (besides its fields)."""
    return {
        "channel": case.channel,
        "category": case.category,
        "unit_level": tree.levels[case.unit_code].value,
    }


def destination_unit(
    tree: UnitTree, definition: Definition, unit: str, origin: str, outcome: Outcome
) -> str:
    """Where the case is handled after ``outcome``: rerouted, escalated, returned to the
    unit that received it (``origin``), or where it was."""
    for step in outcome.steps:
        unit = route_step(tree, definition, unit, origin, step.transition, outcome.data)
    return unit


def route_step(
    tree: UnitTree,
    definition: Definition,
    unit: str,
    origin: str,
    transition: Transition,
    data: Mapping[str, Any],
) -> str:
    """Where one step hands a case handled at ``unit``. Replay asks it of every logged
    step, so a unit change the rules did not make is caught."""
    if transition.return_to_origin:
        unit = origin
    if transition.reroute:
        field = next(f for f in transition.fields if definition.fields[f].type is FieldType.unit)
        unit = str(data[field])
    if transition.escalate_to is not None:
        above = tree.ancestor_at(unit, transition.escalate_to)
        if above is None:
            raise Refused(
                Text(
                    "unit %(unit)s has no %(level)s above it to escalate to",
                    unit=unit,
                    level=transition.escalate_to.value,
                )
            )
        unit = above
    return unit


def apply(
    conn: Connection,
    case: Any,
    version_id: int,
    definition: Definition,
    outcome: Outcome,
    unit: str,
    *,
    actor: Actor | None,
    at: dt.datetime,
    now: dt.datetime,
) -> None:
    """Write ``outcome``'s steps as events and move the case, guarded by its row version."""
    rows, values = step_rows(case, version_id, definition, outcome, unit, actor, at, now)
    save(conn, case, values)
    events.append(conn, rows)


def save(conn: Connection, case: Any, values: dict[str, Any]) -> None:
    """Update ``case`` only if no one changed it since it was read (its row version)."""
    result = conn.execute(
        _update_of(tuple(sorted(values))),
        {**values, "_id": case.id, "_seen": case.row_version},
    )
    if result.rowcount != 1:
        raise Conflict(
            Text(
                "complaint %(number)s was changed meanwhile: reload and try again",
                number=case.number,
            )
        )


def step_rows(
    case: Any,
    version_id: int,
    definition: Definition,
    outcome: Outcome,
    unit: str,
    actor: Actor | None,
    at: dt.datetime,
    now: dt.datetime,
    firing_id: int | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The sealed event rows of ``outcome`` and the case's new column values.

    Shared by manual actions and the set-based tick, so both write identical records.
    """
    rows = []
    prev, seq = case.last_hash, case.seq
    last = len(outcome.steps) - 1
    for i, step in enumerate(outcome.steps):
        seq += 1
        payload: dict[str, Any] = {}
        if i == 0 and outcome.changes:
            payload["fields"] = outcome.changes
        if i == last and unit != case.unit_code:
            payload["unit"] = unit
        row = events.seal(
            case.number,
            {
                "case_id": case.id,
                "seq": seq,
                "trigger": step.trigger,
                "source": step.source,
                "dest": step.dest,
                "actor": actor.name if actor else SCHEDULER,
                "role": actor.role if actor else None,
                "unit_code": actor.unit_code if actor else None,
                "firing_id": firing_id,
                "occurred_at": at,
                "recorded_at": now,
                "payload": payload,
                "definition_version_id": version_id,
                "prev_hash": prev,
            },
        )
        prev = row["hash"]
        rows.append(row)
    state = outcome.state
    values = {
        "state": state,
        "entered_at": at,
        "due_at": deadline_of(definition, state, at),
        "overdue": False,
        "closed": state in definition.end_states,
        "seq": seq,
        "last_hash": prev,
        "row_version": case.row_version + 1,
    }
    if outcome.changes:
        values["data"] = outcome.data  # scheduled steps change no data: skip re-writing it
    if unit != case.unit_code:
        # Set only when it moves: it is a foreign key, and SQLite checks the unit exists
        # on every row whose update names it (it doubled the cost of a tick's update).
        values["unit_code"] = unit
    return rows, values
