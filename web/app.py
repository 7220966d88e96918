"""The Flask application factory, in the shape of Flask's own tutorial."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, jsonify

from workflow.definition import Definition
from workflow.loader import load_all

DEFAULT_DEFINITIONS = Path(__file__).resolve().parent.parent / "definitions"
"""The definitions shipped with the product, next to the packages in a checkout."""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",
        DEFINITIONS_DIR=str(DEFAULT_DEFINITIONS),
        TIMEZONE="Asia/Jakarta",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("DIKTUM")
    else:
        app.config.from_mapping(test_config)

    @app.get("/api/v1/definitions")
    def definitions() -> Any:
        return jsonify([_summary(d) for d in shipped_definitions(app)])

    return app


def shipped_definitions(app: Flask) -> list[Definition]:
    """The definitions in the configured directory, loaded and validated."""
    return load_all(sorted(Path(app.config["DEFINITIONS_DIR"]).glob("*.yaml")))


def _summary(definition: Definition) -> dict[str, Any]:
    return {
        "id": definition.id,
        "version": definition.version,
        "title": definition.title,
        "basis": definition.basis.model_dump(mode="json"),
    }
