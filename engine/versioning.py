"""Moving running cases to another definition version: an explicit, logged act.

Publishing a version never touches running cases (they keep the version they started
on). An administrator may move chosen cases with a state mapping; each move is a
``migrate`` event in the case's chain, so replay knows which version governs which steps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.engine import Connection

from engine import events, registry
from engine.calendars import deadline_of
from engine.cases import load, save
from engine.errors import InvalidInput, Refused
from engine.users import Actor
from workflow.messages import Text

MIGRATE_TRIGGER = "migrate"
ADMIN_ROLE = "admin"


def migrate_cases(
    conn: Connection,
    *,
    numbers: list[str],
    target_ref: str,
    mapping: dict[str, str],
    actor: Actor,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """Move each case to ``target_ref`` through ``mapping`` (old state -> new state).

    All or nothing: any case whose state is not mapped, or already on the target, refuses
    the whole batch before anything is written.
    """
    if actor.role != ADMIN_ROLE:
        raise Refused(Text("only an administrator may migrate cases"))
    target = registry.find(conn, target_ref)
    for old, new in mapping.items():
        if new not in target.definition.states:
            raise InvalidInput(
                Text(
                    "--map %(old)s=%(new)s: '%(new)s' is not a state of %(target)s",
                    old=old,
                    new=new,
                    target=target_ref,
                )
            )
    rows = [load(conn, n) for n in numbers]
    for case in rows:
        if case.definition_version_id == target.id:
            raise InvalidInput(
                Text(
                    "%(number)s already runs on %(key)s",
                    number=case.number,
                    key=target.definition.key,
                )
            )
        if case.closed:
            raise InvalidInput(
                Text("%(number)s is closed; closed cases keep their version", number=case.number)
            )
        if case.state not in mapping:
            raise InvalidInput(
                Text(
                    "%(number)s is in '%(state)s', which --map does not map",
                    number=case.number,
                    state=case.state,
                )
            )
    moved = []
    for case in rows:
        source = registry.get(conn, case.definition_version_id).definition
        dest = mapping[case.state]
        event = events.seal(
            case.number,
            {
                "case_id": case.id,
                "seq": case.seq + 1,
                "trigger": MIGRATE_TRIGGER,
                "source": case.state,
                "dest": dest,
                "actor": actor.name,
                "role": actor.role,
                "unit_code": actor.unit_code,
                "firing_id": None,
                "occurred_at": now,
                "recorded_at": now,
                "payload": {"from": source.key, "to": target.definition.key},
                "definition_version_id": target.id,
                "prev_hash": case.last_hash,
            },
        )
        save(
            conn,
            case,
            {
                "definition_version_id": target.id,
                "state": dest,
                "entered_at": now,
                "due_at": deadline_of(target.definition, dest, now),
                "overdue": False,
                "closed": dest in target.definition.end_states,
                "seq": case.seq + 1,
                "last_hash": event["hash"],
                "row_version": case.row_version + 1,
            },
        )
        events.append(conn, [event])
        moved.append({"number": case.number, "from": case.state, "to": dest})
    return moved
