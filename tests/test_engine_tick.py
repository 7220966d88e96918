"""The tick: each scheduled firing exactly once, set-based, resumable, catching up in order;
and deadlines that flag or escalate."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

import engine.tick
from engine.errors import Refused
from engine.events import EVENTS
from engine.replay import verify_all
from engine.store import Store
from engine.tick import FIRINGS, tick
from tests.test_engine_mini import (
    JAKARTA_SELATAN,
    MONDAY,
    SATURDAY,
    SUNDAY_REVIEW,
    TEBET_TIMUR,
    WIB,
    World,
    build_world,
)


class Crash(Exception):
    """The process dying at a chosen point."""


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.store.close()


@pytest.fixture
def sqlite_world(sqlite_url: str) -> Iterator[World]:
    """For races only SQLite allows: PostgreSQL's advisory lock serialises a firing."""
    built = build_world(sqlite_url)
    yield built
    built.store.close()


def firings(world: World) -> list[sa.Row[Any]]:
    with world.store.read() as conn:
        return list(conn.execute(sa.select(FIRINGS).order_by(FIRINGS.c.nominal_at)))


def triggers(world: World, number: str, trigger: str) -> list[dict[str, Any]]:
    return [e for e in world.events(number) if e["trigger"] == trigger]


def all_consistent(world: World) -> bool:
    with world.store.read() as conn:
        return all(v.consistent for v in verify_all(conn, world.store.tree()))


def crash_on(monkeypatch: pytest.MonkeyPatch, name: str, call: int) -> None:
    """Make ``engine.tick.<name>`` raise ``Crash`` after it has done its work, once, on the
    ``call``-th call (so inside the transaction it runs in, when it has one)."""
    real: Callable[..., Any] = getattr(engine.tick, name)
    calls = 0

    def dying(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        result = real(*args, **kwargs)
        if calls == call:
            raise Crash(f"{name} call {call}")
        return result

    monkeypatch.setattr(engine.tick, name, dying)


def reviewed_cases(world: World, count: int, **triage: Any) -> list[str]:
    """``count`` cases triaged on Saturday, so in ``triaged`` before Sunday's review."""
    numbers = [world.open(title=f"Keluhan {i}") for i in range(count)]
    for number in numbers:
        world.triage(number, **{"needs_review": True, **triage})
    return numbers


def test_one_firing_moves_every_eligible_case_and_only_those(world: World) -> None:
    urgent = reviewed_cases(world, 2, urgent=True)
    routine = reviewed_cases(world, 2, urgent=False)
    not_needed = world.open()
    world.triage(not_needed, needs_review=False)
    late = world.open()
    world.triage(late, needs_review=True, now=SUNDAY_REVIEW + dt.timedelta(hours=1))
    untouched = world.open()

    report = tick(world.store, MONDAY)

    [fired] = report.firings
    assert fired.as_dict() == {
        "definition": "mini",
        "version": 1,
        "trigger": "review",
        "diktum": "KEDUA",
        "nominal_at": SUNDAY_REVIEW,
        "fire_time": SUNDAY_REVIEW,
        "moved": 4,
    }
    assert {world.case(n).state for n in urgent} == {"handling"}
    assert {world.case(n).state for n in routine} == {"done"}
    assert all(world.case(n).closed for n in routine)
    assert world.case(not_needed).state == "triaged"  # the condition does not hold
    assert world.case(late).state == "triaged"  # it entered after the firing was due
    assert world.case(untouched).state == "received"
    [row] = firings(world)
    assert (row.nominal_at, row.due_at, row.finished_at, row.moved) == (
        SUNDAY_REVIEW,
        SUNDAY_REVIEW,
        MONDAY,
        4,
    )
    review, route = world.events(urgent[0])[2:]
    assert (review["source"], review["dest"], route["source"], route["dest"]) == (
        "triaged",
        "decide",
        "decide",
        "handling",
    )
    for event in (review, route):
        assert (event["actor"], event["role"], event["firing_id"]) == ("scheduler", None, row.id)
        assert (event["occurred_at"], event["recorded_at"]) == (SUNDAY_REVIEW, MONDAY)
    assert world.case(urgent[0]).entered_at == SUNDAY_REVIEW
    assert all_consistent(world)


def test_running_tick_again_moves_nothing_and_records_no_second_firing(world: World) -> None:
    reviewed_cases(world, 3)
    tick(world.store, MONDAY)
    counts = world.counts()

    again = tick(world.store, MONDAY)
    later = tick(world.store, MONDAY + dt.timedelta(days=5))  # Saturday: nothing new due

    assert again.firings == [] and later.firings == []
    assert world.counts() == counts
    assert len(firings(world)) == 1


def test_the_next_sunday_fires_again_for_cases_that_arrived_since(world: World) -> None:
    reviewed_cases(world, 1)
    late = world.open()
    world.triage(late, needs_review=True, now=SUNDAY_REVIEW + dt.timedelta(hours=1))
    tick(world.store, MONDAY)

    next_sunday = SUNDAY_REVIEW + dt.timedelta(days=7)
    assert tick(world.store, next_sunday - dt.timedelta(seconds=1)).firings == []
    [fired] = tick(world.store, next_sunday).firings

    assert (fired.fire_time, fired.moved) == (next_sunday, 1)
    assert world.case(late).state == "done"
    assert [r.nominal_at for r in firings(world)] == [SUNDAY_REVIEW, next_sunday]


def test_catch_up_after_downtime_fires_the_missed_firings_in_time_order(world: World) -> None:
    first = world.open()
    world.triage(first, needs_review=True)  # Saturday 1 March
    second = world.open()
    world.triage(second, needs_review=True, now=dt.datetime(2025, 3, 4, 10, 0, tzinfo=WIB))
    third = world.open()
    world.triage(third, needs_review=True, now=dt.datetime(2025, 3, 10, 10, 0, tzinfo=WIB))

    report = tick(world.store, dt.datetime(2025, 3, 17, 10, 0, tzinfo=WIB))  # back up

    sundays = [SUNDAY_REVIEW + dt.timedelta(days=7 * i) for i in range(3)]
    assert [(f.fire_time, f.moved) for f in report.firings] == [(s, 1) for s in sundays]
    for number, sunday in zip((first, second, third), sundays, strict=True):
        [review] = triggers(world, number, "review")
        assert review["occurred_at"] == sunday
    assert [r.nominal_at for r in firings(world)] == sundays
    assert all_consistent(world)


def test_a_firing_interrupted_mid_chunk_resumes_and_moves_every_case_exactly_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    eligible = reviewed_cases(world, 7)
    others = [world.open() for _ in range(2)]
    for number in others:
        world.triage(number, needs_review=False)
    monkeypatch.setattr(engine.tick, "CHUNK", 2)
    crash_on(monkeypatch, "_bulk_update", call=2)  # the second chunk dies before its commit

    with pytest.raises(Crash):
        tick(world.store, MONDAY)

    assert [world.case(n).state for n in eligible] == ["done"] * 2 + ["triaged"] * 5
    [unfinished] = firings(world)
    assert unfinished.finished_at is None

    report = tick(world.store, MONDAY)

    assert [f.moved for f in report.firings] == [7]
    for number in eligible:
        assert len(triggers(world, number, "review")) == 1
        assert world.case(number).state == "done"
    assert all(world.case(n).state == "triaged" for n in others)
    [finished] = firings(world)
    assert (finished.id, finished.finished_at, finished.moved) == (unfinished.id, MONDAY, 7)
    assert tick(world.store, MONDAY).firings == []
    assert all_consistent(world)


def test_a_firing_that_moved_everything_but_died_before_finishing_is_finished_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    eligible = reviewed_cases(world, 3)
    crash_on(monkeypatch, "_move_all", call=1)

    with pytest.raises(Crash):
        tick(world.store, MONDAY)
    events_after_crash = world.count(EVENTS)
    report = tick(world.store, MONDAY)

    assert [f.moved for f in report.firings] == [3]
    assert world.count(EVENTS) == events_after_crash
    assert all(len(triggers(world, n, "review")) == 1 for n in eligible)
    [row] = firings(world)
    assert (row.finished_at, row.moved) == (MONDAY, 3)


def test_two_ticks_at_once_move_each_case_once_and_record_the_firing_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    eligible = reviewed_cases(world, 40)
    monkeypatch.setattr(engine.tick, "CHUNK", 3)
    stores = [Store(world.store.url) for _ in range(2)]  # as two processes would
    start = threading.Barrier(len(stores))
    reports: list[engine.tick.TickReport] = []
    errors: list[BaseException] = []

    def run(store: Store) -> None:
        try:
            start.wait()
            reports.append(tick(store, MONDAY))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for store in stores:
        store.close()

    assert errors == []
    assert len(reports) == 2
    for number in eligible:
        assert len(triggers(world, number, "review")) == 1
    [row] = firings(world)
    assert (row.finished_at, row.moved) == (MONDAY, 40)
    assert [[f.moved for f in r.firings] for r in reports] == [[40], [40]]
    assert all_consistent(world)


def test_a_tick_that_shared_a_firing_with_another_keeps_the_full_count(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PostgreSQL's advisory lock two ticks can both claim a firing before either
    # moves a case. Here the second runs whole while the first is about to move: the
    # first then moves nothing, and must not overwrite the recorded count with its zero.
    world = sqlite_world
    eligible = reviewed_cases(world, 3)
    real = engine.tick._move_all
    other = Store(world.store.url)
    inner: list[engine.tick.TickReport] = []
    overtaking = False

    def overtaken(*args: Any, **kwargs: Any) -> int:
        nonlocal overtaking
        if not overtaking:
            overtaking = True
            inner.append(tick(other, MONDAY))
        return real(*args, **kwargs)

    monkeypatch.setattr(engine.tick, "_move_all", overtaken)
    outer = tick(world.store, MONDAY)
    other.close()

    assert [f.moved for f in inner[0].firings] == [3]
    assert [f.moved for f in outer.firings] == [3]
    [row] = firings(world)
    assert row.moved == 3
    assert all(len(triggers(world, n, "review")) == 1 for n in eligible)


def test_a_case_past_its_deadline_is_flagged_once_and_stays_where_it_is(world: World) -> None:
    number = world.open()
    due = world.case(number).due_at
    assert due is not None and due > SATURDAY

    assert tick(world.store, due - dt.timedelta(seconds=1)).overdue_flagged == 0
    report = tick(world.store, due)
    again = tick(world.store, due + dt.timedelta(days=1))

    assert (report.overdue_flagged, report.escalated, again.overdue_flagged) == (1, 0, 0)
    row = world.case(number)
    assert (row.state, row.overdue, row.due_at, row.entered_at) == ("received", True, due, SATURDAY)
    [flag] = triggers(world, number, "overdue")
    assert (flag["source"], flag["dest"], flag["actor"]) == ("received", "received", "scheduler")
    assert flag["occurred_at"] == due
    world.triage(number, needs_review=False, now=due + dt.timedelta(days=2))
    assert world.case(number).overdue is False  # acting on it clears the flag
    assert all_consistent(world)


def test_a_case_past_an_escalating_deadline_goes_up_to_the_kota(world: World) -> None:
    [number] = reviewed_cases(world, 1, urgent=True)
    tick(world.store, MONDAY)
    row = world.case(number)
    assert (row.state, row.unit_code) == ("handling", TEBET_TIMUR)
    assert row.due_at is not None

    report = tick(world.store, row.due_at)

    assert (report.escalated, report.overdue_flagged) == (1, 0)
    row = world.case(number)
    assert (row.state, row.unit_code, row.overdue) == ("at_city", JAKARTA_SELATAN, False)
    [escalated] = triggers(world, number, "escalate")
    assert (escalated["source"], escalated["dest"], escalated["actor"]) == (
        "handling",
        "at_city",
        "scheduler",
    )
    assert escalated["payload"] == {"unit": JAKARTA_SELATAN}
    with pytest.raises(Refused, match=r"cannot act on complaints of unit 31\.74"):
        world.fire(number, "resolve", resolved=True, now=row.entered_at)
    assert all_consistent(world)
