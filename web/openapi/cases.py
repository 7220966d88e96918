"""Cases: the list and its filters, intake, a case and its public status, actions and
the history of events."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, ConfigDict, Field, StringConstraints

from web.openapi.base import FieldValue, Input, Instant, Output, PageQuery, Plain, Text

# --- query parameters -------------------------------------------------------------------


class CaseQuery(PageQuery):
    state: Plain | None = Field(None, max_length=64, description="Only cases in this state.")
    channel: Plain | None = Field(None, max_length=64, description="Only cases from this channel.")
    overdue: bool | None = Field(None, description="Only overdue (true) or on-time (false) cases.")
    closed: bool | None = Field(None, description="Only closed (true) or open (false) cases.")
    number: Plain | None = Field(None, max_length=40, description="Only the case with this number.")


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
