"""Scenario ``tick``: N cases waiting for Monday's meeting, one firing moves them all.

Beside it, the floor: the plain driver (``sqlite3``; psycopg with executemany and COPY on
PostgreSQL) doing the least a firing must do — read the due cases, write N case updates
and N hashed events, in one transaction — on an identical copy of the database. The
target: Diktum at half the floor's rate or better, peak RSS under 500 MB.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from engine import registry
from engine.bench import world
from engine.bench.common import Measured, Options, Run, Timer, document, measure
from engine.calendars import calendar_of, deadline_of
from engine.events import GENESIS, HASHED, digest
from engine.store import Store
from engine.tick import tick

DEFAULT_CASES = 100_000
TARGET_RATIO = 0.5
TARGET_RSS_MB = 500.0
DEST = "rapat_kecamatan"
SOURCE = "menunggu_rapat_kecamatan"


def run(options: Options) -> dict[str, Any]:
    n = options.size(DEFAULT_CASES)
    with world.fresh("tick", options.workdir, options.database_url) as db:
        world.prepare(db.url, options.definitions)
        world.seed(db.url, n)
        floor_db = world.clone(db, "tick_floor", options.workdir)
        try:
            diktum = measure(diktum_tick, db.url)
            floor = measure(floor_tick, floor_db.url, firing_plan(db.url))
            diktum.facts.update(_moved_facts(db.url))
            floor.facts.update(_moved_facts(floor_db.url))
        finally:
            world.drop(floor_db)
    ratio = diktum.per_second / floor.per_second if floor.per_second else None
    met = ratio is not None and ratio >= TARGET_RATIO and diktum.peak_rss_mb < TARGET_RSS_MB
    return document(
        "tick",
        n,
        options,
        {"diktum": diktum, "floor": floor},
        ratio,
        f"diktum/floor cases per second >= {TARGET_RATIO}, "
        f"diktum peak RSS < {TARGET_RSS_MB:.0f} MB",
        met,
    )


def _moved_facts(url: str) -> dict[str, Any]:
    found = world.counts(url)
    return {"cases_in_dest": found.get(f"state:{DEST}", 0), "events_total": found["event"]}


def diktum_tick(url: str) -> Measured:
    """The engine's tick at Monday 09:00, as ``diktum tick`` runs it."""
    store = Store(url)
    try:
        warm(store)
        with Timer() as timer:
            report = tick(store, world.TICK_AT)
        moved = sum(f.moved for f in report.firings)
        facts = {"moved": moved, "firings": [f"{f.trigger}:{f.moved}" for f in report.firings]}
        return Measured(moved, timer.seconds, facts, cpu_seconds=timer.cpu_seconds)
    finally:
        store.close()


def warm(store: Store) -> None:
    """What a running worker has at hand before a firing: the unit tree, the parsed
    definitions and their machines. A fresh process would otherwise time their loading."""
    store.tree()
    with store.read() as conn:
        for published in registry.all_versions(conn):
            calendar_of(published.definition).is_working_day(world.TICK_AT.date())


@dataclass(frozen=True)
class FiringPlan:
    """What the floor writes, decided by the parent: the floor does no workflow logic."""

    version_id: int
    source: str
    dest: str
    trigger: str
    due_at: dt.datetime
    now: dt.datetime
    next_deadline: dt.datetime | None


def firing_plan(url: str) -> FiringPlan:
    store = Store(url)
    try:
        setup = world.setup(store)
    finally:
        store.close()
    definition = setup.published.definition
    return FiringPlan(
        setup.published.id,
        SOURCE,
        DEST,
        world.TRIGGER,
        world.MONDAY_MEETING,
        world.TICK_AT,
        deadline_of(definition, DEST, world.MONDAY_MEETING),
    )


def floor_tick(url: str, plan: FiringPlan) -> Measured:
    """The floor on the driver alone: read, hash, update, insert, one transaction."""
    if url.startswith("sqlite"):
        return _floor_sqlite(url.removeprefix("sqlite:///"), plan)
    return _floor_postgres(url, plan)


_UPDATE = (
    "UPDATE case_file SET state = {p}, entered_at = {p}, due_at = {p}, overdue = {p}, "
    "closed = {p}, seq = {p}, last_hash = {p}, row_version = {p} "
    "WHERE id = {p} AND row_version = {p}"
)
_SELECT = (
    "SELECT id, number, seq, last_hash, row_version FROM case_file "
    "WHERE definition_version_id = {p} AND state = {p} AND closed = {f} "
    "AND entered_at <= {p} ORDER BY id"
)
EVENT_COLUMNS = ("case_id", *HASHED, "hash")


def _events(
    plan: FiringPlan, firing_id: int, rows: list[Any]
) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """Each case's event (hashed as the engine hashes) and its case update."""
    new_events: list[dict[str, Any]] = []
    updates: list[tuple[Any, ...]] = []
    for case_id, number, seq, last_hash, version in rows:
        event = {
            "case_id": case_id,
            "seq": seq + 1,
            "trigger": plan.trigger,
            "source": plan.source,
            "dest": plan.dest,
            "actor": "scheduler",
            "role": None,
            "unit_code": None,
            "firing_id": firing_id,
            "occurred_at": plan.due_at,
            "recorded_at": plan.now,
            "payload": {},
            "definition_version_id": plan.version_id,
            "prev_hash": last_hash or GENESIS,
        }
        event["hash"] = digest(number, event)
        new_events.append(event)
        updates.append((event["hash"], version, case_id, seq + 1))
    return new_events, updates


def sqlite_time(value: dt.datetime | None) -> str | None:
    """SQLAlchemy's SQLite storage format, in UTC."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _floor_sqlite(path: str, plan: FiringPlan) -> Measured:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    try:
        with Timer() as timer:
            conn.execute("BEGIN IMMEDIATE")
            firing_id = conn.execute(
                "INSERT INTO firing (definition_version_id, trigger, nominal_at, due_at, "
                "started_at, moved) VALUES (?, ?, ?, ?, ?, 0) RETURNING id",
                (
                    plan.version_id,
                    plan.trigger,
                    sqlite_time(plan.due_at),
                    sqlite_time(plan.due_at),
                    sqlite_time(plan.now),
                ),
            ).fetchone()[0]
            rows = conn.execute(
                _SELECT.format(p="?", f="0"),
                (plan.version_id, plan.source, sqlite_time(plan.due_at)),
            ).fetchall()
            new_events, updates = _events(plan, firing_id, rows)
            entered, due, now = (
                sqlite_time(plan.due_at),
                sqlite_time(plan.next_deadline),
                sqlite_time(plan.now),
            )
            conn.executemany(
                _UPDATE.format(p="?"),
                [
                    (plan.dest, entered, due, 0, 0, seq, h, version + 1, case_id, version)
                    for h, version, case_id, seq in updates
                ],
            )
            conn.executemany(
                f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})",
                [
                    (
                        e["case_id"],
                        e["seq"],
                        e["trigger"],
                        e["source"],
                        e["dest"],
                        e["actor"],
                        None,
                        None,
                        firing_id,
                        entered,
                        now,
                        "{}",
                        e["definition_version_id"],
                        e["prev_hash"],
                        e["hash"],
                    )
                    for e in new_events
                ],
            )
            conn.execute("COMMIT")
        return Measured(
            len(rows), timer.seconds, {"written": len(new_events)}, cpu_seconds=timer.cpu_seconds
        )
    finally:
        conn.close()


def _floor_postgres(url: str, plan: FiringPlan) -> Measured:
    import psycopg
    from psycopg.types.json import Jsonb

    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))
    try:
        with Timer() as timer, conn.transaction(), conn.cursor() as cursor:
            cursor.execute(
                "INSERT INTO firing (definition_version_id, trigger, nominal_at, due_at, "
                "started_at, moved) VALUES (%s, %s, %s, %s, %s, 0) RETURNING id",
                (plan.version_id, plan.trigger, plan.due_at, plan.due_at, plan.now),
            )
            firing_id = cursor.fetchone()[0]  # type: ignore[index]
            cursor.execute(
                _SELECT.format(p="%s", f="false") + " FOR UPDATE",
                (plan.version_id, plan.source, plan.due_at),
            )
            rows = cursor.fetchall()
            new_events, updates = _events(plan, firing_id, rows)
            fixed = (plan.dest, plan.due_at, plan.next_deadline, False, False)
            cursor.executemany(
                _UPDATE.format(p="%s"),
                [
                    (*fixed, seq, h, version + 1, case_id, version)
                    for h, version, case_id, seq in updates
                ],
            )
            with cursor.copy(f"COPY event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for e in new_events:
                    copy.write_row(
                        (
                            e["case_id"],
                            e["seq"],
                            e["trigger"],
                            e["source"],
                            e["dest"],
                            e["actor"],
                            None,
                            None,
                            firing_id,
                            plan.due_at,
                            plan.now,
                            Jsonb({}),
                            e["definition_version_id"],
                            e["prev_hash"],
                            e["hash"],
                        )
                    )
        return Measured(
            len(rows), timer.seconds, {"written": len(new_events)}, cpu_seconds=timer.cpu_seconds
        )
    finally:
        conn.close()


__all__ = ["Run", "diktum_tick", "floor_tick", "run"]
