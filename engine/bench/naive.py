"""Scenario ``naive``: what the set-based tick saves.

The naive engine gives every case its own ``transitions`` machine (the library's
default way: the case is the model), fires the trigger on it, and writes the case and
its hashed event with one statement each, case after case, in one transaction. Diktum's
tick runs the same firing on an identical copy of the database. The ratio is Diktum's
rate over the naive one.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine.bench import world
from engine.bench.common import Measured, Options, Timer, document, measure
from engine.bench.tick import DEST, FiringPlan, diktum_tick, firing_plan
from engine.cases import CASES
from engine.events import EVENTS, seal
from engine.store import Store
from engine.tick import FIRINGS

DEFAULT_CASES = 10_000


def run(options: Options) -> dict[str, Any]:
    n = options.size(DEFAULT_CASES)
    with world.fresh("naive", options.workdir, options.database_url) as db:
        world.prepare(db.url, options.definitions)
        world.seed(db.url, n)
        naive_db = world.clone(db, "naive_machines", options.workdir)
        try:
            diktum = measure(diktum_tick, db.url)
            naive = measure(naive_tick, naive_db.url, firing_plan(db.url))
            naive.facts["cases_in_dest"] = world.counts(naive_db.url).get(f"state:{DEST}", 0)
        finally:
            world.drop(naive_db)
    ratio = diktum.per_second / naive.per_second if naive.per_second else None
    return document(
        "naive",
        n,
        options,
        {"diktum": diktum, "naive": naive},
        ratio,
        "diktum/naive cases per second: what the set-based tick saves (no fixed target)",
        None,
    )


class _Model:
    """A case as the naive engine holds it: a model its own machine is attached to."""

    def __init__(self, state: str) -> None:
        self.state = state


def naive_tick(url: str, plan: FiringPlan) -> Measured:
    """One machine per case, fired in a loop; one UPDATE and one INSERT per case."""
    from transitions import Machine

    store = Store(url)
    try:
        definition = world.setup(store).published.definition
        states = list(definition.states)
        transitions = [
            {"trigger": t.trigger, "source": list(t.source), "dest": t.dest}
            for t in definition.transitions
        ]
        with Timer() as timer, store.write() as conn:
            firing_id = conn.execute(
                sa.insert(FIRINGS)
                .values(
                    definition_version_id=plan.version_id,
                    trigger=plan.trigger,
                    nominal_at=plan.due_at,
                    due_at=plan.due_at,
                    started_at=plan.now,
                    moved=0,
                )
                .returning(FIRINGS.c.id)
            ).scalar_one()
            rows = conn.execute(
                sa.select(
                    CASES.c.id,
                    CASES.c.number,
                    CASES.c.state,
                    CASES.c.seq,
                    CASES.c.last_hash,
                    CASES.c.row_version,
                )
                .where(
                    CASES.c.definition_version_id == plan.version_id,
                    CASES.c.state == plan.source,
                    CASES.c.entered_at <= plan.due_at,
                )
                .order_by(CASES.c.id)
            ).all()
            for row in rows:
                case = _Model(row.state)
                Machine(
                    model=case,
                    states=states,
                    transitions=transitions,
                    initial=row.state,
                    auto_transitions=False,
                )
                case.trigger(plan.trigger)  # type: ignore[attr-defined]
                event = seal(
                    row.number,
                    {
                        "case_id": row.id,
                        "seq": row.seq + 1,
                        "trigger": plan.trigger,
                        "source": row.state,
                        "dest": case.state,
                        "actor": "scheduler",
                        "role": None,
                        "unit_code": None,
                        "firing_id": firing_id,
                        "occurred_at": plan.due_at,
                        "recorded_at": plan.now,
                        "payload": {},
                        "definition_version_id": plan.version_id,
                        "prev_hash": row.last_hash,
                    },
                )
                conn.execute(
                    sa.update(CASES)
                    .where(CASES.c.id == row.id, CASES.c.row_version == row.row_version)
                    .values(
                        state=case.state,
                        entered_at=plan.due_at,
                        due_at=plan.next_deadline,
                        seq=row.seq + 1,
                        last_hash=event["hash"],
                        row_version=row.row_version + 1,
                    )
                )
                conn.execute(sa.insert(EVENTS).values(**event))
        return Measured(
            len(rows), timer.seconds, {"moved": len(rows)}, cpu_seconds=timer.cpu_seconds
        )
    finally:
        store.close()
