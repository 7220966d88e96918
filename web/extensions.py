"""What the app holds for its whole life: the database store and the Flask extensions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect

from engine.store import Store

csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")
"""Per-process counters: enough to slow guessing on one machine; behind a load balancer
each process counts for itself (see the README's deployment notes)."""


def app_store(app: Flask) -> Store:
    """The app's store: one per process, opened on first use, shared by CLI and views."""
    found: Store | None = app.extensions.get("diktum.store")
    if found is None:
        found = Store(app.config["DATABASE_URL"])
        app.extensions["diktum.store"] = found
    return found


def now() -> dt.datetime:
    """The engine's clock at the web edge: ``NOW`` from the config (``DIKTUM_NOW``, as
    the CLI's ``--now``) for simulations, demos and tests, else the real clock."""
    fixed = current_app.config.get("NOW")
    if not fixed:
        return dt.datetime.now(dt.UTC)
    instant = fixed if isinstance(fixed, dt.datetime) else dt.datetime.fromisoformat(str(fixed))
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=zone())
    return instant


def zone() -> ZoneInfo:
    """The users' time zone (WIB unless configured otherwise)."""
    return ZoneInfo(current_app.config["TIMEZONE"])
