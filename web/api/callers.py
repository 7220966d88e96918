"""Who is calling the API: a user, by API key or signed-in session, or a client's key
bound to no user."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app, request
from flask_login import current_user
from sqlalchemy.engine import Connection

from engine import apikeys
from engine.errors import NotFound
from engine.users import Actor, get_actor
from web.api.errors import ApiError
from web.auth import ADMIN, AUDITOR
from web.extensions import app_store

STAFF = frozenset({ADMIN, AUDITOR})
"""Roles that read every case and report (they take no action on cases)."""


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: a user (by key or session) or a client's unbound key."""

    actor: Actor | None
    key_name: str | None = None

    def user(self) -> Actor:
        """The user the caller acts as; 403 for an unbound key."""
        if self.actor is None:
            raise ApiError(
                403,
                "forbidden",
                "this API key acts for no user: it may file complaints on electronic "
                "channels and read definitions and public case status only",
            )
        return self.actor


def acting_user(conn: Connection, key: apikeys.KeyInfo) -> Actor | None:
    """The user a verified key acts as (None when unbound); raises NotFound when the
    user is gone or deactivated, which makes the key unusable."""
    return get_actor(conn, key.user_name) if key.user_name else None


def authenticate() -> Caller:
    """A bearer key, else a signed-in session, else 401."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", "use 'Authorization: Bearer <API key>'")
        with app_store(current_app).read() as conn:
            info = apikeys.verify(conn, token.strip())
            if info is None:
                raise ApiError(401, "unauthorized", "unknown or revoked API key")
            try:
                actor = acting_user(conn, info)
            except NotFound:
                raise ApiError(401, "unauthorized", "the key's user is no longer active") from None
        return Caller(actor, info.name)
    if current_user.is_authenticated:
        return Caller(current_user.actor)
    raise ApiError(401, "unauthorized", "send an API key (Authorization: Bearer) or sign in")


def credential_key() -> str:
    """What the intake rate limit counts: the credential, else the address."""
    header = request.headers.get("Authorization")
    if header:
        return "key:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()
    return f"addr:{request.remote_addr}"
