"""The benchmarks' databases: created fresh, filled fast, cloned, dropped.

Millions of cases cannot be opened one request at a time in a benchmark's budget, so
``seed`` writes them in bulk — but in exactly the shape the engine writes: the intake
event as ``engine.cases.open_case`` builds it, each officer's action through the
definition's machine and ``engine.cases.step_rows``, the complainant row, the hash chain
and the case's mirror of its newest event. ``diktum audit verify`` passes on a seeded
database, and the tick cannot tell seeded cases from real ones.

The world is the 2017 instruction (ingub-135-2017) in Jakarta Selatan: complaints taken
at the Saturday session at each kelurahan's kecamatan, triaged by the kecamatan's officer,
waiting for Monday's meeting.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import SQLModel

from engine import events, registry
from engine.bulk import insert_rows
from engine.calendars import deadline_of
from engine.cases import CASES, COMPLAINANTS, OPEN_TRIGGER, step_rows
from engine.db import normalise_url
from engine.migrate import upgrade
from engine.numbers import new_number
from engine.registry import Published
from engine.store import Store
from engine.tick import RecordTemplate
from engine.units import UnitTree, load_units, read_csv
from engine.users import Actor, add_user
from workflow.definition import UnitLevel
from workflow.machine import Outcome, machine_for

WIB = ZoneInfo("Asia/Jakarta")
DEFINITION = "ingub-135-2017"
CHANNEL = "langsung_kecamatan"
ROLE = "petugas_kecamatan"
CITY = "31.74"
"""Jakarta Selatan: its kelurahan receive the complaints, round robin."""

PUBLISHED_AT = dt.datetime(2024, 1, 1, tzinfo=WIB)
SATURDAY = dt.datetime(2024, 6, 8, 9, 0, tzinfo=WIB)
"""Inside the Saturday session (08:00-11:00) before an ordinary Monday meeting."""
TRIAGED = SATURDAY + dt.timedelta(hours=1)
MONDAY_MEETING = dt.datetime(2024, 6, 10, 8, 30, tzinfo=WIB)
"""When ``rapat_senin`` is due: cases waiting since before it move."""
AFTER_MEETING = MONDAY_MEETING + dt.timedelta(minutes=15)
"""Cases triaged now wait for next week's meeting: stored, not due."""
TICK_AT = MONDAY_MEETING + dt.timedelta(minutes=30)
"""The tick's clock: the Monday meeting is due, nothing else (deadlines are later)."""
TRIGGER = "rapat_senin"
BATCH = 10_000
"""Cases generated and written per transaction when seeding."""


@dataclass(frozen=True)
class Database:
    """A fresh database for one benchmark: a SQLite file or a PostgreSQL schema."""

    url: str
    base: str | None
    schema: str | None
    path: Path | None

    @property
    def is_postgres(self) -> bool:
        return self.schema is not None

    @property
    def kind(self) -> str:
        return "postgresql" if self.is_postgres else "sqlite"


def create(name: str, workdir: Path, base_url: str | None) -> Database:
    """An empty database: ``workdir/name.sqlite``, or a new schema at ``base_url``."""
    if base_url is None:
        path = workdir / f"{name}.sqlite"
        for leftover in _sqlite_files(path):
            leftover.unlink(missing_ok=True)
        return Database(f"sqlite:///{path}", None, None, path)
    base = normalise_url(base_url)
    schema = f"bench_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    finally:
        admin.dispose()
    separator = "&" if "?" in base else "?"
    return Database(f"{base}{separator}options=-csearch_path%3D{schema}", base, schema, None)


def drop(db: Database) -> None:
    if db.path is not None:
        for leftover in _sqlite_files(db.path):
            leftover.unlink(missing_ok=True)
        return
    admin = sa.create_engine(str(db.base))
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {db.schema} CASCADE"))
    finally:
        admin.dispose()


@contextmanager
def fresh(name: str, workdir: Path, base_url: str | None) -> Iterator[Database]:
    db = create(name, workdir, base_url)
    try:
        yield db
    finally:
        drop(db)


def clone(source: Database, name: str, workdir: Path) -> Database:
    """A copy of ``source``: the file copied (SQLite), or every table copied into a new
    schema (PostgreSQL), so two contenders start from identical data."""
    target = create(name, workdir, source.base)
    if source.path is not None and target.path is not None:
        raw = sqlite3.connect(source.path)
        try:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        shutil.copyfile(source.path, target.path)
        return target
    upgrade(target.url)
    engine = sa.create_engine(str(source.base))
    try:
        with engine.begin() as conn:
            for table in SQLModel.metadata.sorted_tables:
                conn.execute(
                    sa.text(
                        f'INSERT INTO {target.schema}."{table.name}" '
                        f'SELECT * FROM {source.schema}."{table.name}"'
                    )
                )
        _reset_sequences(target.url)
    finally:
        engine.dispose()
    return target


def _sqlite_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


@dataclass(frozen=True)
class Setup:
    """What a prepared database holds besides cases: the definitions and the officers."""

    published: Published
    officers: dict[str, Actor]
    """The receiving officer of each kecamatan of the city, by kecamatan code."""
    kelurahan: list[str]


def prepare(url: str, definitions: Path) -> Setup:
    """Migrate, load the unit tree, publish the definitions, add an officer per kecamatan."""
    upgrade(url)
    store = Store(url)
    try:
        with store.write() as conn:
            load_units(conn, read_csv())
            for path in sorted(definitions.glob("*.yaml")):
                registry.publish(conn, path.read_text(encoding="utf-8"), str(path), PUBLISHED_AT)
        store.forget_tree()
        tree = store.tree()
        with store.write() as conn:
            for kecamatan in _below(tree, CITY, UnitLevel.kecamatan):
                add_user(conn, officer_name(kecamatan), ROLE, kecamatan, None)
        return setup(store)
    finally:
        store.close()


def setup(store: Store) -> Setup:
    """The setup of a prepared database."""
    tree = store.tree()
    with store.read() as conn:
        published = registry.find(conn, DEFINITION)
    kecamatan = _below(tree, CITY, UnitLevel.kecamatan)
    officers = {k: Actor(officer_name(k), ROLE, k) for k in kecamatan}
    return Setup(published, officers, _below(tree, CITY, UnitLevel.kelurahan))


def officer_name(kecamatan: str) -> str:
    return "petugas_" + kecamatan.replace(".", "_")


def _below(tree: UnitTree, code: str, level: UnitLevel) -> list[str]:
    return sorted(u for u in tree.descendants(code) if tree.levels[u] is level)


@dataclass(frozen=True)
class Action:
    """An officer's manual action every seeded case takes, at one instant."""

    trigger: str
    at: dt.datetime
    fields: dict[str, Any]


TRIAGE_NO_REVIEW = Action("triase", TRIAGED, {"needs_field_review": False})
"""Triaged on Saturday without field review: waits for Monday's meeting."""
TRIAGE_LATE = Action("triase", AFTER_MEETING, {"needs_field_review": False})
"""Triaged after Monday's meeting was due: waits for next week's."""


def seed(
    url: str,
    count: int,
    actions: Sequence[Action] = (TRIAGE_NO_REVIEW,),
    received: dt.datetime = SATURDAY,
) -> int:
    """Add ``count`` cases received at ``received`` that each took ``actions``; returns
    how many events were written."""
    store = Store(url)
    try:
        world = setup(store)
        tree = store.tree()
        with store.read() as conn:
            next_id = 1 + int(
                conn.execute(sa.select(sa.func.coalesce(sa.func.max(CASES.c.id), 0))).scalar_one()
            )
        written = 0
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            case_rows, event_rows, people = _generate(
                world, tree, next_id + start, size, actions, received
            )
            with store.write() as conn:
                insert_rows(conn, CASES, case_rows)
                insert_rows(conn, events.EVENTS, event_rows)
                insert_rows(conn, COMPLAINANTS, people)
            written += len(event_rows)
        if store.engine.dialect.name == "postgresql":
            _reset_sequences(url)
        settle(store)
        return written
    finally:
        store.close()


def settle(store: Store) -> None:
    """Leave the database as a running one would be after a bulk load: SQLite's WAL folded
    into the file, PostgreSQL's statistics current (autovacuum would catch up later)."""
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE"))
        else:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.commit()


@dataclass
class _Case:
    """What ``step_rows`` reads of a case."""

    id: int
    number: str
    unit_code: str
    seq: int
    last_hash: str
    row_version: int


def _generate(
    world: Setup,
    tree: UnitTree,
    first_id: int,
    size: int,
    actions: Sequence[Action],
    received: dt.datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    published = world.published
    definition = published.definition
    machine = machine_for(definition)
    start = definition.start_state
    due = deadline_of(definition, start, received)
    outcomes: dict[int, Outcome] = {}
    learned: dict[tuple[int, str], RecordTemplate] = {}
    case_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    for i in range(size):
        case_id = first_id + i
        unit = world.kelurahan[case_id % len(world.kelurahan)]
        officer = world.officers[str(tree.parents[unit])]
        number = new_number()
        data = {"kelurahan": unit}
        title = f"Pengaduan {case_id}"
        first = events.seal(
            number,
            {
                "case_id": case_id,
                "seq": 1,
                "trigger": OPEN_TRIGGER,
                "source": None,
                "dest": start,
                "actor": officer.name,
                "role": officer.role,
                "unit_code": unit,
                "firing_id": None,
                "occurred_at": received,
                "recorded_at": received,
                "payload": {
                    "channel": CHANNEL,
                    "unit": unit,
                    "title": title,
                    "category": None,
                    "fields": data,
                },
                "definition_version_id": published.id,
                "prev_hash": events.GENESIS,
            },
        )
        event_rows.append(first)
        row: dict[str, Any] = {
            "id": case_id,
            "number": number,
            "definition_version_id": published.id,
            "state": start,
            "unit_code": unit,
            "origin_unit": unit,
            "channel": CHANNEL,
            "title": title,
            "description": "",
            "category": None,
            "data": data,
            "received_at": received,
            "recorded_at": received,
            "entered_at": received,
            "due_at": due,
            "overdue": False,
            "closed": False,
            "seq": 1,
            "last_hash": first["hash"],
            "row_version": 1,
        }
        case = _Case(case_id, number, unit, 1, first["hash"], 1)
        state = start
        for n, action in enumerate(actions):
            # The machine decides once per action; each officer's records are made by
            # step_rows once and filled in per case (ids, sequence, hash chain).
            if n not in outcomes:
                outcomes[n] = machine.fire(
                    state,
                    action.trigger,
                    data=data,
                    role=officer.role,
                    facts={"channel": CHANNEL, "category": None, "unit_level": "kelurahan"},
                    supplied=action.fields,
                )
            template = outcomes[n]
            data = {**data, **template.changes}
            key = (n, officer.name)
            if key in learned:
                rows, values = learned[key].apply(case)
            else:
                outcome = Outcome(template.steps, template.state, data, template.changes)
                rows, values = step_rows(
                    case, published.id, definition, outcome, unit, officer, action.at, action.at
                )
                learned[key] = RecordTemplate(number, rows, values)
            event_rows.extend(rows)
            row.update(values)
            case = _Case(
                case_id, number, unit, values["seq"], values["last_hash"], values["row_version"]
            )
            state = template.state
        row["data"] = data
        case_rows.append(row)
        people.append(
            {
                "case_id": case_id,
                "name": None,
                "phone": None,
                "email": None,
                "address": None,
                "anonymous": True,
                "confidential": False,
            }
        )
    return case_rows, event_rows, people


def _reset_sequences(url: str) -> None:
    """After rows were written with explicit ids (or copied), PostgreSQL's sequences must
    continue after them."""
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.begin() as conn:
            for table in SQLModel.metadata.sorted_tables:
                if "id" not in table.c or not table.c.id.autoincrement:
                    continue
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                    )
                )
    finally:
        engine.dispose()


def counts(url: str) -> dict[str, int]:
    """Rows per table a case writes to, and cases per state."""
    store = Store(url)
    try:
        with store.read() as conn:
            result = {
                t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in (CASES, events.EVENTS, COMPLAINANTS)
            }
            for state, n in conn.execute(
                sa.select(CASES.c.state, sa.func.count()).group_by(CASES.c.state)
            ):
                result[f"state:{state}"] = int(n)
        return result
    finally:
        store.close()
