"""Commands that set Diktum up: the schema, the shipped data, users."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup, with_appcontext

from engine import registry
from engine.accounts import add_account, set_password
from engine.migrate import upgrade
from engine.units import load_units, read_csv
from engine.users import list_users
from web.clitools import emit, handled, json_option, now_option, store
from web.commands.definitions import shipped_files


@click.group(cls=AppGroup)
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@handled
def db_upgrade() -> None:
    """Migrate the schema to the newest revision (Alembic)."""
    upgrade(store().url)
    click.echo("schema up to date")


@click.command()
@with_appcontext
@click.option("--demo", is_flag=True, help="Also add a user per role and sample cases.")
@json_option
@now_option
@handled
def init(demo: bool, as_json: bool, now: dt.datetime) -> None:
    """Upgrade the schema, publish definitions/, load the unit tree (idempotent)."""
    db_store = store()
    upgrade(db_store.url)
    with db_store.write() as conn:
        units = load_units(conn, read_csv())
        published = registry.publish_files(conn, shipped_files(), now)
    db_store.forget_tree()
    report: dict[str, object] = {
        "units_added": units,
        "definitions": [{"definition": p.definition.key, "published": new} for p, new in published],
    }
    lines = [f"units added: {units}"]
    lines += [f"{'published' if new else 'unchanged'} {p.definition.key}" for p, new in published]
    if demo:
        from web.demo import seed

        logins = seed(db_store, now)
        report["logins"] = logins
        lines.append("demo logins (user / password / role / unit):")
        lines += [f"  {u['name']} / {u['password']} / {u['role']} / {u['unit']}" for u in logins]
    emit(report, as_json, "\n".join(lines))


@click.group(cls=AppGroup)
def user() -> None:
    """Users: officers, administrators, auditors."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, help="A role of the definitions, or admin/auditor.")
@click.option("--unit", "unit_code", required=True, help="The unit code, e.g. 31.74.01.")
@click.option("--password", envvar="DIKTUM_PASSWORD", help="Sign-in password (>= 10 chars).")
@json_option
@handled
def user_add(name: str, role: str, unit_code: str, password: str | None, as_json: bool) -> None:
    """Add a user at a unit with a role."""
    db_store = store()
    tree = db_store.tree()
    with db_store.write() as conn:
        actor = add_account(
            conn, tree, name=name, role=role, unit_code=unit_code, password=password
        )
    emit(actor.__dict__, as_json, f"added {actor.name} ({actor.role} at {actor.unit_code})")


@user.command("password")
@click.argument("name")
@click.option(
    "--password", envvar="DIKTUM_PASSWORD", required=True, help="The new password (>= 10 chars)."
)
@json_option
@handled
def user_password(name: str, password: str, as_json: bool) -> None:
    """Set a user's password; every session they hold ends."""
    with store().write() as conn:
        set_password(conn, name, password)
    emit(
        {"name": name, "sessions_ended": True},
        as_json,
        f"new password for {name}; their sessions ended",
    )


@user.command("list")
@json_option
@handled
def user_list(as_json: bool) -> None:
    """Every user with role and unit."""
    with store().read() as conn:
        users = list_users(conn)
    emit(users, as_json, "\n".join(f"{u['name']}\t{u['role']}\t{u['unit']}" for u in users))
