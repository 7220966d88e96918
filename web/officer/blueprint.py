"""The ``officer`` blueprint under ``/petugas``, and what its pages share: the signed-in
officer, unit labels and the unit suggestions of unit fields."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from engine.units import UnitTree
from web.auth import WebUser
from web.forms import units_list_id
from workflow.definition import UnitLevel

officer = Blueprint("officer", __name__, url_prefix="/petugas")


def current_officer() -> WebUser:
    user: WebUser = current_user
    return user


def unit_label(tree: UnitTree, code: str) -> str:
    return f"{tree.names.get(code, code)} ({code})"


def unit_datalists(
    tree: UnitTree, levels: set[UnitLevel | None]
) -> dict[str, list[tuple[str, str]]]:
    """The ``<datalist>`` of units each unit field of the page suggests from."""
    return {
        units_list_id(level): [
            (code, name)
            for code, name in sorted(tree.names.items())
            if level is None or tree.levels[code] is level
        ]
        for level in levels
    }
