"""The case page: a case as its officers see it, its timeline, and the actions they may
take on it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine import events, registry
from engine.cases import COMPLAINANTS, OPEN_TRIGGER, facts_of, fire, load
from engine.errors import Conflict, InvalidInput, NotFound, Refused
from engine.inbox import is_overdue
from engine.privacy import ERASE_TRIGGER
from engine.tick import OVERDUE_TRIGGER
from engine.units import UnitTree
from engine.versioning import MIGRATE_TRIGGER
from web.auth import roles_required
from web.citizen import diktum_of, shown_value
from web.extensions import app_store, now
from web.forms import action_form, supplied, units_used
from web.messages import say_error
from web.officer.blueprint import current_officer, officer, unit_datalists, unit_label
from workflow.definition import Definition, Transition, TransitionKind, UnitLevel
from workflow.machine import machine_for


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
    if not tree.covers(current_officer().unit_code, row.unit_code):
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
    user = current_officer()
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
        unit=unit_label(tree, row.unit_code),
        origin=unit_label(tree, row.origin_unit),
        channel=definition.channels.get(row.channel),
        fields=[
            (definition.fields[name].title, shown_value(definition, tree, name, value))
            for name, value in row.data.items()
            if name in definition.fields
        ],
        overdue=is_overdue(row, clock),
        person=person,
        actions=actions,
        unit_lists=unit_datalists(tree, levels),
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
    elif event["trigger"] == MIGRATE_TRIGGER:
        title = _("Dipindahkan ke versi definisi lain")
    elif event["trigger"] == ERASE_TRIGGER:
        title = _("Data pribadi pelapor dihapus atas permintaan")
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
            unit_label(tree, payload["unit"])
            if payload.get("unit") and event["trigger"] != OPEN_TRIGGER
            else None
        ),
    }


@officer.post("/kasus/<number>/aksi/<trigger>")
@roles_required("officer")
def act(number: str, trigger: str) -> Response | tuple[str, int]:
    """Take an action: validated, fired in one write transaction, then redirected (PRG)."""
    user = current_officer()
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
        message = _("Tindakan tidak dapat dilakukan: %(reason)s", reason=say_error(exc))
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
            unit=unit_label(tree, unit_now),
        ),
        "info",
    )
    return redirect(url_for(".inbox"))
