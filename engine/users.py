"""Users: a name, one role of the definitions, one unit, an Argon2 password hash, and the
token that binds their sessions (so signing out ends a session for good)."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from engine.errors import InvalidInput, NotFound
from engine.models import User
from workflow.messages import Text

USERS = User.__table__  # type: ignore[attr-defined]
MIN_PASSWORD = 10
"""Shortest password accepted: length beats composition rules (NIST SP 800-63B)."""

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, as the engine needs them."""

    name: str
    role: str
    unit_code: str


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(Text("a password needs at least %(n)s characters", n=MIN_PASSWORD))
    return _hasher.hash(password)


@functools.cache
def _decoy() -> str:
    """The hash of a secret nobody knows, made once per process."""
    return _hasher.hash(secrets.token_urlsafe(32))


def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``. An unknown user (or one without a
    password) costs one Argon2 verification too, so the time a sign-in takes does not
    tell which user names exist."""
    try:
        if not stored:
            _hasher.verify(_decoy(), password)
            return False
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(conn: Connection, name: str, role: str, unit_code: str, password: str | None) -> Actor:
    if not name or len(name) > 64 or not name.replace(".", "").replace("_", "").isalnum():
        raise InvalidInput(
            Text("user name '%(name)s': letters, digits, '.' and '_' only, 1-64", name=name)
        )
    if conn.execute(sa.select(USERS.c.id).where(USERS.c.name == name)).first():
        raise InvalidInput(Text("user '%(name)s' already exists", name=name))
    digest = hash_password(password) if password is not None else None
    conn.execute(
        sa.insert(USERS).values(
            name=name, role=role, unit_code=unit_code, password_hash=digest, active=True
        )
    )
    return Actor(name, role, unit_code)


def get_actor(conn: Connection, name: str) -> Actor:
    row = conn.execute(_ACTIVE_BY_NAME, {"name": name}).first()
    if row is None:
        raise NotFound(Text("unknown user '%(name)s'", name=name))
    return Actor(row.name, row.role, row.unit_code)


_ACTIVE_BY_NAME = sa.select(USERS.c.name, USERS.c.role, USERS.c.unit_code).where(
    USERS.c.name == sa.bindparam("name"), USERS.c.active.is_(True)
)
"""Built once: every request by a signed-in user or a bound key asks for its actor."""


def list_users(conn: Connection) -> list[dict[str, str]]:
    rows = conn.execute(
        sa.select(USERS.c.name, USERS.c.role, USERS.c.unit_code).order_by(USERS.c.name)
    )
    return [{"name": r.name, "role": r.role, "unit": r.unit_code} for r in rows]


def session_token(conn: Connection, name: str) -> str:
    """The token the sessions of ``name`` carry, made on their first sign-in.

    Made only where there is none, then read back: two first sign-ins at once both end
    up with the token the first one wrote (the second's update finds it set), instead of
    the second silently signing the first out.
    """
    conn.execute(
        sa.update(USERS)
        .where(USERS.c.name == name, USERS.c.session_token.is_(None))
        .values(session_token=secrets.token_urlsafe(32))
    )
    token = conn.execute(sa.select(USERS.c.session_token).where(USERS.c.name == name)).scalar()
    if token is None:
        raise NotFound(Text("unknown user '%(name)s'", name=name))
    return str(token)


def end_sessions(conn: Connection, name: str, **changes: Any) -> str:
    """Replace the user's session token: every session of theirs, and every copy of its
    cookie, stops being signed in at its next request. (A signed cookie cannot be taken
    back from the browser; the token it names can be.) ``changes`` to the user's row that
    end their sessions (a new password, deactivation) go in the same update. Returns the
    new token."""
    token = secrets.token_urlsafe(32)
    result = conn.execute(
        sa.update(USERS).where(USERS.c.name == name).values(session_token=token, **changes)
    )
    if result.rowcount != 1:
        raise NotFound(Text("unknown user '%(name)s'", name=name))
    return token
