"""The inbox: the cases of every unit the officer covers, filtered and paged."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from engine import registry
from engine.errors import InvalidInput
from engine.inbox import Cursor, InboxQuery, Page, Status, is_overdue
from engine.inbox import inbox as inbox_page
from engine.numbers import normalise
from web.auth import roles_required
from web.extensions import app_store, now
from web.officer.blueprint import current_officer, officer, unit_label
from workflow.definition import StateKind


@officer.get("/")
@roles_required("officer")
def inbox() -> str:
    """The cases of every unit the officer covers, newest received first, 50 a page."""
    user = current_officer()
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
                "unit": unit_label(tree, row.unit_code),
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
        unit=unit_label(tree, user.unit_code),
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
