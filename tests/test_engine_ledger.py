"""The event log is append-only in the database itself, not only by the engine's habit."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from engine import events
from engine.events import EVENTS
from engine.replay import verify_all
from tests.conftest import rewrite_history
from tests.test_engine_mini import World, build_world

APPEND_ONLY = "the event log is append-only"


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.store.close()


def snapshot(world: World) -> list[tuple[object, ...]]:
    with world.store.read() as conn:
        return [tuple(r) for r in conn.execute(sa.select(EVENTS).order_by(EVENTS.c.id))]


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(EVENTS).values(actor="someone_else"),
        sa.update(EVENTS).where(EVENTS.c.seq == 1).values(payload={}),
        sa.delete(EVENTS),
        sa.delete(EVENTS).where(EVENTS.c.seq == 1),
    ],
    ids=["update-all", "update-one", "delete-all", "delete-one"],
)
def test_the_database_refuses_to_change_or_delete_an_event(world: World, statement: object) -> None:
    world.open()
    before = snapshot(world)
    with pytest.raises(DBAPIError, match=APPEND_ONLY), world.store.write() as conn:
        conn.execute(statement)  # type: ignore[call-overload]
    assert snapshot(world) == before


def test_emptying_the_whole_log_at_once_is_refused(world: World) -> None:
    """PostgreSQL's TRUNCATE fires no row triggers, so it has one of its own; SQLite's
    DELETE without WHERE skips row-by-row deletion unless a trigger is there to see it."""
    world.open()
    before = snapshot(world)
    postgres = world.store.engine.dialect.name == "postgresql"
    with pytest.raises(DBAPIError, match=APPEND_ONLY), world.store.write() as conn:
        conn.exec_driver_sql("TRUNCATE event CASCADE" if postgres else "DELETE FROM event")
    assert snapshot(world) == before


def test_new_events_are_still_appended_and_verify(world: World) -> None:
    number = world.open()
    world.fire(number, "triage", needs_review=False)
    with world.store.read() as conn:
        verdicts = list(verify_all(conn, world.store.tree()))
    assert [(v.number, v.consistent, v.events) for v in verdicts] == [(number, True, 2)]


def test_only_switching_the_triggers_off_rewrites_history_and_replay_still_catches_it(
    world: World,
) -> None:
    number = world.open()
    with world.store.write() as conn:
        changed = rewrite_history(
            conn, sa.update(EVENTS).where(EVENTS.c.seq == 1).values(actor="someone_else")
        )
    assert changed == 1
    with world.store.read() as conn:
        [verdict] = verify_all(conn, world.store.tree())
    assert (verdict.number, verdict.consistent, verdict.first_bad_seq) == (number, False, 1)
    with pytest.raises(DBAPIError, match=APPEND_ONLY), world.store.write() as conn:
        conn.execute(sa.delete(EVENTS))  # the triggers are back on


def test_an_events_hash_is_the_sha256_of_its_canonical_json_as_ever() -> None:
    """Logs written by every earlier version must still verify: the hash of an event is
    fixed here, with the canonical text it is taken over (keys sorted, no spaces, UTF-8,
    instants in UTC with microseconds)."""
    wib = dt.timezone(dt.timedelta(hours=7))
    event = {
        "seq": 2,
        "trigger": "disposisi",
        "source": "diterima",
        "dest": "ditangani",
        "actor": "camat1",
        "role": "camat",
        "unit_code": "31.74.01",
        "firing_id": None,
        "occurred_at": dt.datetime(2024, 6, 3, 9, 0, 0, 123456, tzinfo=wib),
        "recorded_at": dt.datetime(2024, 6, 3, 9, 0, 1, tzinfo=wib),
        "payload": {"fields": {"unit_tujuan": "31.74.SDSDA", "catatan": "Saluran é"}},
        "definition_version_id": 1,
        "prev_hash": "0" * 64,
    }
    canonical = (
        '{"actor":"camat1","case":"DK-7KQ4-MX9P-2H8D-5","definition_version_id":1,'
        '"dest":"ditangani","firing_id":null,"occurred_at":"2024-06-03T02:00:00.123456Z",'
        '"payload":{"fields":{"catatan":"Saluran é","unit_tujuan":"31.74.SDSDA"}},'
        f'"prev_hash":"{"0" * 64}","recorded_at":"2024-06-03T02:00:01.000000Z",'
        '"role":"camat","seq":2,"source":"diterima","trigger":"disposisi",'
        '"unit_code":"31.74.01"}'
    )
    expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert events.digest("DK-7KQ4-MX9P-2H8D-5", event) == expected
    assert expected == "46cf5872ba654e19a1a6292a1235f76a09024320754341ea00fab66c72161dd6"
