"""The tables. SQLModel classes describe the schema (and Alembic reads them); hot paths use
SQLAlchemy Core statements on ``Model.__table__`` because ORM objects cost ~6x (LIBRARIES.md).

Personal data of complainants lives in ``complainant`` and nowhere else, so public views
that never join it cannot leak it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.mutable import MutableDict
from sqlmodel import Field, SQLModel

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = dt.UTC


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no offset) too.

    The hash chain hashes timestamps, so they must read back exactly as written.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """On SQLite, the stored text straight to an aware datetime in one step.

        SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC (SQLAlchemy's format), which
        ``fromisoformat`` reads as SQLAlchemy's own parser does, and with the offset
        appended it yields the aware datetime directly (``replace(tzinfo=...)`` alone
        costs seven times the parse). The generic route, that parser and then
        ``process_result_value``, was about a third of reading an event row.
        """
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = dt.datetime.fromisoformat

        def process(value: str | None) -> dt.datetime | None:
            return None if value is None else parse(value + "+00:00")

        return process


def utc_datetime() -> UTCDateTime:
    """Timestamps are stored in UTC and shown in WIB (``+07:00``)."""
    return UTCDateTime()


class DefinitionVersion(SQLModel, table=True):
    """A published definition: immutable, identified by id@version, pinned by its cases."""

    __tablename__ = "definition_version"
    __table_args__ = (sa.UniqueConstraint("definition_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    definition_id: str = Field(max_length=64, index=True)
    version: int
    title: str
    content: str
    """The YAML text as published; the definition is rebuilt from it."""
    content_hash: str = Field(max_length=64, index=True)
    published_at: dt.datetime = Field(sa_type=utc_datetime())
    published_by: str | None = None


class Unit(SQLModel, table=True):
    """An organisation unit: the Kemendagri tree plus offices, agencies and BUMD."""

    __tablename__ = "unit"

    code: str = Field(primary_key=True, max_length=32)
    name: str
    level: str = Field(max_length=16, index=True)
    parent: str | None = Field(default=None, foreign_key="unit.code", index=True)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=64)
    unit_code: str = Field(foreign_key="unit.code", max_length=32)
    password_hash: str | None = None
    active: bool = True
    session_token: str | None = Field(default=None, max_length=64)
    """Part of every session cookie of this user; replacing it ends them all (sign-out,
    deactivation), even copies of a cookie taken before."""


class Case(SQLModel, table=True):
    """A complaint. ``row_version`` is the optimistic lock; ``last_hash``/``seq`` mirror the
    newest event so a tick can extend every chain without reading the event table."""

    __tablename__ = "case_file"
    __table_args__ = (
        sa.Index("ix_case_due", "definition_version_id", "state", "entered_at", "id"),
        sa.Index("ix_case_inbox", "unit_code", "closed", "received_at"),
        sa.Index("ix_case_deadline", "closed", "due_at"),
        sa.Index("ix_case_closed_at", "closed", "entered_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    definition_version_id: int = Field(foreign_key="definition_version.id")
    state: str = Field(max_length=64)
    unit_code: str = Field(foreign_key="unit.code", max_length=32)
    """Where the case is handled now: rerouting and escalation change it."""
    origin_unit: str = Field(foreign_key="unit.code", max_length=32, index=True)
    """Where the complaint came from (intake): reports attribute escalations to it."""
    channel: str = Field(max_length=64)
    title: str = Field(max_length=200)
    description: str = ""
    category: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=sa.Column(MutableDict.as_mutable(JSONType), nullable=False),
    )
    received_at: dt.datetime = Field(sa_type=utc_datetime())
    recorded_at: dt.datetime = Field(sa_type=utc_datetime())
    entered_at: dt.datetime = Field(sa_type=utc_datetime())
    """When the case entered its current state: a firing moves only cases already there."""
    due_at: dt.datetime | None = Field(default=None, sa_type=utc_datetime())
    overdue: bool = False
    closed: bool = False
    seq: int = 0
    last_hash: str = Field(max_length=64)
    row_version: int = 1


class Complainant(SQLModel, table=True):
    """Who complained: personal data, never shown publicly, erasable on request."""

    __tablename__ = "complainant"

    case_id: int = Field(foreign_key="case_file.id", primary_key=True)
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    anonymous: bool = False
    confidential: bool = False
    erased_at: dt.datetime | None = Field(default=None, sa_type=utc_datetime())
    """Set when the contact data above was erased on request (see ``engine/privacy.py``)."""


class Event(SQLModel, table=True):
    """One step of a case: append-only, chained to the case's previous event by hash."""

    __tablename__ = "event"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "seq"),
        sa.Index("ix_event_firing", "firing_id", "trigger"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id")
    seq: int
    trigger: str = Field(max_length=64)
    source: str | None = Field(default=None, max_length=64)
    dest: str = Field(max_length=64)
    actor: str = Field(max_length=64)
    """A user name, or ``scheduler``."""
    role: str | None = Field(default=None, max_length=64)
    unit_code: str | None = Field(default=None, max_length=32)
    firing_id: int | None = Field(default=None, foreign_key="firing.id")
    occurred_at: dt.datetime = Field(sa_type=utc_datetime())
    recorded_at: dt.datetime = Field(sa_type=utc_datetime())
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONType))
    definition_version_id: int = Field(foreign_key="definition_version.id")
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class Firing(SQLModel, table=True):
    """One firing of a scheduled trigger, recorded once: the key of exactly-once."""

    __tablename__ = "firing"
    __table_args__ = (sa.UniqueConstraint("definition_version_id", "trigger", "nominal_at"),)

    id: int | None = Field(default=None, primary_key=True)
    definition_version_id: int = Field(foreign_key="definition_version.id")
    trigger: str = Field(max_length=64)
    nominal_at: dt.datetime = Field(sa_type=utc_datetime())
    due_at: dt.datetime = Field(sa_type=utc_datetime())
    started_at: dt.datetime = Field(sa_type=utc_datetime())
    finished_at: dt.datetime | None = Field(default=None, sa_type=utc_datetime())
    moved: int = 0


class ApiKey(SQLModel, table=True):
    """A key for API and Open311 clients. Only the SHA-256 of the key is stored."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = Field(sa_type=utc_datetime())
    active: bool = True
    user_name: str | None = Field(default=None, max_length=64)
    """The user the key acts as (role and unit scope); None: a client that only files
    electronic complaints and reads public data."""
