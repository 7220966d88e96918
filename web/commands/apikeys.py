"""Commands for API keys: create one (shown once), list them, revoke one."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from engine import apikeys
from web.clitools import emit, handled, json_option, now_option, store


@click.group(cls=AppGroup)
def apikey() -> None:
    """API keys for the JSON API and Open311 clients."""


@apikey.command("create")
@click.argument("name")
@click.option("--user", "user_name", help="Act as this user (role and unit scope).")
@json_option
@now_option
@handled
def apikey_create(name: str, user_name: str | None, as_json: bool, now: dt.datetime) -> None:
    """Create a key and print it once: only its hash is stored."""
    with store().write() as conn:
        info, key = apikeys.create(conn, name, now, user_name)
    bound = f" acting as {info.user_name}" if info.user_name else ""
    emit(
        {"key": key} | info.as_dict(),
        as_json,
        f"API key '{info.name}'{bound} (shown once, keep it safe):\n{key}",
    )


@apikey.command("list")
@json_option
@handled
def apikey_list(as_json: bool) -> None:
    """Every key with its user and state (never the keys themselves)."""
    with store().read() as conn:
        keys = [k.as_dict() for k in apikeys.list_keys(conn)]
    lines = [
        f"{k['name']}\t{k['user'] or '-'}\t{'active' if k['active'] else 'revoked'}" for k in keys
    ]
    emit(keys, as_json, "\n".join(lines))


@apikey.command("revoke")
@click.argument("name")
@json_option
@handled
def apikey_revoke(name: str, as_json: bool) -> None:
    """Deactivate a key at once."""
    with store().write() as conn:
        info = apikeys.revoke(conn, name)
    emit(info.as_dict(), as_json, f"revoked {info.name}")
