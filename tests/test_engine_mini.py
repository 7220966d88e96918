"""The small definition the engine tests run on, a world built around it, and its own checks.

The engine suites (``test_engine_*.py``) import ``MINI`` and ``World`` from here rather than
depending on the shipped definitions, which change with the instructions they encode. The
mini definition has what the engine must handle: an in-person channel with a Saturday
window, an always-open and a carried-over electronic channel, manual steps with required
fields, roles and a condition, a Sunday review (scheduled, conditional) into a gateway, a
deadline that flags and one that escalates to the kota.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from engine import cases, registry
from engine.cases import CASES, COMPLAINANTS
from engine.errors import InvalidInput
from engine.events import EVENTS
from engine.migrate import upgrade
from engine.registry import VERSIONS
from engine.store import Store
from engine.tick import FIRINGS
from engine.units import load_units, read_csv
from engine.users import Actor, add_user
from workflow.machine import Outcome

WIB = ZoneInfo("Asia/Jakarta")

MINI = """\
id: mini
version: 1
title: Mini
basis: {instrument: Test, number: "1", date: 2024-01-01, issuer: Me}
diktum: {KESATU: intake, KEDUA: review, KETIGA: handling}
roles:
  petugas: {title: Petugas, level: kelurahan}
  camat: {title: Camat, level: kecamatan}
fields:
  needs_review: {type: bool, title: Perlu tinjau}
  urgent: {type: bool, title: Mendesak}
  resolved: {type: bool, title: Selesai}
channels:
  in_person:
    title: Langsung
    kind: in_person
    roles: [petugas, camat]
    windows: [{days: [sat], start: "08:00", end: "11:00"}]
    message: Pengaduan langsung hanya hari Sabtu pukul 08.00-11.00
    diktum: KESATU
  web:
    title: Daring
    kind: electronic
    windows: [{always: true}]
  drop_box:
    title: Kotak
    kind: electronic
    windows: [{days: [sat], start: "08:00", end: "11:00"}]
    outside_window: next_window
intake:
  optional: [urgent]
  categories: [sampah, jalan]
states:
  received:
    {kind: start, title: Diterima, diktum: KESATU, lane: petugas, deadline: {working_days: 3}}
  triaged: {kind: wait, title: Ditriase, diktum: KEDUA}
  decide: {kind: gateway, title: Putus}
  handling:
    kind: task
    title: Ditangani
    diktum: KETIGA
    deadline: {working_days: 2, on_overdue: escalate}
  at_city: {kind: task, title: Di kota, diktum: KETIGA}
  done: {kind: end, title: Selesai}
transitions:
  - trigger: triage
    kind: manual
    from: received
    to: triaged
    roles: [petugas, camat]
    fields: [needs_review]
    optional: [urgent]
    diktum: KESATU
  - {trigger: withdraw, kind: manual, from: received, to: done, roles: [camat], diktum: KESATU}
  - trigger: review
    kind: scheduled
    from: triaged
    to: decide
    schedule: {day_of_week: sun, hour: 9}
    on_holiday: run
    condition: "needs_review == true"
    diktum: KEDUA
  - {trigger: route, kind: automatic, from: decide, to: handling, condition: "urgent == true"}
  - {trigger: route, kind: automatic, from: decide, to: done}
  - trigger: escalate
    kind: escalation
    from: handling
    to: at_city
    escalate_to: kota
    diktum: KETIGA
  - trigger: resolve
    kind: manual
    from: [handling, at_city]
    to: done
    roles: [petugas, camat]
    fields: [resolved]
    condition: "resolved == true"
    diktum: KETIGA
"""

PUBLISHED = dt.datetime(2025, 2, 27, 0, 0, tzinfo=WIB)
"""The mini definition is published on a Thursday; its first Sunday review is 2 March."""
SATURDAY = dt.datetime(2025, 3, 1, 9, 0, tzinfo=WIB)
"""Inside the in-person window (Saturday 08:00-11:00)."""
SUNDAY_REVIEW = dt.datetime(2025, 3, 2, 9, 0, tzinfo=WIB)
MONDAY = dt.datetime(2025, 3, 3, 9, 0, tzinfo=WIB)

TEBET = "31.74.01"
TEBET_TIMUR = "31.74.01.1001"
TEBET_BARAT = "31.74.01.1002"
SETIABUDI = "31.74.02"
JAKARTA_SELATAN = "31.74"

USERS = {
    "petugas_timur": ("petugas", TEBET_TIMUR),
    "petugas_barat": ("petugas", TEBET_BARAT),
    "camat_tebet": ("camat", TEBET),
    "camat_setiabudi": ("camat", SETIABUDI),
    "auditor1": ("auditor", TEBET),
    "admin1": ("admin", JAKARTA_SELATAN),
}


@dataclass
class World:
    """A migrated database with the unit tree, the mini definition and one user per role."""

    store: Store
    version_id: int

    def actor(self, name: str) -> Actor:
        role, unit = USERS[name]
        return Actor(name, role, unit)

    def open(
        self,
        unit: str = TEBET_TIMUR,
        *,
        by: str | None = "petugas_timur",
        channel: str = "in_person",
        now: dt.datetime = SATURDAY,
        **options: Any,
    ) -> str:
        """Open a case (in person, by default, in the Saturday window); its number."""
        with self.store.write() as conn:
            receipt = cases.open_case(
                conn,
                self.store.tree(),
                definition_ref="mini",
                unit_code=unit,
                channel=channel,
                title=options.pop("title", "Sampah menumpuk"),
                now=now,
                actor=self.actor(by) if by else None,
                **options,
            )
        return receipt.number

    def fire(
        self,
        number: str,
        trigger: str,
        by: str = "petugas_timur",
        now: dt.datetime = SATURDAY + dt.timedelta(minutes=30),
        **fields: Any,
    ) -> Outcome:
        with self.store.write() as conn:
            return cases.fire(
                conn,
                self.store.tree(),
                number=number,
                trigger=trigger,
                actor=self.actor(by),
                fields=fields,
                now=now,
            )

    def triage(self, number: str, *, needs_review: bool, urgent: bool = False, **kw: Any) -> None:
        fields = {"needs_review": needs_review, "urgent": urgent}
        self.fire(number, "triage", **kw, **fields)

    def case(self, number: str) -> sa.Row[Any]:
        with self.store.read() as conn:
            return conn.execute(sa.select(CASES).where(CASES.c.number == number)).one()

    def events(self, number: str) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            rows = conn.execute(
                sa.select(EVENTS)
                .join(CASES, CASES.c.id == EVENTS.c.case_id)
                .where(CASES.c.number == number)
                .order_by(EVENTS.c.seq)
            )
            return [dict(row._mapping) for row in rows]

    def count(self, table: sa.Table) -> int:
        with self.store.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())

    def counts(self) -> dict[str, int]:
        """Rows of every table a case writes to: compare before and after a refusal."""
        return {t.name: self.count(t) for t in (CASES, EVENTS, COMPLAINANTS, FIRINGS)}


def build_world(url: str, published: dt.datetime = PUBLISHED) -> World:
    upgrade(url)
    store = Store(url)
    with store.write() as conn:
        load_units(conn, read_csv())
        version, _ = registry.publish(conn, MINI, "mini.yaml", published)
        for name, (role, unit) in USERS.items():
            add_user(conn, name, role, unit, None)
    store.forget_tree()
    return World(store, version.id)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    try:
        yield built
    finally:
        built.store.close()


def test_mini_definition_publishes_once_and_identical_content_is_a_no_op(world: World) -> None:
    with world.store.write() as conn:
        again, new = registry.publish(conn, MINI, "mini.yaml", MONDAY)
    assert not new
    assert again.id == world.version_id
    assert again.published_at == PUBLISHED


def test_other_content_under_a_published_version_is_refused_and_writes_nothing(
    world: World,
) -> None:
    before = world.count(VERSIONS)
    changed = MINI.replace("title: Mini", "title: Mini berubah", 1)
    refused = pytest.raises(InvalidInput, match=r"mini@1 is already published .* as version 2")
    with refused, world.store.write() as conn:
        registry.publish(conn, changed, "mini.yaml", MONDAY)
    assert world.count(VERSIONS) == before == 1


def test_a_case_of_the_mini_definition_is_opened_and_triaged(world: World) -> None:
    number = world.open()
    world.triage(number, needs_review=False)
    row = world.case(number)
    assert (row.state, row.seq, row.row_version) == ("triaged", 2, 2)
    assert [e["trigger"] for e in world.events(number)] == ["open", "triage"]
