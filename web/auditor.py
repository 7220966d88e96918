"""Auditors: case histories as a stepper, replay verdicts, exports, whole-log verification
and anchors.

Auditors and administrators only. Everything here reads; the POSTs (verifying the whole
log, taking an anchor, checking one) write nothing but are POSTs because they are
expensive, so they carry a CSRF token and no crawler or prefetch runs them. The
verification page streams: progress and findings reach the browser while the log is
replayed, in constant memory (``engine.audit.sweep``). Anchors (``engine.anchors``) are
the same files as ``diktum audit anchor`` writes and ``diktum audit check`` reads.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    stream_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import anchors, exports
from engine.audit import LISTED, Update, sweep
from engine.cases import load
from engine.errors import InvalidInput, NotFound
from engine.history import CaseHistory, case_history
from web.auth import ADMIN, AUDITOR, WebUser, roles_required
from web.extensions import app_store, now, zone
from web.messages import say_error

auditor = Blueprint("auditor", __name__, url_prefix="/audit")

ANCHOR_UPLOAD_LIMIT = 256 * 1024 * 1024
"""An anchor takes about 90 bytes a case: room for nearly three million cases."""
ANCHOR_SPOOL = 8 * 1024 * 1024
"""A taken anchor stays in memory up to this size (about 90,000 cases), then goes to a
temporary file that is streamed to the auditor."""
ROOT_HEX = frozenset("0123456789abcdef")


@auditor.url_value_preprocessor
def _anchor_upload_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Let an auditor upload an anchor larger than the app's body limit. This runs before
    any ``before_request`` (the CSRF check reads the form, and would stop the upload at
    the app-wide limit); anyone else keeps that limit, so an anonymous client cannot make
    the app read a large body before it is refused."""
    if endpoint == "auditor.check_anchor" and current_user.is_authenticated:
        user: WebUser = current_user
        if user.is_auditor:
            request.max_content_length = ANCHOR_UPLOAD_LIMIT


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


@auditor.post("/jangkar")
def take_anchor() -> Response:
    """The anchor of the log as it is now, as a file to keep outside the database; its
    root (the SHA-256 to publish) is in ``X-Diktum-Anchor-Root`` and on the check page."""
    taken_at = now().astimezone(zone())
    spool = tempfile.SpooledTemporaryFile(max_size=ANCHOR_SPOOL)  # noqa: SIM115 (send_file closes it)
    try:
        with app_store(current_app).read() as conn:
            root, _count = anchors.write(conn, taken_at, spool)
    except BaseException:
        spool.close()
        raise
    name = f"diktum-jangkar-{taken_at:%Y%m%dT%H%M%S}.txt"
    size = spool.tell()
    spool.seek(0)
    if size <= ANCHOR_SPOOL:  # still in memory: hand over the bytes, hold no file open
        with spool:
            response = Response(spool.read(), mimetype="text/plain")
        response.headers["Content-Disposition"] = f"attachment; filename={name}"
    else:  # a file on disk, streamed and closed when the response is
        response = send_file(
            spool, mimetype="text/plain", as_attachment=True, download_name=name, max_age=0
        )
    response.headers["X-Diktum-Anchor-Root"] = root
    response.headers["Cache-Control"] = "no-store"
    return response


@auditor.post("/jangkar/periksa")
def check_anchor() -> tuple[str, int]:
    """Check an uploaded anchor against the log, and against the root published for it
    when one is given: every anchored event must still be there, unchanged."""
    upload = request.files.get("berkas")
    published = request.form.get("akar", "").strip().lower()
    if upload is None or not upload.filename:
        return _anchor_refused(_("Pilih berkas jangkar yang akan diperiksa."))
    if published and (len(published) != 64 or not set(published) <= ROOT_HEX):
        return _anchor_refused(_("Akar adalah SHA-256 berkas jangkar: 64 karakter heksadesimal."))
    try:
        with app_store(current_app).read() as conn:
            result = anchors.check(conn, upload.stream, published or None)
    except InvalidInput as exc:
        return _anchor_refused(say_error(exc))
    page = render_template(
        "auditor/anchor.html", result=result, published=bool(published), listed=anchors.LISTED
    )
    return page, 200


def _anchor_refused(message: str) -> tuple[str, int]:
    return render_template("auditor/anchor.html", result=None, error=message), 400


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
