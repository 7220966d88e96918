"""A case's history as an auditor reads it: every event with the titles of its step, its
states and its diktum under the definition version in force, and the replay verdict.

Replay (``engine.replay``) decides whether each step was legal and whether the chain
holds; this module only names things for people. Each event is marked as verified (replay
accepted it), bad (the first event replay rejected) or unchecked (after that one, so
nothing about it can be trusted). Reads a bounded number of queries whatever the length
of the history: the case, its events, and each definition version once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Connection

from engine import events, registry
from engine.cases import OPEN_TRIGGER, load
from engine.errors import NotFound
from engine.privacy import ERASE_TRIGGER
from engine.replay import Verdict, check_case
from engine.tick import OVERDUE_TRIGGER
from engine.units import UnitTree
from engine.versioning import MIGRATE_TRIGGER
from workflow.definition import Definition


class StepKind(StrEnum):
    intake = "intake"
    step = "step"
    overdue = "overdue"
    migration = "migration"
    erasure = "erasure"


class Status(StrEnum):
    verified = "verified"
    bad = "bad"
    unchecked = "unchecked"


@dataclass(frozen=True)
class Entry:
    """One event, with what the definition in force calls its parts."""

    record: dict[str, Any]
    """The event row as stored (what its hash covers, and the hash)."""
    kind: StepKind
    status: Status
    definition: str | None
    """``id@version`` of the version the event was recorded under."""
    title: str | None
    """The transition's title, or for intake the channel's."""
    source_title: str | None
    dest_title: str | None
    role_title: str | None
    diktum: str | None
    diktum_text: str | None
    unit_after: str | None
    """Where the case was handled after this event, as the log records it."""

    @property
    def seq(self) -> int:
        return int(self.record["seq"])


@dataclass(frozen=True)
class CaseHistory:
    number: str
    title: str
    state: str
    unit_code: str
    closed: bool
    definition: str
    until: dt.datetime | None
    verdict: Verdict
    entries: list[Entry]


def case_history(
    conn: Connection, tree: UnitTree, number: str, until: dt.datetime | None = None
) -> CaseHistory:
    """The history of case ``number`` (only events that occurred by ``until``, if given)."""
    case = load(conn, number)
    log = events.history(conn, case.id)
    verdict = check_case(conn, tree, case, log, until)
    versions = _versions(
        conn, {case.definition_version_id, *(e["definition_version_id"] for e in log)}
    )
    entries: list[Entry] = []
    unit: str | None = None
    for event in log:
        if until is not None and event["occurred_at"] > until:
            break
        unit = (event["payload"] or {}).get("unit", unit)
        definition = versions.get(event["definition_version_id"])
        entries.append(_entry(event, definition, _status(verdict, event["seq"]), unit))
    current = versions.get(case.definition_version_id)
    return CaseHistory(
        number=case.number,
        title=case.title,
        state=case.state,
        unit_code=case.unit_code,
        closed=bool(case.closed),
        definition=current.key if current else f"#{case.definition_version_id}",
        until=until,
        verdict=verdict,
        entries=entries,
    )


def _versions(conn: Connection, ids: set[int]) -> dict[int, Definition]:
    found = {}
    for version_id in ids:
        try:
            found[version_id] = registry.get(conn, version_id).definition
        except NotFound:
            continue  # an event naming no published version: replay reports it
    return found


def _status(verdict: Verdict, seq: int) -> Status:
    """A verdict without a bad event (consistent, or only the stored row disagreeing with
    a sound log) vouches for every event."""
    bad = verdict.first_bad_seq
    if bad is None or seq < bad:
        return Status.verified
    return Status.bad if seq == bad else Status.unchecked


def _entry(
    event: dict[str, Any], definition: Definition | None, status: Status, unit: str | None
) -> Entry:
    trigger = event["trigger"]
    kind = {
        OPEN_TRIGGER: StepKind.intake,
        OVERDUE_TRIGGER: StepKind.overdue,
        MIGRATE_TRIGGER: StepKind.migration,
        ERASE_TRIGGER: StepKind.erasure,
    }.get(trigger, StepKind.step)
    title = diktum = source_title = dest_title = role_title = None
    if definition is not None:
        states = definition.states
        source_title = states[event["source"]].title if event["source"] in states else None
        dest_title = states[event["dest"]].title if event["dest"] in states else None
        role = definition.roles.get(event["role"] or "")
        role_title = role.title if role else None
        if kind is StepKind.intake:
            channel = definition.channels.get((event["payload"] or {}).get("channel", ""))
            title = channel.title if channel else None
            diktum = channel.diktum if channel and channel.diktum else None
        for t in definition.transitions:
            if t.trigger == trigger and t.dest == event["dest"]:
                title, diktum = t.title or t.trigger, t.diktum
                break
        if diktum is None and event["dest"] in states:
            diktum = states[event["dest"]].diktum
    return Entry(
        record=event,
        kind=kind,
        status=status,
        definition=definition.key if definition else None,
        title=title,
        source_title=source_title,
        dest_title=dest_title,
        role_title=role_title,
        diktum=diktum,
        diktum_text=definition.diktum.get(diktum) if definition and diktum else None,
        unit_after=unit,
    )
