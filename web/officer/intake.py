"""Intake: an in-person complaint recorded by an officer, and its printable receipt."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine import registry
from engine.cases import COMPLAINANTS, open_case
from engine.errors import InvalidInput, NotFound, Refused
from web.auth import roles_required
from web.citizen import receipt_view
from web.extensions import app_store, now
from web.forms import officer_intake_form, personal_data, supplied, units_used
from web.messages import say_error
from web.officer.blueprint import current_officer, officer, unit_datalists, unit_label
from workflow.definition import Definition


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
    user = current_officer()
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
    units = [(code, unit_label(tree, code)) for code in sorted(tree.descendants(user.unit_code))]
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
            error, status = say_error(exc), 422
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
        unit_lists=unit_datalists(tree, levels),
    )
    return page, status


@officer.get("/tanda-terima/<number>")
@roles_required("officer")
def receipt(number: str) -> str:
    """The printable receipt of a complaint the officer's units received or handle."""
    user = current_officer()
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
