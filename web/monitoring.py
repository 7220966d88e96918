"""Monitoring (2024 KESATU b): the engine's reports as pages and charts."""

from __future__ import annotations

from flask import Blueprint

monitoring = Blueprint("monitoring", __name__, url_prefix="/pemantauan")


@monitoring.get("/")
def index() -> str:
    return "Segera hadir."  # placeholder until this page is built
