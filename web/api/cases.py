"""``/cases``: intake, the cases a caller may read, a case and its public status, its
history, and the actions taken on it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request

from engine import events, registry
from engine.cases import CASES, PersonalData, fire_on, load, open_case
from engine.errors import NotFound
from engine.numbers import normalise
from engine.units import UnitTree
from engine.users import Actor
from engine.views import case_detail
from web.api.blueprint import PREFIX, endpoint, store_and_tree
from web.api.callers import STAFF, Caller
from web.api.errors import ApiError, field_problems, invalid
from web.api.paging import case_cursor, encode_case_cursor, offset
from web.extensions import now
from web.openapi.base import PageQuery
from web.openapi.cases import (
    ActionIn,
    ActionResult,
    CaseDetail,
    CasePage,
    CaseQuery,
    EventPage,
    IntakeIn,
    PublicStatus,
    Receipt,
)
from web.openapi.document import PathParam
from workflow.definition import Definition, TransitionKind
from workflow.fields import FieldErrors, coerce_all
from workflow.machine import machine_for

INTAKE_LIMIT = "120 per minute"
"""Complaints one credential may file per minute: a runaway client cannot flood intake."""

NUMBER = PathParam(
    "number",
    "The complaint number, e.g. `DK-7KQ4-MX9P-2H8D-5`; case, dashes and look-alike letters "
    "do not matter. Malformed and unknown numbers are both 404.",
    {"type": "string", "minLength": 1, "maxLength": 40},
)
TRIGGER = PathParam(
    "trigger",
    "A manual action of the case's definition.",
    {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 64},
)


@endpoint(
    "POST",
    "/cases",
    summary="File a complaint",
    tag="cases",
    response=Receipt,
    status=201,
    body=IntakeIn,
    errors=(403,),
    limit=INTAKE_LIMIT,
)
def create_case(caller: Caller, body: IntakeIn) -> tuple[Receipt, dict[str, str]]:
    """Take in a complaint under the channel's rules and answer with its receipt.

    In-person channels need a user who receives on them (a bound key or a session);
    electronic channels take any caller, and only a user may set ``received_at``. Outside
    its window a channel refuses (403) or carries the complaint to its next session
    (``carried_to``).
    """
    if body.received_at is not None and caller.actor is None:
        # A client's clock is not evidence: backdating would shift deadlines and reports.
        raise ApiError(
            403, "refused", "only an officer records when a complaint was received (received_at)"
        )
    db, tree = store_and_tree()
    if body.unit not in tree.names:
        raise invalid("unit", f"unknown unit '{body.unit}'")
    person = None
    if body.complainant is not None:
        c = body.complainant
        person = PersonalData(
            name=c.name,
            phone=c.phone,
            email=c.email,
            address=c.address,
            anonymous=not (c.name or c.phone or c.email or c.address),
            confidential=c.confidential,
        )
    with db.write() as conn:
        try:
            receipt = open_case(
                conn,
                tree,
                definition_ref=body.definition,
                unit_code=body.unit,
                channel=body.channel,
                title=body.title,
                description=body.description,
                category=body.category,
                fields=dict(body.fields),
                received_at=body.received_at,
                now=now(),
                actor=caller.actor,
                complainant=person,
            )
        except NotFound as exc:
            # The unit is known (checked above), so what intake did not find is the
            # definition: a field of the body, not a missing resource.
            raise invalid("definition", str(exc)) from None
    tracking = f"/lacak/{receipt.number}"
    out = Receipt.model_validate(
        receipt.__dict__
        | {"tracking": tracking, "tracking_url": request.host_url.rstrip("/") + tracking}
    )
    return out, {"Location": f"{PREFIX}/cases/{receipt.number}"}


def readable(tree: UnitTree, actor: Actor, case: Any) -> None:
    """Officers read the cases handled by, or received at, the units they cover."""
    if actor.role in STAFF:
        return
    if not (
        tree.covers(actor.unit_code, case.unit_code)
        or tree.covers(actor.unit_code, case.origin_unit)
    ):
        raise ApiError(
            403,
            "forbidden",
            f"user '{actor.name}' does not cover the units of complaint {case.number}",
        )


def _scope(tree: UnitTree, actor: Actor) -> Any:
    if actor.role in STAFF:
        return sa.true()
    units = tree.descendants(actor.unit_code)
    return sa.or_(CASES.c.unit_code.in_(units), CASES.c.origin_unit.in_(units))


_SUMMARY_COLUMNS = (
    "id",
    "number",
    "definition_version_id",
    "state",
    "unit_code",
    "origin_unit",
    "channel",
    "title",
    "category",
    "received_at",
    "due_at",
    "overdue",
    "closed",
    "row_version",
)
"""What a case list reads: never the complaint's text or data."""


@endpoint(
    "GET",
    "/cases",
    summary="Cases the caller may read, newest first",
    tag="cases",
    response=CasePage,
    query=CaseQuery,
    errors=(403,),
)
def list_cases(caller: Caller, query: CaseQuery) -> CasePage:
    """Cases handled by or received at the caller's units (all of them for admins and
    auditors), by ``received_at`` descending; filter by state, channel, overdue, closed
    or number."""
    actor = caller.user()
    db, tree = store_and_tree()
    versions = registry.VERSIONS
    where = [_scope(tree, actor)]
    if query.state is not None:
        where.append(CASES.c.state == query.state)
    if query.channel is not None:
        where.append(CASES.c.channel == query.channel)
    if query.overdue is not None:
        where.append(CASES.c.overdue.is_(query.overdue))
    if query.closed is not None:
        where.append(CASES.c.closed.is_(query.closed))
    if query.number is not None:
        where.append(CASES.c.number == (normalise(query.number) or ""))
    after = case_cursor(query.cursor)
    if after is not None:
        at, case_id = after
        where.append(
            sa.or_(
                CASES.c.received_at < at,
                sa.and_(CASES.c.received_at == at, CASES.c.id < case_id),
            )
        )
    columns = [CASES.c[name] for name in _SUMMARY_COLUMNS]
    statement = (
        sa.select(*columns, versions.c.definition_id, versions.c.version)
        .join(versions, versions.c.id == CASES.c.definition_version_id)
        .where(*where)
        .order_by(CASES.c.received_at.desc(), CASES.c.id.desc())
        .limit(query.limit + 1)
    )
    with db.read() as conn:
        rows = conn.execute(statement).all()
        definitions = {p.id: p.definition for p in registry.all_versions(conn)} if rows else {}
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    items = []
    for row in rows:
        definition = definitions[row.definition_version_id]
        items.append(
            {
                "number": row.number,
                "definition": row.definition_id,
                "version": row.version,
                "state": row.state,
                "state_title": definition.states[row.state].title,
                "unit": row.unit_code,
                "origin_unit": row.origin_unit,
                "channel": row.channel,
                "title": row.title,
                "category": row.category,
                "received_at": row.received_at,
                "due_at": row.due_at,
                "overdue": row.overdue,
                "closed": row.closed,
                "row_version": row.row_version,
            }
        )
    cursor = encode_case_cursor(rows[-1].received_at, rows[-1].id) if more else None
    return CasePage.model_validate({"items": items, "next_cursor": cursor})


@endpoint(
    "GET",
    "/cases/{number}",
    summary="A case, with the actions the caller may take",
    tag="cases",
    response=CaseDetail,
    path_params=(NUMBER,),
    errors=(403, 404),
)
def get_case(caller: Caller, number: str) -> CaseDetail:
    """State, data, deadline and actions; never the complainant's personal data. The
    history is paginated at ``/cases/{number}/history``."""
    actor = caller.user()
    db, tree = store_and_tree()
    with db.read() as conn:
        case = load(conn, number)
        readable(tree, actor, case)
        detail = case_detail(conn, tree, case.number, role=actor.role)
    if not tree.covers(actor.unit_code, case.unit_code):
        detail["actions"] = []
    detail.pop("history", None)
    return CaseDetail.model_validate(
        detail | {"origin_unit": case.origin_unit, "description": case.description}
    )


def public_text(definition: Definition, state: str) -> str:
    """What the public is told about a case in ``state`` (the state's title by default)."""
    spec = definition.states[state]
    return spec.public or spec.title


def public_fields(definition: Definition, data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in definition.fields and definition.fields[k].public}


@endpoint(
    "GET",
    "/cases/{number}/status",
    summary="A case's public status",
    tag="cases",
    response=PublicStatus,
    path_params=(NUMBER,),
    errors=(404,),
)
def get_status(caller: Caller, number: str) -> PublicStatus:
    """What the public tracking page shows: progress only, for any caller."""
    db, tree = store_and_tree()
    with db.read() as conn:
        case = load(conn, number)
        definition = registry.get(conn, case.definition_version_id).definition
    return PublicStatus.model_validate(
        {
            "number": case.number,
            "definition": definition.id,
            "version": definition.version,
            "state": case.state,
            "status": public_text(definition, case.state),
            "closed": case.closed,
            "unit": case.unit_code,
            "unit_name": tree.names.get(case.unit_code, case.unit_code),
            "received_at": case.received_at,
            "updated_at": case.entered_at,
            "fields": public_fields(definition, dict(case.data)),
        }
    )


@endpoint(
    "GET",
    "/cases/{number}/history",
    summary="A case's events, oldest first",
    tag="cases",
    response=EventPage,
    path_params=(NUMBER,),
    query=PageQuery,
    errors=(403, 404),
)
def get_history(caller: Caller, number: str, query: PageQuery) -> EventPage:
    """The case's steps from its hash-chained log: trigger, states, actor, times, hash."""
    actor = caller.user()
    after = offset(query.cursor)
    db, tree = store_and_tree()
    log = events.EVENTS
    with db.read() as conn:
        case = load(conn, number)
        readable(tree, actor, case)
        rows = conn.execute(
            sa.select(log)
            .where(log.c.case_id == case.id, log.c.seq > after)
            .order_by(log.c.seq)
            .limit(query.limit + 1)
        ).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    items = [
        {
            "seq": e.seq,
            "trigger": e.trigger,
            "from": e.source,
            "to": e.dest,
            "actor": e.actor,
            "role": e.role,
            "at": e.occurred_at,
            "recorded_at": e.recorded_at,
            "payload": e.payload or {},
            "hash": e.hash,
        }
        for e in rows
    ]
    return EventPage.model_validate(
        {"items": items, "next_cursor": str(rows[-1].seq) if more else None}
    )


def _check_fields(
    definition: Definition, state: str, trigger: str, role: str, supplied: dict[str, Any]
) -> None:
    """404 for an action the definition does not have; 422 naming each bad field of an
    action the caller's role may take from this state (the engine decides the rest)."""
    manual = [t for t in definition.transitions if t.kind is TransitionKind.manual]
    if not any(t.trigger == trigger for t in manual):
        raise NotFound(f"{definition.key} has no action '{trigger}'")
    machine = machine_for(definition)
    candidates = [
        t
        for t in machine.transitions_from(state, trigger)
        if t.kind is TransitionKind.manual and role in t.roles
    ]
    if not candidates:
        return
    try:
        coerce_all(definition.fields, supplied, candidates[0].fields, candidates[0].optional)
    except FieldErrors as exc:
        raise ApiError(422, "invalid", str(exc), field_problems(exc.errors)) from None


@endpoint(
    "POST",
    "/cases/{number}/actions/{trigger}",
    summary="Take a manual action on a case",
    tag="cases",
    response=ActionResult,
    path_params=(NUMBER, TRIGGER),
    body=ActionIn,
    errors=(403, 404, 409),
)
def take_action(caller: Caller, number: str, trigger: str, body: ActionIn) -> ActionResult:
    """Fire ``trigger`` as the caller, checked against role, unit, state and fields;
    ``expected_version`` must be the case's current ``row_version`` (else 409)."""
    actor = caller.user()
    db, tree = store_and_tree()
    with db.write() as conn:
        case = load(conn, number)
        readable(tree, actor, case)
        definition = registry.get(conn, case.definition_version_id).definition
        _check_fields(definition, case.state, trigger, actor.role, dict(body.fields))
        outcome = fire_on(
            conn,
            tree,
            case,
            trigger=trigger,
            actor=actor,
            fields=dict(body.fields),
            expected_version=body.expected_version,
            now=now(),
        )
    return ActionResult.model_validate(
        {
            "number": case.number,
            "state": outcome.state,
            "row_version": case.row_version + 1,
            "steps": [
                {"trigger": s.trigger, "from": s.source, "to": s.dest} for s in outcome.steps
            ],
        }
    )
