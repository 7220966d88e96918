"""Manual actions: who may act on which case, the fields and condition of a step, the
optimistic lock, and the events an action writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engine import cases, registry
from engine.errors import Conflict, EngineError, NotFound, Refused
from engine.events import GENESIS, digest
from engine.tick import tick
from tests.test_engine_mini import (
    MONDAY,
    SATURDAY,
    TEBET_BARAT,
    TEBET_TIMUR,
    World,
    build_world,
)
from workflow.machine import machine_for


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.store.close()


def fire_refused(
    world: World, error: type[EngineError], number: str, trigger: str, by: str, **fields: Any
) -> str:
    """Try an action that must fail; its message, after checking the case did not change."""
    before_counts, before_row = world.counts(), world.case(number)
    with pytest.raises(error) as caught:
        world.fire(number, trigger, by=by, **fields)
    assert world.counts() == before_counts
    assert world.case(number) == before_row
    return str(caught.value)


def in_handling(world: World, unit: str = TEBET_TIMUR) -> str:
    """A case the Sunday review has put in ``handling`` (urgent and needing review)."""
    number = world.open(unit, by="camat_tebet")
    world.triage(number, needs_review=True, urgent=True, by="camat_tebet")
    tick(world.store, MONDAY)
    assert world.case(number).state == "handling"
    return number


def test_an_officer_of_another_kelurahan_is_refused(world: World) -> None:
    number = world.open(TEBET_TIMUR)
    message = fire_refused(world, Refused, number, "triage", "petugas_barat", needs_review=True)
    assert message == f"user 'petugas_barat' cannot act on complaints of unit {TEBET_TIMUR}"


def test_a_camat_acts_on_every_kelurahan_of_the_kecamatan(world: World) -> None:
    for unit in (TEBET_TIMUR, TEBET_BARAT):
        number = world.open(unit, by="camat_tebet")
        world.triage(number, needs_review=False, by="camat_tebet")
        assert world.case(number).state == "triaged"


def test_a_camat_of_another_kecamatan_is_refused(world: World) -> None:
    number = world.open(TEBET_BARAT, by="camat_tebet")
    message = fire_refused(world, Refused, number, "triage", "camat_setiabudi", needs_review=True)
    assert "cannot act on complaints of unit 31.74.01.1002" in message


def test_a_role_without_a_part_in_the_definition_is_refused(world: World) -> None:
    number = world.open()
    message = fire_refused(world, Refused, number, "triage", "auditor1", needs_review=True)
    assert message == "role 'auditor' has no part in mini@1"


def test_a_role_the_transition_does_not_name_is_refused(world: World) -> None:
    number = world.open()
    message = fire_refused(world, Refused, number, "withdraw", "petugas_timur")
    assert message == "role 'petugas' may not take action 'withdraw'"
    world.fire(number, "withdraw", by="camat_tebet")
    assert (world.case(number).state, world.case(number).closed) == ("done", True)


def test_every_field_mistake_of_a_step_is_reported_at_once(world: World) -> None:
    number = world.open()
    message = fire_refused(
        world, Refused, number, "triage", "petugas_timur", urgent="maybe", colour="red"
    )
    assert "field 'colour' is not taken by this step" in message
    assert "field 'needs_review' is required" in message
    assert "field 'urgent': must be true or false, got 'maybe'" in message


def test_fields_typed_as_text_are_stored_typed(world: World) -> None:
    number = world.open()
    world.fire(number, "triage", needs_review="ya", urgent="0")
    assert dict(world.case(number).data) == {"needs_review": True, "urgent": False}


def test_the_condition_is_evaluated_on_the_supplied_fields(world: World) -> None:
    number = in_handling(world)
    message = fire_refused(world, Refused, number, "resolve", "petugas_timur", resolved=False)
    assert message == "the condition of action 'resolve' does not hold"
    world.fire(number, "resolve", resolved=True, now=MONDAY)
    row = world.case(number)
    assert (row.state, row.closed, row.data["resolved"]) == ("done", True, True)


def test_an_action_the_state_does_not_offer_is_refused(world: World) -> None:
    number = world.open()
    message = fire_refused(world, Refused, number, "resolve", "petugas_timur", resolved=True)
    assert message == "action 'resolve' is not possible in state 'received'"
    message = fire_refused(world, Refused, number, "dance", "petugas_timur")
    assert message == "unknown action 'dance'"
    message = fire_refused(world, Refused, number, "review", "petugas_timur")
    assert "'review' is not possible" in message  # a scheduled step is not an officer's


def test_a_closed_case_takes_no_more_actions(world: World) -> None:
    number = world.open(by="camat_tebet")
    world.fire(number, "withdraw", by="camat_tebet")
    message = fire_refused(world, Refused, number, "triage", "camat_tebet", needs_review=True)
    assert "not possible in state 'done'" in message


def test_a_number_typed_loosely_finds_the_case_and_an_unknown_one_is_not_found(
    world: World,
) -> None:
    number = world.open()
    world.fire(number.lower().replace("-", ""), "triage", needs_review=False)
    assert world.case(number).state == "triaged"
    with pytest.raises(NotFound, match="no complaint numbered 'DK-0000'"):
        world.fire("DK-0000", "triage", needs_review=False)


def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(world: World) -> None:
    number = world.open()
    assert world.case(number).row_version == 1
    world.triage(number, needs_review=True, urgent=True)  # someone else acted: version 2
    before_counts, before_row = world.counts(), world.case(number)
    with pytest.raises(Conflict, match="version 1, now 2"), world.store.write() as conn:
        cases.fire(
            conn,
            world.store.tree(),
            number=number,
            trigger="withdraw",
            actor=world.actor("camat_tebet"),
            expected_version=1,
            now=MONDAY,
        )
    assert (world.counts(), world.case(number)) == (before_counts, before_row)


def test_the_current_expected_version_lets_the_action_through(world: World) -> None:
    number = world.open(by="camat_tebet")
    with world.store.write() as conn:
        cases.fire(
            conn,
            world.store.tree(),
            number=number,
            trigger="withdraw",
            actor=world.actor("camat_tebet"),
            expected_version=1,
            now=MONDAY,
        )
    assert world.case(number).row_version == 2


def test_a_write_based_on_a_row_read_before_another_write_is_a_conflict(world: World) -> None:
    # The race the row version guards: both officers read version 1; the second to write
    # must fail at the update even though no expected version was given.
    number = world.open(by="camat_tebet")
    stale = world.case(number)
    world.triage(number, needs_review=False, by="camat_tebet")
    before_counts, before_row = world.counts(), world.case(number)
    with world.store.read() as conn:
        definition = registry.get(conn, stale.definition_version_id).definition
    outcome = machine_for(definition).fire(stale.state, "withdraw", data={}, role="camat")
    with pytest.raises(Conflict), world.store.write() as conn:
        cases.apply(
            conn,
            stale,
            stale.definition_version_id,
            definition,
            outcome,
            stale.unit_code,
            actor=world.actor("camat_tebet"),
            at=MONDAY,
            now=MONDAY,
        )
    assert (world.counts(), world.case(number)) == (before_counts, before_row)


def test_action_events_carry_actor_role_and_fields_and_chain_by_hash(world: World) -> None:
    number = world.open()
    acted = SATURDAY.replace(hour=10)
    world.triage(number, needs_review=True, urgent=False, now=acted)
    opened, triaged = world.events(number)
    assert (opened["seq"], triaged["seq"]) == (1, 2)
    assert opened["prev_hash"] == GENESIS
    assert triaged["prev_hash"] == opened["hash"]
    for event in (opened, triaged):
        assert event["hash"] == digest(number, event)
    assert (triaged["trigger"], triaged["source"], triaged["dest"]) == (
        "triage",
        "received",
        "triaged",
    )
    assert (triaged["actor"], triaged["role"], triaged["unit_code"]) == (
        "petugas_timur",
        "petugas",
        TEBET_TIMUR,
    )
    assert triaged["payload"] == {"fields": {"needs_review": True, "urgent": False}}
    assert (triaged["occurred_at"], triaged["recorded_at"]) == (acted, acted)
    assert triaged["firing_id"] is None
    assert triaged["definition_version_id"] == world.version_id
    row = world.case(number)
    assert (row.seq, row.last_hash, row.row_version) == (2, triaged["hash"], 2)
    assert row.entered_at == acted
