"""Administrators: definitions and their versions, units, users, erasure of personal data.

Definitions are edited as YAML and published as new versions through the same
``engine.registry.publish`` as ``diktum definitions load``: a file with problems is shown
back with each problem at its line and nothing is published; identical content is a
no-op; other content under an existing id@version is refused with the next free version.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy.engine import Connection
from werkzeug.wrappers import Response

from engine import counts, registry
from engine.accounts import accounts, add_account, role_levels, set_active, set_password
from engine.errors import EngineError, InvalidInput, NotFound
from engine.privacy import erase_personal_data
from engine.registry import VERSIONS, Published
from engine.units import UnitTree
from engine.users import MIN_PASSWORD
from web.auth import ADMIN, WebUser, roles_required
from web.extensions import app_store, now
from web.messages import say_error
from workflow.diagram import mermaid
from workflow.errors import DefinitionError, Problem

admin = Blueprint("admin", __name__, url_prefix="/admin")

UNITS_PER_PAGE = 50
UPLOAD_NAME = "definisi.yaml"
"""What problems of YAML typed into the form are reported against."""


@admin.before_request
@roles_required(ADMIN)
def _administrators_only() -> None:
    """Every page here is for administrators: others get 403, anonymous users sign in."""


# Definitions ------------------------------------------------------------------------


@admin.get("/definisi")
def definitions() -> str:
    with app_store(current_app).read() as conn:
        versions = registry.all_versions(conn)
        open_cases = counts.open_per_version(conn)
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for published in versions:
        definition = published.definition
        grouped[definition.id].append(
            {
                "version": definition.version,
                "title": definition.title,
                "published_at": published.published_at,
                "hash": published.content_hash[:12],
                "open": open_cases.get(published.id, 0),
            }
        )
    items = [
        {"id": ident, "title": rows[-1]["title"], "versions": rows[::-1]}
        for ident, rows in sorted(grouped.items())
    ]
    return render_template("admin/definitions.html", items=items)


@admin.get("/definisi/<definition_id>/<int:version>")
def version(definition_id: str, version: int) -> str:
    with app_store(current_app).read() as conn:
        published, content = _published(conn, f"{definition_id}@{version}")
        per_state = counts.open_per_state(conn, published.id)
        newest = registry.latest_version(conn, definition_id)
    definition = published.definition
    normalised = definition.model_dump(mode="json", by_alias=True)
    return render_template(
        "admin/version.html",
        published=published,
        definition=definition,
        counts=per_state,
        open_total=sum(per_state.values()),
        diagram=mermaid(definition, per_state),
        content=content,
        newest=newest,
        normalised=json.dumps(normalised, ensure_ascii=False, indent=2),
    )


@admin.route("/definisi/unggah", methods=["GET", "POST"])
def upload() -> str | Response | tuple[str, int]:
    """The editor: YAML in a textarea (prefilled from ``?dari=id@version``) or a file."""
    if request.method == "GET":
        content = ""
        source = request.args.get("dari", "").strip()
        if source:
            with app_store(current_app).read() as conn:
                content = _published(conn, source)[1]
        return render_template("admin/upload.html", content=content, source=source)
    text, name, unreadable = _submitted_yaml()
    if unreadable:
        return _upload_page(text, [], unreadable, 400)
    if not text.strip():
        return _upload_page(text, [], _("Tuliskan YAML definisi atau pilih sebuah berkas."), 400)
    try:
        with app_store(current_app).write() as conn:
            published, new = registry.publish(conn, text, name, now(), by=current_user.name)
    except DefinitionError as exc:
        return _upload_page(text, exc.problems, None, 422)
    except InvalidInput as exc:
        return _upload_page(text, [], say_error(exc), 409)
    key = published.definition.key
    if new:
        flash(_("Definisi %(key)s diterbitkan sebagai versi baru.", key=key), "info")
    else:
        flash(
            _("Isi sama dengan %(key)s yang sudah diterbitkan: tidak ada yang berubah.", key=key),
            "info",
        )
    target = url_for(
        "admin.version",
        definition_id=published.definition.id,
        version=published.definition.version,
    )
    return redirect(target, code=303)


def _submitted_yaml() -> tuple[str, str, str | None]:
    """The YAML text, the name problems are reported against, and why it is unreadable."""
    upload = request.files.get("berkas")
    if upload is not None and upload.filename:
        name = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or UPLOAD_NAME
        try:
            return upload.read().decode("utf-8"), name, None
        except UnicodeDecodeError:
            return "", name, _("Berkas %(name)s bukan teks UTF-8.", name=name)
    # Browsers send a textarea's line breaks as CRLF: publish what the administrator saw,
    # so unchanged YAML hashes as the version it was copied from.
    return request.form.get("isi", "").replace("\r\n", "\n"), UPLOAD_NAME, None


def _upload_page(
    text: str, problems: list[Problem], error: str | None, status: int
) -> tuple[str, int]:
    by_line: dict[int, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_line[problem.line].append(problem)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    page = render_template(
        "admin/upload.html",
        content=text,
        source="",
        problems=problems,
        listing=[(n, line, by_line.get(n, [])) for n, line in enumerate(lines, start=1)],
        beyond=[p for p in problems if p.line > len(lines)],
        error=error,
    )
    return page, status


def _published(conn: Connection, ref: str) -> tuple[Published, str]:
    """A published version and its YAML as published; 404 when there is none."""
    try:
        published = registry.find(conn, ref)
    except (NotFound, InvalidInput):
        abort(404)
    content = conn.execute(
        sa.select(VERSIONS.c.content).where(VERSIONS.c.id == published.id)
    ).scalar_one()
    return published, str(content)


# Personal data ----------------------------------------------------------------------


@admin.get("/data-pribadi")
def personal_data() -> str:
    return render_template("admin/erase.html", form={}, error=None)


@admin.post("/data-pribadi")
def erase() -> Response | tuple[str, int]:
    """Erase a complainant's contact data on request; the engine logs the erasure."""
    form = {key: request.form.get(key, "").strip() for key in ("number", "reason")}
    error = None
    if not (form["number"] and form["reason"]):
        error = _("Nomor pengaduan dan alasan wajib diisi.")
    elif request.form.get("confirm") != "yes":
        error = _("Centang konfirmasi: penghapusan tidak dapat dibatalkan.")
    else:
        try:
            with app_store(current_app).write() as conn:
                erased = erase_personal_data(
                    conn,
                    number=form["number"],
                    actor=current_user.actor,
                    reason=form["reason"],
                    now=now(),
                )
        except EngineError as exc:
            error = say_error(exc)
    if error is not None:
        return render_template("admin/erase.html", form=form, error=error), 400
    flash(
        _(
            "Data pribadi pelapor %(number)s dihapus; peristiwa #%(seq)s mencatatnya.",
            number=erased.number,
            seq=erased.seq,
        ),
        "info",
    )
    return redirect(url_for("admin.personal_data"), code=303)


# Users ------------------------------------------------------------------------------


@admin.get("/pengguna")
def users() -> str:
    return _users_page({}, None)[0]


@admin.post("/pengguna")
def add_user() -> Response | tuple[str, int]:
    form = {key: request.form.get(key, "").strip() for key in ("name", "role", "unit")}
    password = request.form.get("password", "")
    error = None
    if not all(form.values()):
        error = _("Nama, peran dan unit wajib diisi.")
    elif len(password) < MIN_PASSWORD:
        error = _("Kata sandi paling sedikit %(n)d karakter.", n=MIN_PASSWORD)
    if error is None:
        store = app_store(current_app)
        try:
            with store.write() as conn:
                add_account(
                    conn,
                    store.tree(),
                    name=form["name"],
                    role=form["role"],
                    unit_code=form["unit"],
                    password=password,
                )
        except EngineError as exc:
            error = say_error(exc)
    if error is not None:
        return _users_page(form, error, 400)
    flash(_("Pengguna %(name)s ditambahkan.", name=form["name"]), "info")
    return redirect(url_for("admin.users"), code=303)


@admin.post("/pengguna/<name>/nonaktifkan")
def deactivate(name: str) -> Response:
    if name == current_user.name:
        flash(_("Anda tidak dapat menonaktifkan akun Anda sendiri."), "error")
        return redirect(url_for("admin.users"), code=303)
    return _set_active(name, False, _("Pengguna %(name)s dinonaktifkan.", name=name))


@admin.post("/pengguna/<name>/aktifkan")
def activate(name: str) -> Response:
    return _set_active(name, True, _("Pengguna %(name)s diaktifkan kembali.", name=name))


@admin.post("/pengguna/<name>/sandi")
def change_password(name: str) -> Response | tuple[str, int]:
    """A new password for a user who forgot theirs (or whose password others may know):
    their sessions end. An administrator changing their own stays signed in here."""
    password = request.form.get("password", "")
    if len(password) < MIN_PASSWORD:
        error = _("Kata sandi paling sedikit %(n)d karakter.", n=MIN_PASSWORD)
        return _users_page({}, error, 400)
    try:
        with app_store(current_app).write() as conn:
            token = set_password(conn, name, password)
    except NotFound:
        abort(404)
    if name == current_user.name:
        login_user(WebUser(current_user.name, current_user.role, current_user.unit_code, token))
    flash(_("Kata sandi %(name)s diganti; semua sesinya berakhir.", name=name), "info")
    return redirect(url_for("admin.users"), code=303)


def _set_active(name: str, active: bool, message: str) -> Response:
    try:
        with app_store(current_app).write() as conn:
            set_active(conn, name, active)
    except NotFound:
        abort(404)
    flash(message, "info")
    return redirect(url_for("admin.users"), code=303)


def _users_page(form: dict[str, str], error: str | None, status: int = 200) -> tuple[str, int]:
    store = app_store(current_app)
    tree = store.tree()
    with store.read() as conn:
        people = accounts(conn)
        levels = role_levels(conn)
    roles = [
        {"name": name, "levels": ", ".join(sorted(level.value for level in found))}
        for name, found in sorted(levels.items())
    ]
    page = render_template(
        "admin/users.html",
        people=people,
        names=tree.names,
        roles=roles,
        units=sorted(tree.names.items()),
        form=form,
        error=error,
        min_password=MIN_PASSWORD,
    )
    return page, status


# Units ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: str
    depth: int
    path: list[str]
    """Names of the units above, from the top."""


@admin.get("/unit")
def units() -> str:
    tree = app_store(current_app).tree()
    query = request.args.get("q", "").strip()
    rows = _tree_rows(tree)
    if query:
        needle = query.casefold()
        rows = [r for r in rows if needle in r.code.casefold() or needle in r.name.casefold()]
    pages = max(1, math.ceil(len(rows) / UNITS_PER_PAGE))
    page = min(max(request.args.get("halaman", 1, type=int) or 1, 1), pages)
    shown = rows[(page - 1) * UNITS_PER_PAGE : page * UNITS_PER_PAGE]
    return render_template(
        "admin/units.html", rows=shown, total=len(rows), page=page, pages=pages, query=query
    )


def _tree_rows(tree: UnitTree) -> list[UnitRow]:
    """Every unit depth-first from the roots, children by code."""
    rows: list[UnitRow] = []
    roots = sorted(code for code, parent in tree.parents.items() if parent is None)
    stack = [(code, 0) for code in reversed(roots)]
    while stack:
        code, depth = stack.pop()
        above = tree.ancestors(code)[1:]
        rows.append(
            UnitRow(
                code,
                tree.names[code],
                tree.levels[code].value,
                depth,
                [tree.names[a] for a in reversed(above)],
            )
        )
        stack.extend(
            (child, depth + 1) for child in sorted(tree.children.get(code, ()), reverse=True)
        )
    return rows
