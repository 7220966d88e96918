"""The event log is append-only in the database itself, not only by the engine's habit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

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
