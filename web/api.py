"""The JSON API under ``/api/v1``, described by ``/api/v1/openapi.json``.

Who may do what:

* ``Authorization: Bearer <key>`` with a key bound to a user acts as that user: role and
  unit scope under the same engine rules as the web UI. A signed-in session does the
  same for the UI's own scripts.
* A key bound to no user belongs to a client (a citizen app, a kiosk): it may file
  complaints on electronic channels (in-person channels need an officer, and the engine
  refuses them) and read definitions and a case's public status, nothing else.
* Officers read the cases handled by, or received at, the units they cover; admins and
  auditors read every case and report. Actions are the engine's decision (role, unit,
  state, fields), guarded by the version the caller last read (409 when stale).

Every answer is JSON; errors are ``{"error": {"code", "message", "fields"}}``. The API is
exempt from CSRF tokens: bodies must be ``application/json``, which a cross-site form
cannot send, and the session cookie is ``SameSite=Lax``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, request
from flask_login import current_user
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from engine import apikeys, events, registry, reports
from engine.cases import CASES, PersonalData, load, open_case
from engine.cases import fire as fire_action
from engine.errors import Conflict, EngineError, InvalidInput, NotFound, Refused
from engine.numbers import normalise
from engine.store import Store
from engine.units import UnitTree
from engine.users import Actor, get_actor
from engine.views import case_detail
from web.auth import ADMIN, AUDITOR
from web.extensions import app_store, csrf, limiter, now
from web.openapi import (
    ActionIn,
    ActionResult,
    CaseDetail,
    CasePage,
    CaseQuery,
    CityReport,
    DefinitionPage,
    Diagram,
    ErrorBody,
    ErrorDetail,
    EventPage,
    FieldProblem,
    IntakeIn,
    KecamatanReport,
    MonitoringQuery,
    MonitoringReport,
    Operation,
    PageQuery,
    PathParam,
    PeriodQuery,
    PublicStatus,
    Receipt,
    WeekQuery,
    document,
)
from workflow.definition import Definition, TransitionKind
from workflow.diagram import mermaid
from workflow.fields import FieldErrors, coerce_all
from workflow.machine import machine_for

V = TypeVar("V", bound=Callable[..., Any])

PREFIX = "/api/v1"
MAX_BODY = 64 * 1024
"""Largest request body the API reads; a complaint with every field fits in a tenth."""
INTAKE_LIMIT = "120 per minute"
"""Complaints one credential may file per minute: a runaway client cannot flood intake."""
STAFF = frozenset({ADMIN, AUDITOR})
"""Roles that read every case and report (they take no action on cases)."""

api = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(api)

OPERATIONS: list[Operation] = []
"""Every endpoint, as registered: the OpenAPI document is built from this list."""


# --- errors -----------------------------------------------------------------------------


class ApiError(Exception):
    """An answer other than success, raised anywhere in a view."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or []
        self.headers = headers or {}


def invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422, "invalid", f"{field}: {message}", [FieldProblem(field=field, message=message)]
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def error_response(error: ApiError) -> Response:
    body = ErrorBody(error=ErrorDetail(code=error.code, message=error.message, fields=error.fields))
    response = json_response(body, error.status)
    response.headers.update(error.headers)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="diktum"'
    return response


def invalid_from(error: ValidationError) -> ApiError:
    """422 naming every field pydantic refused (``title``, ``fields.lokasi``, ...)."""
    problems = [
        FieldProblem(field=".".join(str(part) for part in e["loc"]) or "body", message=e["msg"])
        for e in error.errors(include_url=False)
    ]
    message = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return ApiError(422, "invalid", message, problems)


@api.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return error_response(error)


@api.errorhandler(EngineError)
def _engine_error(error: EngineError) -> Response:
    status, code = 422, "invalid"
    if isinstance(error, Refused):
        status, code = 403, "refused"
    elif isinstance(error, NotFound):
        status, code = 404, "not_found"
    elif isinstance(error, Conflict):
        status, code = 409, "conflict"
    fields = _field_problems(str(error).split("; ")) if isinstance(error, InvalidInput) else []
    return error_response(ApiError(status, code, str(error), fields))


def _field_problems(messages: list[str]) -> list[FieldProblem]:
    """The definition fields that the engine's messages (``field 'x': ...``) name."""
    return [
        FieldProblem(field=f"fields.{match.group(1)}", message=message)
        for message in messages
        if (match := re.match(r"field '([^']+)'", message))
    ]


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = _HTTP_CODES.get(status, "error")
    message = error.description or error.name
    if status == 429:
        message = f"too many requests: {error.description}"
    return error_response(ApiError(status, code, message))


# The app registers HTML pages for some codes; a blueprint's handler for the same code
# comes first, so every HTTP error under /api/v1 is registered by code as well.
api.register_error_handler(HTTPException, _http_error)
for _status in (400, 403, 404, 405, 413, 415, 429, 500):
    api.register_error_handler(_status, _http_error)


@api.errorhandler(OperationalError)
def _database_unavailable(_error: OperationalError) -> Response:
    """The database is down or locked: nothing was half-written, try again."""
    return error_response(
        ApiError(
            503,
            "unavailable",
            "the database is unavailable; try again",
            headers={"Retry-After": "5"},
        )
    )


@api.before_request
def _limit_body() -> None:
    request.max_content_length = MAX_BODY


# --- responses and request bodies -------------------------------------------------------


def json_response(model: BaseModel | dict[str, Any], status: int = 200) -> Response:
    payload = (
        model.model_dump(mode="json", by_alias=True) if isinstance(model, BaseModel) else model
    )
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, mimetype="application/json")


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def read_json() -> Any:
    """The request's JSON body: 415 when it is not JSON, 413 when too large, 400 when it
    does not parse or holds text no database can store."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = request.get_data(cache=True)
    try:
        payload = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "bad_request", f"malformed JSON: {exc}") from None
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and ("\x00" in item or not _encodable(item)):
            raise ApiError(400, "bad_request", "text with NUL characters or lone surrogates")
        elif isinstance(item, float) and item != item:
            raise ApiError(400, "bad_request", "NaN is not a JSON number")
    return payload


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- who is calling ---------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: a user (by key or session) or a client's unbound key."""

    actor: Actor | None
    key_name: str | None = None

    def user(self) -> Actor:
        """The user the caller acts as; 403 for an unbound key."""
        if self.actor is None:
            raise ApiError(
                403,
                "forbidden",
                "this API key acts for no user: it may file complaints on electronic "
                "channels and read definitions and public case status only",
            )
        return self.actor


def acting_user(conn: Connection, key: apikeys.KeyInfo) -> Actor | None:
    """The user a verified key acts as (None when unbound); raises NotFound when the
    user is gone or deactivated, which makes the key unusable."""
    return get_actor(conn, key.user_name) if key.user_name else None


def authenticate() -> Caller:
    """A bearer key, else a signed-in session, else 401."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", "use 'Authorization: Bearer <API key>'")
        with app_store(current_app).read() as conn:
            info = apikeys.verify(conn, token.strip())
            if info is None:
                raise ApiError(401, "unauthorized", "unknown or revoked API key")
            try:
                actor = acting_user(conn, info)
            except NotFound:
                raise ApiError(401, "unauthorized", "the key's user is no longer active") from None
        return Caller(actor, info.name)
    if current_user.is_authenticated:
        return Caller(current_user.actor)
    raise ApiError(401, "unauthorized", "send an API key (Authorization: Bearer) or sign in")


def _credential_key() -> str:
    """What the intake rate limit counts: the credential, else the address."""
    header = request.headers.get("Authorization")
    if header:
        return "key:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()
    return f"addr:{request.remote_addr}"


# --- registering endpoints --------------------------------------------------------------


def endpoint(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    response: type[BaseModel] | None,
    status: int = 200,
    path_params: tuple[PathParam, ...] = (),
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    public: bool = False,
    limit: str | None = None,
    description: str = "",
) -> Callable[[V], V]:
    """Register a view and describe it: the route and the OpenAPI operation come from the
    same arguments. The view gets ``caller``, ``query`` and ``body`` when they apply and
    returns a model of ``response`` (or the model and extra headers)."""

    def decorator(view: V) -> V:
        extra: tuple[int, ...] = (422,) if query or body else ()
        extra += (400, 413, 415) if body else ()
        extra += (429,) if limit else ()
        operation = Operation(
            method=method,
            path=path,
            operation_id=view.__name__,
            summary=summary,
            tag=tag,
            response=response,
            status=status,
            path_params=path_params,
            query=query,
            body=body,
            errors=tuple(sorted(set(errors) | set(extra))),
            public=public,
            description=description or (view.__doc__ or "").strip(),
        )
        OPERATIONS.append(operation)

        @functools.wraps(view)
        def handler(**kwargs: Any) -> Response:
            if not public:
                kwargs["caller"] = authenticate()
            try:
                if query is not None:
                    kwargs["query"] = query.model_validate(request.args.to_dict())
                if body is not None:
                    kwargs["body"] = body.model_validate(read_json())
            except ValidationError as exc:
                raise invalid_from(exc) from None
            result = view(**kwargs)
            headers: dict[str, str] = {}
            if isinstance(result, tuple):
                result, headers = result
            reply = json_response(result, status)
            reply.headers.update(headers)
            return reply

        routed: Callable[..., Response] = handler
        if limit:
            routed = limiter.limit(limit, key_func=_credential_key)(handler)
        rule = re.sub(r"\{(\w+)\}", r"<\1>", path)
        api.add_url_rule(rule, view.__name__, routed, methods=[method])
        return view

    return decorator


NUMBER = PathParam(
    "number",
    "The complaint number, e.g. `DK-7KQ4-MX9P-2H8D-5`; case, dashes and look-alike letters "
    "do not matter. Malformed and unknown numbers are both 404.",
    {"type": "string", "minLength": 1, "maxLength": 40},
)
DEFINITION_ID = PathParam(
    "id",
    "The definition id.",
    {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$", "maxLength": 64},
)
VERSION = PathParam("version", "The version number.", {"type": "integer", "minimum": 1})
UNIT_CODE = PathParam(
    "code", "A unit code, e.g. `31.74.01`.", {"type": "string", "minLength": 1, "maxLength": 32}
)
TRIGGER = PathParam(
    "trigger",
    "A manual action of the case's definition.",
    {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 64},
)


def store_and_tree() -> tuple[Store, UnitTree]:
    db = app_store(current_app)
    return db, db.tree()


# --- the document -----------------------------------------------------------------------


@endpoint(
    "GET",
    "/openapi.json",
    summary="This API's OpenAPI 3.1 document",
    tag="meta",
    response=None,
    public=True,
)
def openapi_document() -> dict[str, Any]:
    """Generated from the same models and routes the API serves."""
    return _document()


@functools.cache
def _document() -> dict[str, Any]:
    return document(
        OPERATIONS,
        server=PREFIX,
        title="Diktum API",
        version="1",
        description=__doc__ or "",
    )


# --- definitions ------------------------------------------------------------------------


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 9:
        raise invalid("cursor", "not a cursor this API issued")
    return int(cursor)


@endpoint(
    "GET",
    "/definitions",
    summary="Published definition versions",
    tag="definitions",
    response=DefinitionPage,
    query=PageQuery,
)
def list_definitions(caller: Caller, query: PageQuery) -> DefinitionPage:
    """Every published version, oldest first, with its channels and intake categories."""
    start = _offset(query.cursor)
    with app_store(current_app).read() as conn:
        versions = registry.all_versions(conn)
    page = versions[start : start + query.limit]
    more = start + query.limit < len(versions)
    return DefinitionPage.model_validate(
        {
            "items": [
                {
                    "id": p.definition.id,
                    "version": p.definition.version,
                    "key": p.definition.key,
                    "title": p.definition.title,
                    "basis": f"{p.definition.basis.instrument} No. {p.definition.basis.number}",
                    "published_at": p.published_at,
                    "content_hash": p.content_hash,
                    "channels": [
                        {"name": name, "title": c.title, "kind": c.kind}
                        for name, c in p.definition.channels.items()
                    ],
                    "categories": list(p.definition.intake.categories),
                }
                for p in page
            ],
            "next_cursor": str(start + query.limit) if more else None,
        }
    )


def _definition(ident: str, version: str) -> Definition:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", ident) or not re.fullmatch(
        r"[0-9]{1,9}", version
    ):
        raise NotFound(f"no definition '{ident}@{version}'")
    with app_store(current_app).read() as conn:
        return registry.find(conn, f"{ident}@{int(version)}").definition


@endpoint(
    "GET",
    "/definitions/{id}/{version}",
    summary="A definition version, normalised",
    tag="definitions",
    response=Definition,
    path_params=(DEFINITION_ID, VERSION),
    errors=(404,),
)
def get_definition(caller: Caller, id: str, version: str) -> Definition:
    """States, transitions, channels, fields and calendar, with every default filled in."""
    return _definition(id, version)


@endpoint(
    "GET",
    "/definitions/{id}/{version}/diagram",
    summary="The state machine as Mermaid text",
    tag="definitions",
    response=Diagram,
    path_params=(DEFINITION_ID, VERSION),
    errors=(404,),
)
def get_diagram(caller: Caller, id: str, version: str) -> Diagram:
    """A Mermaid ``stateDiagram-v2`` with the diktum on every label."""
    definition = _definition(id, version)
    return Diagram(id=definition.id, version=definition.version, mermaid=mermaid(definition))


# --- cases ------------------------------------------------------------------------------


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
            registry.find(conn, body.definition)
        except NotFound as exc:
            raise invalid("definition", str(exc)) from None
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


def _case_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("utf-8")
        stamp, case_id = json.loads(text)
        instant = dt.datetime.fromisoformat(stamp)
        if instant.tzinfo is None or type(case_id) is not int or not 0 < case_id < 2**62:
            raise ValueError
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise invalid("cursor", "not a cursor this API issued") from None
    return instant, case_id


def _encode_cursor(received_at: dt.datetime, case_id: int) -> str:
    text = json.dumps([received_at.isoformat(), case_id])
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


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
    after = _case_cursor(query.cursor)
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
    cursor = _encode_cursor(rows[-1].received_at, rows[-1].id) if more else None
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
    after = _offset(query.cursor)
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
        raise ApiError(422, "invalid", str(exc), _field_problems(exc.errors)) from None


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
        outcome = fire_action(
            conn,
            tree,
            number=case.number,
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


# --- reports ----------------------------------------------------------------------------


def _report_unit(tree: UnitTree, actor: Actor, code: str) -> None:
    tree.require(code)
    if actor.role not in STAFF and not tree.covers(actor.unit_code, code):
        raise ApiError(403, "forbidden", f"user '{actor.name}' does not cover unit {code}")


@endpoint(
    "GET",
    "/reports/monitoring",
    summary="Monitoring figures (2024 KESATU b)",
    tag="reports",
    response=MonitoringReport,
    query=MonitoringQuery,
    errors=(403,),
)
def monitoring_report(caller: Caller, query: MonitoringQuery) -> MonitoringReport:
    """Counts per channel, origin, unit and state; ages of open complaints; overdue.
    Officers see their own unit's subtree (or a unit in it); admins and auditors any."""
    actor = caller.user()
    db, tree = store_and_tree()
    unit = query.unit
    if unit is None and actor.role not in STAFF:
        unit = actor.unit_code
    if unit is not None:
        if unit not in tree.names:
            raise invalid("unit", f"unknown unit '{unit}'")
        _report_unit(tree, actor, unit)
    with db.read() as conn:
        payload = reports.monitoring(conn, tree, now(), unit)
    return MonitoringReport.model_validate(payload)


@endpoint(
    "GET",
    "/reports/kecamatan/{code}",
    summary="The Camat's weekly report (2017 KEEMPAT a)",
    tag="reports",
    response=KecamatanReport,
    path_params=(UNIT_CODE,),
    query=WeekQuery,
    errors=(403, 404),
)
def kecamatan_report(caller: Caller, code: str, query: WeekQuery) -> KecamatanReport:
    """Complaints of a kecamatan resolved there, and those escalated out, in one week."""
    actor = caller.user()
    db, tree = store_and_tree()
    _report_unit(tree, actor, code)
    start = dt.datetime.combine(
        query.week, dt.time(), tzinfo=ZoneInfo(current_app.config["TIMEZONE"])
    )
    with db.read() as conn:
        payload = reports.kecamatan_weekly(conn, tree, code, start)
    return KecamatanReport.model_validate(payload)


@endpoint(
    "GET",
    "/reports/city/{code}",
    summary="The city's report to the Governor (2017 KEEMPAT c)",
    tag="reports",
    response=CityReport,
    path_params=(UNIT_CODE,),
    query=PeriodQuery,
    errors=(403, 404),
)
def city_report(caller: Caller, code: str, query: PeriodQuery) -> CityReport:
    """Resolved at the city, escalated to the province, and each kecamatan's figures."""
    actor = caller.user()
    db, tree = store_and_tree()
    _report_unit(tree, actor, code)
    if query.start >= query.end:
        raise invalid("to", "must be after 'from'")
    with db.read() as conn:
        payload = reports.city_report(conn, tree, code, query.start, query.end)
    return CityReport.model_validate(payload)


# --- everything else under /api/v1 ------------------------------------------------------

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@api.route("/<path:rest>", methods=list(_METHODS))
def unknown(rest: str) -> NoReturn:
    """Paths and methods the API does not have: JSON 404 and 405, like every error here."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in _METHODS:
        try:
            matched, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if matched != "api.unknown":
            allowed.append(method)
    if allowed:
        raise ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed here",
            headers={"Allow": ", ".join(allowed)},
        )
    raise ApiError(404, "not_found", f"no such endpoint: {request.path}")
