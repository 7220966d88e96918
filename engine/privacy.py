"""Erasing a complainant's personal data on request, with the audit chain left whole.

Personal data lives only in the ``complainant`` row, never in an event, so wiping it
touches nothing the hash chain covers. The erasure itself is an ``erase`` event in the
case's chain (who, when and why; none of the data), so an auditor replaying the case sees
that it happened, and a second request finds the data already gone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine import events
from engine.cases import COMPLAINANTS, load, save
from engine.errors import Conflict, InvalidInput, Refused
from engine.users import Actor
from engine.versioning import ADMIN_ROLE
from workflow.messages import Text

ERASE_TRIGGER = "erase"
MAX_REASON = 500
"""Longest reason recorded with an erasure (it is part of the permanent log)."""


@dataclass(frozen=True)
class Erasure:
    number: str
    erased_at: dt.datetime
    seq: int
    """The ``erase`` event's place in the case's chain."""


def erase_personal_data(
    conn: Connection, *, number: str, actor: Actor, reason: str, now: dt.datetime
) -> Erasure:
    """Wipe the complainant's name, phone, email and address of case ``number``.

    Only an administrator may; the reason (e.g. the request's reference) is required and
    must not itself hold the personal data, since the log keeps it for good.
    """
    if actor.role != ADMIN_ROLE:
        raise Refused(Text("only an administrator may erase personal data"))
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(Text("reason: 1 to %(limit)s characters", limit=MAX_REASON))
    case = load(conn, number)
    person = conn.execute(
        sa.select(COMPLAINANTS.c.erased_at).where(COMPLAINANTS.c.case_id == case.id)
    ).first()
    if person is not None and person.erased_at is not None:
        raise Conflict(
            Text("the personal data of %(number)s was erased already", number=case.number)
        )
    event = events.seal(
        case.number,
        {
            "case_id": case.id,
            "seq": case.seq + 1,
            "trigger": ERASE_TRIGGER,
            "source": case.state,
            "dest": case.state,
            "actor": actor.name,
            "role": actor.role,
            "unit_code": actor.unit_code,
            "firing_id": None,
            "occurred_at": now,
            "recorded_at": now,
            "payload": {"reason": reason},
            "definition_version_id": case.definition_version_id,
            "prev_hash": case.last_hash,
        },
    )
    save(
        conn,
        case,
        {"seq": case.seq + 1, "last_hash": event["hash"], "row_version": case.row_version + 1},
    )
    events.append(conn, [event])
    wiped = {"name": None, "phone": None, "email": None, "address": None, "erased_at": now}
    if person is None:
        conn.execute(sa.insert(COMPLAINANTS).values(case_id=case.id, anonymous=True, **wiped))
    else:
        conn.execute(
            sa.update(COMPLAINANTS).where(COMPLAINANTS.c.case_id == case.id).values(**wiped)
        )
    return Erasure(case.number, now, case.seq + 1)
