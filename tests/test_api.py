"""The JSON API: keys and sessions, intake, cases, actions, reports, errors, pagination.

Every test that touches the database runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.apikeys import API_KEYS
from engine.cases import CASES, COMPLAINANTS
from engine.users import USERS
from tests.conftest import PUBLISHED_AT, close_store, make_app
from tests.test_web_auth import add_user, sign_in
from web.api import OPERATIONS, PREFIX, api
from web.cli import cli
from web.extensions import app_store

WIB = ZoneInfo("Asia/Jakarta")
JAKSEL = "inwalkot-jaksel-e-0006-2024"
INGUB = "ingub-135-2017"
TEBET_TIMUR = "31.74.01.1001"
TEBET = "31.74.01"
SETIABUDI = "31.74.02"
SDSDA = "31.74.SDSDA"
PERSON = {"name": "Siti Rahmawati", "phone": "081234567890", "email": "siti@example.id"}
"""A complainant whose details must never come back from a GET."""


def create_key(app: Flask, name: str, user: str | None = None) -> str:
    args = ["apikey", "create", name, "--json"] + (["--user", user] if user else [])
    result = app.test_cli_runner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["key"])


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Api:
    """An initialised app with a client, users and keys, on one database."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.kiosk = bearer(create_key(app, "kiosk"))
        self.keys: dict[str, dict[str, str]] = {}

    def officer(self, name: str, role: str, unit: str) -> dict[str, str]:
        """A user with a key bound to them; returns the key's headers."""
        add_user(self.app, name, role, unit)
        self.keys[name] = bearer(create_key(self.app, f"key-{name}", name))
        return self.keys[name]

    def get(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> TestResponse:
        return self.client.get(PREFIX + path, headers=headers or {}, **kw)

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> TestResponse:
        return self.client.post(PREFIX + path, json=body, headers=headers or {})

    def file(self, headers: dict[str, str] | None = None, **overrides: Any) -> TestResponse:
        body = {
            "definition": JAKSEL,
            "unit": TEBET_TIMUR,
            "channel": "elektronik",
            "title": "Saluran air tersumbat di Jl. Tebet Timur Dalam",
            "description": "Air meluap ke jalan setiap hujan.",
            "category": "banjir dan saluran air",
            "fields": {"lokasi": "Jl. Tebet Timur Dalam II"},
            "complainant": PERSON,
        } | overrides
        return self.post("/cases", body, headers or self.kiosk)

    def filed(self, **overrides: Any) -> str:
        response = self.file(**overrides)
        assert response.status_code == 201, response.get_data(as_text=True)
        return str(response.json["number"])  # type: ignore[index]

    def counts(self) -> tuple[int, int, int]:
        """Cases, events and complainants stored: a refused request changes none."""
        with app_store(self.app).read() as conn:
            return (
                conn.execute(sa.select(sa.func.count()).select_from(CASES)).scalar_one(),
                conn.execute(sa.text("SELECT count(*) FROM event")).scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(COMPLAINANTS)).scalar_one(),
            )


def build(url: str, tmp_path: Path) -> Flask:
    app = make_app(url, tmp_path)
    result = app.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[Api]:
    app = build(database_url, tmp_path)
    yield Api(app)
    close_store(app)


def error_of(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error: dict[str, Any] = response.json["error"]  # type: ignore[index]
    assert error["code"] and error["message"]
    return error


# --- keys -------------------------------------------------------------------------------


def test_a_key_is_printed_once_and_only_its_sha256_is_stored(world: Api) -> None:
    add_user(world.app, "lurah1", "lurah", TEBET_TIMUR)
    key = create_key(world.app, "warga-app", "lurah1")
    listed = world.app.test_cli_runner().invoke(cli, ["apikey", "list", "--json"])
    assert listed.exit_code == 0
    assert key not in listed.output
    entries = {k["name"]: k for k in json.loads(listed.output)}
    assert entries["warga-app"]["user"] == "lurah1" and entries["warga-app"]["active"]
    with app_store(world.app).read() as conn:
        stored = conn.execute(sa.select(API_KEYS.c.key_hash, API_KEYS.c.user_name)).all()
    assert (hashlib.sha256(key.encode()).hexdigest(), "lurah1") in stored
    assert all(key not in row.key_hash for row in stored)


def test_a_key_for_an_unknown_user_or_a_taken_name_is_refused(world: Api) -> None:
    runner = world.app.test_cli_runner()
    unknown = runner.invoke(cli, ["apikey", "create", "x", "--user", "nobody"])
    assert unknown.exit_code == 1 and "unknown user 'nobody'" in unknown.output
    taken = runner.invoke(cli, ["apikey", "create", "kiosk"])
    assert taken.exit_code == 1 and "already exists" in taken.output


def test_no_key_a_bad_key_a_malformed_header_and_a_revoked_key_get_401(world: Api) -> None:
    before = world.counts()
    assert error_of(world.file(headers={"X-Nothing": "1"}), 401)["code"] == "unauthorized"
    assert error_of(world.file(headers=bearer("tebakan-acak")), 401)
    assert error_of(world.file(headers={"Authorization": "Basic a2lvc2s6eA=="}), 401)
    response = world.get("/definitions")
    assert error_of(response, 401) and response.headers["WWW-Authenticate"].startswith("Bearer")
    revoked = world.app.test_cli_runner().invoke(cli, ["apikey", "revoke", "kiosk"])
    assert revoked.exit_code == 0
    assert error_of(world.file(), 401)["message"] == "unknown or revoked API key"
    lurah = world.officer("lurah1", "lurah", TEBET_TIMUR)
    with app_store(world.app).write() as conn:
        conn.execute(sa.update(USERS).where(USERS.c.name == "lurah1").values(active=False))
    assert "no longer active" in error_of(world.file(lurah), 401)["message"]
    assert world.counts() == before


# --- definitions ------------------------------------------------------------------------


def test_definitions_are_listed_in_pages_and_shown_normalised_with_their_diagram(
    world: Api,
) -> None:
    first = world.get("/definitions?limit=1", world.kiosk).json
    assert [d["key"] for d in first["items"]] == [f"{INGUB}@1"]
    second = world.get(f"/definitions?limit=1&cursor={first['next_cursor']}", world.kiosk).json
    assert [d["key"] for d in second["items"]] == [f"{JAKSEL}@1"]
    assert second["next_cursor"] is None
    for foreign in ("²", "٣", "-1", "1" * 10):  # digits to str.isdigit, not to int()
        response = world.get("/definitions", world.kiosk, query_string={"cursor": foreign})
        assert error_of(response, 422)["fields"] == [
            {"field": "cursor", "message": "not a cursor this API issued"}
        ]
    assert {"name": "elektronik", "title": second["items"][0]["channels"][-1]["title"]} | {
        "kind": "electronic"
    } in second["items"][0]["channels"]
    shown = world.get(f"/definitions/{JAKSEL}/1", world.kiosk).json
    assert shown["id"] == JAKSEL and shown["states"]["diterima"]["kind"] == "start"
    assert shown["transitions"][0]["from"] == ["diterima"]  # by alias, defaults filled in
    assert shown["calendar"]["working_hours"]["mon"] == ["07:30", "16:00"]
    diagram = world.get(f"/definitions/{JAKSEL}/1/diagram", world.kiosk).json
    assert diagram["mermaid"].startswith("stateDiagram-v2")
    for path in (f"/definitions/{JAKSEL}/9", f"/definitions/{JAKSEL}/x", "/definitions/NO/1"):
        assert error_of(world.get(path, world.kiosk), 404)["code"] == "not_found"
    assert (
        error_of(world.get("/definitions?limit=101", world.kiosk), 422)["fields"][0]["field"]
        == "limit"
    )


# --- intake -----------------------------------------------------------------------------


def test_an_unbound_key_files_an_electronic_complaint_and_gets_a_receipt(world: Api) -> None:
    response = world.file()
    assert response.status_code == 201
    receipt = response.json
    assert receipt["state"] == "diterima" and receipt["definition"] == f"{JAKSEL}@1"
    assert receipt["tracking"] == f"/lacak/{receipt['number']}"
    assert receipt["tracking_url"].endswith(receipt["tracking"])
    assert response.headers["Location"] == f"{PREFIX}/cases/{receipt['number']}"
    assert receipt["received_at"].endswith("+07:00")
    with app_store(world.app).read() as conn:
        person = conn.execute(sa.select(COMPLAINANTS)).one()
    assert (person.name, person.phone, person.email) == tuple(PERSON.values())
    status = world.get(f"/cases/{receipt['number']}/status", world.kiosk).json
    assert status["state"] == "diterima" and status["closed"] is False
    assert status["unit_name"] == "Tebet Timur"


def test_an_unbound_key_cannot_file_in_person_read_cases_or_act(world: Api) -> None:
    number = world.filed()
    before = world.counts()
    refused = world.file(
        definition=INGUB,
        unit=TEBET,
        channel="langsung_kecamatan",
        fields={"kelurahan": TEBET_TIMUR},
        category="kebersihan",
    )
    assert error_of(refused, 403)["code"] == "refused"
    assert "sign in" in refused.json["error"]["message"]
    backdated = world.file(received_at="2025-01-06T09:00:00+07:00")
    assert "received_at" in error_of(backdated, 403)["message"]
    for path in ("/cases", f"/cases/{number}", f"/cases/{number}/history", "/reports/monitoring"):
        assert "acts for no user" in error_of(world.get(path, world.kiosk), 403)["message"]
    action = world.post(
        f"/cases/{number}/actions/disposisi",
        {"fields": {"unit_tujuan": SDSDA}, "expected_version": 1},
        world.kiosk,
    )
    assert error_of(action, 403)
    assert world.counts() == before


def test_an_officer_key_records_an_in_person_complaint_in_the_saturday_window(
    world: Api,
) -> None:
    camat = world.officer("camat1", "camat", TEBET)
    world.app.config["NOW"] = dt.datetime(2025, 3, 1, 9, 0, tzinfo=WIB)  # Saturday 09:00
    body = {
        "definition": INGUB,
        "unit": TEBET,
        "channel": "langsung_kecamatan",
        "category": "kebersihan",
        "fields": {"kelurahan": TEBET_TIMUR},
    }
    response = world.file(camat, **body)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["received_at"] == "2025-03-01T09:00:00+07:00"
    world.app.config["NOW"] = "2025-03-03T09:00:00"  # Monday, read as WIB
    closed = world.file(camat, **body)
    assert "hari Sabtu" in error_of(closed, 403)["message"]


def test_bad_intake_is_422_naming_the_field_and_writes_nothing(world: Api) -> None:
    before = world.counts()
    cases = {
        "title": {"title": ""},
        "unit": {"unit": "31.99.99"},
        "definition": {"definition": "tidak-ada"},
        "received_at": {"received_at": "2025-03-01T09:00:00"},
        "fields.lokasi": {"fields": {"lokasi": "x" * 501}},
        "fields.warna": {"fields": {"warna": "merah"}},
        "complainant.email": {"complainant": {"email": "bukan-email"}},
        "hobby": {"hobby": "x"},
    }
    for field, overrides in cases.items():
        error = error_of(world.file(**overrides), 422)
        assert field.rsplit(".", 1)[-1] in error["message"], (field, error)
        assert field in [f["field"] for f in error["fields"]], (field, error)
    unknown_channel = error_of(world.file(channel="merpati"), 422)
    assert "unknown channel 'merpati'" in unknown_channel["message"]
    lurah = world.officer("lurah1", "lurah", TEBET_TIMUR)
    future = (dt.datetime.now(WIB) + dt.timedelta(days=2)).isoformat()
    assert "future" in error_of(world.file(lurah, received_at=future), 422)["message"]
    assert world.counts() == before


def test_malformed_json_is_400_other_media_415_and_an_oversized_body_413(world: Api) -> None:
    before = world.counts()
    post = world.client.post
    headers = world.kiosk | {"Content-Type": "application/json"}
    assert error_of(post(f"{PREFIX}/cases", data="{not json", headers=headers), 400)
    assert error_of(post(f"{PREFIX}/cases", data='{"title": NaN}', headers=headers), 400)
    nul = json.dumps({"definition": JAKSEL, "title": "a\u0000b"})
    assert error_of(post(f"{PREFIX}/cases", data=nul, headers=headers), 400)
    form = post(f"{PREFIX}/cases", data={"title": "x"}, headers=world.kiosk)
    assert error_of(form, 415)["code"] == "unsupported_media_type"
    assert error_of(world.file(description="x" * 70_000), 413)["code"] == "payload_too_large"
    listed = error_of(world.post("/cases", [1, 2], world.kiosk), 422)
    assert listed["fields"][0]["field"] == "body"
    assert world.counts() == before


# --- cases and actions ------------------------------------------------------------------


def test_unknown_and_malformed_numbers_are_both_404(world: Api) -> None:
    auditor = world.officer("auditor1", "auditor", "31")
    number = world.filed()
    mistyped = number[:-1] + ("0" if number[-1] != "0" else "1")
    for candidate in (mistyped, "DK-0000-0000-0000-0", "bukan-nomor", "x" * 40):
        for path in (f"/cases/{candidate}", f"/cases/{candidate}/history"):
            assert error_of(world.get(path, auditor), 404)["code"] == "not_found"
        assert error_of(world.get(f"/cases/{candidate}/status", world.kiosk), 404)
        action = world.post(
            f"/cases/{candidate}/actions/disposisi", {"expected_version": 1}, auditor
        )
        assert error_of(action, 404)
    lower = world.get(f"/cases/{number.lower().replace('-', '')}", auditor)
    assert lower.status_code == 200 and lower.json["number"] == number


def test_an_officer_routes_a_case_and_a_stale_version_gets_409(world: Api) -> None:
    lurah = world.officer("lurah1", "lurah", TEBET_TIMUR)
    unit = world.officer("sda1", "petugas_unit", SDSDA)
    number = world.filed()
    detail = world.get(f"/cases/{number}", lurah).json
    assert detail["row_version"] == 1 and detail["description"].startswith("Air meluap")
    assert [a["trigger"] for a in detail["actions"]] == ["disposisi"]
    routed = world.post(
        f"/cases/{number}/actions/disposisi",
        {"fields": {"unit_tujuan": SDSDA, "catatan_disposisi": "Saluran"}, "expected_version": 1},
        lurah,
    )
    assert routed.status_code == 200, routed.get_data(as_text=True)
    assert routed.json == {
        "number": number,
        "state": "ditindaklanjuti",
        "row_version": 2,
        "steps": [{"trigger": "disposisi", "from": "diterima", "to": "ditindaklanjuti"}],
    }
    stale = world.post(
        f"/cases/{number}/actions/lapor_tindak_lanjut",
        {"fields": {"hasil_tindak_lanjut": "Saluran dibersihkan"}, "expected_version": 1},
        unit,
    )
    assert error_of(stale, 409)["code"] == "conflict"
    done = world.post(
        f"/cases/{number}/actions/lapor_tindak_lanjut",
        {"fields": {"hasil_tindak_lanjut": "Saluran dibersihkan"}, "expected_version": 2},
        unit,
    )
    assert done.status_code == 200 and done.json["state"] == "verifikasi"
    history = world.get(f"/cases/{number}/history", lurah).json["items"]
    assert [(e["trigger"], e["actor"]) for e in history] == [
        ("open", "channel:elektronik"),
        ("disposisi", "lurah1"),
        ("lapor_tindak_lanjut", "sda1"),
    ]


def test_an_officer_of_another_unit_gets_403_and_nothing_is_written(world: Api) -> None:
    other = world.officer("camat2", "camat", SETIABUDI)
    auditor = world.officer("auditor1", "auditor", "31")
    number = world.filed()
    before = (world.counts(), world.get(f"/cases/{number}", auditor).json["row_version"])
    assert error_of(world.get(f"/cases/{number}", other), 403)["code"] == "forbidden"
    assert error_of(world.get(f"/cases/{number}/history", other), 403)
    action = world.post(
        f"/cases/{number}/actions/disposisi",
        {"fields": {"unit_tujuan": SDSDA}, "expected_version": 1},
        other,
    )
    assert error_of(action, 403)
    assert world.get("/cases", other).json["items"] == []
    assert (world.counts(), world.get(f"/cases/{number}", auditor).json["row_version"]) == before
    assert world.get(f"/cases/{number}", auditor).json["actions"] == []


def test_a_refused_or_invalid_action_says_why_and_changes_nothing(world: Api) -> None:
    lurah = world.officer("lurah1", "lurah", TEBET_TIMUR)
    number = world.filed()
    before = world.counts()
    missing = world.post(f"/cases/{number}/actions/disposisi", {"expected_version": 1}, lurah)
    assert "fields.unit_tujuan" in [f["field"] for f in error_of(missing, 422)["fields"]]
    wrong_level = world.post(
        f"/cases/{number}/actions/disposisi",
        {"fields": {"unit_tujuan": "31.99.XYZ"}, "expected_version": 1},
        lurah,
    )
    assert "unit_tujuan" in error_of(wrong_level, 422)["message"]
    no_version = world.post(
        f"/cases/{number}/actions/disposisi", {"fields": {"unit_tujuan": SDSDA}}, lurah
    )
    assert error_of(no_version, 422)["fields"][0]["field"] == "expected_version"
    wrong_state = world.post(f"/cases/{number}/actions/tutup", {"expected_version": 1}, lurah)
    assert "not possible in state 'diterima'" in error_of(wrong_state, 403)["message"]
    unknown = world.post(f"/cases/{number}/actions/terbang", {"expected_version": 1}, lurah)
    assert "no action 'terbang'" in error_of(unknown, 404)["message"]
    assert world.counts() == before


def test_the_case_list_is_scoped_filtered_newest_first_and_paginated(world: Api) -> None:
    lurah = world.officer("lurah1", "lurah", TEBET_TIMUR)
    camat = world.officer("camat1", "camat", TEBET)
    other = world.officer("camat2", "camat", SETIABUDI)
    admin = world.officer("admin1", "admin", "31")
    mine = []
    for day in range(1, 6):
        received = dt.datetime(2025, 3, day, 10, 0, tzinfo=WIB).isoformat()
        mine.append(world.filed(headers=lurah, received_at=received, title=f"Pengaduan {day}"))
    elsewhere = world.filed(unit="31.74.02.1001")
    world.post(
        f"/cases/{mine[0]}/actions/disposisi",
        {"fields": {"unit_tujuan": SDSDA}, "expected_version": 1},
        lurah,
    )
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = world.get("/cases", camat, query_string=query).json
        assert len(page["items"]) <= 2
        seen += [c["number"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(mine))  # newest first; the routed case was received here
    everything = [c["number"] for c in world.get("/cases", admin).json["items"]]
    assert everything[0] == elsewhere and set(everything) == {*mine, elsewhere}
    assert [c["number"] for c in world.get("/cases", other).json["items"]] == [elsewhere]
    routed = world.get("/cases", lurah, query_string={"state": "ditindaklanjuti"}).json
    assert [c["number"] for c in routed["items"]] == [mine[0]]
    assert routed["items"][0]["unit"] == SDSDA and routed["items"][0]["origin_unit"] == TEBET_TIMUR
    by_number = world.get("/cases", camat, query_string={"number": mine[2].lower()}).json
    assert [c["number"] for c in by_number["items"]] == [mine[2]]
    assert world.get("/cases", camat, query_string={"overdue": "true"}).json["items"] == []
    assert world.get("/cases", camat, query_string={"channel": "surat"}).json["items"] == []
    assert error_of(world.get("/cases", camat, query_string={"cursor": "!!"}), 422)
    assert error_of(world.get("/cases", camat, query_string={"overdue": "kadang"}), 422)


def test_history_is_paginated_by_sequence(world: Api) -> None:
    lurah = world.officer("lurah1", "lurah", TEBET_TIMUR)
    unit = world.officer("sda1", "petugas_unit", SDSDA)
    number = world.filed()
    world.post(
        f"/cases/{number}/actions/disposisi",
        {"fields": {"unit_tujuan": SDSDA}, "expected_version": 1},
        lurah,
    )
    world.post(
        f"/cases/{number}/actions/lapor_tindak_lanjut",
        {"fields": {"hasil_tindak_lanjut": "Selesai dibersihkan"}, "expected_version": 2},
        unit,
    )
    first = world.get(f"/cases/{number}/history?limit=2", lurah).json
    assert [e["seq"] for e in first["items"]] == [1, 2] and first["next_cursor"] == "2"
    rest = world.get(f"/cases/{number}/history?limit=2&cursor=2", lurah).json
    assert [e["seq"] for e in rest["items"]] == [3] and rest["next_cursor"] is None
    assert rest["items"][0]["from"] == "ditindaklanjuti" and len(rest["items"][0]["hash"]) == 64


def test_no_get_ever_shows_the_complainants_personal_data(world: Api) -> None:
    lurah = world.officer("lurah1", "lurah", TEBET_TIMUR)
    admin = world.officer("admin1", "admin", "31")
    number = world.filed()
    paths = [
        "/cases",
        f"/cases/{number}",
        f"/cases/{number}/status",
        f"/cases/{number}/history",
        "/reports/monitoring",
    ]
    for headers in (lurah, admin, world.kiosk):
        for path in paths:
            text = world.get(path, headers).get_data(as_text=True)
            for value in PERSON.values():
                assert value not in text, (path, value)
    status = world.get(f"/cases/{number}/status", world.kiosk).json
    assert "title" not in status and "description" not in status and status["fields"] == {}


# --- reports ----------------------------------------------------------------------------


def test_reports_are_limited_to_the_units_a_user_covers(world: Api) -> None:
    camat = world.officer("camat1", "camat", TEBET)
    other = world.officer("camat2", "camat", SETIABUDI)
    auditor = world.officer("auditor1", "auditor", "31")
    world.filed()
    world.filed(unit="31.74.02.1001", channel="elektronik")
    mine = world.get("/reports/monitoring", camat).json
    assert mine["unit"] == TEBET and mine["total"] == 1 and mine["by_channel"] == {"elektronik": 1}
    assert world.get("/reports/monitoring", auditor).json["total"] == 2
    assert error_of(world.get("/reports/monitoring?unit=31.74.02", camat), 403)
    assert (
        error_of(world.get("/reports/monitoring?unit=99", camat), 422)["fields"][0]["field"]
        == "unit"
    )
    weekly = world.get(f"/reports/kecamatan/{TEBET}?week=2025-03-03", camat).json
    assert weekly["from"] == "2025-03-03T00:00:00+07:00" and weekly["open"] == 1
    assert error_of(world.get(f"/reports/kecamatan/{TEBET}?week=2025-03-03", other), 403)
    assert error_of(world.get(f"/reports/kecamatan/{TEBET}?week=senin", camat), 422)
    assert (
        error_of(world.get(f"/reports/kecamatan/{TEBET}", camat), 422)["fields"][0]["field"]
        == "week"
    )
    assert error_of(world.get("/reports/kecamatan/31.99?week=2025-03-03", camat), 404)
    city = world.get("/reports/city/31.74?from=2025-03-01&to=2025-04-01", auditor).json
    assert city["to"] == "2025-04-01T00:00:00+07:00" and len(city["kecamatan"]) == 10
    assert error_of(world.get("/reports/city/31.74?from=2025-03-01&to=2025-04-01", camat), 403)
    backwards = world.get("/reports/city/31.74?from=2025-04-01&to=2025-03-01", auditor)
    assert error_of(backwards, 422)["fields"][0]["field"] == "to"
    wrong_level = world.get(f"/reports/city/{TEBET}?from=2025-03-01&to=2025-04-01", auditor)
    assert "not a kota" in error_of(wrong_level, 422)["message"]


# --- sessions, routing, the document, failures ------------------------------------------


def test_a_signed_in_officer_uses_the_api_with_the_session(app: Flask) -> None:
    world = Api(app)
    add_user(app, "lurah1", "lurah", TEBET_TIMUR)
    number = world.filed()
    client = app.test_client()
    sign_in(client, "lurah1")
    detail = client.get(f"{PREFIX}/cases/{number}")
    assert detail.status_code == 200 and detail.json["actions"][0]["trigger"] == "disposisi"
    routed = client.post(
        f"{PREFIX}/cases/{number}/actions/disposisi",
        json={"fields": {"unit_tujuan": SDSDA}, "expected_version": 1},
    )
    assert routed.status_code == 200 and routed.json["state"] == "ditindaklanjuti"
    # A cross-site form cannot send JSON: the API needs no CSRF token for the session.
    forged = client.post(f"{PREFIX}/cases", data={"title": "x"})
    assert error_of(forged, 415)["code"] == "unsupported_media_type"


def test_unknown_paths_and_methods_answer_json_404_and_405(app: Flask) -> None:
    world = Api(app)
    assert error_of(world.get("/tidak-ada", world.kiosk), 404)["code"] == "not_found"
    deleted = world.client.delete(f"{PREFIX}/cases", headers=world.kiosk)
    assert error_of(deleted, 405)["code"] == "method_not_allowed"
    assert deleted.headers["Allow"] == "GET, POST"


def test_the_document_describes_every_route_of_the_api(app: Flask) -> None:
    document = app.test_client().get(f"{PREFIX}/openapi.json").json
    assert document["openapi"].startswith("3.1")
    described = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    routed = {
        (method, rule.rule.removeprefix(PREFIX).replace("<", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(f"{api.name}.") and rule.endpoint != "api.unknown"
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert described == routed == {(op.method, op.path) for op in OPERATIONS}
    assert set(document["components"]["securitySchemes"]) == {"bearer", "session"}
    intake = document["paths"]["/cases"]["post"]
    assert {"201", "400", "401", "403", "413", "415", "422", "429", "503"} == set(
        intake["responses"]
    )


def test_intake_is_rate_limited_per_key(app: Flask) -> None:
    world = Api(app)
    codes = [world.post("/cases", {}, world.kiosk).status_code for _ in range(121)]
    assert set(codes[:120]) == {422}
    assert error_of(world.post("/cases", {}, world.kiosk), 429)["code"] == "rate_limited"
    other = bearer(create_key(app, "kiosk2"))
    assert world.post("/cases", {}, other).status_code == 422


def test_an_unreachable_database_is_a_json_503(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'missing' / 'nothing.sqlite'}", tmp_path)
    response = app.test_client().get(f"{PREFIX}/definitions", headers=bearer("x" * 43))
    assert error_of(response, 503)["code"] == "unavailable"
    assert response.headers["Retry-After"] == "5"
    close_store(app)
