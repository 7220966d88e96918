"""The complainant's personal data never reaches the logs, whatever door it came through
and whoever looks at the case afterwards — not even with SQL statement logging on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import close_store
from tests.test_api import PERSON, build
from tests.test_open311 import PHONE, Open311
from tests.test_web_admin import client_as

SECRETS = (PERSON["name"], PERSON["phone"], PERSON["email"], PHONE, "Rahmawati")


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[Open311]:
    app = build(database_url, tmp_path)
    yield Open311(app)
    close_store(app)


def test_no_log_record_carries_personal_data(
    world: Open311, caplog: pytest.LogCaptureFixture
) -> None:
    # Every logger of the app at DEBUG, and SQL statement logging on (INFO; SQLAlchemy's
    # DEBUG would print result rows, which is a debugger's tool, never production's).
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    lurah = world.officer("lurah1", "lurah", "31.74.01.1001")
    number = world.filed()  # the JSON API, with PERSON
    other = world.requested()  # Open311, with a name, email and phone
    refused = world.file(complainant={**PERSON, "email": "bukan-email"})
    assert refused.status_code == 422
    for shown in (number, other):
        assert world.get(f"/cases/{shown}", lurah).status_code == 200
        assert world.get(f"/cases/{shown}/history", lurah).status_code == 200
    page = client_as(world.app, "lurah").get(f"/petugas/kasus/{number}")
    assert PERSON["name"] in page.get_data(as_text=True)  # the officer does see it

    statements = [r for r in caplog.records if r.name.startswith("sqlalchemy.engine")]
    assert any("INSERT INTO complainant" in r.getMessage() for r in statements)
    leaked = [
        record.getMessage()
        for record in caplog.records
        if any(secret in record.getMessage() for secret in SECRETS)
    ]
    assert leaked == []
