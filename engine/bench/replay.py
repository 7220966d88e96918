"""Scenario ``replay``: the whole event log verified, as ``diktum audit verify`` does.

N events (three per seeded case: intake, triage, the gateway's branch) are replayed and
their hash chains checked; the same on a log a tenth the size shows whether memory stays
constant in the number of events. Targets: N = 1,000,000 in under a minute, and the
peak RSS at N within 1.25x the peak at N/10.
"""

from __future__ import annotations

from typing import Any

from engine.bench import world
from engine.bench.common import Measured, Options, Timer, document, measure
from engine.replay import verify_all
from engine.store import Store

DEFAULT_EVENTS = 1_000_000
EVENTS_PER_CASE = 3
TARGET_RSS = 1.25
TARGET_SECONDS_PER_MILLION = 60.0


def run(options: Options) -> dict[str, Any]:
    cases = -(-options.size(DEFAULT_EVENTS) // EVENTS_PER_CASE)
    tenth = max(1, cases // 10)
    with (
        world.fresh("replay", options.workdir, options.database_url) as db,
        world.fresh("replay_tenth", options.workdir, options.database_url) as small,
    ):
        for target, count in ((db, cases), (small, tenth)):
            world.prepare(target.url, options.definitions)
            world.seed(target.url, count)
        full = measure(diktum_verify, db.url)
        part = measure(diktum_verify, small.url)
    n = cases * EVENTS_PER_CASE
    ratio = full.peak_rss_mb / part.peak_rss_mb if part.peak_rss_mb else None
    fast_enough = full.seconds * 1_000_000 / n < TARGET_SECONDS_PER_MILLION
    return document(
        "replay",
        n,
        options,
        {"diktum": full, "diktum_tenth": part},
        ratio,
        f"peak RSS at N / at N/10 <= {TARGET_RSS}; "
        f"under {TARGET_SECONDS_PER_MILLION:.0f} s per million events",
        ratio is not None and ratio <= TARGET_RSS and fast_enough,
    )


def diktum_verify(url: str) -> Measured:
    """Every case replayed and compared with its row; counts events, cases, failures."""
    store = Store(url)
    try:
        tree = store.tree()
        checked = events = inconsistent = 0
        with Timer() as timer, store.read() as conn:
            for verdict in verify_all(conn, tree):
                checked += 1
                events += verdict.events
                inconsistent += not verdict.consistent
        facts = {"cases": checked, "events": events, "inconsistent": inconsistent}
        return Measured(events, timer.seconds, facts, cpu_seconds=timer.cpu_seconds)
    finally:
        store.close()
