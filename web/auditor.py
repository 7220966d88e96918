"""Auditors: case histories as a stepper, replay verdicts, exports, whole-log verification.

Auditors and administrators only. Everything here reads; the one POST (verifying the
whole log) writes nothing but is a POST because it is expensive, so it carries a CSRF
token and no crawler or prefetch runs it. Its page streams: progress and findings reach
the browser while the log is replayed, in constant memory (``engine.audit.sweep``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine import exports
from engine.audit import LISTED, Update, sweep
from engine.cases import load
from engine.errors import NotFound
from engine.history import CaseHistory, case_history
from web.auth import ADMIN, AUDITOR, roles_required
from web.extensions import app_store, zone

auditor = Blueprint("auditor", __name__, url_prefix="/audit")


@auditor.before_request
@roles_required(AUDITOR, ADMIN)
def _auditors_only() -> None:
    """Auditors and administrators; others get 403, anonymous users sign in."""


@auditor.get("/")
def index() -> str | Response | tuple[str, int]:
    """Find a case by its number; the way to the whole-log verification."""
    typed = request.args.get("nomor", "").strip()
    if typed:
        try:
            with app_store(current_app).read() as conn:
                number = load(conn, typed).number
        except NotFound:
            message = _("Tidak ada pengaduan bernomor %(n)s.", n=typed)
            return render_template("auditor/index.html", typed=typed, error=message), 404
        return redirect(url_for("auditor.case", number=number))
    return render_template("auditor/index.html", typed="", error=None)


@auditor.post("/verifikasi")
def verify() -> Response:
    """Replay every case, streaming progress, the first inconsistent cases and the tally."""
    store = app_store(current_app)
    tree = store.tree()

    def updates() -> Iterator[Update]:
        with store.read() as conn:
            yield from sweep(conn, tree)

    page = stream_template("auditor/verify.html", updates=updates(), listed=LISTED)
    return Response(stream_with_context(page), mimetype="text/html")


@auditor.get("/kasus/<number>")
def case(number: str) -> str | tuple[str, int]:
    """The stepper: the state after each event, who, when, under which diktum, verdict."""
    raw_until = request.args.get("until", "").strip()
    until = None
    if raw_until:
        until = _instant(raw_until)
        if until is None:
            history = _history(number)
            message = _("“%(v)s” bukan tanggal dan waktu (YYYY-MM-DDTHH:MM).", v=raw_until)
            return _case_page(history, raw_until, message), 400
    return _case_page(_history(number, until), raw_until, None)


@auditor.get("/kasus/<number>.json")
def case_json(number: str) -> Response:
    history = _history(number)
    response = Response(exports.as_json(history), mimetype="application/json")
    return _attachment(response, f"{history.number}.json")


@auditor.get("/kasus/<number>.csv")
def case_csv(number: str) -> Response:
    history = _history(number)
    response = Response(exports.as_csv(history), mimetype="text/csv")
    return _attachment(response, f"{history.number}.csv")


def _history(number: str, until: dt.datetime | None = None) -> CaseHistory:
    store = app_store(current_app)
    try:
        with store.read() as conn:
            return case_history(conn, store.tree(), number, until)
    except NotFound:
        abort(404)


def _case_page(history: CaseHistory, raw_until: str, error: str | None) -> str:
    store = app_store(current_app)
    return render_template(
        "auditor/case.html",
        history=history,
        units=store.tree().names,
        raw_until=raw_until,
        error=error,
    )


def _instant(value: str) -> dt.datetime | None:
    """An ISO 8601 date or date-time; without an offset it is WIB (the users' clock)."""
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=zone())
    return instant


def _attachment(response: Response, name: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
