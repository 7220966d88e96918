"""The Flask application factory, in the shape of Flask's own tutorial."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from engine.db import sqlite_url
from web.home import home

DEFAULT_DEFINITIONS = Path(__file__).resolve().parent.parent / "definitions"
"""The definitions shipped with the product, next to the packages in a checkout."""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Configuration: defaults, then ``instance/config.py``, then ``DIKTUM_*`` variables
    (``DIKTUM_DATABASE_URL``, ``DIKTUM_SECRET_KEY``, ``DIKTUM_TIMEZONE``); tests pass a
    mapping instead."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",
        DEFINITIONS_DIR=str(DEFAULT_DEFINITIONS),
        TIMEZONE="Asia/Jakarta",
        DATABASE_URL=None,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("DIKTUM")
    else:
        app.config.from_mapping(test_config)
    if not app.config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = sqlite_url(app.instance_path)
    app.register_blueprint(home)
    return app
