"""Scenario ``tick-scaling``: the same firing of N due cases among ever more stored ones.

The stored cases are the hardest kind for the tick: open, in the very state the firing
moves from, but triaged after Monday's meeting was due, so they wait for next week's.
The firing must skip them by its index, not by reading them. The database grows between
measurements; each measurement runs on a copy (the last on the original), so every
firing meets the same N due cases. The target: time at the largest size within 1.5x the
time at the smallest.
"""

from __future__ import annotations

from typing import Any

from engine.bench import world
from engine.bench.common import Options, Run, document, measure
from engine.bench.tick import diktum_tick

DEFAULT_DUE = 10_000
GROWTH = (1, 10, 100)
"""Stored cases, as multiples of the due ones, unless ``--stored`` says otherwise."""
TARGET = 1.5


def run(options: Options) -> dict[str, Any]:
    due = options.size(DEFAULT_DUE)
    totals = sorted({max(due, s) for s in options.stored} or {due * g for g in GROWTH})
    runs: dict[str, Run] = {}
    with world.fresh("scaling", options.workdir, options.database_url) as db:
        world.prepare(db.url, options.definitions)
        world.seed(db.url, due)
        stored = due
        for total in totals:
            if total > stored:
                world.seed(db.url, total - stored, actions=(world.TRIAGE_LATE,))
                stored = total
            if total == totals[-1]:
                runs[f"stored_{total}"] = measure(diktum_tick, db.url)
                continue
            copy = world.clone(db, f"scaling_{total}", options.workdir)
            try:
                runs[f"stored_{total}"] = measure(diktum_tick, copy.url)
            finally:
                world.drop(copy)
    for total, name in zip(totals, runs, strict=True):
        runs[name].facts["stored"] = total
    first, last = runs[f"stored_{totals[0]}"], runs[f"stored_{totals[-1]}"]
    ratio = last.seconds / first.seconds if first.seconds else None
    return document(
        "tick-scaling",
        due,
        options,
        runs,
        ratio,
        f"seconds with {totals[-1]:,} stored / with {totals[0]:,} stored <= {TARGET}",
        ratio is not None and ratio <= TARGET,
        stored=totals,
    )
