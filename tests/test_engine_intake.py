"""Intake: the channel's window and who may record a complaint, the receipt, and that a
refused complaint leaves no trace (no case, no event, no personal data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from engine import cases
from engine.cases import COMPLAINANTS, PersonalData
from engine.errors import EngineError, InvalidInput, NotFound, Refused
from engine.events import stamp
from engine.numbers import normalise
from tests.test_engine_mini import (
    MINI,
    MONDAY,
    SATURDAY,
    TEBET_BARAT,
    TEBET_TIMUR,
    WIB,
    World,
    build_world,
)

MESSAGE = "Pengaduan langsung hanya hari Sabtu pukul 08.00-11.00"
assert MESSAGE in MINI


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.store.close()


def open_refused(world: World, error: type[EngineError], **kwargs: Any) -> EngineError:
    """Try an intake that must fail; the error, after checking nothing was written."""
    before = world.counts()
    with pytest.raises(error) as caught:
        world.open(**kwargs)
    assert world.counts() == before
    return caught.value


@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(2025, 3, 1, 7, 59, tzinfo=WIB),  # Saturday, before the session
        dt.datetime(2025, 3, 1, 11, 0, tzinfo=WIB),  # Saturday, the session has just ended
        dt.datetime(2025, 3, 3, 9, 0, tzinfo=WIB),  # Monday
        dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC),  # 16:30 WIB
    ],
)
def test_in_person_intake_outside_the_window_is_refused_with_the_definitions_message(
    world: World, when: dt.datetime
) -> None:
    world.open()  # the tables are not empty: "nothing written" compares real counts
    error = open_refused(world, Refused, now=when)
    assert str(error) == MESSAGE


def test_the_window_is_read_on_the_jakarta_clock_whatever_the_offset_given(
    world: World,
) -> None:
    utc = dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC)  # 09:30 WIB: inside the session
    assert world.case(world.open(now=utc)).received_at == utc


def test_a_complaint_received_in_the_window_and_typed_in_later_keeps_both_times(
    world: World,
) -> None:
    received = dt.datetime(2025, 3, 1, 10, 45, tzinfo=WIB)
    with world.store.write() as conn:
        receipt = cases.open_case(
            conn,
            world.store.tree(),
            definition_ref="mini",
            unit_code=TEBET_TIMUR,
            channel="in_person",
            title="Saluran tersumbat",
            received_at=received,
            now=MONDAY,
            actor=world.actor("petugas_timur"),
        )
    assert (receipt.received_at, receipt.recorded_at) == (received, MONDAY)
    row = world.case(receipt.number)
    assert row.received_at == received
    assert row.recorded_at == MONDAY
    assert row.entered_at == received
    [opened] = world.events(receipt.number)
    assert (opened["occurred_at"], opened["recorded_at"]) == (received, MONDAY)


def test_the_window_is_judged_at_receipt_not_at_the_time_of_typing(world: World) -> None:
    friday = dt.datetime(2025, 2, 28, 9, 0, tzinfo=WIB)
    error = open_refused(world, Refused, received_at=friday, now=SATURDAY)
    assert str(error) == MESSAGE


def test_in_person_intake_needs_a_signed_in_officer(world: World) -> None:
    error = open_refused(world, Refused, by=None)
    assert "recorded by an officer" in str(error)


def test_in_person_intake_needs_a_role_the_channel_names(world: World) -> None:
    error = open_refused(world, Refused, by="auditor1")
    assert "role 'auditor' does not receive on channel 'in_person'" in str(error)


def test_an_officer_of_another_kelurahan_cannot_receive_for_this_one(world: World) -> None:
    error = open_refused(world, Refused, unit=TEBET_TIMUR, by="petugas_barat")
    assert f"cannot receive for unit {TEBET_TIMUR}" in str(error)


def test_a_camat_receives_for_every_kelurahan_of_the_kecamatan_only(world: World) -> None:
    for unit in (TEBET_TIMUR, TEBET_BARAT, "31.74.01.1007"):
        assert world.case(world.open(unit, by="camat_tebet")).unit_code == unit
    open_refused(world, Refused, unit=TEBET_TIMUR, by="camat_setiabudi")


def test_an_electronic_channel_needs_no_officer_and_names_the_channel_as_actor(
    world: World,
) -> None:
    night = dt.datetime(2025, 3, 4, 2, 0, tzinfo=WIB)
    number = world.open(channel="web", by=None, now=night)
    [opened] = world.events(number)
    assert (opened["actor"], opened["role"]) == ("channel:web", None)
    assert opened["payload"] == {
        "channel": "web",
        "unit": TEBET_TIMUR,
        "title": world.case(number).title,
        "category": None,
        "fields": {},
    }


def test_a_complaint_outside_a_next_window_channel_is_carried_to_the_next_session(
    world: World,
) -> None:
    late = dt.datetime(2025, 3, 1, 12, 0, tzinfo=WIB)
    next_session = dt.datetime(2025, 3, 8, 8, 0, tzinfo=WIB)
    with world.store.write() as conn:
        receipt = cases.open_case(
            conn,
            world.store.tree(),
            definition_ref="mini",
            unit_code=TEBET_TIMUR,
            channel="drop_box",
            title="Lampu jalan mati",
            now=late,
        )
    assert receipt.carried_to == next_session
    row = world.case(receipt.number)
    assert (row.received_at, row.entered_at) == (late, next_session)
    assert row.due_at is not None and row.due_at > next_session  # the deadline runs from then
    [opened] = world.events(receipt.number)
    assert opened["payload"]["carried_to"] == stamp(next_session)


@pytest.mark.parametrize(
    ("error", "message", "kwargs"),
    [
        (InvalidInput, "unknown channel 'fax' for mini@1", {"channel": "fax"}),
        (NotFound, "unknown unit '31.99.99'", {"unit": "31.99.99"}),
        (InvalidInput, "field 'urgent': must be true or false", {"fields": {"urgent": "maybe"}}),
        (InvalidInput, "field 'colour' is not taken", {"fields": {"colour": "red"}}),
        (InvalidInput, "unknown category 'banjir'", {"category": "banjir"}),
        (InvalidInput, "title: 1 to 200 characters", {"title": "   "}),
        (InvalidInput, "title: 1 to 200 characters", {"title": "x" * 201}),
        (InvalidInput, "description: at most 4000", {"description": "x" * 4001}),
        (InvalidInput, "in the future", {"received_at": SATURDAY + dt.timedelta(seconds=1)}),
        (InvalidInput, "needs a timezone", {"received_at": dt.datetime(2025, 3, 1, 9, 0)}),
    ],
)
def test_bad_intake_input_is_a_clear_error_and_writes_nothing(
    world: World, error: type[EngineError], message: str, kwargs: dict[str, Any]
) -> None:
    world.open()
    assert message in str(open_refused(world, error, **kwargs))


def test_an_unknown_definition_is_not_found_and_names_the_published_ones(world: World) -> None:
    before = world.counts()
    refused = pytest.raises(NotFound, match=r"unknown definition 'nope' \(published: mini@1\)")
    with refused, world.store.write() as conn:
        cases.open_case(
            conn,
            world.store.tree(),
            definition_ref="nope",
            unit_code=TEBET_TIMUR,
            channel="web",
            title="x",
            now=SATURDAY,
        )
    assert world.counts() == before


def test_the_receipt_names_the_case_and_personal_data_is_kept_apart(world: World) -> None:
    person = PersonalData(name="Siti Aminah", phone="0812-0000-0000", address="Jl. Tebet 1")
    with world.store.write() as conn:
        receipt = cases.open_case(
            conn,
            world.store.tree(),
            definition_ref="mini@1",
            unit_code=TEBET_TIMUR,
            channel="in_person",
            title="Sampah menumpuk",
            category="sampah",
            fields={"urgent": "ya"},
            now=SATURDAY,
            actor=world.actor("petugas_timur"),
            complainant=person,
        )
    assert normalise(receipt.number) == receipt.number
    assert receipt.definition == "mini@1"
    assert (receipt.state, receipt.channel, receipt.unit) == ("received", "in_person", TEBET_TIMUR)
    assert (receipt.received_at, receipt.recorded_at, receipt.carried_to) == (
        SATURDAY,
        SATURDAY,
        None,
    )
    row = world.case(receipt.number)
    assert row.definition_version_id == world.version_id
    assert (row.state, row.category, dict(row.data)) == ("received", "sampah", {"urgent": True})
    assert (row.seq, row.row_version, row.closed, row.overdue) == (1, 1, False, False)
    [opened] = world.events(receipt.number)
    assert (opened["trigger"], opened["source"], opened["dest"]) == ("open", None, "received")
    assert (opened["actor"], opened["role"]) == ("petugas_timur", "petugas")
    assert row.last_hash == opened["hash"]
    with world.store.read() as conn:
        stored = conn.execute(sa.select(COMPLAINANTS).where(COMPLAINANTS.c.case_id == row.id)).one()
    assert (stored.name, stored.phone, stored.anonymous) == ("Siti Aminah", "0812-0000-0000", False)
    assert "Siti" not in str(opened["payload"]) and "Siti" not in str(dict(row.data))


@pytest.mark.parametrize(
    "options",
    [
        {"title": "Sampah\x00menumpuk"},
        {"description": "baris\x00dua"},
        {"complainant": PersonalData(name="Budi\x00")},
    ],
    ids=["title", "description", "complainant"],
)
def test_nul_characters_are_refused_at_intake_whatever_the_door(
    world: World, options: dict[str, Any]
) -> None:
    """PostgreSQL cannot store NUL in text and SQLite would: the engine refuses it on
    both, so every door (form, API, Open311, CLI) answers the same and writes nothing."""
    before = world.counts()
    with pytest.raises(InvalidInput, match="NUL characters are not allowed"):
        world.open(**options)
    assert world.counts() == before
