"""Shared fixtures: the shipped definitions, real databases and a Flask app.

Engine tests run on SQLite and on PostgreSQL: the ``database_url`` fixture is
parametrised over both. PostgreSQL comes from ``DIKTUM_TEST_DATABASE_URL`` (``.ci/run``
sets it); each test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from engine.db import normalise_url
from web.app import create_app
from web.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "definitions"
WIB = ZoneInfo("Asia/Jakarta")
PUBLISHED_AT = dt.datetime(2024, 1, 1, 0, 0, tzinfo=WIB)
"""Tests publish the definitions at this instant, so simulations may start after it."""

PG_ENV = "DIKTUM_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    url = os.environ.get(PG_ENV)
    return normalise_url(url) if url else None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'diktum.sqlite'}"
        return
    yield from postgres_schema()


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, for what only the scale-out path does."""
    yield from postgres_schema()


def postgres_schema() -> Iterator[str]:
    """A URL whose connections work in a new schema of their own, dropped afterwards."""
    base = postgres_url()
    if base is None:
        pytest.skip(f"{PG_ENV} is not set (CI sets it; see .ci/run)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'diktum.sqlite'}"


def make_app(url: str, tmp_path: Path, **overrides: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DEFINITIONS_DIR": str(DEFINITIONS),
            "DATABASE_URL": url,
            "SECRET_KEY": "test",
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            **overrides,
        }
    )


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh SQLite database, initialised with the shipped definitions."""
    application = make_app(sqlite_url, tmp_path)
    result = application.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert result.exit_code == 0, result.output
    yield application
    close_store(application)


def rewrite_history(conn: sa.Connection, statement: sa.Executable) -> int:
    """Change event rows behind the log's back, as only the table's owner can: the
    append-only triggers are switched off for the statement and back on after it.
    Returns the number of rows changed."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE event DISABLE TRIGGER USER")
        changed = conn.execute(statement).rowcount
        conn.exec_driver_sql("ALTER TABLE event ENABLE TRIGGER USER")
        return changed
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'event'"
    ).all()
    assert triggers, "the event table has no append-only triggers"
    for name, _sql in triggers:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    changed = conn.execute(statement).rowcount
    for _name, sql in triggers:
        conn.exec_driver_sql(sql)
    return changed


def close_store(application: Flask) -> None:
    store = application.extensions.get("diktum.store")
    if store is not None:
        store.close()


@pytest.fixture
def runner(app: Flask) -> CliRunner:
    return app.test_cli_runner()
