"""Replay for auditors: rebuild a case from its events and check every link.

For each event, in order: the sequence has no gap, the hash chain holds (so nothing was
edited, inserted or removed), and the step was legal under the definition version in
force — the transition exists from the replayed state, the actor's role may take it,
their unit covered the case's unit at the time, and the case moved to another unit only
as the transition hands it (a well-sealed forgery can follow every link of the chain but
not the rules). At the end the rebuilt case must equal the stored row (state, unit, data,
sequence, last hash): a state changed behind the log's back is caught here. ``verify_all``
streams every case in constant memory. (A chain rewritten and sealed again by someone
with write access, legal step by legal step, is what ``engine.anchors`` is for.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine import events, registry
from engine.cases import CASES, OPEN_TRIGGER, SCHEDULER, load, route_step
from engine.errors import Refused
from engine.privacy import ERASE_TRIGGER
from engine.tick import OVERDUE_TRIGGER
from engine.units import UnitTree
from engine.versioning import ADMIN_ROLE, MIGRATE_TRIGGER
from workflow.definition import Definition, Transition, TransitionKind
from workflow.machine import machine_for
from workflow.messages import Text

BATCH = 500
"""Cases read per query when verifying the whole log."""


@dataclass
class StepView:
    """The case as it stood after one event: what the auditor's stepper shows."""

    seq: int
    trigger: str
    source: str | None
    dest: str
    actor: str
    role: str | None
    occurred_at: dt.datetime
    diktum: str | None
    unit: str


@dataclass
class Verdict:
    number: str
    consistent: bool = True
    events: int = 0
    first_bad_seq: int | None = None
    reason: str | None = None
    state: str | None = None
    steps: list[StepView] = field(default_factory=list)

    def fail(self, seq: int | None, reason: str) -> Verdict:
        self.consistent = False
        self.first_bad_seq = seq
        self.reason = reason
        return self

    def as_dict(self, with_steps: bool = True) -> dict[str, Any]:
        result: dict[str, Any] = {
            "number": self.number,
            "consistent": self.consistent,
            "events": self.events,
            "state": self.state,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
        }
        if with_steps:
            result["steps"] = [s.__dict__ for s in self.steps]
        return result


def replay(
    conn: Connection, tree: UnitTree, number: str, until: dt.datetime | None = None
) -> Verdict:
    """Replay one case; with ``until``, only the events that occurred by then."""
    case = load(conn, number)
    return check_case(conn, tree, case, events.history(conn, case.id), until)


def check_case(
    conn: Connection,
    tree: UnitTree,
    case: Any,
    log: list[dict[str, Any]],
    until: dt.datetime | None = None,
    definitions: dict[int, Definition] | None = None,
) -> Verdict:
    """Replay one case's ``log``; ``definitions`` caches versions across the cases of a
    whole-log verification (looking each up per event cost a tenth of the time)."""
    verdict = Verdict(case.number)
    known = {} if definitions is None else definitions
    state: str | None = None
    unit = case.unit_code
    data: dict[str, Any] = {}
    prev = events.GENESIS
    closed = False
    intake: dict[str, Any] = {}
    routed = unit  # where the rules have handed the case so far (see Route)
    for expected_seq, event in enumerate(log, start=1):
        seq = event["seq"]
        if seq != expected_seq:
            return verdict.fail(expected_seq, Text("event %(seq)s is missing", seq=expected_seq))
        if event["prev_hash"] != prev:
            return verdict.fail(
                seq, Text("event %(seq)s does not follow event %(before)s", seq=seq, before=seq - 1)
            )
        if events.digest(case.number, event) != event["hash"]:
            return verdict.fail(
                seq, Text("event %(seq)s was altered after it was recorded", seq=seq)
            )
        prev = event["hash"]
        if until is not None and event["occurred_at"] > until:
            break
        version_id = event["definition_version_id"]
        definition = known.get(version_id)
        if definition is None:
            definition = known[version_id] = registry.get(conn, version_id).definition
        payload = event["payload"] or {}
        if seq == 1:
            problem = _check_open(definition, tree, event)
            unit = routed = payload.get("unit", unit)
            data = dict(payload.get("fields") or {})
            intake = {
                "origin_unit": unit,
                "channel": payload.get("channel"),
                "title": payload.get("title"),
                "category": payload.get("category"),
                "received_at": event["occurred_at"],
            }
        else:
            problem, transition = _check_step(
                definition, tree, event, state, unit, data, intake["channel"], intake["category"]
            )
            data.update(payload.get("fields") or {})
            if problem is None and (_routes(transition) or "unit" in payload or routed != unit):
                problem, routed = _check_route(
                    definition,
                    tree,
                    event,
                    transition,
                    Route(routed, unit, intake["origin_unit"], _ends_outcome(log, seq - 1)),
                    data,
                )
            unit = payload.get("unit", unit)
        if problem:
            return verdict.fail(seq, Text("event %(seq)s: %(problem)s", seq=seq, problem=problem))
        state = event["dest"]
        closed = state in definition.end_states
        verdict.events = seq
        verdict.steps.append(
            StepView(
                seq,
                event["trigger"],
                event["source"],
                event["dest"],
                event["actor"],
                event["role"],
                event["occurred_at"],
                _diktum(definition, event),
                unit,
            )
        )
    verdict.state = state
    if until is None:
        rebuilt = {
            **intake,
            "state": state,
            "unit_code": unit,
            "data": data,
            "seq": len(log),
            "last_hash": prev,
            "closed": closed,
            "definition_version_id": log[-1]["definition_version_id"] if log else None,
        }
        mismatch = _compare(case, rebuilt)
        if mismatch:
            return verdict.fail(
                None, Text("the stored case disagrees with its log: %(problem)s", problem=mismatch)
            )
    return verdict


def _check_open(definition: Definition, tree: UnitTree, event: Mapping[str, Any]) -> str | None:
    if event["trigger"] != OPEN_TRIGGER or event["source"] is not None:
        return Text("a case's first event must be its intake")
    if event["dest"] != definition.start_state:
        return Text(
            "intake must enter '%(start)s', not '%(dest)s'",
            start=definition.start_state,
            dest=event["dest"],
        )
    channel = (event["payload"] or {}).get("channel")
    if channel not in definition.channels:
        return Text("intake on unknown channel '%(channel)s'", channel=channel)
    unit = (event["payload"] or {}).get("unit")
    if unit not in tree.names:
        return Text("intake at unknown unit '%(unit)s'", unit=unit)
    return None


def _check_step(
    definition: Definition,
    tree: UnitTree,
    event: Mapping[str, Any],
    state: str | None,
    unit: str,
    data: dict[str, Any],
    channel: str,
    category: str | None,
) -> tuple[str | None, Transition | None]:
    """What is wrong with a step, if anything, and the transition it took (none for the
    engine's own steps: migration, erasure, overdue flags)."""
    trigger, source, dest = event["trigger"], event["source"], event["dest"]
    if source != state:
        return Text(
            "starts from '%(source)s' but the case was in '%(state)s'", source=source, state=state
        ), None
    if trigger == MIGRATE_TRIGGER:
        ok = event["role"] == ADMIN_ROLE and dest in definition.states
        return None if ok else Text(
            "a migration by a non-administrator or into an unknown state"
        ), None
    if trigger == ERASE_TRIGGER:
        ok = event["role"] == ADMIN_ROLE and dest == source
        return (
            None if ok else Text("an erasure by a non-administrator or one that moves the case")
        ), None
    if trigger == OVERDUE_TRIGGER:
        ok = dest == source and definition.states[source].deadline is not None
        return None if ok else Text("an overdue flag on a state without a deadline"), None
    machine = machine_for(definition)
    candidates = [t for t in machine.transitions_from(source, trigger) if t.dest == dest]
    if not candidates:
        return Text(
            "no transition '%(trigger)s' from '%(source)s' to '%(dest)s' in %(key)s",
            trigger=trigger,
            source=source,
            dest=dest,
            key=definition.key,
        ), None
    transition = candidates[0]
    if transition.kind is TransitionKind.manual:
        role = event["role"]
        if role not in transition.roles:
            return Text(
                "role '%(role)s' may not take '%(trigger)s'", role=role, trigger=trigger
            ), None
        actor_unit = event["unit_code"]
        if actor_unit is None or actor_unit not in tree.names or not tree.covers(actor_unit, unit):
            return Text(
                "'%(actor)s' of unit %(actor_unit)s had no authority over unit %(unit)s",
                actor=event["actor"],
                actor_unit=actor_unit,
                unit=unit,
            ), None
    elif transition.kind is not TransitionKind.automatic and event["actor"] != SCHEDULER:
        # Gateway branches follow whatever step entered the gateway, so they carry that
        # step's actor; scheduled and deadline steps are the engine's alone.
        return Text(
            "'%(trigger)s' is %(kind)s but was taken by '%(actor)s'",
            trigger=trigger,
            kind=transition.kind.value,
            actor=event["actor"],
        ), None
    if all(t.condition is None for t in candidates):
        return None, transition
    merged = {**data, **((event["payload"] or {}).get("fields") or {})}
    level = tree.levels[unit].value if unit in tree.levels else None
    context = {"role": event["role"], "channel": channel, "category": category, "unit_level": level}
    held = next((t for t in candidates if machine.condition_holds(t, merged, **context)), None)
    if held is None:
        return Text("the condition of '%(trigger)s' did not hold", trigger=trigger), None
    return None, held


@dataclass(frozen=True)
class Route:
    """Where a case stands when one of its steps is replayed."""

    routed: str
    """Where the rules have handed it so far (an outcome's steps may each move it)."""
    recorded: str
    """Where the log says it is: an outcome's last step records where it went."""
    origin: str
    """The unit that received it."""
    ends_outcome: bool
    """Whether this step is its outcome's last."""


def _check_route(
    definition: Definition,
    tree: UnitTree,
    event: Mapping[str, Any],
    transition: Transition | None,
    route: Route,
    data: Mapping[str, Any],
) -> tuple[str | None, str]:
    """A step's unit change must be the one its transition makes (a reroute to the unit
    the actor named, an escalation to the ancestor at the level, a return to the unit that
    received the case), recorded at the end of its outcome; returns where it went."""
    routed = route.routed
    if transition is not None:
        try:
            routed = route_step(tree, definition, routed, route.origin, transition, data)
        except (Refused, KeyError, StopIteration):
            return Text("'%(trigger)s' could not route the case", trigger=event["trigger"]), routed
    moved = (event["payload"] or {}).get("unit")
    if moved is not None and moved != routed:
        return Text(
            "moves the case to unit %(moved)s where '%(trigger)s' hands it to %(routed)s",
            moved=moved,
            trigger=event["trigger"],
            routed=routed,
        ), routed
    if moved is None and route.ends_outcome and routed != route.recorded:
        return Text(
            "'%(trigger)s' hands the case to unit %(routed)s but the log leaves it at %(unit)s",
            trigger=event["trigger"],
            routed=routed,
            unit=route.recorded,
        ), routed
    return None, routed


def _routes(transition: Transition | None) -> bool:
    """Whether a step by ``transition`` may move the case to another unit. Most steps do
    not; replay checks their routing only when the log says they did (a whole-log check
    took a fifth longer checking every step)."""
    return transition is not None and (
        transition.reroute or transition.return_to_origin or transition.escalate_to is not None
    )


def _ends_outcome(log: list[dict[str, Any]], index: int) -> bool:
    """Whether ``log[index]`` is its outcome's last step: the steps of one outcome (an
    action and the gateways it passes, or one firing's) share actor, firing and instant."""
    if index + 1 >= len(log):
        return True
    here, after = log[index], log[index + 1]
    return any(here[k] != after[k] for k in ("actor", "firing_id", "recorded_at"))


def _diktum(definition: Definition, event: Mapping[str, Any]) -> str | None:
    if event["trigger"] == OPEN_TRIGGER:
        channel = definition.channels.get((event["payload"] or {}).get("channel", ""))
        return (channel.diktum if channel else None) or definition.states[event["dest"]].diktum
    for t in definition.transitions:
        if t.trigger == event["trigger"] and t.dest == event["dest"]:
            return t.diktum
    return definition.states[event["dest"]].diktum


def _compare(case: Any, rebuilt: dict[str, Any]) -> str | None:
    """The first column of the stored case that the log does not account for."""
    columns = case._mapping
    for name, replayed in rebuilt.items():
        stored = columns[name]
        if name == "data":
            stored = dict(stored)
        if stored != replayed:
            return Text(
                "%(column)s is %(stored)r but the log gives %(replayed)r",
                column=name,
                stored=stored,
                replayed=replayed,
            )
    return None


def verify_all(conn: Connection, tree: UnitTree) -> Iterator[Verdict]:
    """Every case's verdict, reading cases and their events a batch at a time."""
    after = 0
    definitions: dict[int, Definition] = {}
    while True:
        cases = conn.execute(
            sa.select(CASES).where(CASES.c.id > after).order_by(CASES.c.id).limit(BATCH)
        ).all()
        if not cases:
            return
        ids = [c.id for c in cases]
        logs: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        rows = conn.execute(
            sa.select(events.EVENTS)
            .where(events.EVENTS.c.case_id.in_(ids))
            .order_by(events.EVENTS.c.case_id, events.EVENTS.c.seq)
        )
        names = list(rows.keys())
        at = names.index("case_id")
        for row in rows:
            logs[row[at]].append(dict(zip(names, row, strict=True)))
        for case in cases:
            verdict = check_case(conn, tree, case, logs[case.id], definitions=definitions)
            verdict.steps = []
            yield verdict
        after = ids[-1]
