"""Verifying the whole log for a person watching: progress as it goes, findings as they
are found, and a tally at the end, in constant memory.

``engine.replay.verify_all`` does the checking, a batch of cases at a time; this module
turns its stream of verdicts into updates a page can render while it runs. Only the first
``listed`` inconsistent cases are carried with their reasons; beyond them only the count
grows, so a badly damaged log of millions of events still yields a bounded page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.cases import CASES
from engine.replay import Verdict, verify_all
from engine.units import UnitTree

LISTED = 100
"""Inconsistent cases listed with their reasons; the rest are only counted."""
PROGRESS_STEPS = 50
"""About how many progress updates a whole run reports."""
MIN_PROGRESS_EVERY = 500
"""Fewest cases between two progress updates (one batch of ``verify_all``)."""


class UpdateKind(StrEnum):
    progress = "progress"
    finding = "finding"
    done = "done"


@dataclass(frozen=True)
class Update:
    """Where a run stands: ``finding`` carries an inconsistent case's verdict."""

    kind: UpdateKind
    checked: int
    total: int
    events: int
    inconsistent: int
    verdict: Verdict | None = None

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.checked * 100 // self.total)

    @property
    def consistent(self) -> bool:
        return self.inconsistent == 0


def sweep(conn: Connection, tree: UnitTree, listed: int = LISTED) -> Iterator[Update]:
    """Replay every case; yield progress now and then, each of the first ``listed``
    inconsistent cases, and a final ``done`` update with the tally."""
    total = int(conn.execute(sa.select(sa.func.count()).select_from(CASES)).scalar_one())
    every = max(MIN_PROGRESS_EVERY, total // PROGRESS_STEPS)
    checked = events = inconsistent = 0
    for verdict in verify_all(conn, tree):
        checked += 1
        events += verdict.events
        if not verdict.consistent:
            inconsistent += 1
            if inconsistent <= listed:
                yield Update(UpdateKind.finding, checked, total, events, inconsistent, verdict)
        if checked % every == 0:
            yield Update(UpdateKind.progress, checked, total, events, inconsistent)
    yield Update(UpdateKind.done, checked, max(total, checked), events, inconsistent)
