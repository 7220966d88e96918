"""What the app holds for its whole life: the database store."""

from __future__ import annotations

from flask import Flask

from engine.store import Store


def app_store(app: Flask) -> Store:
    """The app's store: one per process, opened on first use, shared by CLI and views."""
    found: Store | None = app.extensions.get("diktum.store")
    if found is None:
        found = Store(app.config["DATABASE_URL"])
        app.extensions["diktum.store"] = found
    return found
