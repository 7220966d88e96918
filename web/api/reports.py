"""``/reports``: the monitoring figures and the reports the instructions require."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from engine import reports
from engine.units import UnitTree
from engine.users import Actor
from web.api.blueprint import endpoint, store_and_tree
from web.api.callers import STAFF, Caller
from web.api.errors import ApiError, invalid
from web.extensions import now
from web.openapi.document import PathParam
from web.openapi.reports import (
    CityReport,
    KecamatanReport,
    MonitoringQuery,
    MonitoringReport,
    PeriodQuery,
    WeekQuery,
)

UNIT_CODE = PathParam(
    "code", "A unit code, e.g. `31.74.01`.", {"type": "string", "minLength": 1, "maxLength": 32}
)


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
