"""Administrators: definitions and their versions, units and users."""

from __future__ import annotations

from flask import Blueprint

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.get("/definisi")
def definitions() -> str:
    return "Segera hadir."  # placeholder until this page is built


@admin.get("/pengguna")
def users() -> str:
    return "Segera hadir."  # placeholder until this page is built
