"""Open311 GeoReport v2: discovery, services, filing with an api_key, public requests in
JSON and XML, errors as arrays, no personal data. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.test import TestResponse

from engine.cases import CASES, COMPLAINANTS
from tests.conftest import close_store
from tests.test_api import (
    JAKSEL,
    SDSDA,
    TEBET_TIMUR,
    WIB,
    Api,
    build,
    create_key,
)
from web.cli import cli
from web.extensions import app_store
from web.open311.formats import _ITEMS

ROOT = "/open311/v2"
KEBERSIHAN = f"{JAKSEL}:kebersihan"
JALAN = f"{JAKSEL}:jalan-dan-trotoar"
PERSON = {"first_name": "Siti", "last_name": "Rahmawati", "email": "siti@example.id"}
PHONE = "081234567890"


class Open311(Api):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.key = create_key(self.app, "warga-app")

    def post_request(self, **form: Any) -> TestResponse:
        data = {
            "api_key": self.key,
            "service_code": KEBERSIHAN,
            "address_id": TEBET_TIMUR,
            "description": "Sampah menumpuk di pinggir jalan\nsudah seminggu.",
            "phone": PHONE,
        } | PERSON
        data.update(form)
        data = {k: v for k, v in data.items() if v is not None}
        return self.client.post(f"{ROOT}/requests.json", data=data)

    def requested(self, **form: Any) -> str:
        response = self.post_request(**form)
        assert response.status_code == 201, response.get_data(as_text=True)
        return str(response.json[0]["service_request_id"])  # type: ignore[index]

    def fetch(self, path: str, fmt: str = "json", **query: str) -> TestResponse:
        return self.client.get(f"{ROOT}/{path}.{fmt}", query_string=query)


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[Open311]:
    app = build(database_url, tmp_path)
    yield Open311(app)
    close_store(app)


def errors_of(response: TestResponse, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert isinstance(body, list) and body[0]["code"] == status
    return str(body[0]["description"])


def from_xml(text: bytes) -> Any:
    """The XML document as JSON-like data: the spec's lists by their element names."""
    root = ET.fromstring(text)
    return _value(root)


def _value(element: ET.Element) -> Any:
    if element.tag in _ITEMS:
        return [_value(child) for child in element]
    children = list(element)
    if children:
        return {child.tag: _value(child) for child in children}
    return element.text


def as_text(value: Any) -> Any:
    """JSON data as XML carries it: every scalar as text, ``null`` as no text."""
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value == "":
        return None
    return str(value)


def test_discovery_names_the_spec_and_both_formats(world: Open311) -> None:
    found = world.fetch("discovery").json
    endpoint = found["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith(ROOT)
    assert endpoint["formats"] == ["application/json", "text/xml"]
    assert found["changeset"] == "2024-01-01T00:00:00+07:00"


def test_services_are_the_categories_of_definitions_with_an_electronic_channel(
    world: Open311,
) -> None:
    found = world.fetch("services").json
    codes = [s["service_code"] for s in found]
    assert codes == [
        KEBERSIHAN,
        JALAN,
        f"{JAKSEL}:banjir-dan-saluran-air",
        f"{JAKSEL}:ketertiban-umum",
        f"{JAKSEL}:perizinan",
        f"{JAKSEL}:air-bersih",
        f"{JAKSEL}:transportasi-umum",
        f"{JAKSEL}:lainnya",
    ]  # the 2017 instruction has only its in-person Saturday session: no service
    assert found[1]["service_name"] == "Jalan dan trotoar" and found[1]["metadata"] is True
    definition = world.fetch(f"services/{JALAN}").json
    assert definition["service_code"] == JALAN
    assert definition["attributes"] == [
        {
            "variable": True,
            "code": "lokasi",
            "datatype": "string",
            "required": False,
            "datatype_description": "",
            "order": 1,
            "description": "Lokasi permasalahan (alamat atau patokan)",
        }
    ]
    assert "unknown service_code" in errors_of(world.fetch("services/ingub-135-2017:jalan"), 404)


def test_posting_without_a_valid_api_key_is_403_and_files_nothing(world: Open311) -> None:
    before = world.counts()
    assert "api_key" in errors_of(world.post_request(api_key=None), 403)
    assert "api_key" in errors_of(world.post_request(api_key="tebakan"), 403)
    revoked = world.app.test_cli_runner().invoke(cli, ["apikey", "revoke", "warga-app"])
    assert revoked.exit_code == 0
    assert "api_key" in errors_of(world.post_request(), 403)
    xml = world.client.post(f"{ROOT}/requests.xml", data={"service_code": KEBERSIHAN})
    assert xml.status_code == 403
    assert from_xml(xml.data)[0]["code"] == "403"
    assert world.counts() == before


def test_a_request_files_a_case_on_the_electronic_channel_with_private_personal_data(
    world: Open311,
) -> None:
    response = world.post_request(lat="-6.2264", long="106.8547", address_string="Jl. Tebet Raya 1")
    assert response.status_code == 201
    [answer] = response.json
    number = answer["service_request_id"]
    assert f"/lacak/{number}" in answer["service_notice"]
    with app_store(world.app).read() as conn:
        case = conn.execute(sa.select(CASES).where(CASES.c.number == number)).one()
        person = conn.execute(
            sa.select(COMPLAINANTS).where(COMPLAINANTS.c.case_id == case.id)
        ).one()
    assert (case.channel, case.unit_code, case.category) == (
        "elektronik",
        TEBET_TIMUR,
        "kebersihan",
    )
    assert case.title == "Sampah menumpuk di pinggir jalan"
    assert case.data == {"lokasi": "Jl. Tebet Raya 1, -6.2264, 106.8547"}
    assert (person.name, person.email, person.phone) == ("Siti Rahmawati", PERSON["email"], PHONE)
    [public] = world.fetch(f"requests/{number}").json
    assert public["status"] == "open" and public["service_code"] == KEBERSIHAN
    assert public["agency_responsible"] == "Tebet Timur"
    assert public["requested_datetime"].endswith("+07:00")


def test_a_request_without_address_id_goes_to_the_city_office_and_attributes_are_kept(
    world: Open311,
) -> None:
    number = world.requested(
        address_id=None, address_string="Jl. Kemang", **{"attribute[lokasi]": "Depan pasar"}
    )
    with app_store(world.app).read() as conn:
        case = conn.execute(sa.select(CASES).where(CASES.c.number == number)).one()
    assert case.unit_code == "31.74"
    assert case.data == {"lokasi": "Depan pasar"}
    assert case.description.endswith("Lokasi: Jl. Kemang")


def test_bad_requests_are_400_or_404_with_an_error_array_and_file_nothing(
    world: Open311,
) -> None:
    before = world.counts()
    assert "service_code" in errors_of(world.post_request(service_code=None), 400)
    assert "unknown service_code" in errors_of(world.post_request(service_code="x:y"), 404)
    for code in (KEBERSIHAN.replace(":", "@1:"), KEBERSIHAN + "x", KEBERSIHAN.split(":")[0]):
        assert "unknown service_code" in errors_of(world.post_request(service_code=code), 404)
    no_place = world.post_request(address_id=None)
    assert "location is required" in errors_of(no_place, 400)
    assert "lat and long" in errors_of(world.post_request(lat="-6.2"), 400)
    assert "lat" in errors_of(world.post_request(lat="utara", long="106"), 400)
    assert "between" in errors_of(world.post_request(lat="-96", long="106"), 400)
    assert "address_id" in errors_of(world.post_request(address_id="31.99.99"), 400)
    too_long = world.post_request(description="x" * 4001)
    assert "at most 4000" in errors_of(too_long, 400)
    unknown = world.post_request(**{"attribute[warna]": "merah"})
    assert "warna" in errors_of(unknown, 400)
    assert world.counts() == before


def test_requests_are_filtered_by_ids_service_status_and_dates(world: Open311) -> None:
    lurah = world.officer("lurah1", "lurah", TEBET_TIMUR)
    unit = world.officer("sda1", "petugas_unit", SDSDA)
    old = world.requested()
    world.app.config["NOW"] = dt.datetime.now(WIB) + dt.timedelta(days=100)
    jalan = world.requested(service_code=JALAN)
    closed = world.requested()
    for trigger, fields, version, who in (
        ("disposisi", {"unit_tujuan": SDSDA}, 1, lurah),
        ("lapor_tindak_lanjut", {"hasil_tindak_lanjut": "Sudah diangkut"}, 2, unit),
        ("tutup", {}, 3, lurah),
    ):
        done = world.post(
            f"/cases/{closed}/actions/{trigger}",
            {"fields": fields, "expected_version": version},
            who,
        )
        assert done.status_code == 200, done.get_data(as_text=True)

    def numbers(**query: str) -> list[str]:
        return [r["service_request_id"] for r in world.fetch("requests", **query).json]

    assert numbers() == [closed, jalan]  # the last 90 days, newest first
    assert numbers(status="closed") == [closed]
    assert numbers(status="open") == [jalan]
    assert numbers(service_code=JALAN) == [jalan]
    assert numbers(service_code=f"{JALAN},{KEBERSIHAN}") == [closed, jalan]
    assert numbers(service_code="x:y") == []
    start = (dt.datetime.now(WIB) - dt.timedelta(days=1)).isoformat()
    assert numbers(start_date=start) == [closed, jalan, old]
    assert numbers(start_date=start, end_date=dt.datetime.now(WIB).isoformat()) == [old]
    assert numbers(service_request_id=f"{old},{closed.lower()},bukan") == [closed, old]
    [done] = world.fetch(f"requests/{closed}").json
    assert done["status"] == "closed"
    assert done["status_notes"] == "Pengaduan telah selesai ditindaklanjuti."
    assert "status" in errors_of(world.fetch("requests", status="pending"), 400)
    assert "start_date" in errors_of(world.fetch("requests", start_date="kemarin"), 400)


def test_unknown_and_malformed_request_ids_are_404(world: Open311) -> None:
    number = world.requested()
    mistyped = number[:-1] + ("0" if number[-1] != "0" else "1")
    for candidate in (mistyped, "DK-0000-0000-0000-0", "bukan-nomor"):
        assert "no service request" in errors_of(world.fetch(f"requests/{candidate}"), 404)
    assert errors_of(world.client.get(f"{ROOT}/requests/{number}.csv"), 404)
    assert errors_of(world.client.get(f"{ROOT}/tidak-ada.json"), 404)
    xml = world.client.get(f"{ROOT}/requests/bukan.xml")
    assert xml.status_code == 404 and xml.mimetype == "text/xml"
    assert from_xml(xml.data) == [{"code": "404", "description": "no service request 'bukan'"}]


def test_every_get_in_xml_parses_and_says_what_the_json_says(world: Open311) -> None:
    number = world.requested()
    for path in (
        "discovery",
        "services",
        f"services/{KEBERSIHAN}",
        "requests",
        f"requests/{number}",
        "services/tidak:ada",
    ):
        as_json, as_xml = world.fetch(path, "json"), world.fetch(path, "xml")
        assert as_xml.status_code == as_json.status_code
        assert as_xml.mimetype == "text/xml" and as_xml.data.startswith(b"<?xml")
        assert from_xml(as_xml.data) == as_text(as_json.json), path


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry(world: Open311) -> None:
    response = world.fetch("requests", start_date="<b>&\x01")
    assert response.status_code == 400
    [error] = from_xml(world.fetch("requests", "xml", start_date="<b>&\x01").data)
    assert "<b>&\ufffd" in error["description"]


def test_no_get_shows_personal_data_or_the_complaint_text(world: Open311) -> None:
    number = world.requested()
    texts = [
        world.fetch(path, fmt).get_data(as_text=True)
        for path in ("requests", f"requests/{number}")
        for fmt in ("json", "xml")
    ]
    for text in texts:
        for secret in (*PERSON.values(), PHONE, "Rahmawati", "Sampah menumpuk"):
            assert secret not in text
