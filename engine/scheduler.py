"""APScheduler 3.x wiring: one cron job per scheduled trigger, each calling the same tick.

The scheduler owns *when*; the ``firing`` table owns *whether*: every job runs
``engine.tick.tick``, which fires only what is due and not yet recorded, so a duplicate
run, a restart or a second scheduler cannot fire anything twice. A minutely job runs the
same tick for what cron cannot express (a Monday meeting moved to Tuesday by a holiday,
deadlines, catch-up after downtime) and reloads the jobs when a definition is published.

With several processes on PostgreSQL only the holder of an advisory lock schedules;
the others stand by and take over when its session ends (``run_worker``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from engine import registry
from engine.db import is_postgres
from engine.store import Store
from engine.tick import scheduled_triggers, tick

log = logging.getLogger("diktum.scheduler")

SCHEDULER_LOCK = "diktum-scheduler:"
"""Named per schema: advisory locks are database-wide, and two Diktum installations may
share a database in schemas of their own (the tests do), each with its own scheduler."""
"""The advisory lock key whose holder is the one active scheduler."""
SWEEP_SECONDS = 60
STANDBY_POLL_SECONDS = 5.0

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_scheduler(
    store: Store, clock: Clock = utc_now, busy: threading.Lock | None = None
) -> BackgroundScheduler:
    """A scheduler with a job per scheduled trigger of every published version.

    Every job holds ``busy`` while it ticks, so a shutdown can wait for the tick in
    flight without APScheduler's own wait (which holds the job store lock that a
    running sweep needs, and deadlocks).
    """
    lock = busy or threading.Lock()
    scheduler = BackgroundScheduler(
        timezone=ZoneInfo("Asia/Jakarta"),
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )

    def run() -> None:
        with lock:
            try:
                report = tick(store, clock())
            except Exception:  # the next job retries; never kill the scheduler thread
                log.exception("tick failed")
                return
        for firing in report.firings:
            log.info(
                "fired %s@%s %s: %d moved",
                firing.definition,
                firing.version,
                firing.trigger,
                firing.moved,
            )

    def sweep() -> None:
        if scheduler.running:
            sync_jobs(scheduler, store, run)
            run()

    scheduler.add_job(
        sweep,
        IntervalTrigger(seconds=SWEEP_SECONDS),
        id="sweep",
        replace_existing=True,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    sync_jobs(scheduler, store, run)
    return scheduler


def sync_jobs(scheduler: BackgroundScheduler, store: Store, run: Callable[[], None]) -> None:
    """(Re)create one cron job per scheduled trigger; day names, never numbers."""
    with store.read() as conn:
        versions = registry.all_versions(conn)
    wanted = set()
    for published in versions:
        definition = published.definition
        for trigger, transition in scheduled_triggers(published).items():
            assert transition.schedule is not None
            job_id = f"{definition.key}:{trigger}"
            wanted.add(job_id)
            if scheduler.get_job(job_id) is not None:
                continue
            cron = CronTrigger(
                day_of_week=",".join(d.value for d in transition.schedule.day_of_week),
                hour=transition.schedule.hour,
                minute=transition.schedule.minute,
                timezone=ZoneInfo(definition.timezone),
            )
            scheduler.add_job(run, cron, id=job_id, replace_existing=True)
    for job in scheduler.get_jobs():
        if job.id != "sweep" and job.id not in wanted:
            job.remove()


def run_worker(store: Store, stop: threading.Event, clock: Clock = utc_now) -> None:
    """Schedule while holding the lock (PostgreSQL) or at once (SQLite), until ``stop``."""
    if not is_postgres(store.engine):
        log.info("embedded database: this process schedules (active)")
        _schedule_until(store, stop, clock, alive=lambda: True)
        return
    standing_by = False
    while not stop.is_set():
        try:
            standing_by = _take_turn(store, stop, clock, standing_by)
        except sa.exc.DBAPIError as exc:
            # PostgreSQL restarting or unreachable: a worker outlives it and tries again.
            log.warning("database unavailable, retrying: %s", exc.orig or exc)
            standing_by = False
        stop.wait(STANDBY_POLL_SECONDS)


def _take_turn(store: Store, stop: threading.Event, clock: Clock, standing_by: bool) -> bool:
    """Schedule for as long as this process holds the lock; whether it is standing by."""
    with store.engine.connect() as conn:
        got = conn.execute(
            sa.text("SELECT pg_try_advisory_lock(hashtextextended(:k || current_schema(), 0))"),
            {"k": SCHEDULER_LOCK},
        ).scalar()
        conn.commit()
        if not got:
            if not standing_by:
                log.info("another worker holds the scheduler lock: standing by")
            return True
        log.info("holding the scheduler lock: active")

        def alive() -> bool:
            try:
                conn.execute(sa.text("SELECT 1"))
                conn.commit()
                return True
            except sa.exc.DBAPIError:
                return False

        _schedule_until(store, stop, clock, alive)
        return False


def _schedule_until(
    store: Store, stop: threading.Event, clock: Clock, alive: Callable[[], bool]
) -> None:
    busy = threading.Lock()
    scheduler = build_scheduler(store, clock, busy)
    scheduler.start()
    try:
        while not stop.wait(STANDBY_POLL_SECONDS):
            if not alive():
                log.warning("lost the database session: back to standby")
                return
    finally:
        scheduler.shutdown(wait=False)
        with busy:  # a tick in flight finishes its chunk first
            log.info("scheduler stopped")
