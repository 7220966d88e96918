"""Administering user accounts: who may hold which role where, adding, deactivating and
setting a new password.

The CLI (``diktum user add``) and the administrators' page both add users through
``add_account``, so a role is checked against the unit's level the same way everywhere:
a role of a definition acts at the levels that definition gives it (a ``camat`` at a
kecamatan), and Diktum's own roles (``admin``, ``auditor``) act anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine import registry
from engine.errors import InvalidInput
from engine.units import UnitTree
from engine.users import USERS, Actor, add_user, end_sessions, hash_password
from workflow.definition import UnitLevel
from workflow.messages import Text

SYSTEM_ROLES = frozenset({"admin", "auditor"})
"""Roles of Diktum itself, not of a definition: administrators and auditors."""


@dataclass(frozen=True)
class Account:
    """A user as an administrator sees them (never the password hash)."""

    name: str
    role: str
    unit_code: str
    active: bool


def role_levels(conn: Connection) -> dict[str, frozenset[UnitLevel]]:
    """Every role of the published definitions with the levels it acts at; Diktum's own
    roles act anywhere (an empty set)."""
    levels: dict[str, set[UnitLevel]] = {name: set() for name in SYSTEM_ROLES}
    for published in registry.all_versions(conn):
        for name, spec in published.definition.roles.items():
            levels.setdefault(name, set()).add(spec.level)
    return {name: frozenset(found) for name, found in levels.items()}


def check_assignment(
    tree: UnitTree, levels: dict[str, frozenset[UnitLevel]], role: str, unit_code: str
) -> None:
    """Raise ``NotFound`` for an unknown unit, ``InvalidInput`` for an unknown role or a
    role at a unit of the wrong level."""
    tree.require(unit_code)
    if role not in levels:
        raise InvalidInput(
            Text(
                "unknown role '%(role)s' (roles: %(known)s)",
                role=role,
                known=", ".join(sorted(levels)),
            )
        )
    if levels[role] and tree.levels[unit_code] not in levels[role]:
        wanted = " or ".join(sorted(level.value for level in levels[role]))
        raise InvalidInput(
            Text(
                "role '%(role)s' acts at %(wanted)s level, but unit %(unit)s is a %(level)s",
                role=role,
                wanted=wanted,
                unit=unit_code,
                level=tree.levels[unit_code].value,
            )
        )


def add_account(
    conn: Connection,
    tree: UnitTree,
    *,
    name: str,
    role: str,
    unit_code: str,
    password: str | None,
) -> Actor:
    """Add a user after checking the role against the unit; nothing is written on error."""
    check_assignment(tree, role_levels(conn), role, unit_code)
    return add_user(conn, name, role, unit_code, password)


def accounts(conn: Connection) -> list[Account]:
    """Every user, active or not, by name."""
    rows = conn.execute(
        sa.select(USERS.c.name, USERS.c.role, USERS.c.unit_code, USERS.c.active).order_by(
            USERS.c.name
        )
    )
    return [Account(r.name, r.role, r.unit_code, bool(r.active)) for r in rows]


def set_active(conn: Connection, name: str, active: bool) -> None:
    """Deactivate (or reactivate) a user: a deactivated user can no longer sign in, and a
    session they hold ends at its next request, for good: reactivating them does not bring
    it back. Their events keep their name."""
    end_sessions(conn, name, active=active)


def set_password(conn: Connection, name: str, password: str) -> str:
    """Give a user a new password (one forgotten, or one that may be known to others):
    every session they hold ends with it. Returns their new session token."""
    return end_sessions(conn, name, password_hash=hash_password(password))
