"""Open311 GeoReport v2 under ``/open311/v2``: the electronic intake channel.

Services are the intake categories of the newest published version of every definition
that has an electronic channel; a service's code is ``<definition id>:<category slug>``
(``inwalkot-jaksel-e-0006-2024:jalan-dan-trotoar``), stable across definition versions.
A definition without categories is one service coded by its id. Its attributes are the
definition's intake fields.

``POST requests`` files a complaint on the definition's electronic channel and needs an
``api_key`` (``diktum apikey create``). ``address_id`` names the unit the complaint is
about (a Kemendagri code such as ``31.74.01.1001``); without it the complaint goes to
``OPEN311_DEFAULT_UNIT`` (South Jakarta's city office, ``31.74``, which routes it).
``lat``/``long`` and ``address_string`` are kept as the location text, in the
definition's ``lokasi``/``location`` field when it has one, else in the description.
``service_request_id`` is the complaint number.

Every GET is public and shows progress only: no complainant data and no complaint text
(which may name the complainant). Status is ``closed`` in the definition's end states,
``open`` otherwise. Every path answers in ``.json`` or ``.xml``; errors are an array of
``{code, description}`` with 400, 403 or 404. Times are ISO 8601 in WIB (``+07:00``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, request
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from engine import apikeys, registry
from engine.cases import CASES, MAX_DESCRIPTION, MAX_TITLE, PersonalData, open_case
from engine.errors import EngineError, NotFound
from engine.numbers import normalise
from engine.units import UnitTree
from web.api import acting_user, public_text
from web.extensions import app_store, csrf, limiter, now
from workflow.definition import Definition, FieldSpec, FieldType

WIB = ZoneInfo("Asia/Jakarta")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_UNIT = "31.74"
"""Where a request without ``address_id`` goes (``OPEN311_DEFAULT_UNIT`` overrides):
the city office of South Jakarta, whose officers route complaints (2024 KEDUA)."""
DEFAULT_DAYS = 90
"""``GET requests`` without dates covers this many days back from now (the spec's)."""
MAX_RESULTS = 1000
MAX_BODY = 64 * 1024
POST_LIMIT = "120 per minute"
LOCATION_FIELDS = ("lokasi", "location")
"""Intake fields that take the location text, when a definition has one of them."""
FORMATS = "<any(json,xml):fmt>"

PREFIX = "/open311/v2"
open311 = Blueprint("open311", __name__, url_prefix=PREFIX)
csrf.exempt(open311)


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


# --- services ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    category: str | None
    definition: Definition
    channel: str


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def service_code(definition_id: str, category: str | None) -> str:
    return f"{definition_id}:{slug(category)}" if category else definition_id


def services(conn: Connection) -> list[Service]:
    """One service per intake category of each definition's newest version with an
    electronic channel."""
    newest: dict[str, Definition] = {}
    for published in registry.all_versions(conn):  # ordered by id, then version
        newest[published.definition.id] = published.definition
    found = []
    for definition in newest.values():
        channel = next(
            (name for name, c in definition.channels.items() if c.kind == "electronic"), None
        )
        if channel is None:
            continue
        categories: Iterable[str | None] = definition.intake.categories or (None,)
        for category in categories:
            name = category[:1].upper() + category[1:] if category else definition.title
            found.append(
                Service(service_code(definition.id, category), name, category, definition, channel)
            )
    return found


def _service_json(service: Service) -> dict[str, Any]:
    definition = service.definition
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": f"{service.name}: {definition.title}",
        "metadata": bool(definition.intake.fields or definition.intake.optional),
        "type": "realtime",
        "keywords": service.category or "",
        "group": definition.title,
    }


def _attribute(name: str, spec: FieldSpec, required: bool, order: int) -> dict[str, Any]:
    values: list[dict[str, str]] = []
    if spec.type is FieldType.bool:
        datatype = "singlevaluelist"
        values = [{"key": "true", "name": "Ya"}, {"key": "false", "name": "Tidak"}]
    elif spec.type is FieldType.choice:
        datatype = "singlevaluelist"
        values = [{"key": c, "name": c} for c in spec.choices or ()]
    elif spec.type in (FieldType.int, FieldType.number):
        datatype = "number"
    elif spec.type is FieldType.date:
        datatype = "datetime"
    elif spec.type is FieldType.text and (spec.max_length or 4000) > 500:
        datatype = "text"
    else:
        datatype = "string"
    attribute: dict[str, Any] = {
        "variable": True,
        "code": name,
        "datatype": datatype,
        "required": required,
        "datatype_description": "Kode unit, mis. 31.74.01.1001"
        if spec.type is FieldType.unit
        else "",
        "order": order,
        "description": spec.title,
    }
    if values:
        attribute["values"] = values
    return attribute


def _find_service(conn: Connection, code: str) -> Service:
    for service in services(conn):
        if service.code == code:
            return service
    raise Open311Error(404, f"unknown service_code '{code}'")


# --- output -----------------------------------------------------------------------------

_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
"""The spec's element name of each list's items."""
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _xml_fill(ET.SubElement(element, _ITEMS[element.tag]), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(ET.SubElement(element, key), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _XML_UNSAFE.sub("\ufffd", str(value))


def to_xml(root: str, value: Any) -> bytes:
    """``value`` as the spec's XML: lists as repeated elements named per ``_ITEMS``."""
    element = ET.Element(root)
    _xml_fill(element, value)
    text: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return text


def render(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, value), status=status, mimetype="text/xml")
    text = json.dumps(value, ensure_ascii=False)
    return Response(text, status=status, mimetype="application/json")


def _stamp(value: dt.datetime | None) -> str | None:
    return value.astimezone(WIB).isoformat(timespec="seconds") if value else None


def _format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("json", "xml"):
        return str(fmt)
    return "xml" if request.path.endswith(".xml") else "json"


def _errors(status: int, description: str) -> Response:
    return render(_format(), "errors", [{"code": status, "description": description}], status)


@open311.errorhandler(Open311Error)
def _open311_error(error: Open311Error) -> Response:
    return _errors(error.status, error.description)


@open311.errorhandler(EngineError)
def _engine_error(error: EngineError) -> Response:
    return _errors(404 if isinstance(error, NotFound) else 400, str(error))


def _http_error(error: HTTPException) -> Response:
    return _errors(error.code or 500, error.description or error.name)


# The app's HTML pages for some codes would win over a class handler: register by code.
open311.register_error_handler(HTTPException, _http_error)
for _status in (400, 403, 404, 405, 413, 415, 429, 500):
    open311.register_error_handler(_status, _http_error)


@open311.errorhandler(OperationalError)
def _database_unavailable(_error: OperationalError) -> Response:
    response = _errors(503, "the database is unavailable; try again")
    response.headers["Retry-After"] = "5"
    return response


@open311.before_request
def _guard() -> None:
    request.max_content_length = MAX_BODY
    if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
        raise Open311Error(400, "NUL characters are not allowed")


# --- endpoints --------------------------------------------------------------------------


@open311.get(f"/discovery.{FORMATS}")
def discovery(fmt: str) -> Response:
    base = request.host_url.rstrip("/") + PREFIX
    with app_store(current_app).read() as conn:
        versions = registry.all_versions(conn)
    changed = max((p.published_at for p in versions), default=None)
    return render(
        fmt,
        "discovery",
        {
            "changeset": _stamp(changed),
            "contact": current_app.config.get("OPEN311_CONTACT", "Diktum administrator"),
            "key_service": "API keys are issued by the administrator (diktum apikey create).",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": _stamp(changed),
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
    )


@open311.get(f"/services.{FORMATS}")
def list_services(fmt: str) -> Response:
    with app_store(current_app).read() as conn:
        found = services(conn)
    return render(fmt, "services", [_service_json(s) for s in found])


@open311.get(f"/services/<code>.{FORMATS}")
def service_definition(code: str, fmt: str) -> Response:
    with app_store(current_app).read() as conn:
        service = _find_service(conn, code)
    definition = service.definition
    fields = [(name, True) for name in definition.intake.fields] + [
        (name, False) for name in definition.intake.optional
    ]
    attributes = [
        _attribute(name, definition.fields[name], required, order)
        for order, (name, required) in enumerate(fields, start=1)
    ]
    return render(
        fmt, "service_definition", {"service_code": service.code, "attributes": attributes}
    )


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
        service = _find_service(conn, code)
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
        "requested_datetime": _stamp(row.received_at),
        "updated_datetime": _stamp(row.entered_at),
        "expected_datetime": _stamp(row.due_at),
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


_TEXT = {"type": "string"}
_NULLABLE_TEXT = {"type": ["string", "null"]}
_ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
_REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "requested_datetime"],
    "properties": {
        "service_request_id": _TEXT,
        "status": {"enum": ["open", "closed"]},
        "status_notes": _NULLABLE_TEXT,
        "service_name": _TEXT,
        "service_code": _TEXT,
        "description": {"type": "null"},
        "agency_responsible": _TEXT,
        "service_notice": {"type": "null"},
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": {"type": "string", "format": "date-time"},
        "expected_datetime": {"type": ["string", "null"], "format": "date-time"},
        "address": {"type": "null"},
        "address_id": _TEXT,
        "zipcode": {"type": "null"},
        "lat": {"type": "null"},
        "long": {"type": "null"},
        "media_url": {"type": "null"},
    },
    "additionalProperties": False,
}
_SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": _TEXT,
        "service_name": _TEXT,
        "description": _TEXT,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": _TEXT,
        "group": _TEXT,
    },
}
_ATTRIBUTE = {
    "type": "object",
    "required": ["variable", "code", "datatype", "required", "order", "description"],
    "properties": {
        "variable": {"type": "boolean"},
        "code": _TEXT,
        "datatype": {
            "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
        },
        "required": {"type": "boolean"},
        "datatype_description": _TEXT,
        "order": {"type": "integer"},
        "description": _TEXT,
        "values": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": _TEXT, "name": _TEXT},
                "required": ["key", "name"],
            },
        },
    },
}
_DISCOVERY = {
    "type": "object",
    "required": ["endpoints"],
    "properties": {
        "changeset": _NULLABLE_TEXT,
        "contact": _TEXT,
        "key_service": _TEXT,
        "endpoints": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "specification": _TEXT,
                    "url": _TEXT,
                    "changeset": _NULLABLE_TEXT,
                    "type": _TEXT,
                    "formats": {"type": "array", "items": _TEXT},
                },
            },
        },
    },
}
_FORM = {
    "type": "object",
    "required": ["api_key", "service_code"],
    "properties": {
        "api_key": _TEXT,
        "service_code": _TEXT,
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": {"type": "string", "maxLength": 500},
        "address_id": {"type": "string", "maxLength": 32},
        "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
        "email": {"type": "string", "maxLength": 254},
        "first_name": {"type": "string", "maxLength": 100},
        "last_name": {"type": "string", "maxLength": 100},
        "phone": {"type": "string", "maxLength": 32},
        "device_id": _TEXT,
        "account_id": _TEXT,
        "media_url": _TEXT,
    },
    "additionalProperties": {"type": "string", "description": "attribute[code] values"},
}


def _answer(status: int, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": str(status), "content": {"application/json": {"schema": schema}}}


def _operation(
    ok: int, schema: dict[str, Any], errors: tuple[int, ...], **extra: Any
) -> dict[str, Any]:
    responses = {str(ok): _answer(ok, schema)}
    responses |= {str(code): _answer(code, _ERRORS) for code in (*errors, 503)}
    return extra | {"responses": responses}


def _query(name: str, description: str, schema: dict[str, Any] = _TEXT) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def document() -> dict[str, Any]:
    """An OpenAPI 3.1 description of the JSON side of this endpoint (``.xml`` mirrors it
    element for element), so schemathesis can check it the way it checks ``/api/v1``."""
    requests = {"type": "array", "items": _REQUEST}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Diktum Open311 GeoReport v2", "version": "2", "description": __doc__},
        "servers": [{"url": PREFIX}],
        "paths": {
            "/discovery.json": {"get": _operation(200, _DISCOVERY, ())},
            "/services.json": {"get": _operation(200, {"type": "array", "items": _SERVICE}, ())},
            "/services/{service_code}.json": {
                "get": _operation(
                    200,
                    {
                        "type": "object",
                        "required": ["service_code", "attributes"],
                        "properties": {
                            "service_code": _TEXT,
                            "attributes": {"type": "array", "items": _ATTRIBUTE},
                        },
                    },
                    (404,),
                    parameters=[_path("service_code")],
                )
            },
            "/requests.json": {
                "get": _operation(
                    200,
                    requests,
                    (400,),
                    parameters=[
                        _query("service_request_id", "Complaint numbers, comma separated."),
                        _query("service_code", "Service codes, comma separated."),
                        _query("start_date", "ISO 8601; default: 90 days before end_date."),
                        _query("end_date", "ISO 8601; default: now."),
                        _query("status", "open, closed or both, comma separated."),
                    ],
                ),
                "post": _operation(
                    201,
                    {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["service_request_id"],
                            "properties": {
                                "service_request_id": _TEXT,
                                "service_notice": _TEXT,
                                "account_id": {"type": "null"},
                            },
                        },
                    },
                    (400, 403, 404, 413, 429),
                    requestBody={
                        "required": True,
                        "content": {"application/x-www-form-urlencoded": {"schema": _FORM}},
                    },
                ),
            },
            "/requests/{service_request_id}.json": {
                "get": _operation(200, requests, (404,), parameters=[_path("service_request_id")])
            },
        },
    }


@open311.get("/openapi.json")
def openapi_document() -> Response:
    return Response(json.dumps(document(), ensure_ascii=False), mimetype="application/json")


@open311.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> NoReturn:
    raise Open311Error(404, f"no such endpoint: {request.path} (add .json or .xml)")
