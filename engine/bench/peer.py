"""Scenario ``peer``: the 2017 lifecycle in Diktum and in SpiffWorkflow 3.x.

Both run N complaints through intake, triage (field review needed), the Sunday field
review and the Monday meeting (scheduled), the meeting's outcome and the gateway:
resolved at the kecamatan (even-numbered cases) or escalated to the city (odd ones).

* Diktum does it as it runs in production: intake and each officer's action in a
  transaction of its own, the two scheduled steps as ticks that move every case at once,
  every step an event in the hash-chained log.
* SpiffWorkflow runs ``lifecycle.bpmn`` (the same steps, the scheduled ones as timer
  events): each step loads the instance's JSON from SQLite, deserializes it, advances it
  and stores its new serialization, in a transaction of its own — how applications
  persist SpiffWorkflow. Its timers read the wall clock, so the benchmark hands the
  timer module a simulated clock (as Diktum's ``--now``): Saturday, Sunday, Monday.

* The floor (``peer_floor``) writes the rows Diktum wrote on the bare driver, with the
  same transactions and hashing and no workflow logic: its ratio over SpiffWorkflow is
  the ``ceiling``, the most any engine keeping this log this way could reach.

The figure is lifecycles completed per second; the target, Diktum at 20x or more.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine import cases
from engine.bench import world
from engine.bench.common import Laps, Measured, Options, Timer, document, measure, phase_ratios
from engine.bench.peer_floor import floor_lifecycles, plan_from
from engine.bench.tick import warm
from engine.cases import CASES
from engine.replay import verify_all
from engine.store import Store
from engine.tick import tick

DEFAULT_CASES = 1_000
TARGET = 20.0
BPMN = Path(__file__).with_name("lifecycle.bpmn")
PROCESS = "ingub_135_2017"
SUNDAY_TICK = dt.datetime(2024, 6, 9, 9, 0, 1, tzinfo=world.WIB)
MONDAY_TICK = world.TICK_AT
MEETING_OUTCOME = MONDAY_TICK + dt.timedelta(hours=1)
RECORDED = {
    "intake": world.SATURDAY,
    "triage": world.TRIAGED,
    "sunday": SUNDAY_TICK,
    "monday": MONDAY_TICK,
    "outcome": MEETING_OUTCOME,
}
"""When Diktum runs each phase: the floor's plan tells a case's events apart by it."""
ENDS = ("laporan_camat", "menunggu_rapat_kota")
"""Where a lifecycle ends in the 2017 definition: resolved, or escalated to the city."""


def run(options: Options) -> dict[str, Any]:
    n = options.size(DEFAULT_CASES)
    with world.fresh("peer", options.workdir, options.database_url) as db:
        world.prepare(db.url, options.definitions)
        floor_db = world.clone(db, "peer_floor", options.workdir)
        try:
            diktum = measure(diktum_lifecycles, db.url, n)
            floor = measure(floor_lifecycles, floor_db.url, plan_from(db.url, RECORDED))
            floor.facts.update(_ended(floor_db.url), verified=_verified(floor_db.url))
        finally:
            world.drop(floor_db)
    spiff_path = options.workdir / "peer_spiff.sqlite"
    try:
        spiff = measure(spiff_lifecycles, str(spiff_path), n)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(str(spiff_path) + suffix).unlink(missing_ok=True)
    ratio = diktum.per_second / spiff.per_second if spiff.per_second else None
    ceiling = floor.per_second / spiff.per_second if spiff.per_second else None
    return document(
        "peer",
        n,
        options,
        {"diktum": diktum, "floor": floor, "spiffworkflow": spiff},
        ratio,
        f"diktum/spiffworkflow lifecycles per second >= {TARGET:.0f}",
        ratio is not None and ratio >= TARGET,
        spiffworkflow_storage="SQLite (JSON per instance)",
        phases=phase_ratios(diktum, spiff),
        ceiling=None if ceiling is None else round(ceiling, 3),
    )


def diktum_lifecycles(url: str, n: int) -> Measured:
    """N complaints through the lifecycle with Diktum's own persistence."""
    store = Store(url)
    try:
        setup = world.setup(store)
        tree = store.tree()
        warm(store)
        units = [setup.kelurahan[i % len(setup.kelurahan)] for i in range(n)]
        officers = [setup.officers[str(tree.parents[u])] for u in units]
        with Timer() as timer:
            laps = Laps()
            numbers = []
            for i, (unit, officer) in enumerate(zip(units, officers, strict=True)):
                with store.write() as conn:
                    receipt = cases.open_case(
                        conn,
                        tree,
                        definition_ref=world.DEFINITION,
                        unit_code=unit,
                        channel=world.CHANNEL,
                        title=f"Pengaduan {i}",
                        fields={"kelurahan": unit},
                        now=world.SATURDAY,
                        actor=officer,
                    )
                numbers.append(receipt.number)
            laps.lap("intake")
            for number, officer in zip(numbers, officers, strict=True):
                with store.write() as conn:
                    cases.fire(
                        conn,
                        tree,
                        number=number,
                        trigger="triase",
                        actor=officer,
                        fields={"needs_field_review": True},
                        now=world.TRIAGED,
                    )
            laps.lap("triage")
            sunday = tick(store, SUNDAY_TICK)
            laps.lap("sunday")
            monday = tick(store, MONDAY_TICK)
            laps.lap("monday")
            for i, (number, officer) in enumerate(zip(numbers, officers, strict=True)):
                with store.write() as conn:
                    cases.fire(
                        conn,
                        tree,
                        number=number,
                        trigger="hasil_rapat",
                        actor=officer,
                        fields={"resolved_at_kecamatan": i % 2 == 0, "meeting_notes": "Dibahas"},
                        now=MEETING_OUTCOME,
                    )
            laps.lap("outcome")
        facts: dict[str, Any] = {
            **_ended(url),
            "moved_sunday": sum(f.moved for f in sunday.firings),
            "moved_monday": sum(f.moved for f in monday.firings),
            "phase_seconds": laps.seconds,
        }
        return Measured(facts["completed"], timer.seconds, facts, cpu_seconds=timer.cpu_seconds)
    finally:
        store.close()


def _ended(url: str) -> dict[str, int]:
    """How many lifecycles ended, and how: resolved at the kecamatan or escalated."""
    store = Store(url)
    try:
        with store.read() as conn:
            ended: dict[str, int] = dict(
                conn.execute(
                    sa.select(CASES.c.state, sa.func.count())
                    .where(CASES.c.state.in_(ENDS))
                    .group_by(CASES.c.state)
                ).all()
            )
    finally:
        store.close()
    return {
        "completed": sum(ended.values()),
        "resolved": ended.get("laporan_camat", 0),
        "escalated": ended.get("menunggu_rapat_kota", 0),
    }


def _verified(url: str) -> int:
    """How many of the database's cases the engine's replay finds consistent."""
    store = Store(url)
    try:
        with store.read() as conn:
            return sum(v.consistent for v in verify_all(conn, store.tree()))
    finally:
        store.close()


def spiff_lifecycles(path: str, n: int) -> Measured:
    """N instances of ``lifecycle.bpmn``, each step persisted as JSON in SQLite."""
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    clock = _clock_for(spiff_timer)
    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec = parser.get_spec(PROCESS)
    serializer = BpmnWorkflowSerializer()
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("CREATE TABLE IF NOT EXISTS instance (id INTEGER PRIMARY KEY, state TEXT NOT NULL)")

    def load(i: int) -> Any:
        [text] = db.execute("SELECT state FROM instance WHERE id = ?", (i,)).fetchone()
        return serializer.deserialize_json(text)

    def save(i: int, workflow: Any) -> None:
        text = serializer.serialize_json(workflow)
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE instance SET state = ? WHERE id = ?", (text, i))
        db.execute("COMMIT")

    def act(i: int, data: dict[str, Any]) -> None:
        workflow = load(i)
        [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        save(i, workflow)

    def refresh(i: int) -> None:
        workflow = load(i)
        workflow.refresh_waiting_tasks()
        workflow.do_engine_steps()
        save(i, workflow)

    try:
        with Timer() as timer:
            laps = Laps()
            clock.current = world.SATURDAY
            for i in range(n):
                workflow = BpmnWorkflow(spec)
                workflow.data.update({"title": f"Pengaduan {i}", "kelurahan": "31.74.01.1001"})
                workflow.do_engine_steps()
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "INSERT INTO instance (id, state) VALUES (?, ?)",
                    (i, serializer.serialize_json(workflow)),
                )
                db.execute("COMMIT")
            laps.lap("intake")
            clock.current = world.TRIAGED
            for i in range(n):
                act(i, {"needs_field_review": True})
            laps.lap("triage")
            clock.current = SUNDAY_TICK
            for i in range(n):
                refresh(i)
            laps.lap("sunday")
            clock.current = MONDAY_TICK
            for i in range(n):
                refresh(i)
            laps.lap("monday")
            clock.current = MEETING_OUTCOME
            for i in range(n):
                act(i, {"resolved_at_kecamatan": i % 2 == 0, "meeting_notes": "Dibahas"})
            laps.lap("outcome")
        completed = resolved = 0
        for i in range(n):
            workflow = load(i)
            if workflow.is_completed():
                completed += 1
                names = {t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)}
                resolved += "laporan_camat" in names
        facts = {
            "completed": completed,
            "resolved": resolved,
            "escalated": completed - resolved,
            "phase_seconds": laps.seconds,
        }
        return Measured(completed, timer.seconds, facts, cpu_seconds=timer.cpu_seconds)
    finally:
        db.close()


def _clock_for(module: Any) -> Any:
    """Give SpiffWorkflow's timer module a clock the benchmark sets (it reads
    ``datetime.now`` itself, with no way to pass a time in)."""

    class Clock(dt.datetime):
        current = world.SATURDAY

        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Clock:
            instant = cls.current.astimezone(tz)
            return cls.fromtimestamp(instant.timestamp(), tz)

    module.datetime = Clock
    return Clock
