"""The Flask application factory, in the shape of Flask's own tutorial."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, render_template, request, session
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from engine.db import sqlite_url
from web.admin import admin
from web.api import api
from web.auditor import auditor
from web.auth import auth, login_manager
from web.citizen import citizen
from web.extensions import babel, csrf, limiter
from web.faults import ERRORS, fault_page
from web.home import home
from web.messages import say
from web.monitoring import monitoring
from web.officer import officer
from web.open311 import open311

DEFAULT_DEFINITIONS = Path(__file__).resolve().parent.parent / "definitions"
"""The definitions shipped with the product, next to the packages in a checkout."""

LANGUAGES = ("id", "en")
DEVELOPMENT_SECRET = "dev"
"""Signs sessions of `make run` on loopback; ``web.wsgi`` refuses to serve with it."""

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
"""Scripts only from our own static files (no inline script); Mermaid draws inline
styles into its SVG, so styles allow inline."""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Configuration: defaults, then ``instance/config.py``, then ``DIKTUM_*`` variables
    (``DIKTUM_DATABASE_URL``, ``DIKTUM_SECRET_KEY``, ``DIKTUM_TIMEZONE``,
    ``DIKTUM_PROXY_HOPS``, ``DIKTUM_RATELIMIT_STORAGE_URI``); tests pass a mapping instead."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=DEVELOPMENT_SECRET,
        DEFINITIONS_DIR=str(DEFAULT_DEFINITIONS),
        TIMEZONE="Asia/Jakarta",
        DATABASE_URL=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=1024 * 1024,
        BABEL_DEFAULT_LOCALE="id",
        BABEL_DEFAULT_TIMEZONE="Asia/Jakarta",
        RATELIMIT_ENABLED=True,
        PROXY_HOPS=0,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("DIKTUM")
    else:
        app.config.from_mapping(test_config)
    if not app.config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = sqlite_url(app.instance_path)

    hops = int(app.config["PROXY_HOPS"])
    if hops:
        # Behind a load balancer the client's address and scheme come in X-Forwarded-*
        # headers; rate limits key on that address, so trust exactly this many proxies.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    for blueprint in (home, auth, officer, citizen, admin, auditor, monitoring, api, open311):
        app.register_blueprint(blueprint)
    app.jinja_env.filters["wib"] = lambda value: _wib(value, app.config["TIMEZONE"])
    app.jinja_env.filters["say"] = say
    app.jinja_env.globals["languages"] = LANGUAGES
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.after_request(_security_headers)
    for database_error in ERRORS:
        app.register_error_handler(database_error, fault_page)
    for code in (400, 403, 404, 413, 429):
        app.register_error_handler(code, _error_page)
    return app


def _locale() -> str:
    """Indonesian by default; ``?lang=en`` switches and is remembered in the session."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return str(session.get("lang", "id"))


def _wib(value: dt.datetime | None, timezone: str) -> str:
    """Every time is shown in WIB, whatever it was stored in."""
    if value is None:
        return "-"
    return value.astimezone(ZoneInfo(timezone)).strftime("%d-%m-%Y %H:%M WIB")


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _error_page(error: Any) -> tuple[str, int]:
    code = getattr(error, "code", 500) or 500
    return render_template("error.html", code=code, error=error), code
