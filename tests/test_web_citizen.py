"""Citizens: the electronic complaint form, its receipt, and the public tracking page.

What a citizen can see is tested for what it must not show (personal data, officers'
names, private fields) as much as for what it shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from engine import registry
from engine.cases import CASES, COMPLAINANTS, fire, open_case
from engine.events import EVENTS
from engine.numbers import new_number
from engine.users import Actor
from tests.conftest import DEFINITIONS, PUBLISHED_AT, close_store, make_app
from web.cli import cli
from web.extensions import app_store

WIB = ZoneInfo("Asia/Jakarta")
SUNDAY_NIGHT = dt.datetime(2024, 6, 2, 23, 15, tzinfo=WIB)
"""Outside working days and hours: the electronic channel is open all the same."""
D2024 = "inwalkot-jaksel-e-0006-2024"
KELURAHAN = "31.74.01.1001"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_ESCAPED = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
NAME, PHONE, EMAIL = "Siti Aminah", "081234567890", "siti.aminah@contoh.id"


@pytest.fixture
def web(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on each database, initialised, its clock on a Sunday night."""
    application = make_app(database_url, tmp_path)
    result = application.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert result.exit_code == 0, result.output
    application.config["NOW"] = SUNDAY_NIGHT.isoformat()
    yield application
    close_store(application)


def token(client: FlaskClient, path: str = "/adukan") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def complaint(client: FlaskClient, **values: str) -> dict[str, str]:
    return {
        "csrf_token": token(client),
        "definition": D2024,
        "unit": KELURAHAN,
        "title": "Sampah menumpuk di pinggir kali",
        "description": "Sudah seminggu tidak diangkut.",
        "category": "kebersihan",
        **values,
    }


def file(client: FlaskClient, **values: str) -> str:
    """File a complaint through the form; returns its number (from the receipt)."""
    response = client.post("/adukan", data=complaint(client, **values))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/adukan/tanda-terima"
    receipt = client.get("/adukan/tanda-terima").get_data(as_text=True)
    found = re.search(r"<code>(DK-[0-9A-Z-]+)</code>", receipt)
    assert found
    return found.group(1)


def count(app: Flask, table: Any) -> int:
    with app_store(app).read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def complainant_of(app: Flask, number: str) -> Any:
    with app_store(app).read() as conn:
        return conn.execute(
            sa.select(COMPLAINANTS)
            .join(CASES, CASES.c.id == COMPLAINANTS.c.case_id)
            .where(CASES.c.number == number)
        ).one()


# -- filing ----------------------------------------------------------------------------


def test_a_citizen_files_at_any_time_and_gets_a_receipt_without_personal_data(
    web: Flask,
) -> None:
    client = web.test_client()
    form = html(client.get("/adukan"))
    assert 'name="csrf_token"' in form and 'name="unit"' in form
    assert '<optgroup label="Tebet, Kota Administrasi Jakarta Selatan">' in form
    number = file(client, name=NAME, phone=PHONE, email=EMAIL)
    receipt = html(client.get("/adukan/tanda-terima"))
    assert number in receipt
    assert f"http://localhost/lacak/{number}" in receipt
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="qr"><path ', receipt)
    assert "02-06-2024 23:15 WIB" in receipt  # received and recorded, in WIB
    assert "@media print" in receipt
    for private in (NAME, PHONE, EMAIL):
        assert private not in receipt
    assert not re.search(r"<script(?![^>]*\bsrc=)", receipt)  # no inline script (CSP)
    person = complainant_of(web, number)
    assert (person.name, person.phone, person.email) == (NAME, PHONE, EMAIL)
    assert not person.anonymous
    with app_store(web).read() as conn:
        row = conn.execute(sa.select(CASES).where(CASES.c.number == number)).one()
    assert (row.channel, row.unit_code, row.state) == ("elektronik", KELURAHAN, "diterima")


def test_a_complaint_is_anonymous_unless_the_citizen_says_who_they_are(web: Flask) -> None:
    client = web.test_client()
    anonymous = file(client)
    assert complainant_of(web, anonymous).anonymous
    confidential = file(client, name=NAME, confidential="y")
    person = complainant_of(web, confidential)
    assert (person.name, person.anonymous, person.confidential) == (NAME, False, True)


def test_the_receipt_page_shows_only_this_browsers_own_complaint(web: Flask) -> None:
    assert web.test_client().get("/adukan/tanda-terima").status_code == 404
    number = file(web.test_client())
    stranger = web.test_client()
    response = stranger.get("/adukan/tanda-terima")
    assert response.status_code == 404 and number not in html(response)


def test_filing_refuses_oversized_or_incomplete_input_and_writes_nothing(web: Flask) -> None:
    client = web.test_client()
    attempts = [
        {"title": "x" * 201},
        {"title": " "},
        {"description": "x" * 4001},
        {"unit": ""},
        {"unit": "31.74.01"},  # a kecamatan, not a kelurahan
        {"category": "bukan kategori"},
        {"email": "bukan-email"},
        {"f_lokasi": "x" * 501},
    ]
    for i, values in enumerate(attempts):
        response = client.post(
            "/adukan",
            data=complaint(client, **values),
            environ_base={"REMOTE_ADDR": f"198.51.100.{i}"},  # below the rate limit
        )
        assert response.status_code == 422, values
    huge = client.post("/adukan", data=complaint(client, description="x" * 1_100_000))
    assert huge.status_code == 413
    assert count(web, CASES) == 0 and count(web, COMPLAINANTS) == 0


def test_filing_without_a_csrf_token_is_rejected(web: Flask) -> None:
    web.config["WTF_CSRF_ENABLED"] = True
    client = web.test_client()
    data = complaint(client)
    del data["csrf_token"]
    assert client.post("/adukan", data=data).status_code == 400
    assert count(web, CASES) == 0 and count(web, EVENTS) == 0


def test_filing_is_rate_limited_per_address(web: Flask) -> None:
    client = web.test_client()
    for _ in range(5):
        file(client)
    response = client.post("/adukan", data=complaint(client))
    assert response.status_code == 429
    assert count(web, CASES) == 5
    neighbour = web.test_client()
    other = neighbour.post(
        "/adukan",
        data=complaint(neighbour),
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert other.status_code == 302


def test_typed_markup_is_shown_as_text_on_the_form_and_the_receipt(web: Flask) -> None:
    client = web.test_client()
    rejected = client.post(
        "/adukan", data=complaint(client, title=SCRIPT, description=IMG, unit="")
    )  # shown again with what was typed
    assert rejected.status_code == 422
    assert SCRIPT not in html(rejected) and "<img src=x" not in html(rejected)
    assert SCRIPT_ESCAPED in html(rejected)
    file(client, title=SCRIPT, description=IMG, f_lokasi=IMG)
    receipt = html(client.get("/adukan/tanda-terima"))
    assert SCRIPT not in receipt and "<img src=x" not in receipt
    assert SCRIPT_ESCAPED in receipt


# -- tracking --------------------------------------------------------------------------


def test_tracking_shows_progress_but_no_personal_data_actors_or_private_fields(
    web: Flask,
) -> None:
    client = web.test_client()
    number = file(
        client,
        name=NAME,
        phone=PHONE,
        email=EMAIL,
        title="Rahasia judul",
        description="Rumah Bu Siti nomor 12",
        f_lokasi="Gang Kelinci",
    )
    lurah = Actor("lurah.tebet", "lurah", KELURAHAN)
    db = app_store(web)
    with db.write() as conn:
        fire(
            conn,
            db.tree(),
            number=number,
            trigger="disposisi",
            actor=lurah,
            fields={"unit_tujuan": "31.74.SDSDA", "catatan_disposisi": "Catatan internal"},
            now=SUNDAY_NIGHT + dt.timedelta(hours=10),
        )
    page = html(client.get(f"/lacak/{number}"))
    assert number in page
    assert "Pengaduan sedang ditindaklanjuti oleh unit yang berwenang." in page  # public text
    assert "Inwalkot e-0006/2024" in page  # the definition
    assert "02-06-2024 23:15 WIB" in page and "03-06-2024 09:15 WIB" in page
    assert "diktum KESATU c" in page and "diktum KEDUA" in page
    assert "Suku Dinas Sumber Daya Air Jakarta Selatan" in page  # a public field
    for hidden in (
        NAME,
        PHONE,
        EMAIL,
        "lurah.tebet",
        "channel:elektronik",
        "Catatan internal",
        "Gang Kelinci",
        "Rumah Bu Siti",
    ):
        assert hidden not in page, hidden
    assert client.get(f"/lacak/{number.lower().replace('-', '')}").status_code == 200


def test_malformed_and_unknown_numbers_get_the_same_404_page(web: Flask) -> None:
    file(web.test_client())
    client = web.test_client()
    unknown = new_number()
    responses = [
        client.get(f"/lacak/{path}")
        for path in (unknown, unknown[:-1] + "Z" if unknown[-1] != "Z" else "0", "DK-123", "a/b")
    ]
    assert {r.status_code for r in responses} == {404}
    bodies = {r.get_data() for r in responses}
    assert len(bodies) == 1
    assert unknown.encode() not in bodies.pop()


def test_the_tracking_form_sends_the_typed_number_to_its_page(web: Flask) -> None:
    number = file(web.test_client())
    client = web.test_client()
    assert 'name="nomor"' in html(client.get("/lacak"))
    response = client.get("/lacak", query_string={"nomor": f"  {number.lower()} "})
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def test_tracking_is_rate_limited_per_address(app: Flask) -> None:
    client = app.test_client()
    codes = [client.get(f"/lacak/{new_number()}").status_code for _ in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429


def test_public_fields_are_shown_escaped_and_private_ones_not_at_all(web: Flask) -> None:
    db = app_store(web)
    with db.write() as conn:
        registry.publish(conn, public_note_variant(), "uji-publik.yaml", PUBLISHED_AT)
        number = open_case(
            conn,
            db.tree(),
            definition_ref="uji-publik",
            unit_code=KELURAHAN,
            channel="elektronik",
            title=SCRIPT,
            description=IMG,
            category="kebersihan",
            fields={"lokasi": SCRIPT},
            now=SUNDAY_NIGHT,
        ).number
        fire(
            conn,
            db.tree(),
            number=number,
            trigger="disposisi",
            actor=Actor("lurah.tebet", "lurah", KELURAHAN),
            fields={"unit_tujuan": KELURAHAN, "catatan_disposisi": IMG},
            now=SUNDAY_NIGHT,
        )
    page = html(web.test_client().get(f"/lacak/{number}"))
    assert "Catatan disposisi" in page and IMG_ESCAPED in page  # public: true
    assert "<img src=x" not in page and SCRIPT not in page
    assert SCRIPT_ESCAPED not in page  # title and lokasi are not public


def public_note_variant() -> str:
    """The 2024 definition as ``uji-publik``, its routing note marked public."""
    text = (DEFINITIONS / f"{D2024}.v1.yaml").read_text(encoding="utf-8")
    text = text.replace(f"id: {D2024}", "id: uji-publik", 1)
    note = "  catatan_disposisi:\n    type: text\n"
    assert note in text
    return text.replace(note, note + "    public: true\n", 1)
