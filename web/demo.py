"""Demo data for ``diktum init --demo``: a user per role and a handful of cases.

Generic over the published definitions: users sit at a sensible unit for their role's
level, and sample cases are taken a few steps along by those users with sample values,
so the demo grows with the definitions instead of hard-coding their states.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine import cases, registry
from engine.calendars import calendar_of
from engine.errors import EngineError
from engine.store import Store
from engine.users import Actor, add_user, get_actor
from workflow.definition import Definition, FieldType, Role, UnitLevel
from workflow.machine import machine_for
from workflow.schedule import window_open

DEMO_PASSWORD = "diktum-demo-2024"
DEMO_CASE_UNIT = "31.74.01.1001"
"""Sample complaints come from a kelurahan of South Jakarta, where both instructions apply."""
CASES_PER_DEFINITION = 6

_UNIT_FOR_LEVEL = {
    UnitLevel.kelurahan: "31.74.01.1001",
    UnitLevel.kecamatan: "31.74.01",
    UnitLevel.kota: "31.74",
    UnitLevel.provinsi: "31",
    UnitLevel.bagian: "31.74.BAG-PEM",
    UnitLevel.agency: "31.74.SDLH",
    UnitLevel.bumd: "31.BUMD-PAMJAYA",
}


def unit_for(role: Role) -> str:
    if role.level is UnitLevel.bagian and role.office and "epegawaian" in role.office:
        return "31.74.BAG-KTPP"
    return _UNIT_FOR_LEVEL[role.level]


def seed(store: Store, now: dt.datetime) -> list[dict[str, str]]:
    """Add demo users and cases; returns the logins. Safe to run twice."""
    logins: list[dict[str, str]] = []
    with store.write() as conn:
        versions = registry.all_versions(conn)
        for published in versions:
            for name, role in published.definition.roles.items():
                if any(login["name"] == name for login in logins):
                    continue
                unit = unit_for(role)
                try:
                    get_actor(conn, name)
                except EngineError:
                    add_user(conn, name, name, unit, DEMO_PASSWORD)
                logins.append({"name": name, "password": DEMO_PASSWORD, "role": name, "unit": unit})
        for system_role in ("admin", "auditor"):
            try:
                get_actor(conn, system_role)
            except EngineError:
                add_user(conn, system_role, system_role, "31", DEMO_PASSWORD)
            logins.append(
                {"name": system_role, "password": DEMO_PASSWORD, "role": system_role, "unit": "31"}
            )
    for published in versions:
        _sample_cases(store, published.definition, now)
    return logins


def _sample_cases(store: Store, definition: Definition, now: dt.datetime) -> None:
    tree = store.tree()
    for i in range(CASES_PER_DEFINITION):
        channel, received = _open_channel(definition, now)
        if channel is None or received is None:
            return
        spec = definition.channels[channel]
        with store.write() as conn:
            actor = None
            if spec.kind == "in_person":
                actor = get_actor(conn, spec.roles[0])
            receipt = cases.open_case(
                conn,
                tree,
                definition_ref=definition.key,
                unit_code=DEMO_CASE_UNIT,
                channel=channel,
                title=f"Contoh pengaduan {i + 1}: saluran air tersumbat",
                description="Data contoh untuk demo.",
                category=definition.intake.categories[0] if definition.intake.categories else None,
                fields=_sample_fields(definition, definition.intake.fields, i),
                received_at=received,
                now=now,
                actor=actor,
            )
        _advance(store, definition, receipt.number, steps=i, now=now)


def _open_channel(
    definition: Definition, now: dt.datetime
) -> tuple[str | None, dt.datetime | None]:
    """A channel and the latest instant up to ``now`` at which it was open."""
    calendar = calendar_of(definition)
    for name, channel in definition.channels.items():
        probe = now
        for _ in range(4 * 24 * 14):
            if window_open(channel, probe, calendar):
                return name, probe
            probe -= dt.timedelta(minutes=15)
    return None, None


def _advance(
    store: Store, definition: Definition, number: str, steps: int, now: dt.datetime
) -> None:
    machine = machine_for(definition)
    tree = store.tree()
    for step in range(steps):
        with store.write() as conn:
            case = cases.load(conn, number)
            for name in definition.roles:
                offered = machine.actions(case.state, name, case.data, cases.facts_of(tree, case))
                if not offered:
                    continue
                transition = offered[0]
                actor: Actor = get_actor(conn, name)
                fields = _sample_fields(definition, transition.fields, step)
                try:
                    cases.fire(
                        conn,
                        tree,
                        number=number,
                        trigger=transition.trigger,
                        actor=actor,
                        fields=fields,
                        now=now,
                    )
                except EngineError:
                    continue
                break
            else:
                return


def _sample_fields(definition: Definition, names: tuple[str, ...], i: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        spec = definition.fields[name]
        if spec.type is FieldType.bool:
            values[name] = i % 2 == 0
        elif spec.type is FieldType.choice and spec.choices:
            values[name] = spec.choices[i % len(spec.choices)]
        elif spec.type is FieldType.unit:
            values[name] = _UNIT_FOR_LEVEL.get(spec.level or UnitLevel.kelurahan, DEMO_CASE_UNIT)
        elif spec.type in (FieldType.int, FieldType.number):
            values[name] = i + 1
        elif spec.type is FieldType.date:
            values[name] = "2024-06-03"
        else:
            values[name] = "Catatan contoh untuk demo."
    return values
