"""The JSON API's contract: request and response models, and the OpenAPI document.

Every body the API reads is validated by one of the models here, and every body it
writes is built from one; the OpenAPI 3.1 document served at ``/api/v1/openapi.json`` is
generated from the same models (``models_json_schema``) and from the list of operations
the API registers, so the document cannot drift from what the API does.

Times are written in WIB with their offset (``2024-05-22T09:30:00+07:00``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaMode, models_json_schema

WIB = ZoneInfo("Asia/Jakarta")


def in_wib(value: dt.datetime) -> dt.datetime:
    """Aware instants are shown in WIB; a naive one is read as WIB (the users' clock)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=WIB)
    return value.astimezone(WIB)


Instant = Annotated[dt.datetime, AfterValidator(in_wib)]
"""A timestamp written in WIB with its ``+07:00`` offset."""


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Plain = Annotated[str, AfterValidator(_no_nul)]
"""A query parameter's text: no NUL, which no database can store or compare."""
Text = Annotated[str, StringConstraints(strip_whitespace=True)]


def _finite(value: str | bool | int | float) -> str | bool | int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


FieldValue = Annotated[str | bool | int | float, AfterValidator(_finite)]
"""A value of a definition field as sent; the definition's field type checks it."""


class Input(BaseModel):
    """Request bodies refuse keys they do not know, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# --- errors -----------------------------------------------------------------------------


class FieldProblem(Output):
    field: str = Field(description="Where the problem is, e.g. `title` or `fields.lokasi`.")
    message: str


class ErrorDetail(Output):
    code: str = Field(description="A stable, machine-readable code, e.g. `not_found`.")
    message: str = Field(description="What went wrong, in words a person can act on.")
    fields: list[FieldProblem] = Field(default_factory=list)


class ErrorBody(Output):
    """Every error of the API has this shape, whatever its status."""

    error: ErrorDetail


# --- query parameters -------------------------------------------------------------------


class PageQuery(Input):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(50, ge=1, le=100, description="Items per page (1-100).")
    cursor: Plain | None = Field(
        None, max_length=200, description="`next_cursor` of the previous page; omit to start."
    )


class CaseQuery(PageQuery):
    state: Plain | None = Field(None, max_length=64, description="Only cases in this state.")
    channel: Plain | None = Field(None, max_length=64, description="Only cases from this channel.")
    overdue: bool | None = Field(None, description="Only overdue (true) or on-time (false) cases.")
    closed: bool | None = Field(None, description="Only closed (true) or open (false) cases.")
    number: Plain | None = Field(None, max_length=40, description="Only the case with this number.")


class MonitoringQuery(Input):
    model_config = ConfigDict(extra="ignore")

    unit: Plain | None = Field(
        None,
        max_length=32,
        description="Only complaints received in this unit's subtree (default: the caller's "
        "unit; administrators and auditors: everything).",
    )


class WeekQuery(Input):
    model_config = ConfigDict(extra="ignore")

    week: dt.date = Field(description="The first day (a Monday) of the week, `YYYY-MM-DD`.")


DateOrInstant = Annotated[
    dt.datetime,
    AfterValidator(in_wib),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ],
            "description": "ISO 8601 date or date-time; without an offset it is WIB.",
        }
    ),
]


class PeriodQuery(Input):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    start: DateOrInstant = Field(alias="from", description="Start of the period (inclusive).")
    end: DateOrInstant = Field(alias="to", description="End of the period (exclusive).")


# --- request bodies ---------------------------------------------------------------------


class ComplainantIn(Input):
    """Who complains: kept apart from the case and never shown by any GET."""

    name: Annotated[Text, StringConstraints(max_length=200)] | None = None
    phone: (
        Annotated[Text, StringConstraints(max_length=32, pattern=r"^\+?[0-9 ()-]{3,32}$")] | None
    ) = None
    email: (
        Annotated[Text, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None
    address: Annotated[Text, StringConstraints(max_length=500)] | None = None
    confidential: bool = Field(False, description="Identity known to officers only.")


class IntakeIn(Input):
    """A complaint to take in; the definition's channel decides when and by whom."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "definition": "inwalkot-jaksel-e-0006-2024",
                    "unit": "31.74.01.1001",
                    "channel": "elektronik",
                    "title": "Saluran air tersumbat",
                    "description": "Air meluap ke jalan setiap hujan.",
                    "category": "banjir dan saluran air",
                    "fields": {"lokasi": "Jl. Tebet Timur Dalam II"},
                    "complainant": {"name": "Warga", "email": "warga@example.id"},
                }
            ]
        },
    )

    definition: Annotated[
        str, StringConstraints(max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*(@[0-9]{1,6})?$")
    ] = Field(description="Definition id (newest version) or `id@version`.")
    unit: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(
        description="The unit the complaint is about, e.g. `31.74.01.1001`."
    )
    channel: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    title: Annotated[Text, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=4000)] = ""
    category: Annotated[str, StringConstraints(max_length=64)] | None = None
    fields: dict[Annotated[str, StringConstraints(max_length=64)], FieldValue] = Field(
        default_factory=dict, description="The definition's intake fields."
    )
    received_at: AwareDatetime | None = Field(
        None, description="When an in-person complaint was received (default: now)."
    )
    complainant: ComplainantIn | None = Field(None, description="Omit for an anonymous complaint.")


class ActionIn(Input):
    """A manual action on a case, guarded by the version the caller last saw."""

    fields: dict[Annotated[str, StringConstraints(max_length=64)], FieldValue] = Field(
        default_factory=dict, description="The fields the action takes."
    )
    expected_version: int = Field(
        ge=1,
        le=2**31 - 1,
        description="The case's `row_version` as last read: a stale version is refused (409).",
    )


# --- responses --------------------------------------------------------------------------


class ChannelOut(Output):
    name: str
    title: str
    kind: Literal["in_person", "electronic"]


class DefinitionSummary(Output):
    id: str
    version: int
    key: str = Field(description="`id@version`.")
    title: str
    basis: str = Field(description="The instruction this definition encodes.")
    published_at: Instant
    content_hash: str
    channels: list[ChannelOut]
    categories: list[str]


class DefinitionPage(Output):
    items: list[DefinitionSummary]
    next_cursor: str | None


class Diagram(Output):
    id: str
    version: int
    mermaid: str = Field(description="Mermaid `stateDiagram-v2` text.")


class Receipt(Output):
    """What the complainant takes home (2024 KETIGA): the number and where to track it."""

    number: str
    definition: str
    state: str
    channel: str
    unit: str
    received_at: Instant
    recorded_at: Instant
    carried_to: Instant | None = Field(
        None, description="Set when a complaint outside the window waits for the next session."
    )
    tracking: str = Field(description="Path of the public tracking page.")
    tracking_url: str


class CaseSummary(Output):
    number: str
    definition: str
    version: int
    state: str
    state_title: str
    unit: str
    origin_unit: str
    channel: str
    title: str
    category: str | None
    received_at: Instant
    due_at: Instant | None
    overdue: bool
    closed: bool
    row_version: int


class CasePage(Output):
    items: list[CaseSummary]
    next_cursor: str | None


class ActionField(Output):
    name: str
    type: str
    required: bool


class ActionOut(Output):
    trigger: str
    title: str
    diktum: str | None
    roles: list[str]
    fields: list[ActionField]


class CaseDetail(Output):
    """A case as its officers see it; never the complainant's personal data."""

    number: str
    definition: str
    version: int
    state: str
    state_title: str
    diktum: str | None
    unit: str
    origin_unit: str
    channel: str
    title: str
    description: str
    category: str | None
    received_at: Instant
    recorded_at: Instant
    due_at: Instant | None
    overdue: bool
    closed: bool
    row_version: int = Field(description="Send it back as `expected_version` with an action.")
    data: dict[str, Any]
    actions: list[ActionOut] = Field(description="The actions the caller may take now.")


class PublicStatus(Output):
    """What the public tracking page shows: progress, no personal data, no complaint text."""

    number: str
    definition: str
    version: int
    state: str
    status: str = Field(description="The state's public text.")
    closed: bool
    unit: str
    unit_name: str
    received_at: Instant
    updated_at: Instant
    fields: dict[str, Any] = Field(description="Only the fields the definition marks public.")


class StepOut(Output):
    trigger: str
    source: str = Field(alias="from")
    dest: str = Field(alias="to")


class ActionResult(Output):
    number: str
    state: str
    row_version: int
    steps: list[StepOut]


class EventOut(Output):
    seq: int
    trigger: str
    source: str | None = Field(alias="from")
    dest: str = Field(alias="to")
    actor: str
    role: str | None
    at: Instant
    recorded_at: Instant
    payload: dict[str, Any]
    hash: str


class EventPage(Output):
    items: list[EventOut]
    next_cursor: str | None


class AgeDays(Output):
    median: float | None
    max: float | None


class MonitoringReport(Output):
    """Monitoring figures (2024 KESATU b)."""

    report: Literal["monitoring"]
    diktum: str
    unit: str | None
    at: Instant
    total: int
    open: int
    by_channel: dict[str, int]
    by_origin: dict[str, int]
    by_unit: dict[str, int]
    by_state: dict[str, int]
    open_age_days: AgeDays
    overdue_open: int
    overdue_ever: int


class ReportCase(Output):
    number: str
    title: str
    state: str
    unit: str
    origin: str
    received_at: Instant


class ResolvedCase(ReportCase):
    closed_at: Instant


class EscalatedCase(ReportCase):
    escalated_at: Instant
    escalated_to: str


class KecamatanReport(Output):
    """The Camat's weekly report to the Walikota (2017 KEEMPAT a)."""

    report: Literal["kecamatan_weekly"]
    diktum: str
    kecamatan: str
    name: str
    start: Instant = Field(alias="from")
    end: Instant = Field(alias="to")
    resolved: list[ResolvedCase]
    unresolved: list[EscalatedCase]
    open: int


class KecamatanCount(Output):
    kecamatan: str
    name: str
    resolved: int
    escalated: int


class CityReport(Output):
    """The city's report to the Governor through the Sekda (2017 KEEMPAT c)."""

    report: Literal["city"]
    diktum: str
    city: str
    name: str
    start: Instant = Field(alias="from")
    end: Instant = Field(alias="to")
    resolved_at_city: list[ResolvedCase]
    escalated_to_province: list[EscalatedCase]
    kecamatan: list[KecamatanCount]


# --- the document -----------------------------------------------------------------------


@dataclass(frozen=True)
class PathParam:
    name: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """One endpoint as the API serves it and the document describes it."""

    method: str
    path: str
    """The OpenAPI form, relative to the API's root: ``/cases/{number}``."""
    operation_id: str
    summary: str
    tag: str
    response: type[BaseModel] | None
    """None: a free-form JSON object (the OpenAPI document itself)."""
    status: int = 200
    path_params: tuple[PathParam, ...] = ()
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    public: bool = False
    description: str = ""


ALWAYS = (503,)
"""Statuses any operation may answer: the database is unavailable."""
WITH_CREDENTIALS = (401,)


def document(
    operations: Sequence[Operation], *, server: str, title: str, version: str, description: str
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``."""
    inputs = {m for op in operations for m in (op.query, op.body) if m is not None}
    outputs = {op.response for op in operations if op.response is not None} | {ErrorBody}
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = sorted(
        [(m, "validation") for m in inputs] + [(m, "serialization") for m in outputs],
        key=lambda pair: (pair[0].__name__, pair[1]),
    )
    refs, top = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = top.get("$defs", {})

    def resolved(ref: dict[str, Any]) -> dict[str, Any]:
        name = ref["$ref"].rsplit("/", 1)[-1]
        found: dict[str, Any] = schemas[name]
        return found

    error_ref = refs[(ErrorBody, "serialization")]
    queries = {op.query for op in operations if op.query is not None}
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        parameters: list[dict[str, Any]] = [
            {"name": p.name, "in": "path", "required": True, "description": p.description}
            | {"schema": p.schema}
            for p in op.path_params
        ]
        if op.query is not None:
            query = resolved(refs[(op.query, "validation")])
            required = set(query.get("required", ()))
            for name, schema in query.get("properties", {}).items():
                schema = _query_schema(schema)
                parameters.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in required,
                        "description": schema.pop("description", ""),
                        "schema": schema,
                    }
                )
        responses: dict[str, Any] = {
            str(op.status): {
                "description": HTTPStatus(op.status).phrase,
                "content": {
                    "application/json": {
                        "schema": refs[(op.response, "serialization")]
                        if op.response is not None
                        else {"type": "object"}
                    }
                },
            }
        }
        statuses = set(op.errors) | set(ALWAYS) | (set() if op.public else set(WITH_CREDENTIALS))
        for status in sorted(statuses):
            responses[str(status)] = {
                "description": HTTPStatus(status).phrase,
                "content": {"application/json": {"schema": error_ref}},
            }
        entry: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
            "responses": responses,
        }
        if op.description:
            entry["description"] = op.description
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        if op.public:
            entry["security"] = []
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    for model in queries:  # described as parameters, never referenced
        schemas.pop(refs[(model, "validation")]["$ref"].rsplit("/", 1)[-1], None)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": server}],
        "tags": [{"name": tag} for tag in _unique(op.tag for op in operations)],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key from `diktum apikey create NAME [--user USER]`.",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "A signed-in officer's session (the web UI's cookie).",
                },
            },
        },
    }


def _query_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value, never null: drop pydantic's null option."""
    schema = {k: v for k, v in schema.items() if k != "title"}
    options = schema.get("anyOf")
    if options and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        schema = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        schema |= rest[0] if len(rest) == 1 else {"anyOf": rest}
    return schema


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
