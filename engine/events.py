"""The event log: append-only rows, each chained to the case's previous one by SHA-256.

The digest covers every column that tells what happened, in a canonical JSON form, so
editing, reordering or deleting an event breaks the chain at that point. Nothing in
Diktum updates or deletes an event; this module only appends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.models import Event

GENESIS = "0" * 64
"""The ``prev_hash`` of a case's first event."""

EVENTS = Event.__table__  # type: ignore[attr-defined]

HASHED = (
    "seq",
    "trigger",
    "source",
    "dest",
    "actor",
    "role",
    "unit_code",
    "firing_id",
    "occurred_at",
    "recorded_at",
    "payload",
    "definition_version_id",
    "prev_hash",
)
"""The columns an event's hash covers, besides the case number."""


def stamp(value: dt.datetime) -> str:
    """A timestamp as hashed: UTC, microseconds, always the same text for the same instant."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(number: str, event: Mapping[str, Any]) -> str:
    """The hash of ``event`` (a row as stored) of the case numbered ``number``."""
    body: dict[str, Any] = {"case": number}
    for column in HASHED:
        value = event[column]
        body[column] = stamp(value) if isinstance(value, dt.datetime) else value
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(number: str, event: dict[str, Any]) -> dict[str, Any]:
    """Fill in ``hash`` for a new event row whose ``prev_hash`` is set."""
    event["hash"] = digest(number, event)
    return event


def append(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert sealed event rows in one statement (executemany)."""
    if rows:
        conn.execute(sa.insert(EVENTS), list(rows))


def history(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """A case's events in order, as plain dicts."""
    rows = conn.execute(sa.select(EVENTS).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.seq))
    return [dict(row._mapping) for row in rows]
