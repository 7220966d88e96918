"""Service requests: ``POST requests`` files a complaint on the electronic channel; the
GETs show any request's progress, and nothing more."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, request
from sqlalchemy.engine import Connection

from engine import apikeys, registry
from engine.cases import CASES, MAX_DESCRIPTION, MAX_TITLE, PersonalData, open_case
from engine.errors import NotFound
from engine.numbers import normalise
from engine.units import UnitTree
from web.api.callers import acting_user
from web.api.cases import public_text
from web.extensions import app_store, limiter, now
from web.open311.blueprint import FORMATS, Open311Error, open311
from web.open311.formats import WIB, render, stamp
from web.open311.services import Service, find_service, service_code, services
from workflow.definition import Definition

DEFAULT_UNIT = "31.74"
"""Where a request without ``address_id`` goes (``OPEN311_DEFAULT_UNIT`` overrides):
the city office of South Jakarta, whose officers route complaints (2024 KEDUA)."""
DEFAULT_DAYS = 90
"""``GET requests`` without dates covers this many days back from now (the spec's)."""
MAX_RESULTS = 1000
POST_LIMIT = "120 per minute"
LOCATION_FIELDS = ("lokasi", "location")
"""Intake fields that take the location text, when a definition has one of them."""


def _api_key_limit() -> str:
    key = request.form.get("api_key", "")
    return "open311:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def _text(name: str, limit: int) -> str | None:
    value = request.form.get(name, "").strip()
    if "\x00" in value:
        raise Open311Error(400, f"{name}: NUL characters are not allowed")
    if len(value) > limit:
        raise Open311Error(400, f"{name}: at most {limit} characters")
    return value or None


def _coordinate(name: str, bound: float) -> float | None:
    raw = _text(name, 32)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name}: not a number: '{raw}'") from None
    if not -bound <= value <= bound:
        raise Open311Error(400, f"{name}: must be between -{bound:g} and {bound:g}")
    return value


def _title(description: str | None, service: Service) -> str:
    """Officers' inbox shows a title: the description's first line, else the service."""
    first = (description or "").strip().splitlines()[0].strip() if description else ""
    if not first:
        return service.name
    return first if len(first) <= MAX_TITLE else first[: MAX_TITLE - 1] + "…"


@open311.post(f"/requests.{FORMATS}")
@limiter.limit(POST_LIMIT, key_func=_api_key_limit)
def create_request(fmt: str) -> Response:
    """File a complaint on the service definition's electronic channel."""
    db = app_store(current_app)
    tree = db.tree()
    key = _text("api_key", apikeys.MAX_KEY_LENGTH)
    with db.read() as conn:
        info = apikeys.verify(conn, key or "")
        if info is None:
            raise Open311Error(403, "api_key is missing, unknown or revoked")
        try:
            actor = acting_user(conn, info)
        except NotFound:
            raise Open311Error(403, "the api_key's user is no longer active") from None
    code = _text("service_code", 200)
    if code is None:
        raise Open311Error(400, "service_code is required")
    lat, long = _coordinate("lat", 90), _coordinate("long", 180)
    if (lat is None) != (long is None):
        raise Open311Error(400, "lat and long go together")
    address = _text("address_string", 500)
    address_id = _text("address_id", 32)
    if lat is None and address is None and address_id is None:
        raise Open311Error(
            400, "a location is required: lat and long, address_string or address_id"
        )
    unit = address_id or current_app.config.get("OPEN311_DEFAULT_UNIT", DEFAULT_UNIT)
    if unit not in tree.names:
        raise Open311Error(400, f"address_id: unknown unit '{unit}'")
    description = _text("description", MAX_DESCRIPTION) or ""
    first, last = _text("first_name", 100), _text("last_name", 100)
    name = " ".join(part for part in (first, last) if part) or None
    email, phone = _text("email", 254), _text("phone", 32)
    attributes = _attributes()
    with db.write() as conn:
        service = find_service(conn, code)
        definition = service.definition
        location = ", ".join(
            part for part in (address, f"{lat}, {long}" if lat is not None else None) if part
        )
        intake = set(definition.intake.fields) | set(definition.intake.optional)
        slot = next((f for f in LOCATION_FIELDS if f in intake and f not in attributes), None)
        if location and slot is not None:
            attributes[slot] = location
        elif location:
            description = f"{description}\n\nLokasi: {location}".strip()
        receipt = open_case(
            conn,
            tree,
            definition_ref=definition.key,
            unit_code=unit,
            channel=service.channel,
            title=_title(description, service),
            description=description,
            category=service.category,
            fields=attributes,
            now=now(),
            actor=actor,
            complainant=PersonalData(
                name=name,
                phone=phone,
                email=email,
                anonymous=not (name or phone or email),
            ),
        )
    tracking = request.host_url.rstrip("/") + f"/lacak/{receipt.number}"
    body = [
        {
            "service_request_id": receipt.number,
            "service_notice": f"Nomor pengaduan {receipt.number}; lacak di {tracking}",
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", body, 201)


def _attributes() -> dict[str, str]:
    found: dict[str, str] = {}
    for key in request.form:
        match = re.fullmatch(r"attribute\[([^\]]{1,64})\](\[\])?", key)
        if match:
            values = [v for v in request.form.getlist(key) if v.strip()]
            if any("\x00" in v or len(v) > MAX_DESCRIPTION for v in values):
                raise Open311Error(400, f"{key}: at most {MAX_DESCRIPTION} characters, no NUL")
            if values:
                found[match.group(1)] = ",".join(values)
    return found


def _instant(name: str) -> dt.datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError:
        raise Open311Error(400, f"{name}: not an ISO 8601 date-time: '{raw}'") from None
    return value if value.tzinfo else value.replace(tzinfo=WIB)


def _request_json(row: Any, definition: Definition, tree: UnitTree) -> dict[str, Any]:
    name = (row.category[:1].upper() + row.category[1:]) if row.category else definition.title
    return {
        "service_request_id": row.number,
        "status": "closed" if row.closed else "open",
        "status_notes": public_text(definition, row.state),
        "service_name": name,
        "service_code": service_code(definition.id, row.category),
        "description": None,
        "agency_responsible": tree.names.get(row.unit_code, row.unit_code),
        "service_notice": None,
        "requested_datetime": stamp(row.received_at),
        "updated_datetime": stamp(row.entered_at),
        "expected_datetime": stamp(row.due_at),
        "address": None,
        "address_id": row.origin_unit,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


_COLUMNS = (
    CASES.c.number,
    CASES.c.state,
    CASES.c.closed,
    CASES.c.category,
    CASES.c.unit_code,
    CASES.c.origin_unit,
    CASES.c.received_at,
    CASES.c.entered_at,
    CASES.c.due_at,
    CASES.c.definition_version_id,
)
"""What a public request shows is read from these columns only: never the complaint's
text, data or complainant."""


def _find_requests(conn: Connection, *where: Any) -> list[dict[str, Any]]:
    published = {p.id: p for p in registry.all_versions(conn)}
    offered = {s.definition.id for s in services(conn)}
    ids = [i for i, p in published.items() if p.definition.id in offered]
    rows = conn.execute(
        sa.select(*_COLUMNS)
        .where(CASES.c.definition_version_id.in_(ids), *where)
        .order_by(CASES.c.received_at.desc(), CASES.c.id.desc())
        .limit(MAX_RESULTS)
    ).all()
    tree = app_store(current_app).tree()
    return [
        _request_json(row, published[row.definition_version_id].definition, tree) for row in rows
    ]


@open311.get(f"/requests.{FORMATS}")
def list_requests(fmt: str) -> Response:
    """Requests by ids, or by service, period and status (newest first, at most 1000)."""
    where: list[Any] = []
    ids = request.args.get("service_request_id", "").strip()
    codes = [c.strip() for c in request.args.get("service_code", "").split(",") if c.strip()]
    if not ids:
        end = _instant("end_date") or now()
        start = _instant("start_date") or end - dt.timedelta(days=DEFAULT_DAYS)
        where += [CASES.c.received_at >= start, CASES.c.received_at <= end]
        statuses = {s.strip() for s in request.args.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status: open, closed or both (comma separated)")
        if len(statuses) == 1:
            where.append(CASES.c.closed.is_("closed" in statuses))
    with app_store(current_app).read() as conn:
        if ids:
            numbers = [normalise(n) for n in ids.split(",")[:MAX_RESULTS]]
            where.append(CASES.c.number.in_([n for n in numbers if n]))
        elif codes:
            where.append(_code_filter(conn, codes))
        found = _find_requests(conn, *where)
    return render(fmt, "service_requests", found)


def _code_filter(conn: Connection, codes: list[str]) -> Any:
    """Cases of these service codes: their definitions (any version), their categories."""
    wanted = set(codes)
    matches = []
    for published in registry.all_versions(conn):
        definition = published.definition
        for category in definition.intake.categories or (None,):
            if service_code(definition.id, category) in wanted:
                same = CASES.c.category == category if category else CASES.c.category.is_(None)
                matches.append(sa.and_(CASES.c.definition_version_id == published.id, same))
    return sa.or_(*matches) if matches else sa.false()


@open311.get(f"/requests/<number>.{FORMATS}")
def get_request(number: str, fmt: str) -> Response:
    canonical = normalise(number)
    found = []
    if canonical is not None:
        with app_store(current_app).read() as conn:
            found = _find_requests(conn, CASES.c.number == canonical)
    if not found:
        raise Open311Error(404, f"no service request '{number}'")
    return render(fmt, "service_requests", found)
