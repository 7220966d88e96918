"""Monitoring (2024 KESATU b): the engine's reports as pages and charts.

Any signed-in user may look, at the complaints received in their own unit's subtree
(``engine.reports.monitoring`` and ``engine.counts`` scope by ``origin_unit``); auditors
and administrators see everything and may pick any unit. The Camat's weekly report (2017
KEEMPAT a) and the city's report (KEEMPAT c) open for users at that unit or above it.

Charts are drawn by ``static/charts.js`` from ``data-*`` attributes (the CSP allows no
inline script); each chart has a table with the same figures beside it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine import counts, registry, reports
from engine.errors import InvalidInput
from engine.units import UnitTree
from web.auth import WebUser
from web.extensions import app_store, now, zone
from workflow.definition import Definition, UnitLevel

monitoring = Blueprint("monitoring", __name__, url_prefix="/pemantauan")

OVERDUE_ON_DASHBOARD = 20
OVERDUE_PER_PAGE = 50


@monitoring.before_request
@login_required
def _signed_in_only() -> None:
    """Every signed-in user; what they see is scoped below."""


def _scope(tree: UnitTree) -> str | None:
    """The unit whose subtree the page shows (None: everything), from ``?unit=``.

    Officers see their own unit's subtree, or a unit inside it; auditors and
    administrators see everything unless they pick a unit.
    """
    user: WebUser = current_user
    chosen = request.args.get("unit", "").strip() or None
    if chosen is not None and chosen not in tree.names:
        abort(404)
    if user.is_auditor:
        return chosen
    if chosen is None:
        return user.unit_code
    if not tree.covers(user.unit_code, chosen):
        abort(403)
    return chosen


def _may_see(tree: UnitTree, code: str) -> None:
    """404 for an unknown unit, 403 for a unit outside the user's subtree."""
    if code not in tree.names:
        abort(404)
    user: WebUser = current_user
    if not user.is_auditor and not tree.covers(user.unit_code, code):
        abort(403)


@monitoring.get("/")
def index() -> str:
    store = app_store(current_app)
    tree = store.tree()
    unit = _scope(tree)
    units = counts.subtree(tree, unit)
    at = now()
    with store.read() as conn:
        report = reports.monitoring(conn, tree, at, unit)
        per_state = counts.open_per_version_state(conn, units)
        ages = counts.open_age_buckets(conn, at, units)
        overdue_total, overdue = counts.overdue_cases(conn, at, units, limit=OVERDUE_ON_DASHBOARD)
        definitions = {p.id: p.definition for p in registry.all_versions(conn)}
    labelled = {key: _state_label(definitions, *key) for key in per_state}
    shared = {label for label in labelled.values() if list(labelled.values()).count(label) > 1}
    state_rows = _bars(
        (
            f"{label} ({_key(definitions, key[0])})" if label in shared else label,
            per_state[key],
        )
        for key, label in labelled.items()
    )
    channel_titles = _channel_titles(definitions.values())
    channel_rows = _bars(
        (channel_titles.get(name, name), count) for name, count in report["by_channel"].items()
    )
    age_rows = [Bar(_age_label(b.low, b.high), b.count) for b in ages]
    below = units if units is not None else list(tree.names)
    return render_template(
        "monitoring/index.html",
        report=report,
        unit=unit,
        names=tree.names,
        state_rows=state_rows,
        channel_rows=channel_rows,
        age_rows=age_rows,
        by_unit=_unit_rows(tree, report["by_unit"]),
        by_origin=_unit_rows(tree, report["by_origin"]),
        overdue=_overdue_rows(overdue, definitions),
        overdue_total=overdue_total,
        kecamatans=sorted(c for c in below if tree.levels[c] is UnitLevel.kecamatan),
        cities=sorted(c for c in below if tree.levels[c] is UnitLevel.kota),
        this_week=_week_start(at.astimezone(zone()).date()).isoformat(),
    )


@monitoring.get("/terlambat")
def overdue() -> str:
    """Every overdue open case in scope, longest overdue first, a page at a time."""
    store = app_store(current_app)
    tree = store.tree()
    unit = _scope(tree)
    units = counts.subtree(tree, unit)
    page = max(request.args.get("halaman", 1, type=int) or 1, 1)
    with store.read() as conn:
        total, rows = counts.overdue_cases(
            conn,
            now(),
            units,
            limit=OVERDUE_PER_PAGE,
            offset=(page - 1) * OVERDUE_PER_PAGE,
        )
        definitions = {p.id: p.definition for p in registry.all_versions(conn)}
    pages = max(1, math.ceil(total / OVERDUE_PER_PAGE))
    return render_template(
        "monitoring/overdue.html",
        unit=unit,
        names=tree.names,
        rows=_overdue_rows(rows, definitions),
        total=total,
        page=page,
        pages=pages,
    )


@monitoring.get("/kecamatan")
def choose_kecamatan() -> Response:
    """The picker's target: on to the chosen kecamatan's report."""
    code = request.args.get("kode", "").strip()
    if not code:
        abort(404)
    week = request.args.get("minggu") or None
    return redirect(url_for("monitoring.kecamatan", code=code, minggu=week))


@monitoring.get("/kecamatan/<code>")
def kecamatan(code: str) -> str | tuple[str, int]:
    """The Camat's weekly report to the Walikota (2017 KEEMPAT a)."""
    store = app_store(current_app)
    tree = store.tree()
    _may_see(tree, code)
    raw = request.args.get("minggu", "").strip()
    today = now().astimezone(zone()).date()
    start = _date(raw) if raw else _week_start(today)
    if start is None:
        return _bad_date(raw)
    begin = dt.datetime.combine(start, dt.time(), zone())
    try:
        with store.read() as conn:
            report = reports.kecamatan_weekly(conn, tree, code, begin)
    except InvalidInput:
        abort(404)
    return render_template(
        "monitoring/kecamatan.html",
        report=report,
        names=tree.names,
        week=start,
        previous=(start - dt.timedelta(days=7)).isoformat(),
        following=(start + dt.timedelta(days=7)).isoformat(),
    )


@monitoring.get("/kota")
def choose_city() -> Response:
    code = request.args.get("kode", "").strip()
    if not code:
        abort(404)
    args: dict[str, Any] = {k: request.args.get(k) or None for k in ("dari", "sampai")}
    return redirect(url_for("monitoring.city", code=code, **args))


@monitoring.get("/kota/<code>")
def city(code: str) -> str | tuple[str, int]:
    """The city's report to the Governor through the Sekda (2017 KEEMPAT c).

    ``dari`` and ``sampai`` are dates, both included; by default the current week.
    """
    store = app_store(current_app)
    tree = store.tree()
    _may_see(tree, code)
    today = now().astimezone(zone()).date()
    raw_from = request.args.get("dari", "").strip()
    raw_to = request.args.get("sampai", "").strip()
    first = _date(raw_from) if raw_from else _week_start(today)
    if first is None:
        return _bad_date(raw_from)
    last = _date(raw_to) if raw_to else first + dt.timedelta(days=6)
    if last is None:
        return _bad_date(raw_to)
    if last < first:
        return _bad_date(raw_to)
    start = dt.datetime.combine(first, dt.time(), zone())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone())
    try:
        with store.read() as conn:
            report = reports.city_report(conn, tree, code, start, end)
    except InvalidInput:
        abort(404)
    return render_template(
        "monitoring/city.html", report=report, names=tree.names, first=first, last=last
    )


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _bad_date(value: str) -> tuple[str, int]:
    message = _("“%(v)s” bukan tanggal yang sah (YYYY-MM-DD).", v=value)
    return render_template("monitoring/bad_request.html", message=message), 400


def _week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week: the week the Camat reports on."""
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Bar:
    """One bar of a chart (and one row of the table beside it)."""

    label: str
    count: int


def _bars(pairs: Iterable[tuple[str, int]]) -> list[Bar]:
    """Bars biggest first, ties by label."""
    return [Bar(label, count) for label, count in sorted(pairs, key=lambda p: (-p[1], p[0]))]


def _state_label(definitions: dict[int, Definition], version: int, state: str) -> str:
    definition = definitions.get(version)
    if definition is None or state not in definition.states:
        return state
    return definition.states[state].title


def _key(definitions: dict[int, Definition], version: int) -> str:
    definition = definitions.get(version)
    return definition.key if definition else f"#{version}"


def _channel_titles(definitions: Any) -> dict[str, str]:
    titles: dict[str, str] = {}
    for definition in definitions:
        for name, channel in definition.channels.items():
            titles.setdefault(name, channel.title)
    return titles


def _age_label(low: int, high: int | None) -> str:
    if high is None:
        return str(_("> %(d)s hari", d=low))
    return str(_("%(a)s-%(b)s hari", a=low, b=high))


def _unit_rows(tree: UnitTree, figures: dict[str, int]) -> list[dict[str, Any]]:
    return sorted(
        (
            {"code": code, "name": tree.names.get(code, ""), "count": count}
            for code, count in figures.items()
        ),
        key=lambda row: (-row["count"], row["code"]),
    )


def _overdue_rows(
    rows: list[dict[str, Any]], definitions: dict[int, Definition]
) -> list[dict[str, Any]]:
    return [
        row | {"state_title": _state_label(definitions, row["definition_version_id"], row["state"])}
        for row in rows
    ]
