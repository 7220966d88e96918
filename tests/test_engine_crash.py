"""Real processes: a tick killed with SIGKILL mid-firing, two ticks at once, and the
scheduler's standby taking over — on the real databases, no mocks.

The tick runs as ``diktum tick`` in a child process with small chunks (many
transactions). To kill it mid-way deterministically, the test holds a lock the tick needs
after its first chunks: a row lock on a case in the middle (PostgreSQL) or SQLite's write
lock, then sends SIGKILL while the tick waits for it.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine import cases, registry
from engine.events import EVENTS
from engine.migrate import upgrade
from engine.store import Store
from engine.tick import FIRINGS
from engine.units import load_units, read_csv
from engine.users import add_user, get_actor
from tests.conftest import DEFINITIONS, PUBLISHED_AT, ROOT, WIB

N = 600
CHUNK = 25
SATURDAY = dt.datetime(2024, 6, 8, 9, 0, tzinfo=WIB)
MONDAY_TICK = "2024-06-10T09:00:00+07:00"
TRIGGER = "rapat_senin"

CHILD = """
import sys, time, engine.tick as t
t.CHUNK = int(sys.argv[1])
pause = float(sys.argv[2])
real = t._move_rows
def slow(*args, **kwargs):
    result = real(*args, **kwargs)
    time.sleep(pause)  # inside the chunk's transaction: a kill now loses this chunk
    return result
t._move_rows = slow
from web.cli import main
sys.argv = ["diktum", *sys.argv[3:]]
main()
"""
"""A ``diktum`` process whose tick takes chunks of ``argv[1]`` cases and lingers
``argv[2]`` seconds in each chunk's transaction, so a test can kill it mid-firing."""


@pytest.fixture
def waiting(database_url: str) -> Iterator[Store]:
    """N cases of 2017 triaged without field review: all due at Monday's meeting."""
    upgrade(database_url)
    store = Store(database_url)
    with store.write() as conn:
        load_units(conn, read_csv())
        for path in sorted(DEFINITIONS.glob("*.yaml")):
            registry.publish(conn, path.read_text(encoding="utf-8"), str(path), PUBLISHED_AT)
        add_user(conn, "petugas", "petugas_kecamatan", "31.74.01", None)
    store.forget_tree()
    with store.write() as conn:
        actor = get_actor(conn, "petugas")
        for i in range(N):
            receipt = cases.open_case(
                conn, store.tree(), definition_ref="ingub-135-2017", unit_code="31.74.01.1001",
                channel="langsung_kecamatan", title=f"Keluhan {i}", now=SATURDAY, actor=actor,
                fields={"kelurahan": "31.74.01.1001"},
            )  # fmt: skip
            cases.fire(
                conn, store.tree(), number=receipt.number, trigger="triase", actor=actor,
                fields={"needs_field_review": False}, now=SATURDAY,
            )  # fmt: skip
    yield store
    store.close()


def spawn(
    store: Store,
    *args: str,
    chunk: int = CHUNK,
    pause: float = 0.0,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> subprocess.Popen[str]:
    """``diktum ARGS`` in a child process; its stderr goes to ``log`` when given (a
    long-running worker would fill a pipe nobody reads)."""
    handle = log.open("w") if log else None
    try:
        return subprocess.Popen(
            [sys.executable, "-c", CHILD, str(chunk), str(pause), *args],
            cwd=ROOT,
            env={**os.environ, "DIKTUM_DATABASE_URL": store.url, **(env or {})},
            stdout=subprocess.DEVNULL if handle else subprocess.PIPE,
            stderr=handle or subprocess.PIPE,
            text=True,
        )
    finally:
        if handle is not None:
            handle.close()  # the child has its own copy


def moved_events(store: Store) -> int:
    with store.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(EVENTS).where(EVENTS.c.trigger == TRIGGER)
            ).scalar_one()
        )


def per_case_moves(store: Store) -> set[int]:
    with store.read() as conn:
        rows = conn.execute(
            sa.select(EVENTS.c.case_id, sa.func.count())
            .where(EVENTS.c.trigger == TRIGGER)
            .group_by(EVENTS.c.case_id)
        ).all()
    return {count for _case, count in rows} | ({0} if len(rows) < N else set())


def firing_rows(store: Store) -> list[sa.Row[tuple[object, ...]]]:
    with store.read() as conn:
        return list(conn.execute(sa.select(FIRINGS).where(FIRINGS.c.trigger == TRIGGER)))


def wait_for(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.005)


def test_a_tick_killed_mid_firing_then_rerun_moves_every_case_exactly_once(
    waiting: Store,
) -> None:
    store = waiting
    child = spawn(store, "tick", "--now", MONDAY_TICK, pause=0.05)
    wait_for(lambda: moved_events(store) >= 3 * CHUNK)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)

    partial = moved_events(store)
    assert 0 < partial < N, "the tick must have died mid-firing"
    [unfinished] = firing_rows(store)
    assert unfinished.finished_at is None

    rerun = spawn(store, "tick", "--now", MONDAY_TICK, "--json")
    _out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert moved_events(store) == N
    assert per_case_moves(store) == {1}
    [finished] = firing_rows(store)
    assert finished.finished_at is not None
    assert finished.moved == N
    audit = spawn(store, "audit", "verify", "--json")
    _out, err = audit.communicate(timeout=120)
    assert audit.returncode == 0, err


def test_two_tick_processes_at_once_move_each_case_once_and_record_the_firing_once(
    waiting: Store,
) -> None:
    first = spawn(waiting, "tick", "--now", MONDAY_TICK, "--json")
    second = spawn(waiting, "tick", "--now", MONDAY_TICK, "--json")
    for child in (first, second):
        _, err = child.communicate(timeout=180)
        assert child.returncode == 0, err
    assert moved_events(waiting) == N
    assert per_case_moves(waiting) == {1}
    assert len(firing_rows(waiting)) == 1


def test_a_standby_worker_takes_over_when_the_active_one_dies(
    waiting: Store, tmp_path: Path
) -> None:
    # On SQLite (one machine, one worker) the worker schedules at once; on PostgreSQL
    # one of two holds the advisory lock and the other stands by.
    postgres = waiting.engine.dialect.name == "postgresql"
    logs = [tmp_path / "a.log", tmp_path / "b.log"][: 2 if postgres else 1]
    env = {**os.environ, "DIKTUM_DATABASE_URL": waiting.url, "DIKTUM_NOW": MONDAY_TICK}
    handles = [log.open("w") for log in logs]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "web.cli", "worker"],
            cwd=ROOT,
            env=env,
            stderr=handle,
            stdout=subprocess.DEVNULL,
        )
        for handle in handles
    ]
    try:
        wait_for(lambda: sum("active" in log.read_text() for log in logs) == 1, timeout=30)
        if not postgres:
            return
        wait_for(lambda: any("standing by" in log.read_text() for log in logs), timeout=30)
        active = next(i for i, log in enumerate(logs) if "active" in log.read_text())
        standby = 1 - active
        workers[active].send_signal(signal.SIGKILL)
        workers[active].wait(timeout=30)
        wait_for(lambda: "active" in logs[standby].read_text(), timeout=30)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        for handle in handles:
            handle.close()


def test_the_active_worker_killed_mid_firing_leaves_the_rest_to_the_standby(
    waiting: Store, tmp_path: Path
) -> None:
    """The scale-out promise: SIGKILL the worker that is moving a large firing; the one
    standing by (PostgreSQL) — or, on SQLite, the worker started again — takes the lock,
    resumes the unfinished firing and moves every remaining case, each exactly once."""
    postgres = waiting.engine.dialect.name == "postgresql"
    env = {"DIKTUM_NOW": MONDAY_TICK}
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = spawn(waiting, "worker", pause=0.05, env=env, log=logs[0])
    second = spawn(waiting, "worker", pause=0.05, env=env, log=logs[1]) if postgres else None
    try:
        wait_for(lambda: 0 < moved_events(waiting) < N, timeout=120)
        if postgres:  # the one moving cases is the active one: kill it, not the standby
            wait_for(lambda: any("standing by" in log.read_text() for log in logs), timeout=30)
            active = first if "active" in logs[0].read_text() else second
            assert active is not None
        else:
            active = first
        active.send_signal(signal.SIGKILL)
        active.wait(timeout=30)
        killed_at = moved_events(waiting)
        assert killed_at < N, "the firing finished before the kill: make chunks slower"
        if second is None:
            second = spawn(waiting, "worker", pause=0.0, env=env, log=logs[1])
        survivor = second if active is first else first
        wait_for(lambda: moved_events(waiting) == N, timeout=120)
        wait_for(lambda: all(r.finished_at is not None for r in firing_rows(waiting)), 60)
        assert survivor.poll() is None, "the surviving worker should still be running"
    finally:
        for child in (first, second):
            if child is not None and child.poll() is None:
                child.send_signal(signal.SIGTERM)
                child.wait(timeout=30)

    assert per_case_moves(waiting) == {1}
    assert len(firing_rows(waiting)) == 1


def test_a_worker_back_on_tuesday_after_a_downtime_since_friday_catches_up_in_order(
    database_url: str, tmp_path: Path
) -> None:
    """The scheduler is down from Friday evening; officers still receive and triage on
    Saturday. A worker started on Tuesday noon fires Sunday's review, Monday's meeting,
    the meeting's overdue escalation (Tuesday 08:00) and Tuesday's city meeting, in that
    order, and each case's events follow the same order."""
    upgrade(database_url)
    store = Store(database_url)
    try:
        with store.write() as conn:
            load_units(conn, read_csv())
            for path in sorted(DEFINITIONS.glob("*.yaml")):
                registry.publish(conn, path.read_text(encoding="utf-8"), str(path), PUBLISHED_AT)
            add_user(conn, "petugas", "petugas_kecamatan", "31.74.01", None)
        store.forget_tree()
        friday = spawn(store, "tick", "--now", "2024-06-07T17:00:00+07:00", "--json")
        _, err = friday.communicate(timeout=120)
        assert friday.returncode == 0, err
        numbers = {}
        with store.write() as conn:
            actor = get_actor(conn, "petugas")
            for review in (True, False) * 5:
                receipt = cases.open_case(
                    conn, store.tree(), definition_ref="ingub-135-2017",
                    unit_code="31.74.01.1001", channel="langsung_kecamatan", title="Keluhan",
                    now=SATURDAY, actor=actor, fields={"kelurahan": "31.74.01.1001"},
                )  # fmt: skip
                cases.fire(
                    conn, store.tree(), number=receipt.number, trigger="triase", actor=actor,
                    fields={"needs_field_review": review}, now=SATURDAY,
                )  # fmt: skip
                numbers[receipt.number] = review
        log = tmp_path / "worker.log"
        worker = spawn(store, "worker", env={"DIKTUM_NOW": "2024-06-11T12:00:00+07:00"}, log=log)
        try:
            wait_for(lambda: len(scheduled_events(store)) >= 35, timeout=120)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        with store.read() as conn:
            fired = conn.execute(
                sa.select(FIRINGS.c.trigger, FIRINGS.c.nominal_at).order_by(FIRINGS.c.id)
            ).all()
        steps = scheduled_events(store)
    finally:
        store.close()

    assert [(t, n.astimezone(WIB).strftime("%a %H:%M")) for t, n in fired] == [
        ("peninjauan_minggu", "Sun 09:00"),
        ("rapat_senin", "Mon 08:30"),
        ("rapat_selasa", "Tue 09:00"),
    ]
    by_case: dict[str, list[tuple[str, dt.datetime]]] = {}
    for number, trigger, at in steps:
        by_case.setdefault(number, []).append((trigger, at))
    assert set(by_case) == set(numbers)
    for number, review in numbers.items():
        steps = by_case[number]
        expected = ["rapat_senin", "lewat_batas_rapat_kecamatan", "rapat_selasa"]
        assert [t for t, _ in steps] == (["peninjauan_minggu"] if review else []) + expected
        assert [at for _, at in steps] == sorted(at for _, at in steps)


def scheduled_events(store: Store) -> list[tuple[str, str, dt.datetime]]:
    """(case number, trigger, when) of every step the scheduler took, in log order."""
    from engine.cases import CASES

    with store.read() as conn:
        rows = conn.execute(
            sa.select(CASES.c.number, EVENTS.c.trigger, EVENTS.c.occurred_at)
            .join(CASES, CASES.c.id == EVENTS.c.case_id)
            .where(EVENTS.c.actor == "scheduler")
            .order_by(EVENTS.c.case_id, EVENTS.c.seq)
        ).all()
    return [(n, t, at) for n, t, at in rows]
