"""Replay and audit: a clean log verifies, and every kind of tampering is caught at the
first event it touches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from engine import events
from engine.cases import CASES
from engine.events import EVENTS
from engine.replay import Verdict, replay, verify_all
from engine.tick import tick
from tests.conftest import rewrite_history
from tests.test_engine_mini import (
    MONDAY,
    SATURDAY,
    SUNDAY_REVIEW,
    World,
    build_world,
)

TRIAGED_AT = SATURDAY + dt.timedelta(minutes=30)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.store.close()


@pytest.fixture
def cases_at_every_stage(world: World) -> dict[str, str]:
    """Cases received, triaged, handled, done, flagged overdue and escalated."""
    numbers = {name: world.open(title=name) for name in ("received", "triaged", "done")}
    numbers["withdrawn"] = world.open(title="withdrawn", by="camat_tebet")
    numbers["escalated"] = world.open(title="escalated")
    world.triage(numbers["triaged"], needs_review=False)
    world.triage(numbers["done"], needs_review=True)
    world.triage(numbers["escalated"], needs_review=True, urgent=True)
    world.fire(numbers["withdrawn"], "withdraw", by="camat_tebet")
    tick(world.store, MONDAY + dt.timedelta(days=4))  # review, overdue flags, escalation
    states = {name: world.case(n).state for name, n in numbers.items()}
    assert states == {
        "received": "received",
        "triaged": "triaged",
        "done": "done",
        "withdrawn": "done",
        "escalated": "at_city",
    }
    assert world.case(numbers["received"]).overdue
    return numbers


def verdict(world: World, number: str, until: dt.datetime | None = None) -> Verdict:
    with world.store.read() as conn:
        return replay(conn, world.store.tree(), number, until)


def verdicts(world: World) -> dict[str, Verdict]:
    with world.store.read() as conn:
        return {v.number: v for v in verify_all(conn, world.store.tree())}


def event_id(world: World, number: str, seq: int) -> int:
    [event] = [e for e in world.events(number) if e["seq"] == seq]
    return int(event["id"])


def tamper(world: World, statement: Any) -> None:
    with world.store.write() as conn:
        assert rewrite_history(conn, statement) == 1


def test_a_clean_log_replays_consistently_case_by_case_and_whole(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    for number in cases_at_every_stage.values():
        found = verdict(world, number)
        row = world.case(number)
        assert (found.consistent, found.reason, found.first_bad_seq) == (True, None, None)
        assert (found.events, found.state) == (row.seq, row.state)
        assert [s.seq for s in found.steps] == list(range(1, row.seq + 1))
    everything = verdicts(world)
    assert set(everything) == set(cases_at_every_stage.values())
    assert all(v.consistent for v in everything.values())


def test_replay_steps_name_the_diktum_and_the_unit_after_each_step(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    steps = verdict(world, cases_at_every_stage["escalated"]).steps
    assert [(s.trigger, s.dest, s.diktum) for s in steps] == [
        ("open", "received", "KESATU"),
        ("triage", "triaged", "KESATU"),
        ("review", "decide", "KEDUA"),
        ("route", "handling", None),  # a gateway branch cites no diktum
        ("escalate", "at_city", "KETIGA"),
    ]
    assert [s.unit for s in steps][-2:] == ["31.74.01.1001", "31.74"]
    assert steps[2].actor == "scheduler" and steps[1].actor == "petugas_timur"


def test_an_edited_event_payload_is_caught_at_that_event(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    number = cases_at_every_stage["done"]
    tamper(
        world,
        sa.update(EVENTS)
        .where(EVENTS.c.id == event_id(world, number, 2))
        .values(payload={"fields": {"needs_review": False}}),
    )
    found = verdict(world, number)
    assert (found.consistent, found.first_bad_seq) == (False, 2)
    assert found.reason == "event 2 was altered after it was recorded"
    others = [v for n, v in verdicts(world).items() if n != number]
    assert not verdicts(world)[number].consistent
    assert all(v.consistent for v in others)


def test_an_edit_with_a_recomputed_hash_breaks_the_chain_at_the_next_event(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    number = cases_at_every_stage["done"]
    second = world.events(number)[1]
    forged = {**second, "actor": "camat_tebet", "role": "camat", "unit_code": "31.74.01"}
    tamper(
        world,
        sa.update(EVENTS)
        .where(EVENTS.c.id == second["id"])
        .values(
            actor="camat_tebet",
            role="camat",
            unit_code="31.74.01",
            hash=events.digest(number, forged),
        ),
    )
    found = verdict(world, number)
    assert (found.consistent, found.first_bad_seq) == (False, 3)
    assert found.reason == "event 3 does not follow event 2"


def test_a_deleted_event_is_caught_as_missing(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    number = cases_at_every_stage["done"]
    last = world.case(number).seq
    assert last == 4  # open, triage, review, route
    tamper(world, sa.delete(EVENTS).where(EVENTS.c.id == event_id(world, number, last - 1)))
    found = verdict(world, number)
    assert (found.consistent, found.first_bad_seq) == (False, last - 1)
    assert found.reason == f"event {last - 1} is missing"
    assert not verdicts(world)[number].consistent


def test_a_state_changed_behind_the_logs_back_is_caught(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    number = cases_at_every_stage["triaged"]
    tamper(world, sa.update(CASES).where(CASES.c.number == number).values(state="done"))
    found = verdict(world, number)
    assert found.consistent is False
    assert found.first_bad_seq is None  # every event is sound: the case row is not
    assert found.reason == (
        "the stored case disagrees with its log: state is 'done' but the log gives 'triaged'"
    )
    assert verdicts(world)[number].reason == found.reason


def append_forged(world: World, number: str, step: dict[str, Any], **row: Any) -> int:
    """Append a well-sealed step by petugas_timur (``step``: trigger, source, dest,
    payload) as someone with database access could, and make the case row agree with it
    (``row``: its new column values): the chain holds. Returns the step's seq."""
    case = world.case(number)
    forged = events.seal(
        number,
        {
            "case_id": case.id,
            "seq": case.seq + 1,
            "actor": "petugas_timur",
            "role": "petugas",
            "unit_code": case.unit_code,
            "firing_id": None,
            "occurred_at": MONDAY,
            "recorded_at": MONDAY,
            "definition_version_id": case.definition_version_id,
            "prev_hash": case.last_hash,
            **step,
        },
    )
    with world.store.write() as conn:
        events.append(conn, [forged])
        conn.execute(
            sa.update(CASES)
            .where(CASES.c.id == case.id)
            .values(seq=case.seq + 1, last_hash=forged["hash"], **row)
        )
    return case.seq + 1


def test_a_well_sealed_but_illegal_step_is_caught(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    # The definition has no such step: the chain holds, the rules do not.
    number = cases_at_every_stage["triaged"]
    step = {"trigger": "resolve", "source": "triaged", "dest": "done"}
    seq = append_forged(
        world,
        number,
        {**step, "payload": {"fields": {"resolved": True}}},
        state="done",
        closed=True,
    )
    found = verdict(world, number)
    assert (found.consistent, found.first_bad_seq) == (False, seq)
    assert "no transition 'resolve' from 'triaged' to 'done' in mini@1" in str(found.reason)


def reseal_last(world: World, number: str, payload: dict[str, Any], unit: str) -> int:
    """Rewrite the payload of the case's last event, seal it again and make the case row
    agree (its unit and last hash): a forgery the chain and the row cannot show. Returns
    the event's seq."""
    last = world.events(number)[-1]
    forged = {**last, "payload": payload}
    digest = events.digest(number, forged)
    tamper(
        world,
        sa.update(EVENTS).where(EVENTS.c.id == last["id"]).values(payload=payload, hash=digest),
    )
    with world.store.write() as conn:
        conn.execute(
            sa.update(CASES)
            .where(CASES.c.number == number)
            .values(unit_code=unit, last_hash=digest)
        )
    return int(last["seq"])


def test_an_escalation_recorded_to_another_unit_is_caught(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    number = cases_at_every_stage["escalated"]
    seq = reseal_last(world, number, {"unit": "31.75"}, "31.75")  # Jakarta Timur, not Selatan
    found = verdict(world, number)
    assert (found.consistent, found.first_bad_seq) == (False, seq)
    assert found.reason == (
        f"event {seq}: moves the case to unit 31.75 where 'escalate' hands it to 31.74"
    )


def test_an_escalation_whose_unit_change_was_dropped_is_caught(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    number = cases_at_every_stage["escalated"]
    seq = reseal_last(world, number, {}, "31.74.01.1001")
    found = verdict(world, number)
    assert (found.consistent, found.first_bad_seq) == (False, seq)
    assert found.reason == (
        f"event {seq}: 'escalate' hands the case to unit 31.74 but the log leaves it at "
        "31.74.01.1001"
    )


def test_a_well_sealed_step_that_moves_a_case_its_transition_does_not_move_is_caught(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    # Triage keeps the case where it is; a forged triage hands it to the next kelurahan,
    # with the row made to agree.
    number = cases_at_every_stage["received"]
    data = {**world.case(number).data, "needs_review": False}
    step = {"trigger": "triage", "source": "received", "dest": "triaged"}
    payload = {"fields": {"needs_review": False}, "unit": "31.74.01.1002"}
    seq = append_forged(
        world,
        number,
        {**step, "payload": payload},
        state="triaged",
        unit_code="31.74.01.1002",
        data=data,
    )
    found = verdict(world, number)
    assert (found.consistent, found.first_bad_seq) == (False, seq)
    assert found.reason == (
        f"event {seq}: moves the case to unit 31.74.01.1002 where 'triage' hands it to "
        "31.74.01.1001"
    )


def test_replay_until_a_time_shows_the_case_as_it_stood_then(
    world: World, cases_at_every_stage: dict[str, str]
) -> None:
    number = cases_at_every_stage["done"]
    before_review = verdict(world, number, until=SUNDAY_REVIEW - dt.timedelta(seconds=1))
    assert (before_review.consistent, before_review.events, before_review.state) == (
        True,
        2,
        "triaged",
    )
    at_review = verdict(world, number, until=SUNDAY_REVIEW)
    assert (at_review.events, at_review.state) == (4, "done")
    at_triage = verdict(world, number, until=TRIAGED_AT)
    assert (at_triage.events, at_triage.state) == (2, "triaged")
    before_anything = verdict(world, number, until=SATURDAY - dt.timedelta(days=1))
    assert (before_anything.consistent, before_anything.events, before_anything.state) == (
        True,
        0,
        None,
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [("channel", "'web'"), ("title", "'Judul lain'"), ("origin_unit", "'31.74.02.1001'")],
)
def test_an_intake_column_changed_behind_the_logs_back_is_caught(
    world: World, column: str, value: str
) -> None:
    number = world.open()
    with world.store.write() as conn:
        conn.execute(sa.text(f"UPDATE case_file SET {column} = {value} WHERE number = :n"),
                     {"n": number})  # fmt: skip
    with world.store.read() as conn:
        verdict = replay(conn, world.store.tree(), number)
    assert verdict.consistent is False
    assert verdict.reason is not None and column in verdict.reason
