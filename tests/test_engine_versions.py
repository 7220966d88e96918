"""Definition versions: a new version leaves running cases alone; migrating cases is an
explicit, logged act by an administrator that replay accepts. And the scheduler's jobs
follow what is published."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apscheduler.triggers.cron import CronTrigger

from engine import registry
from engine.errors import InvalidInput, Refused
from engine.replay import replay
from engine.scheduler import build_scheduler
from engine.users import Actor
from engine.versioning import migrate_cases
from tests.test_engine_mini import MINI, MONDAY, PUBLISHED, World, build_world

MINI_V2 = (
    MINI.replace("version: 1", "version: 2", 1)
    .replace("title: Ditriase", "title: Ditriase (v2)", 1)
    .replace(
        "schedule: {day_of_week: sun, hour: 9}", "schedule: {day_of_week: [sat, sun], hour: 7}"
    )
)
ADMIN = Actor("admin1", "admin", "31")


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.store.close()


def publish_v2(world: World) -> int:
    with world.store.write() as conn:
        published, created = registry.publish(conn, MINI_V2, "mini.v2.yaml", MONDAY)
    assert created
    return published.id


def test_publishing_a_new_version_leaves_running_cases_on_theirs(world: World) -> None:
    number = world.open()
    v2 = publish_v2(world)
    assert world.case(number).definition_version_id == world.version_id != v2
    world.triage(number, needs_review=True)
    assert world.case(number).definition_version_id == world.version_id


def test_migrating_a_case_moves_it_through_the_mapping_as_one_logged_event(world: World) -> None:
    number = world.open()
    world.triage(number, needs_review=True)
    v2 = publish_v2(world)
    with world.store.write() as conn:
        moved = migrate_cases(
            conn, numbers=[number], target_ref="mini@2", mapping={"triaged": "triaged"},
            actor=ADMIN, now=MONDAY,
        )  # fmt: skip
    assert moved == [{"number": number, "from": "triaged", "to": "triaged"}]
    case = world.case(number)
    assert (case.definition_version_id, case.state) == (v2, "triaged")
    last = world.events(number)[-1]
    assert (last["trigger"], last["actor"], last["role"]) == ("migrate", "admin1", "admin")
    assert last["payload"] == {"from": "mini@1", "to": "mini@2"}
    with world.store.read() as conn:
        assert replay(conn, world.store.tree(), number).consistent


@pytest.mark.parametrize(
    ("mapping", "actor", "error", "message"),
    [
        ({"triaged": "nowhere"}, ADMIN, InvalidInput, "'nowhere' is not a state of mini@2"),
        ({"received": "received"}, ADMIN, InvalidInput, "which --map does not map"),
        ({"triaged": "triaged"}, Actor("p", "petugas", "31.74.01.1001"), Refused, "administrator"),
    ],
)
def test_a_refused_migration_changes_nothing(
    world: World,
    mapping: dict[str, str],
    actor: Actor,
    error: type[Exception],
    message: str,
) -> None:
    number = world.open()
    world.triage(number, needs_review=True)
    publish_v2(world)
    before = (world.counts(), world.case(number))
    with pytest.raises(error, match=message), world.store.write() as conn:
        migrate_cases(
            conn, numbers=[number], target_ref="mini@2", mapping=mapping, actor=actor,
            now=MONDAY,
        )  # fmt: skip
    assert (world.counts(), world.case(number)) == before


def test_the_scheduler_has_one_cron_job_per_scheduled_trigger_and_follows_publishing(
    world: World,
) -> None:
    scheduler = build_scheduler(world.store, clock=lambda: PUBLISHED)
    scheduler.start(paused=True)  # running, but no job fires by itself during the test
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"sweep", "mini@1:review"}
    trigger = jobs["mini@1:review"].trigger
    assert isinstance(trigger, CronTrigger)
    fields = {f.name: str(f) for f in trigger.fields}
    assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("sun", "9", "0")
    assert str(trigger.timezone) == "Asia/Jakarta"

    publish_v2(world)
    jobs["sweep"].func()  # the minutely sweep reloads the jobs
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert "mini@2:review" in jobs
    fields = {f.name: str(f) for f in jobs["mini@2:review"].trigger.fields}
    assert (fields["day_of_week"], fields["hour"]) == ("sat,sun", "7")
    scheduler.shutdown(wait=False)
