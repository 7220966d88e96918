"""Officers: their unit's inbox, the case page with its actions, intake with a receipt."""

from __future__ import annotations

from flask import Blueprint

officer = Blueprint("officer", __name__, url_prefix="/petugas")


@officer.get("/")
def inbox() -> str:
    return "Segera hadir."  # placeholder until this page is built


@officer.get("/pengaduan-baru")
def intake() -> str:
    return "Segera hadir."  # placeholder until this page is built
