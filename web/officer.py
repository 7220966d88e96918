"""Officers: their units' inbox, the case page with its actions, intake with a receipt.

Who may see and do what is the engine's rule, applied here before anything is shown:
an officer covers their own unit and every unit below it (``UnitTree.covers``); the
actions offered are the definition's manual transitions for their role whose conditions
hold (``WorkflowMachine.actions``); ``engine.cases.fire`` checks all of it again inside
the write transaction, with the row version the page was shown at.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import events, registry
from engine.cases import COMPLAINANTS, OPEN_TRIGGER, facts_of, fire, load, open_case
from engine.errors import Conflict, InvalidInput, NotFound, Refused
from engine.inbox import Cursor, InboxQuery, Page, Status, is_overdue
from engine.inbox import inbox as inbox_page
from engine.numbers import normalise
from engine.tick import OVERDUE_TRIGGER
from engine.units import UnitTree
from web.auth import WebUser, roles_required
from web.citizen import diktum_of, receipt_view, shown_value
from web.extensions import app_store, now
from web.forms import (
    action_form,
    officer_intake_form,
    personal_data,
    supplied,
    units_list_id,
    units_used,
)
from workflow.definition import Definition, StateKind, Transition, TransitionKind, UnitLevel
from workflow.machine import machine_for

officer = Blueprint("officer", __name__, url_prefix="/petugas")


def _user() -> WebUser:
    user: WebUser = current_user
    return user


def _unit_label(tree: UnitTree, code: str) -> str:
    return f"{tree.names.get(code, code)} ({code})"


def _datalists(tree: UnitTree, levels: set[UnitLevel | None]) -> dict[str, list[tuple[str, str]]]:
    """The ``<datalist>`` of units each unit field of the page suggests from."""
    return {
        units_list_id(level): [
            (code, name)
            for code, name in sorted(tree.names.items())
            if level is None or tree.levels[code] is level
        ]
        for level in levels
    }


# -- the inbox -------------------------------------------------------------------------


@officer.get("/")
@roles_required("officer")
def inbox() -> str:
    """The cases of every unit the officer covers, newest received first, 50 a page."""
    user = _user()
    db = app_store(current_app)
    tree = db.tree()
    args = request.args
    try:
        status = Status(args.get("status", Status.open.value))
    except ValueError:
        status = Status.open
    typed = args.get("nomor", "").strip()
    number = normalise(typed) if typed else None
    if number is not None:
        status = Status.all  # a number names one case: find it whatever its status
    chosen_definition = args.get("definisi", "")
    try:
        after = Cursor.decode(args["setelah"]) if args.get("setelah") else None
    except InvalidInput:
        abort(400)
    clock = now()
    with db.read() as conn:
        versions = registry.all_versions(conn)
        by_version = {p.id: p.definition for p in versions}
        query = InboxQuery(
            status=status,
            state=args.get("tahap") or None,
            channel=args.get("kanal") or None,
            overdue=args.get("terlambat") == "1",
            number=number,
            versions=(
                tuple(p.id for p in versions if p.definition.id == chosen_definition)
                if chosen_definition
                else None
            ),
        )
        if typed and number is None:
            page = Page([], None)
        else:
            page = inbox_page(conn, tree.descendants(user.unit_code), query, now=clock, after=after)
    rows = []
    for row in page.rows:
        definition = by_version[row.definition_version_id]
        channel = definition.channels.get(row.channel)
        rows.append(
            {
                "number": row.number,
                "title": row.title,
                "definition": definition.key,
                "state_title": definition.states[row.state].title,
                "unit": _unit_label(tree, row.unit_code),
                "channel": channel.title if channel else row.channel,
                "received_at": row.received_at,
                "due_at": row.due_at,
                "overdue": is_overdue(row, clock),
                "closed": row.closed,
            }
        )
    filters: dict[str, Any] = {k: v for k, v in args.items() if k != "setelah" and v}
    return render_template(
        "officer/inbox.html",
        rows=rows,
        next_url=(url_for(".inbox", **filters, setelah=page.next.encode()) if page.next else None),
        first_url=url_for(".inbox", **filters) if after else None,
        filters=filters,
        invalid_number=bool(typed) and number is None,
        states=_state_options(versions),
        channels=_channel_options(versions),
        definitions=sorted({p.definition.id: p.definition.title for p in versions}.items()),
        statuses=[
            (Status.open.value, _("Terbuka")),
            (Status.closed.value, _("Selesai")),
            (Status.all.value, _("Semua")),
        ],
        unit=_unit_label(tree, user.unit_code),
    )


def _state_options(versions: list[Any]) -> list[tuple[str, str]]:
    titles: dict[str, list[str]] = {}
    for published in versions:
        for name, state in published.definition.states.items():
            if state.kind is StateKind.gateway:
                continue  # a case passes through a gateway, never waits in one
            known = titles.setdefault(name, [])
            if state.title not in known:
                known.append(state.title)
    return sorted(((name, " / ".join(t)) for name, t in titles.items()), key=lambda o: o[1])


def _channel_options(versions: list[Any]) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for published in versions:
        for name, channel in published.definition.channels.items():
            found.setdefault(name, channel.title)
    return sorted(found.items(), key=lambda o: o[1])


# -- the case page and its actions -----------------------------------------------------


def _manual(definition: Definition, state: str, trigger: str, role: str) -> Transition | None:
    """The transition whose fields the action ``trigger`` takes, as the machine picks it:
    the first manual one from ``state`` for ``role`` (else for anyone, so the form can be
    read and the engine can say why it is refused)."""
    manual = [
        t
        for t in machine_for(definition).transitions_from(state, trigger)
        if t.kind is TransitionKind.manual
    ]
    for t in manual:
        if role in t.roles:
            return t
    return manual[0] if manual else None


def _covered_case(conn: Any, tree: UnitTree, number: str) -> Any:
    """The case row, or 404 (malformed or unknown) or 403 (another unit's case)."""
    try:
        row = load(conn, number)
    except NotFound:
        abort(404)
    if not tree.covers(_user().unit_code, row.unit_code):
        abort(403)
    return row


@officer.get("/kasus/<number>")
@roles_required("officer")
def case(number: str) -> str | tuple[str, int]:
    return _case_page(number)


def _case_page(
    number: str,
    *,
    posted: tuple[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The case as its officers see it; ``posted`` is a submitted action form to show
    again with what was typed and its errors."""
    user = _user()
    db = app_store(current_app)
    tree = db.tree()
    with db.read() as conn:
        row = _covered_case(conn, tree, number)
        definition = registry.get(conn, row.definition_version_id).definition
        history = events.history(conn, row.id)
        person = conn.execute(
            sa.select(COMPLAINANTS).where(COMPLAINANTS.c.case_id == row.id)
        ).first()
    machine = machine_for(definition)
    offered = machine.actions(row.state, user.role, row.data, facts_of(tree, row))
    actions = []
    levels: set[UnitLevel | None] = set()
    for t in offered:
        if posted is not None and posted[0] == t.trigger:
            form = posted[1]
            if status == 409:  # show the case as it is now, keep what was typed
                form.expected_version.raw_data = None
                form.expected_version.data = row.row_version
        else:
            form = action_form(
                definition, t, trigger=t.trigger, row_version=row.row_version, bound=False
            )
        levels |= units_used(definition, [*t.fields, *t.optional])
        actions.append({"transition": t, "form": form})
    clock = now()
    page = render_template(
        "officer/case.html",
        case=row,
        definition=definition,
        state=definition.states[row.state],
        unit=_unit_label(tree, row.unit_code),
        origin=_unit_label(tree, row.origin_unit),
        channel=definition.channels.get(row.channel),
        fields=[
            (definition.fields[name].title, shown_value(definition, tree, name, value))
            for name, value in row.data.items()
            if name in definition.fields
        ],
        overdue=is_overdue(row, clock),
        person=person,
        actions=actions,
        unit_lists=_datalists(tree, levels),
        timeline=[_timeline_entry(definition, tree, e) for e in history],
        error=error,
    )
    return page, status


def _timeline_entry(
    definition: Definition, tree: UnitTree, event: dict[str, Any]
) -> dict[str, Any]:
    payload = event["payload"] or {}
    if event["trigger"] == OPEN_TRIGGER:
        title = _("Pengaduan diterima")
    elif event["trigger"] == OVERDUE_TRIGGER:
        title = _("Melewati batas waktu")
    else:
        title = next(
            (
                t.title or t.trigger
                for t in definition.transitions
                if t.trigger == event["trigger"] and t.dest == event["dest"]
            ),
            event["trigger"],
        )
    source = definition.states.get(event["source"] or "")
    return {
        "seq": event["seq"],
        "at": event["occurred_at"],
        "recorded_at": event["recorded_at"],
        "title": title,
        "source": source.title if source else None,
        "dest": definition.states[event["dest"]].title,
        "actor": event["actor"],
        "role": event["role"],
        "diktum": diktum_of(definition, event),
        "fields": [
            (
                definition.fields[name].title if name in definition.fields else name,
                shown_value(definition, tree, name, value),
            )
            for name, value in (payload.get("fields") or {}).items()
        ],
        "unit": (
            _unit_label(tree, payload["unit"])
            if payload.get("unit") and event["trigger"] != OPEN_TRIGGER
            else None
        ),
    }


@officer.post("/kasus/<number>/aksi/<trigger>")
@roles_required("officer")
def act(number: str, trigger: str) -> Response | tuple[str, int]:
    """Take an action: validated, fired in one write transaction, then redirected (PRG)."""
    user = _user()
    db = app_store(current_app)
    tree = db.tree()
    with db.read() as conn:
        row = _covered_case(conn, tree, number)
        definition = registry.get(conn, row.definition_version_id).definition
    transition = _manual(definition, row.state, trigger, user.role)
    form = action_form(
        definition, transition, trigger=trigger, row_version=row.row_version, bound=True
    )
    if not form.validate():
        return _case_page(
            row.number,
            posted=(trigger, form),
            error=_("Periksa kembali isian formulir tindakan."),
            status=422,
        )
    names = [*transition.fields, *transition.optional] if transition else []
    try:
        with db.write() as conn:
            outcome = fire(
                conn,
                tree,
                number=row.number,
                trigger=trigger,
                actor=user.actor,
                fields=supplied(form, names),
                expected_version=form.expected_version.data,
                now=now(),
            )
            unit_now = load(conn, row.number).unit_code
    except Conflict:
        message = _(
            "Pengaduan ini telah diubah oleh orang lain sejak halaman dibuka. "
            "Periksa keadaannya yang terbaru di bawah ini, lalu coba lagi."
        )
        return _case_page(row.number, posted=(trigger, form), error=message, status=409)
    except (Refused, InvalidInput, NotFound) as exc:
        message = _("Tindakan tidak dapat dilakukan: %(reason)s", reason=str(exc))
        return _case_page(row.number, posted=(trigger, form), error=message, status=422)
    state = definition.states[outcome.state]
    flash(
        _("Tindakan dicatat. Tahap sekarang: %(state)s.", state=state.title),
        "info",
    )
    if tree.covers(user.unit_code, unit_now):
        return redirect(url_for(".case", number=row.number))
    flash(
        _(
            "Pengaduan %(number)s kini ditangani %(unit)s.",
            number=row.number,
            unit=_unit_label(tree, unit_now),
        ),
        "info",
    )
    return redirect(url_for(".inbox"))


# -- intake ----------------------------------------------------------------------------


def _intake_offer(conn: Any, role: str) -> list[tuple[Definition, list[tuple[str, str]]]]:
    """The newest version of each definition with in-person channels this role receives
    on, and those channels; the newest instruction first."""
    newest: dict[str, Definition] = {}
    for published in registry.all_versions(conn):
        newest[published.definition.id] = published.definition
    offer = []
    for definition in newest.values():
        channels = [
            (name, channel.title)
            for name, channel in definition.channels.items()
            if channel.kind == "in_person" and role in channel.roles
        ]
        if channels:
            offer.append((definition, channels))
    offer.sort(key=lambda item: item[0].basis.date, reverse=True)
    return offer


@officer.route("/pengaduan-baru", methods=["GET", "POST"])
@roles_required("officer")
def intake() -> Response | tuple[str, int]:
    """Record an in-person complaint (possibly typed in after the session) and print its
    receipt. Outside the channel's window the definition's message is shown and nothing
    is written."""
    user = _user()
    db = app_store(current_app)
    tree = db.tree()
    with db.read() as conn:
        offer = _intake_offer(conn, user.role)
    if not offer:
        return render_template("officer/intake.html", offer=[], form=None), 200
    posting = request.method == "POST"
    wanted = request.form.get("definition") if posting else request.args.get("definisi")
    chosen = next((item for item in offer if item[0].id == wanted), None)
    if chosen is None:
        if posting:
            abort(400)
        chosen = offer[0]
    definition, channels = chosen
    units = [(code, _unit_label(tree, code)) for code in sorted(tree.descendants(user.unit_code))]
    form = officer_intake_form(definition, channels=channels, units=units)
    error = None
    status = 200
    if not posting:
        form.definition.data = definition.id
        form.channel.data = channels[0][0]
        form.unit.data = user.unit_code
    elif form.validate_on_submit():
        try:
            with db.write() as conn:
                receipt = open_case(
                    conn,
                    tree,
                    definition_ref=definition.key,
                    unit_code=form.unit.data,
                    channel=form.channel.data,
                    title=form.title.data,
                    description=form.description.data or "",
                    category=form.category.data if "category" in form else None,
                    fields=supplied(form, [*definition.intake.fields, *definition.intake.optional]),
                    received_at=form.received_at.data,
                    now=now(),
                    actor=user.actor,
                    complainant=personal_data(form),
                )
        except (Refused, InvalidInput, NotFound) as exc:
            error, status = str(exc), 422
        else:
            flash(_("Pengaduan diterima dengan nomor %(number)s.", number=receipt.number), "info")
            return redirect(url_for(".receipt", number=receipt.number))
    else:
        status = 422
    levels = units_used(definition, [*definition.intake.fields, *definition.intake.optional])
    page = render_template(
        "officer/intake.html",
        offer=offer,
        definition=definition,
        form=form,
        error=error,
        unit_lists=_datalists(tree, levels),
    )
    return page, status


@officer.get("/tanda-terima/<number>")
@roles_required("officer")
def receipt(number: str) -> str:
    """The printable receipt of a complaint the officer's units received or handle."""
    user = _user()
    db = app_store(current_app)
    tree = db.tree()
    with db.read() as conn:
        try:
            view = receipt_view(conn, tree, number)
        except NotFound:
            abort(404)
        if not (
            tree.covers(user.unit_code, view.origin_unit)
            or tree.covers(user.unit_code, view.unit_code)
        ):
            abort(403)
        person = conn.execute(
            sa.select(COMPLAINANTS.c.name, COMPLAINANTS.c.anonymous).where(
                COMPLAINANTS.c.case_id == view.case_id
            )
        ).first()
    return render_template("citizen/receipt.html", receipt=view, public=False, person=person)
