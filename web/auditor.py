"""Auditors: case histories as a stepper, replay verdicts, exports, whole-log verification."""

from __future__ import annotations

from flask import Blueprint

auditor = Blueprint("auditor", __name__, url_prefix="/audit")


@auditor.get("/")
def index() -> str:
    return "Segera hadir."  # placeholder until this page is built
