"""API keys: what API and Open311 clients present instead of a password.

A key is 32 random bytes (``secrets.token_urlsafe``), shown once when it is created;
only its SHA-256 is stored, so a copy of the database gives no usable key. A key may be
bound to a user: it then acts as that user, with the user's role and unit scope, under
the same engine rules as a signed-in officer. An unbound key belongs to a client (a
citizen app, a kiosk) that may only file complaints on electronic channels and read
public data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.errors import InvalidInput, NotFound
from engine.models import ApiKey
from engine.users import USERS
from workflow.messages import Text

API_KEYS = ApiKey.__table__  # type: ignore[attr-defined]
KEY_BYTES = 32
"""Random bytes in a key: 256 bits, beyond guessing."""
MAX_KEY_LENGTH = 128
"""Longer strings are not keys: refused before hashing or touching the database."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class KeyInfo:
    """A stored key, without the key itself."""

    name: str
    user_name: str | None
    created_at: dt.datetime
    active: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "user": self.user_name,
            "created_at": self.created_at,
            "active": self.active,
        }


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create(
    conn: Connection, name: str, now: dt.datetime, user_name: str | None = None
) -> tuple[KeyInfo, str]:
    """A new key named ``name`` (optionally acting as ``user_name``); returns the key's
    record and the key, which is not stored and cannot be shown again."""
    if not _NAME.match(name):
        raise InvalidInput(
            Text("key name '%(name)s': letters, digits, '.', '_' and '-', 1-64", name=name)
        )
    if conn.execute(sa.select(API_KEYS.c.id).where(API_KEYS.c.name == name)).first():
        raise InvalidInput(Text("an API key named '%(name)s' already exists", name=name))
    if user_name is not None:
        found = conn.execute(
            sa.select(USERS.c.id).where(USERS.c.name == user_name, USERS.c.active.is_(True))
        ).first()
        if found is None:
            raise NotFound(Text("unknown user '%(name)s'", name=user_name))
    key = secrets.token_urlsafe(KEY_BYTES)
    conn.execute(
        sa.insert(API_KEYS).values(
            name=name, key_hash=digest(key), created_at=now, active=True, user_name=user_name
        )
    )
    return KeyInfo(name, user_name, now, True), key


def verify(conn: Connection, key: str) -> KeyInfo | None:
    """The active key matching ``key``, or None.

    The lookup is by the key's hash, so how long it takes says nothing about the stored
    keys; the final comparison is constant-time all the same.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    wanted = digest(key)
    row = conn.execute(_ACTIVE_BY_HASH, {"key_hash": wanted}).first()
    if row is None or not hmac.compare_digest(row.key_hash, wanted):
        return None
    return KeyInfo(row.name, row.user_name, row.created_at, row.active)


_ACTIVE_BY_HASH = sa.select(API_KEYS).where(
    API_KEYS.c.key_hash == sa.bindparam("key_hash"), API_KEYS.c.active.is_(True)
)
"""Built once: every API and Open311 request verifies its key (building the query cost
more than running it)."""


def revoke(conn: Connection, name: str) -> KeyInfo:
    """Deactivate the key named ``name``: it stops working at once."""
    row = conn.execute(sa.select(API_KEYS).where(API_KEYS.c.name == name)).first()
    if row is None:
        raise NotFound(Text("unknown API key '%(name)s'", name=name))
    conn.execute(sa.update(API_KEYS).where(API_KEYS.c.id == row.id).values(active=False))
    return KeyInfo(row.name, row.user_name, row.created_at, False)


def list_keys(conn: Connection) -> list[KeyInfo]:
    rows = conn.execute(sa.select(API_KEYS).order_by(API_KEYS.c.name))
    return [KeyInfo(r.name, r.user_name, r.created_at, r.active) for r in rows]
