"""Citizens: the public electronic complaint form and the tracking page (no personal data)."""

from __future__ import annotations

from flask import Blueprint

citizen = Blueprint("citizen", __name__)


@citizen.get("/adukan")
def file() -> str:
    return "Segera hadir."  # placeholder until this page is built


@citizen.get("/lacak")
def track_form() -> str:
    return "Segera hadir."  # placeholder until this page is built
