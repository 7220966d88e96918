"""The API does what its OpenAPI document says: schemathesis generates requests for every
operation of ``/api/v1/openapi.json`` and checks each answer against the document
(status codes, content types, response schemas) and that none is a server error.

Each operation is tried as an administrator, as an officer and as an unbound key, on a
SQLite app with cases, users and keys; generated numbers never hit a real case, so a walk
through one complaint's life checks the success answers too, on SQLite and PostgreSQL.
The same is done for Open311 with its own small document. The documents are read through
a Flask app at import (serving them touches no database).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import DEFINITIONS, close_store
from tests.test_api import SDSDA, TEBET, TEBET_TIMUR, Api, bearer, build, create_key
from tests.test_web_auth import add_user
from web.app import create_app
from web.openapi.cases import IntakeIn

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FORM = "application/x-www-form-urlencoded"
EXAMPLES = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))

DOCUMENTS = create_app(
    {"TESTING": True, "DATABASE_URL": "sqlite://", "DEFINITIONS_DIR": str(DEFINITIONS)}
)
"""Serves the two documents; it never opens its (absent) database."""
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", DOCUMENTS)
open311_schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", DOCUMENTS)


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app with a few cases, an administrator and a camat, shared by every example."""
    folder: Path = tmp_path_factory.mktemp("schema")
    app = build(f"sqlite:///{folder / 'diktum.sqlite'}", folder)
    world = Api(app)
    for _ in range(3):
        world.filed()
    add_user(app, "admin1", "admin", "31")
    add_user(app, "camat1", "camat", TEBET)
    yield app
    close_store(app)


@pytest.fixture(scope="module")
def keys(api_app: Flask) -> dict[str, dict[str, str]]:
    return {
        "admin": bearer(create_key(api_app, "schema-admin", "admin1")),
        "camat": bearer(create_key(api_app, "schema-camat", "camat1")),
        "kiosk": bearer(create_key(api_app, "schema-kiosk")),
    }


@schema.parametrize()
@EXAMPLES
def test_every_answer_to_an_administrator_matches_the_document(
    case: schemathesis.Case, api_app: Flask, keys: dict[str, dict[str, str]]
) -> None:
    case.call_and_validate(app=api_app, headers=keys["admin"], checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_every_answer_to_an_officer_matches_the_document(
    case: schemathesis.Case, api_app: Flask, keys: dict[str, dict[str, str]]
) -> None:
    case.call_and_validate(app=api_app, headers=keys["camat"], checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_every_answer_to_an_unbound_key_matches_the_document(
    case: schemathesis.Case, api_app: Flask, keys: dict[str, dict[str, str]]
) -> None:
    case.call_and_validate(app=api_app, headers=keys["kiosk"], checks=CHECKS)


@pytest.fixture
def life_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = build(database_url, tmp_path)
    yield app
    close_store(app)


def test_a_complaints_whole_life_answers_as_the_document_says(life_app: Flask) -> None:
    """Success answers need real cases, which generated numbers never hit: walk one
    complaint through intake, reading, routing, follow-up and reports, checking every
    answer against the document."""
    app = life_app
    world = Api(app)
    lurah = world.officer("lurah1", "lurah", TEBET_TIMUR)
    unit = world.officer("sda1", "petugas_unit", SDSDA)
    auditor = world.officer("auditor1", "auditor", "31")

    def call(path: str, method: str, headers: dict[str, str], status: int, **kw: Any) -> Any:
        case = schema[path][method].Case(**kw)
        response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
        assert response.status_code == status, response.text
        return response.json()

    example = IntakeIn.model_json_schema()["examples"][0]
    number = call("/cases", "POST", world.kiosk, 201, body=example)["number"]
    at = {"number": number}
    assert call("/cases/{number}", "GET", lurah, 200, path_parameters=at)["row_version"] == 1
    call("/cases/{number}/status", "GET", world.kiosk, 200, path_parameters=at)
    routed = {"fields": {"unit_tujuan": SDSDA}, "expected_version": 1}
    call(
        "/cases/{number}/actions/{trigger}",
        "POST",
        lurah,
        200,
        path_parameters=at | {"trigger": "disposisi"},
        body=routed,
    )
    call(
        "/cases/{number}/actions/{trigger}",
        "POST",
        unit,
        409,
        path_parameters=at | {"trigger": "lapor_tindak_lanjut"},
        body={"fields": {"hasil_tindak_lanjut": "Dibersihkan"}, "expected_version": 1},
    )
    call("/cases/{number}/history", "GET", auditor, 200, path_parameters=at, query={"limit": 1})
    assert call("/cases", "GET", lurah, 200, query={"state": "ditindaklanjuti"})["items"]
    call("/definitions", "GET", world.kiosk, 200)
    for ident in ("ingub-135-2017", "inwalkot-jaksel-e-0006-2024"):
        for path in ("/definitions/{id}/{version}", "/definitions/{id}/{version}/diagram"):
            call(path, "GET", world.kiosk, 200, path_parameters={"id": ident, "version": 1})
    call("/reports/monitoring", "GET", lurah, 200)
    week = {"week": "2025-03-03"}
    call(
        "/reports/kecamatan/{code}",
        "GET",
        auditor,
        200,
        path_parameters={"code": TEBET},
        query=week,
    )
    period = {"from": "2025-01-01", "to": "2030-01-01"}
    city = call(
        "/reports/city/{code}", "GET", auditor, 200, path_parameters={"code": "31.74"}, query=period
    )
    assert city["kecamatan"]


@open311_schema.parametrize()
@EXAMPLES
def test_every_open311_answer_matches_its_document(
    case: schemathesis.Case, api_app: Flask, keys: dict[str, dict[str, str]]
) -> None:
    if isinstance(case.body, dict):  # a real key, so filing gets past the 403
        case.body["api_key"] = keys["kiosk"]["Authorization"].removeprefix("Bearer ")
    case.call_and_validate(app=api_app, checks=CHECKS)


def test_an_open311_request_s_life_answers_as_its_document_says(life_app: Flask) -> None:
    key = create_key(life_app, "warga-app")

    def call(path: str, method: str, status: int, **kw: Any) -> Any:
        case = open311_schema[path][method].Case(**kw)
        response = case.call_and_validate(app=life_app, checks=CHECKS)
        assert response.status_code == status, response.text
        return response.json()

    form = {
        "api_key": key,
        "service_code": "inwalkot-jaksel-e-0006-2024:kebersihan",
        "address_id": TEBET_TIMUR,
        "lat": -6.2,
        "long": 106.8,
        "description": "Sampah menumpuk",
        "attribute[lokasi]": "Depan pasar",
    }
    [filed] = call("/requests.json", "POST", 201, body=form, media_type=FORM)
    number = filed["service_request_id"]
    assert call("/requests.json", "GET", 200)[0]["service_request_id"] == number
    one = {"service_request_id": number}
    assert call("/requests/{service_request_id}.json", "GET", 200, path_parameters=one)
    call(
        "/requests/{service_request_id}.json",
        "GET",
        404,
        path_parameters={"service_request_id": "x"},
    )
    codes = [s["service_code"] for s in call("/services.json", "GET", 200)]
    for code in codes[:2]:
        call("/services/{service_code}.json", "GET", 200, path_parameters={"service_code": code})
    call("/discovery.json", "GET", 200)
    call("/requests.json", "POST", 403, body=form | {"api_key": "x"}, media_type=FORM)
