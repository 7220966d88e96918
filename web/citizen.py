"""Citizens: the public electronic complaint form, its receipt, and the tracking page.

2024 KESATU c: complaints are received through electronic channels at any time; KETIGA:
the complainant gets a receipt and a number they can track online. What citizens see
never includes personal data or officers' names: the tracking page reads the case, its
definition and its events, never the complainant, and shows a field's value only when
the definition marks the field ``public``.

The receipt and the QR code are shared with the officers' intake (``web.officer``): an
officer prints the same receipt, with the complainant's name on it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.engine import Connection
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from engine import events, registry
from engine.cases import OPEN_TRIGGER, load, open_case
from engine.errors import InvalidInput, NotFound, Refused
from engine.tick import OVERDUE_TRIGGER
from engine.units import UnitTree
from web.extensions import app_store, limiter, now
from web.forms import citizen_form, personal_data, supplied
from web.messages import say_error
from workflow.definition import Definition, FieldType, State, StateKind, UnitLevel

citizen = Blueprint("citizen", __name__)

FILE_LIMIT = "5 per minute;50 per day"
"""Complaints one address may file: enough for a family, too few for a flood."""
TRACK_LIMIT = "30 per minute"
"""Tracking look-ups per address: numbers are unguessable; this slows trying anyway."""
RECEIPT_KEY = "diktum.receipt"
"""The session key of the number a citizen just filed: their receipt, and only theirs."""

_QR_SVG = re.compile(
    r'<svg viewBox="0 0 \d+ \d+" class="qr">'
    r'<path transform="scale\(\d+\)" stroke="#000" d="[Mmhvz0-9. \-]+"/></svg>'
)
"""All segno's inline SVG may look like. It carries no text of the URL, and anything else
(a changed library, an injected attribute) is refused rather than marked safe."""


def qr_svg(url: str) -> Markup:
    """A QR code of ``url`` as inline SVG, drawn on the server (no script needed)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4, svgclass="qr", lineclass=None, omitsize=True
    )
    if not _QR_SVG.fullmatch(svg):
        raise ValueError("segno drew unexpected SVG; refusing to embed it")
    return Markup(svg)  # whitelisted just above


def tracking_url(number: str) -> str:
    return url_for("citizen.track", number=number, _external=True)


# -- reading a case for citizens -------------------------------------------------------


@dataclass(frozen=True)
class ReceiptView:
    """A receipt as printed: what was received, when, where to track it."""

    number: str
    definition: Definition
    channel: str
    unit_code: str
    """Where the case is handled now."""
    origin_unit: str
    """Where it was received: the unit the receipt names."""
    unit_name: str
    title: str
    category: str | None
    state_text: str
    received_at: dt.datetime
    recorded_at: dt.datetime
    carried_to: dt.datetime | None
    case_id: int

    @property
    def channel_title(self) -> str:
        spec = self.definition.channels.get(self.channel)
        return spec.title if spec else self.channel

    @property
    def tracking_url(self) -> str:
        return tracking_url(self.number)

    @property
    def qr(self) -> Markup:
        return qr_svg(self.tracking_url)


def state_text(state: State) -> str:
    """What the public is told about a state: its ``public`` text, else its title."""
    return state.public or state.title


def receipt_view(conn: Connection, tree: UnitTree, number: str) -> ReceiptView:
    """The receipt of a case (``NotFound`` for a malformed or unknown number)."""
    row = load(conn, number)
    definition = registry.get(conn, row.definition_version_id).definition
    first = next(iter(events.history(conn, row.id)), None)
    carried = (first["payload"] or {}).get("carried_to") if first else None
    return ReceiptView(
        number=row.number,
        definition=definition,
        channel=row.channel,
        unit_code=row.unit_code,
        origin_unit=row.origin_unit,
        unit_name=tree.names.get(row.origin_unit, row.origin_unit),
        title=row.title,
        category=row.category,
        state_text=state_text(definition.states[row.state]),
        received_at=row.received_at,
        recorded_at=row.recorded_at,
        carried_to=dt.datetime.fromisoformat(carried) if carried else None,
        case_id=row.id,
    )


def diktum_of(definition: Definition, event: Mapping[str, Any]) -> str | None:
    """The clause a logged step carried out: the transition's, else the state's."""
    if event["trigger"] == OPEN_TRIGGER:
        channel = definition.channels.get((event["payload"] or {}).get("channel", ""))
        if channel is not None and channel.diktum:
            return channel.diktum
    elif event["trigger"] != OVERDUE_TRIGGER:
        for t in definition.transitions:
            if t.trigger == event["trigger"] and t.dest == event["dest"]:
                if t.diktum:
                    return t.diktum
                break
    return definition.states[event["dest"]].diktum


def shown_value(definition: Definition, tree: UnitTree, name: str, value: Any) -> str:
    """A field value as people read it: ya/tidak, a unit's name, the text itself."""
    spec = definition.fields.get(name)
    if spec is not None and spec.type is FieldType.bool:
        return str(_("Ya") if value else _("Tidak"))
    if spec is not None and spec.type is FieldType.unit:
        return f"{tree.names.get(str(value), str(value))} ({value})"
    return str(value)


def public_progress(conn: Connection, tree: UnitTree, number: str) -> dict[str, Any]:
    """What anyone holding the number may see: the state, the definition, the received
    date and each change of state with its date and diktum, plus the values of fields
    marked ``public``. No actor, no personal data, no other field."""
    row = load(conn, number)
    definition = registry.get(conn, row.definition_version_id).definition
    entries: list[dict[str, Any]] = []
    pending: list[tuple[str, str]] = []
    for event in events.history(conn, row.id):
        fields = (event["payload"] or {}).get("fields") or {}
        pending += [
            (definition.fields[name].title, shown_value(definition, tree, name, value))
            for name, value in fields.items()
            if name in definition.fields and definition.fields[name].public
        ]
        state = definition.states[event["dest"]]
        if state.kind is StateKind.gateway:
            continue  # the branch taken next says where the case went
        if event["source"] == event["dest"] and not pending:
            continue  # a deadline flag or a hand-over: no change the public follows
        entries.append(
            {
                "at": event["occurred_at"],
                "text": state_text(state),
                "diktum": diktum_of(definition, event),
                "fields": pending,
            }
        )
        pending = []
    return {
        "number": row.number,
        "definition": definition,
        "state_text": state_text(definition.states[row.state]),
        "closed": row.closed,
        "received_at": row.received_at,
        "entries": entries,
    }


# -- the electronic channel ------------------------------------------------------------


def electronic_definitions(conn: Connection) -> list[tuple[Definition, str]]:
    """The newest version of each published definition with an electronic channel, and
    that channel (the first, when it has several): what this form files under."""
    newest: dict[str, Definition] = {}
    for published in registry.all_versions(conn):
        newest[published.definition.id] = published.definition  # ordered by version
    found = []
    for definition in newest.values():
        channel = next((n for n, c in definition.channels.items() if c.kind == "electronic"), None)
        if channel is not None:
            found.append((definition, channel))
    found.sort(key=lambda item: item[0].basis.date, reverse=True)
    return found


def kelurahan_choices(tree: UnitTree) -> list[SelectChoice]:
    """Every kelurahan, grouped by kecamatan and kota, for a citizen to pick from."""
    choices = []
    for code in sorted(tree.names):
        if tree.levels[code] is not UnitLevel.kelurahan:
            continue
        group = ", ".join(tree.names[u].strip() for u in tree.ancestors(code)[1:3])
        choices.append(SelectChoice(code, tree.names[code], optgroup=group))
    return choices


@citizen.route("/adukan", methods=["GET", "POST"])
@limiter.limit(FILE_LIMIT, methods=["POST"])
def file() -> str | Response | tuple[str, int]:
    """The public complaint form: any time, anonymous unless the citizen says otherwise."""
    db = app_store(current_app)
    tree = db.tree()
    with db.read() as conn:
        offered = electronic_definitions(conn)
    if not offered:
        return render_template("citizen/file.html", offered=[], form=None, definition=None)
    wanted = request.form.get("definition") if request.method == "POST" else None
    wanted = wanted or request.args.get("definisi")
    chosen = next((item for item in offered if item[0].id == wanted), offered[0])
    if wanted and chosen[0].id != wanted and request.method == "POST":
        abort(400)
    definition, channel = chosen
    form = citizen_form(definition, units=kelurahan_choices(tree))
    error = None
    status = 200
    if request.method == "GET":
        form.definition.data = definition.id
    elif form.validate_on_submit():
        try:
            with db.write() as conn:
                receipt = open_case(
                    conn,
                    tree,
                    definition_ref=definition.key,
                    unit_code=form.unit.data,
                    channel=channel,
                    title=form.title.data,
                    description=form.description.data or "",
                    category=form.category.data if "category" in form else None,
                    fields=supplied(form, [*definition.intake.fields, *definition.intake.optional]),
                    now=now(),
                    complainant=personal_data(form),
                )
        except (Refused, InvalidInput, NotFound) as exc:
            error, status = say_error(exc), 422
        else:
            session[RECEIPT_KEY] = receipt.number
            return redirect(url_for("citizen.receipt"))
    else:
        status = 422
    page = render_template(
        "citizen/file.html",
        offered=offered,
        form=form,
        definition=definition,
        error=error,
    )
    return page, status


@citizen.get("/adukan/tanda-terima")
def receipt() -> str:
    """The receipt of the complaint this browser just filed (never anyone else's)."""
    number = session.get(RECEIPT_KEY)
    if not isinstance(number, str):
        abort(404)
    db = app_store(current_app)
    with db.read() as conn:
        try:
            view = receipt_view(conn, db.tree(), number)
        except NotFound:
            abort(404)
    return render_template("citizen/receipt.html", receipt=view, public=True, person=None)


# -- tracking --------------------------------------------------------------------------


@citizen.get("/lacak")
@limiter.limit(TRACK_LIMIT)
def track_form() -> str | Response:
    """Type a number; it is looked up at ``/lacak/<number>``."""
    typed = request.args.get("nomor", "").strip()
    if typed:
        return redirect(url_for("citizen.track", number=typed[:64]))
    return render_template("citizen/track_form.html")


@citizen.get("/lacak/<path:number>")
@limiter.limit(TRACK_LIMIT)
def track(number: str) -> str | tuple[str, int]:
    """A complaint's public progress. A malformed and an unknown number get the same
    404 page, byte for byte, so the page tells nothing about which numbers exist."""
    db = app_store(current_app)
    with db.read() as conn:
        try:
            progress = public_progress(conn, db.tree(), number)
        except NotFound:
            return render_template("citizen/track_missing.html"), 404
    return render_template("citizen/track.html", progress=progress)
