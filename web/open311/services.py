"""Services: what a complaint filed over Open311 can be about (each definition's intake
categories), their attributes, and the discovery document that points to them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, request
from sqlalchemy.engine import Connection

from engine import registry
from engine.errors import NotFound
from web.extensions import app_store
from web.open311.blueprint import FORMATS, PREFIX, Open311Error, open311
from web.open311.formats import render, stamp
from workflow.definition import Definition, FieldSpec, FieldType

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


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
    return [service for definition in newest.values() for service in services_of(definition)]


def services_of(definition: Definition) -> list[Service]:
    """The services of one definition version: none without an electronic channel."""
    channel = next(
        (name for name, c in definition.channels.items() if c.kind == "electronic"), None
    )
    if channel is None:
        return []
    categories: Iterable[str | None] = definition.intake.categories or (None,)
    return [
        Service(
            service_code(definition.id, category),
            category[:1].upper() + category[1:] if category else definition.title,
            category,
            definition,
            channel,
        )
        for category in categories
    ]


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


def find_service(conn: Connection, code: str) -> Service:
    """The service ``code`` names, from its definition's newest version alone: filing a
    complaint need not read and parse every published version."""
    ident = code.partition(":")[0]
    if "@" not in ident:
        try:
            definition = registry.find(conn, ident).definition
        except NotFound:
            definition = None
        for service in services_of(definition) if definition else ():
            if service.code == code:
                return service
    raise Open311Error(404, f"unknown service_code '{code}'")


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
            "changeset": stamp(changed),
            "contact": current_app.config.get("OPEN311_CONTACT", "Diktum administrator"),
            "key_service": "API keys are issued by the administrator (diktum apikey create).",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": stamp(changed),
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
        service = find_service(conn, code)
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
