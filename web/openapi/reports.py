"""Reports: the monitoring figures, the Camat's weekly report and the city's report,
and the periods they cover."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema

from web.openapi.base import Input, Instant, Output, Plain, in_wib

# --- query parameters -------------------------------------------------------------------


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


# --- responses --------------------------------------------------------------------------


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
