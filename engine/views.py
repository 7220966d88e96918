"""Read models: what a case looks like to an officer or auditor, and to the public."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from engine import events, registry
from engine.cases import facts_of, load
from engine.units import UnitTree
from workflow.machine import machine_for


def case_detail(
    conn: Connection, tree: UnitTree, number: str, role: str | None = None
) -> dict[str, Any]:
    """Everything about a case but the complainant's personal data.

    ``actions`` lists the manual actions of the state (for ``role`` only, when given).
    """
    case = load(conn, number)
    published = registry.get(conn, case.definition_version_id)
    definition = published.definition
    machine = machine_for(definition)
    state = definition.states[case.state]
    transitions = machine.transitions_from(case.state)
    manual = [t for t in transitions if t.kind.value == "manual"]
    if role is not None:
        manual = machine.actions(case.state, role, case.data, facts_of(tree, case))
    return {
        "number": case.number,
        "definition": definition.id,
        "version": definition.version,
        "state": case.state,
        "state_title": state.title,
        "diktum": state.diktum,
        "unit": case.unit_code,
        "channel": case.channel,
        "title": case.title,
        "category": case.category,
        "received_at": case.received_at,
        "recorded_at": case.recorded_at,
        "due_at": case.due_at,
        "overdue": case.overdue,
        "closed": case.closed,
        "row_version": case.row_version,
        "data": dict(case.data),
        "actions": [
            {
                "trigger": t.trigger,
                "title": t.title or t.trigger,
                "diktum": t.diktum,
                "roles": list(t.roles),
                "fields": [
                    {"name": f, "type": definition.fields[f].type.value, "required": True}
                    for f in t.fields
                ]
                + [
                    {"name": f, "type": definition.fields[f].type.value, "required": False}
                    for f in t.optional
                ],
            }
            for t in manual
        ],
        "history": [
            {
                "seq": e["seq"],
                "trigger": e["trigger"],
                "from": e["source"],
                "to": e["dest"],
                "actor": e["actor"],
                "role": e["role"],
                "at": e["occurred_at"],
                "recorded_at": e["recorded_at"],
                "payload": e["payload"],
                "hash": e["hash"],
            }
            for e in events.history(conn, case.id)
        ],
    }
