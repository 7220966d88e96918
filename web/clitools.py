"""What every ``diktum`` command shares: JSON output, the clock, errors and exit codes.

Errors are mapped to exit codes here and only here: 1 for invalid input or a refused
action, 2 for usage errors (click's own), 3 for a failed audit, 4 for a conflict, 5 when
the database is unavailable, read-only or full (nothing was written; run it again once
the fault clears).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import click
from flask import current_app, has_app_context
from sqlalchemy import exc as sa_exc

from engine.db import fault_of
from engine.errors import Conflict, EngineError
from engine.store import Store
from web.extensions import app_store
from workflow.errors import DefinitionError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1
EXIT_AUDIT = 3
EXIT_CONFLICT = 4
EXIT_DATABASE = 5


def json_option(func: F) -> F:
    """The ``--json`` flag every reporting command takes."""
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(func)


def now_option(func: F) -> F:
    """``--now`` (or ``DIKTUM_NOW``) fixes the engine's clock for simulations and tests."""
    return click.option(
        "--now",
        "now",
        envvar="DIKTUM_NOW",
        callback=_parse_now,
        help="Take this ISO 8601 instant as now (default: the real clock).",
    )(func)


def _parse_now(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.datetime:
    return parse_instant(value, "--now") if value else dt.datetime.now(dt.UTC)


def parse_instant(value: str, what: str) -> dt.datetime:
    """An ISO 8601 instant; without an offset it is taken as WIB (the users' clock)."""
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        message = f"'{value}' is not an ISO 8601 date-time"
        raise click.BadParameter(message, param_hint=what) from None
    if instant.tzinfo is None:
        # Option callbacks run before the app context exists: fall back to the variable.
        zone = (
            current_app.config["TIMEZONE"]
            if has_app_context()
            else os.environ.get("DIKTUM_TIMEZONE", "Asia/Jakarta")
        )
        instant = instant.replace(tzinfo=ZoneInfo(zone))
    return instant


def emit(payload: Any, as_json: bool, text: str) -> None:
    """Print ``payload`` as JSON, or ``text`` for people."""
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=_jsonable))
    else:
        click.echo(text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """A one-line error on stderr and a non-zero exit; nothing has been written."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handled(func: F) -> F:
    """Turn the engine's and the model's errors into one-line messages and exit codes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DefinitionError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            sys.exit(EXIT_INVALID)
        except Conflict as exc:
            fail(str(exc), EXIT_CONFLICT)
        except EngineError as exc:
            fail(str(exc))
        except (sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
            fault = fault_of(exc)
            if fault is None:
                raise
            fail(fault.message, EXIT_DATABASE)

    return wrapper  # type: ignore[return-value]


def store() -> Store:
    """The current app's store."""
    return app_store(current_app)


def parse_fields(pairs: tuple[str, ...], option: str = "--field") -> dict[str, str]:
    """``--field k=v`` pairs; a pair without ``=`` is a usage error."""
    fields: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"'{pair}' is not key=value", param_hint=option)
        fields[key.strip()] = value
    return fields
