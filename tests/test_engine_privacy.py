"""A complainant's personal data is erased on request; the case's chain still verifies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from engine.cases import COMPLAINANTS, PersonalData
from engine.errors import Conflict, InvalidInput, NotFound, Refused
from engine.privacy import ERASE_TRIGGER, erase_personal_data
from engine.replay import verify_all
from engine.tick import tick
from tests.test_engine_mini import SATURDAY, World, build_world

LATER = SATURDAY + dt.timedelta(days=30)
BUDI = PersonalData(
    name="Budi Santoso", phone="0812-1111-2222", email="budi@example.id", address="Jl. Tebet 5"
)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.store.close()


def complainant(world: World, number: str) -> dict[str, object]:
    case_id = world.case(number).id
    with world.store.read() as conn:
        row = conn.execute(sa.select(COMPLAINANTS).where(COMPLAINANTS.c.case_id == case_id)).one()
    return dict(row._mapping)


def erase(world: World, number: str, by: str = "admin1", reason: str = "Permintaan #7") -> object:
    with world.store.write() as conn:
        return erase_personal_data(
            conn, number=number, actor=world.actor(by), reason=reason, now=LATER
        )


def verdicts(world: World) -> dict[str, tuple[bool, int]]:
    with world.store.read() as conn:
        return {v.number: (v.consistent, v.events) for v in verify_all(conn, world.store.tree())}


def test_erasure_wipes_the_contact_data_and_the_chain_still_verifies(world: World) -> None:
    number = world.open(complainant=BUDI)
    world.triage(number, needs_review=False)
    erase(world, number)
    person = complainant(world, number)
    assert {k: person[k] for k in ("name", "phone", "email", "address")} == dict.fromkeys(
        ("name", "phone", "email", "address")
    )
    assert person["erased_at"] == LATER
    last = world.events(number)[-1]
    assert (last["trigger"], last["actor"], last["payload"]) == (
        ERASE_TRIGGER,
        "admin1",
        {"reason": "Permintaan #7"},
    )
    assert last["source"] == last["dest"] == world.case(number).state
    assert verdicts(world) == {number: (True, 3)}
    assert "Budi" not in str(world.events(number))


def test_a_case_keeps_running_after_its_complainant_is_erased(world: World) -> None:
    number = world.open(complainant=BUDI)
    world.triage(number, needs_review=True)
    erase(world, number, reason="Permintaan #8")
    tick(world.store, LATER + dt.timedelta(days=7))
    assert world.case(number).state != "triaged"
    assert verdicts(world)[number][0] is True


@pytest.mark.parametrize(
    ("by", "reason", "error"),
    [
        ("camat_tebet", "Permintaan #7", Refused),
        ("auditor1", "Permintaan #7", Refused),
        ("admin1", "   ", InvalidInput),
        ("admin1", "x" * 501, InvalidInput),
    ],
)
def test_only_an_administrator_with_a_reason_may_erase_and_a_refusal_changes_nothing(
    world: World, by: str, reason: str, error: type[Exception]
) -> None:
    number = world.open(complainant=BUDI)
    before, person = world.counts(), complainant(world, number)
    with pytest.raises(error):
        erase(world, number, by=by, reason=reason)
    assert (world.counts(), complainant(world, number)) == (before, person)


def test_a_second_erasure_and_an_unknown_number_are_refused(world: World) -> None:
    number = world.open(complainant=BUDI)
    erase(world, number)
    before = world.counts()
    with pytest.raises(Conflict, match="erased already"):
        erase(world, number)
    with pytest.raises(NotFound):
        erase(world, "DK-0000-0000-0000-0")
    assert world.counts() == before


def test_an_erase_event_by_anyone_but_an_administrator_fails_replay(world: World) -> None:
    from engine.events import EVENTS, digest
    from tests.conftest import rewrite_history

    number = world.open(complainant=BUDI)
    erase(world, number)
    event = world.events(number)[-1]
    forged = {**event, "role": "camat", "actor": "camat_tebet"}
    with world.store.write() as conn:
        rewrite_history(
            conn,
            sa.update(EVENTS)
            .where(EVENTS.c.id == event["id"])
            .values(role="camat", actor="camat_tebet", hash=digest(number, forged)),
        )
        conn.execute(sa.text("UPDATE case_file SET last_hash = :h"), {"h": digest(number, forged)})
    with world.store.read() as conn:
        [verdict] = verify_all(conn, world.store.tree())
    assert (verdict.consistent, verdict.first_bad_seq) == (False, 2)
    assert "erasure by a non-administrator" in str(verdict.reason)
