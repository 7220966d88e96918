"""Officers in the browser: the inbox, the case page and its actions, intake and receipts.

Everything that writes runs on SQLite and on PostgreSQL (the ``web`` fixture), through
the Flask test client with CSRF on, signed in through the real sign-in form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from engine import registry
from engine.cases import CASES, COMPLAINANTS, PersonalData, fire, open_case
from engine.events import EVENTS
from engine.users import Actor
from tests.conftest import DEFINITIONS, PUBLISHED_AT, close_store, make_app
from web.cli import cli
from web.extensions import app_store

WIB = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2024, 6, 3, 9, 0, tzinfo=WIB)
"""Monday 3 June 2024, 09:00 WIB: a working day, in working hours."""
PASSWORD = "kata-sandi-uji-coba"
D2024 = "inwalkot-jaksel-e-0006-2024"
D2017 = "ingub-135-2017"
KELURAHAN = "31.74.01.1001"
OTHER_KELURAHAN = "31.74.02.1001"
KECAMATAN = "31.74.01"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_ESCAPED = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"


# -- fixtures and helpers --------------------------------------------------------------


@pytest.fixture
def web(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on each database, initialised, its clock at ``NOW``."""
    application = make_app(database_url, tmp_path)
    result = application.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert result.exit_code == 0, result.output
    application.config["NOW"] = NOW.isoformat()
    yield application
    close_store(application)


def add_user(app: Flask, name: str, role: str, unit: str) -> Actor:
    result = app.test_cli_runner().invoke(
        cli, ["user", "add", name, "--role", role, "--unit", unit, "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    return Actor(name, role, unit)


def token(client: FlaskClient, path: str = "/masuk") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def signed_in(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    response = client.post(
        "/masuk", data={"name": name, "password": PASSWORD, "csrf_token": token(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def open_complaint(
    app: Flask,
    *,
    unit: str = KELURAHAN,
    title: str = "Saluran air tersumbat",
    description: str = "Air meluap ke jalan.",
    received_at: dt.datetime | None = None,
    person: PersonalData | None = None,
) -> str:
    """A complaint filed electronically under the 2024 definition (always open)."""
    db = app_store(app)
    with db.write() as conn:
        receipt = open_case(
            conn,
            db.tree(),
            definition_ref=D2024,
            unit_code=unit,
            channel="elektronik",
            title=title,
            description=description,
            category="kebersihan",
            received_at=received_at,
            now=NOW,
            complainant=person,
        )
    return receipt.number


def case_row(app: Flask, number: str) -> Any:
    with app_store(app).read() as conn:
        return conn.execute(sa.select(CASES).where(CASES.c.number == number)).one()


def count(app: Flask, table: Any) -> int:
    with app_store(app).read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def html(response: Any) -> str:
    return str(response.get_data(as_text=True))


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement sent to the database while the block runs."""
    engine = app_store(app).engine
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


# -- who may open the pages ------------------------------------------------------------


def test_officer_pages_need_a_signed_in_officer(web: Flask) -> None:
    number = open_complaint(web)
    anonymous = web.test_client()
    for path in ("/petugas/", f"/petugas/kasus/{number}", "/petugas/pengaduan-baru"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/masuk")
    add_user(web, "pemeriksa", "auditor", "31")
    auditor = signed_in(web, "pemeriksa")
    for path in (
        "/petugas/",
        f"/petugas/kasus/{number}",
        "/petugas/pengaduan-baru",
        f"/petugas/tanda-terima/{number}",
    ):
        assert auditor.get(path).status_code == 403


def test_case_page_and_actions_are_for_officers_who_cover_the_case(web: Flask) -> None:
    number = open_complaint(web)
    add_user(web, "lurah1", "lurah", KELURAHAN)
    add_user(web, "lurah2", "lurah", OTHER_KELURAHAN)
    add_user(web, "camat1", "camat", KECAMATAN)
    add_user(web, "camat2", "camat", "31.74.02")
    own, other = signed_in(web, "lurah1"), signed_in(web, "lurah2")
    above, beside = signed_in(web, "camat1"), signed_in(web, "camat2")
    assert own.get(f"/petugas/kasus/{number}").status_code == 200
    assert above.get(f"/petugas/kasus/{number}").status_code == 200
    for outsider in (other, beside):
        assert outsider.get(f"/petugas/kasus/{number}").status_code == 403
        assert outsider.get(f"/petugas/tanda-terima/{number}").status_code == 403
        response = outsider.post(
            f"/petugas/kasus/{number}/aksi/disposisi",
            data={
                "csrf_token": token(outsider, "/petugas/"),
                "expected_version": 1,
                "f_unit_tujuan": "31.74.SDSDA",
            },
        )
        assert response.status_code == 403
    assert case_row(web, number).row_version == 1
    assert count(web, EVENTS) == 1


def test_unknown_and_malformed_numbers_are_404_for_officers(web: Flask) -> None:
    add_user(web, "lurah1", "lurah", KELURAHAN)
    client = signed_in(web, "lurah1")
    for number in ("DK-0000-0000-0000-0", "bukan-nomor"):
        assert client.get(f"/petugas/kasus/{number}").status_code == 404
        assert client.get(f"/petugas/tanda-terima/{number}").status_code == 404


# -- the inbox -------------------------------------------------------------------------


def test_inbox_lists_the_cases_of_the_officers_unit_and_the_units_below(web: Flask) -> None:
    at_kelurahan = open_complaint(web, title="Sampah di Tebet Timur")
    at_kecamatan = open_complaint(web, unit=KECAMATAN, title="Trotoar rusak di Tebet")
    elsewhere = open_complaint(web, unit=OTHER_KELURAHAN, title="Lampu jalan mati")
    add_user(web, "lurah1", "lurah", KELURAHAN)
    add_user(web, "camat1", "camat", KECAMATAN)
    lurah = html(signed_in(web, "lurah1").get("/petugas/"))
    camat = html(signed_in(web, "camat1").get("/petugas/"))
    assert at_kelurahan in lurah
    assert at_kecamatan not in lurah and elsewhere not in lurah
    assert at_kelurahan in camat and at_kecamatan in camat
    assert elsewhere not in camat
    # what a row shows: title, state title, unit name, channel, received time in WIB
    for text in (
        "Sampah di Tebet Timur",
        "Pengaduan diterima, nomor pengaduan diterbitkan",
        "Tebet Timur (31.74.01.1001)",
        "Kanal elektronik Pemerintah Provinsi DKI Jakarta",
        "03-06-2024 09:00 WIB",
        "04-06-2024 16:00 WIB",  # due: the end of the next working day
    ):
        assert text in camat


def test_inbox_filters_by_state_channel_overdue_and_typed_number(web: Flask) -> None:
    waiting = open_complaint(web, title="Menunggu disposisi")
    routed = open_complaint(web, title="Sudah didisposisikan")
    late = open_complaint(
        web, title="Sudah lama", received_at=NOW - dt.timedelta(days=7)
    )  # received the Monday before: its one working day is long gone
    lurah = add_user(web, "lurah1", "lurah", KELURAHAN)
    db = app_store(web)
    with db.write() as conn:
        fire(
            conn,
            db.tree(),
            number=routed,
            trigger="disposisi",
            actor=lurah,
            fields={"unit_tujuan": KELURAHAN},
            now=NOW,
        )
    client = signed_in(web, "lurah1")

    by_state = html(client.get("/petugas/?tahap=ditindaklanjuti"))
    assert routed in by_state and waiting not in by_state and late not in by_state
    assert waiting in html(client.get("/petugas/?kanal=elektronik"))
    assert waiting not in html(client.get("/petugas/?kanal=kantor_lurah"))
    overdue = html(client.get("/petugas/?terlambat=1"))
    assert late in overdue and waiting not in overdue and routed not in overdue
    assert "Lewat batas waktu" in html(client.get("/petugas/"))

    typed = routed.lower().replace("-", " ")  # lower case, spaces for dashes
    found = html(client.get("/petugas/", query_string={"nomor": typed}))
    assert routed in found and waiting not in found
    mistyped = routed[:-1] + ("A" if routed[-1] != "A" else "B")
    wrong = html(client.get("/petugas/", query_string={"nomor": mistyped}))
    assert "Nomor pengaduan tidak valid" in wrong and routed not in wrong


def test_inbox_shows_fifty_a_page_newest_received_first(web: Flask) -> None:
    numbers = [
        open_complaint(web, title=f"Pengaduan {i}", received_at=NOW - dt.timedelta(minutes=i))
        for i in range(53)
    ]  # numbers[0] is the newest
    add_user(web, "lurah1", "lurah", KELURAHAN)
    client = signed_in(web, "lurah1")
    first = html(client.get("/petugas/"))
    shown = re.findall(r'/petugas/kasus/(DK-[0-9A-Z-]+)"', first)
    assert shown == numbers[:50]
    following = re.search(r'href="([^"]+)" rel="next"', first)
    assert following is not None
    second = html(client.get(following.group(1).replace("&amp;", "&")))
    assert re.findall(r'/petugas/kasus/(DK-[0-9A-Z-]+)"', second) == numbers[50:]
    assert 'rel="next"' not in second
    assert client.get("/petugas/?setelah=bukan-kursor").status_code == 400


def test_inbox_query_count_does_not_grow_with_the_number_of_cases(web: Flask) -> None:
    add_user(web, "camat1", "camat", KECAMATAN)
    client = signed_in(web, "camat1")
    client.get("/petugas/")  # warm up: the unit tree is read once per process

    def statements_for_inbox() -> int:
        with statements(web) as seen:
            assert client.get("/petugas/").status_code == 200
        return len(seen)

    for i in range(5):
        open_complaint(web, title=f"Pengaduan {i}")
    with_five = statements_for_inbox()
    for i in range(45):
        open_complaint(web, unit=f"31.74.01.100{1 + i % 7}", title=f"Pengaduan {i}")
    with_fifty = statements_for_inbox()
    assert with_five == with_fifty
    with statements(web) as seen:
        client.get("/petugas/")
    assert sum("FROM case_file" in s for s in seen) == 1


# -- the case page and its actions -----------------------------------------------------


def test_case_page_shows_the_data_the_timeline_and_the_roles_actions(web: Flask) -> None:
    number = open_complaint(
        web, person=PersonalData(name="Siti Aminah", phone="081234567890", anonymous=False)
    )
    add_user(web, "lurah1", "lurah", KELURAHAN)
    add_user(web, "sudin1", "petugas_unit", "31.74.SDSDA")
    add_user(web, "camat1", "camat", KECAMATAN)
    page = html(signed_in(web, "lurah1").get(f"/petugas/kasus/{number}"))
    assert "Saluran air tersumbat" in page and "Air meluap ke jalan." in page
    assert "Pengaduan diterima, nomor pengaduan diterbitkan" in page
    assert "Siti Aminah" in page  # officers see who complained
    # the timeline: WIB time, actor (the channel for an electronic filing), diktum
    assert "03-06-2024 09:00 WIB" in page and "channel:elektronik" in page
    assert "diktum KESATU c" in page
    # the lurah may route the case: a form with a unit field and the row version
    assert f'action="/petugas/kasus/{number}/aksi/disposisi"' in page
    assert 'name="f_unit_tujuan"' in page and 'pattern="' in page
    assert 'name="f_catatan_disposisi"' in page and "<textarea" in page
    assert 'name="expected_version" type="hidden" value="1"' in page
    assert "/aksi/alihkan" not in page  # not an action of this state

    lurah = Actor("lurah1", "lurah", KELURAHAN)
    db = app_store(web)
    with db.write() as conn:
        fire(
            conn,
            db.tree(),
            number=number,
            trigger="disposisi",
            actor=lurah,
            fields={"unit_tujuan": "31.74.SDSDA", "catatan_disposisi": "Mohon segera"},
            now=NOW,
        )
    handler = html(signed_in(web, "sudin1").get(f"/petugas/kasus/{number}"))
    assert "/aksi/lapor_tindak_lanjut" in handler and "/aksi/alihkan" in handler
    assert "lurah1 (lurah)" in handler and "Mohon segera" in handler
    assert "Suku Dinas Sumber Daya Air Jakarta Selatan" in handler
    # the camat covers the kelurahan that received it, but the case is at the Suku Dinas now
    assert signed_in(web, "camat1").get(f"/petugas/kasus/{number}").status_code == 403


def test_action_forms_have_an_input_for_each_field_type(web: Flask) -> None:
    with app_store(web).write() as conn:
        registry.publish(conn, typed_variant(), "uji-formulir.yaml", PUBLISHED_AT)
        receipt = open_case(
            conn,
            app_store(web).tree(),
            definition_ref="uji-formulir",
            unit_code=KELURAHAN,
            channel="elektronik",
            title="Jenis isian",
            category="kebersihan",
            now=NOW,
        )
    add_user(web, "lurah1", "lurah", KELURAHAN)
    page = html(signed_in(web, "lurah1").get(f"/petugas/kasus/{receipt.number}"))
    form = page[page.index('id="aksi-disposisi"') :]
    assert re.search(r'<input[^>]*name="f_unit_tujuan"[^>]*pattern=', form)  # unit
    assert re.search(r'<textarea[^>]*name="f_catatan_disposisi"', form)  # text
    assert re.search(r'<input[^>]*name="f_tanggal_kunjungan"[^>]*type="date"', form)  # date
    assert re.search(r'<select[^>]*name="f_prioritas"', form)  # choice
    assert '<option value="tinggi">tinggi</option>' in form
    assert re.search(r'<select[^>]*name="f_perlu_kunjungan"', form)  # bool
    assert '<option value="ya">Ya</option>' in form
    assert '<option value="tidak">Tidak</option>' in form
    assert re.search(r'<input[^>]*name="f_jumlah_warga"[^>]*type="number"', form)  # int


def test_triage_offers_a_yes_no_select_and_moves_the_case(web: Flask) -> None:
    camat = add_user(web, "camat1", "camat", KECAMATAN)
    db = app_store(web)
    saturday = dt.datetime(2024, 6, 1, 9, 30, tzinfo=WIB)
    with db.write() as conn:
        number = open_case(
            conn,
            db.tree(),
            definition_ref=D2017,
            unit_code=KECAMATAN,
            channel="langsung_kecamatan",
            title="Banjir di gang",
            fields={"kelurahan": KELURAHAN},
            received_at=saturday,
            now=NOW,
            actor=camat,
        ).number
    client = signed_in(web, "camat1")
    page = html(client.get(f"/petugas/kasus/{number}"))
    assert re.search(r'<select[^>]*name="f_needs_field_review"', page)
    response = client.post(
        f"/petugas/kasus/{number}/aksi/triase",
        data={
            "csrf_token": token(client, f"/petugas/kasus/{number}"),
            "expected_version": 1,
            "f_needs_field_review": "ya",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/petugas/kasus/{number}"
    assert case_row(web, number).state == "menunggu_peninjauan"
    followed = html(client.get(response.headers["Location"]))
    assert "Tindakan dicatat" in followed
    assert "Menunggu peninjauan lapangan hari Minggu" in followed


def test_an_action_redirects_to_the_inbox_when_the_case_leaves_the_officers_units(
    web: Flask,
) -> None:
    number = open_complaint(web)
    add_user(web, "lurah1", "lurah", KELURAHAN)
    client = signed_in(web, "lurah1")
    response = client.post(
        f"/petugas/kasus/{number}/aksi/disposisi",
        data={
            "csrf_token": token(client, f"/petugas/kasus/{number}"),
            "expected_version": 1,
            "f_unit_tujuan": "31.74.SDSDA",
            "f_catatan_disposisi": "Saluran di bawah kewenangan Sudin SDA",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/petugas/"
    row = case_row(web, number)
    assert (row.state, row.unit_code, row.row_version) == ("ditindaklanjuti", "31.74.SDSDA", 2)
    assert "kini ditangani Suku Dinas Sumber Daya Air" in html(client.get("/petugas/"))


def test_a_refused_or_invalid_action_shows_why_and_changes_nothing(web: Flask) -> None:
    number = open_complaint(web)
    add_user(web, "lurah1", "lurah", KELURAHAN)
    client = signed_in(web, "lurah1")
    csrf = token(client, f"/petugas/kasus/{number}")
    attempts = [
        ("disposisi", {}, "Wajib diisi."),  # required field missing: the form says so
        ("disposisi", {"f_unit_tujuan": "bukan kode"}, "Kode unit seperti"),
        # The engine's refusals, said in Indonesian:
        ("disposisi", {"f_unit_tujuan": "31.99.99.9999"}, "unit &#39;31.99.99.9999&#39; tidak"),
        ("tutup", {}, "tidak dapat dilakukan pada tahap &#39;diterima&#39;"),
        ("hapus", {}, "tindakan &#39;hapus&#39; tidak dikenal"),
    ]
    for trigger, fields, reason in attempts:
        response = client.post(
            f"/petugas/kasus/{number}/aksi/{trigger}",
            data={"csrf_token": csrf, "expected_version": 1, **fields},
        )
        assert response.status_code == 422, (trigger, fields)
        assert reason in html(response), (trigger, fields)
    row = case_row(web, number)
    assert (row.state, row.row_version) == ("diterima", 1)
    assert count(web, EVENTS) == 1


def test_a_stale_expected_version_is_a_409_and_changes_nothing(web: Flask) -> None:
    number = open_complaint(web)
    add_user(web, "lurah1", "lurah", KELURAHAN)
    add_user(web, "camat1", "camat", KECAMATAN)
    lurah, camat = signed_in(web, "lurah1"), signed_in(web, "camat1")
    lurah_token = token(lurah, f"/petugas/kasus/{number}")  # both see version 1
    camat_token = token(camat, f"/petugas/kasus/{number}")
    first = camat.post(
        f"/petugas/kasus/{number}/aksi/disposisi",
        data={"csrf_token": camat_token, "expected_version": 1, "f_unit_tujuan": KELURAHAN},
    )
    assert first.status_code == 302
    events_before = count(web, EVENTS)
    second = lurah.post(
        f"/petugas/kasus/{number}/aksi/disposisi",
        data={"csrf_token": lurah_token, "expected_version": 1, "f_unit_tujuan": KECAMATAN},
    )
    assert second.status_code == 409
    assert "telah diubah oleh orang lain" in html(second)
    row = case_row(web, number)
    assert (row.unit_code, row.row_version) == (KELURAHAN, 2)
    assert count(web, EVENTS) == events_before


def test_every_officer_post_without_a_csrf_token_is_rejected(web: Flask) -> None:
    web.config["WTF_CSRF_ENABLED"] = True
    number = open_complaint(web)
    add_user(web, "lurah1", "lurah", KELURAHAN)
    client = signed_in(web, "lurah1")
    action = client.post(
        f"/petugas/kasus/{number}/aksi/disposisi",
        data={"expected_version": 1, "f_unit_tujuan": KECAMATAN},
    )
    assert action.status_code == 400
    intake = client.post("/petugas/pengaduan-baru", data=intake_form(title="Tanpa token"))
    assert intake.status_code == 400
    assert count(web, CASES) == 1 and count(web, EVENTS) == 1
    assert case_row(web, number).row_version == 1


# -- intake and receipts ---------------------------------------------------------------


def intake_form(**values: str) -> dict[str, str]:
    """A lurah's in-person intake under the 2024 definition."""
    return {
        "definition": D2024,
        "channel": "kantor_lurah",
        "unit": KELURAHAN,
        "title": "Jalan berlubang",
        "description": "Lubang besar di depan sekolah.",
        "category": "jalan dan trotoar",
        **values,
    }


def test_intake_records_the_complaint_and_prints_a_receipt(web: Flask) -> None:
    add_user(web, "lurah1", "lurah", KELURAHAN)
    client = signed_in(web, "lurah1")
    form = html(client.get("/petugas/pengaduan-baru"))
    assert '<option selected value="kantor_lurah">' in form  # the lurah's only channel
    assert 'value="kantor_camat"' not in form and 'value="elektronik"' not in form
    assert f'<option selected value="{KELURAHAN}">' in form  # own unit by default
    assert OTHER_KELURAHAN not in form
    response = client.post(
        "/petugas/pengaduan-baru",
        data=intake_form(
            csrf_token=token(client, "/petugas/pengaduan-baru"),
            f_lokasi="Jl. Tebet Timur Dalam",
            name="Budi Santoso",
            phone="081298765432",
            email="budi@contoh.id",
            address="Jl. Mawar 1",
        ),
    )
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert response.headers["Location"] == f"/petugas/tanda-terima/{number}"
    row = case_row(web, number)
    assert (row.channel, row.unit_code, row.data) == (
        "kantor_lurah",
        KELURAHAN,
        {"lokasi": "Jl. Tebet Timur Dalam"},
    )
    with app_store(web).read() as conn:
        person = conn.execute(sa.select(COMPLAINANTS).where(COMPLAINANTS.c.case_id == row.id)).one()
    assert (person.name, person.email) == ("Budi Santoso", "budi@contoh.id")
    assert not person.anonymous

    receipt = html(client.get(response.headers["Location"]))
    assert number in receipt
    assert f"http://localhost/lacak/{number}" in receipt  # the absolute tracking address
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="qr"><path ', receipt)
    assert "03-06-2024 09:00 WIB" in receipt  # received and recorded
    assert "@media print" in receipt
    assert "Budi Santoso" in receipt  # the officer's copy names the complainant
    assert "081298765432" not in receipt and "budi@contoh.id" not in receipt
    assert not re.search(r"<script(?![^>]*\bsrc=)", receipt)  # no inline script (CSP)


def test_intake_outside_the_channels_window_shows_its_message_and_writes_nothing(
    web: Flask,
) -> None:
    add_user(web, "lurah1", "lurah", KELURAHAN)
    client = signed_in(web, "lurah1")
    page = html(client.get(f"/petugas/pengaduan-baru?definisi={D2017}"))
    assert "langsung_kecamatan" in page
    response = client.post(
        "/petugas/pengaduan-baru",
        data={
            "csrf_token": token(client, "/petugas/pengaduan-baru"),
            "definition": D2017,
            "channel": "langsung_kecamatan",
            "unit": KELURAHAN,
            "title": "Datang hari Senin",
            "category": "kebersihan",
            "f_kelurahan": KELURAHAN,
        },
    )
    assert response.status_code == 422
    assert "setiap hari Sabtu pukul 08.00 sampai dengan 11.00 WIB" in html(response)
    assert count(web, CASES) == 0 and count(web, EVENTS) == 0 and count(web, COMPLAINANTS) == 0


def test_a_complaint_typed_in_later_keeps_when_it_was_received(web: Flask) -> None:
    add_user(web, "lurah1", "lurah", KELURAHAN)
    client = signed_in(web, "lurah1")
    response = client.post(
        "/petugas/pengaduan-baru",
        data={
            "csrf_token": token(client, "/petugas/pengaduan-baru"),
            "definition": D2017,
            "channel": "langsung_kecamatan",
            "unit": KELURAHAN,
            "title": "Diterima hari Sabtu",
            "category": "kebersihan",
            "f_kelurahan": KELURAHAN,
            "received_at": "2024-06-01T09:30",  # Saturday's session, in WIB
            "anonymous": "y",
        },
    )
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    row = case_row(web, number)
    assert row.received_at == dt.datetime(2024, 6, 1, 2, 30, tzinfo=dt.UTC)
    assert row.recorded_at == NOW
    receipt = html(client.get(response.headers["Location"]))
    assert "01-06-2024 09:30 WIB" in receipt and "03-06-2024 09:00 WIB" in receipt
    assert "Anonim" in receipt


def test_intake_accepts_only_the_officers_units_and_channels(web: Flask) -> None:
    add_user(web, "lurah1", "lurah", KELURAHAN)
    add_user(web, "sudin1", "petugas_unit", "31.74.SDSDA")
    client = signed_in(web, "lurah1")
    csrf = token(client, "/petugas/pengaduan-baru")
    for wrong in ({"unit": OTHER_KELURAHAN}, {"channel": "kantor_camat"}):
        response = client.post(
            "/petugas/pengaduan-baru", data=intake_form(csrf_token=csrf, **wrong)
        )
        assert response.status_code == 422, wrong
    anonymous_with_name = intake_form(csrf_token=csrf, anonymous="y", name="Budi")
    response = client.post("/petugas/pengaduan-baru", data=anonymous_with_name)
    assert response.status_code == 422
    assert "Pengaduan anonim tidak menyimpan identitas" in html(response)
    assert count(web, CASES) == 0
    agency = html(signed_in(web, "sudin1").get("/petugas/pengaduan-baru"))
    assert "tidak menerima pengaduan secara langsung" in agency


def test_typed_markup_is_shown_as_text_on_every_officer_page(web: Flask) -> None:
    add_user(web, "lurah1", "lurah", KELURAHAN)
    client = signed_in(web, "lurah1")
    response = client.post(
        "/petugas/pengaduan-baru",
        data=intake_form(
            csrf_token=token(client, "/petugas/pengaduan-baru"),
            title=SCRIPT,
            description=IMG,
            f_lokasi=SCRIPT + IMG,
            name=IMG,
        ),
    )
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    client.post(
        f"/petugas/kasus/{number}/aksi/disposisi",
        data={
            "csrf_token": token(client, f"/petugas/kasus/{number}"),
            "expected_version": 1,
            "f_unit_tujuan": KELURAHAN,
            "f_catatan_disposisi": IMG,
        },
    )
    pages = {
        "inbox": html(client.get("/petugas/")),
        "case": html(client.get(f"/petugas/kasus/{number}")),
        "receipt": html(client.get(f"/petugas/tanda-terima/{number}")),
    }
    for name, page in pages.items():
        assert SCRIPT not in page and "<img src=x" not in page, name
        assert SCRIPT_ESCAPED in page, name
    assert IMG_ESCAPED in pages["case"] and IMG_ESCAPED in pages["receipt"]


# -- a definition with every field type ------------------------------------------------


def typed_variant() -> str:
    """The 2024 definition as ``uji-formulir``, its routing taking a field of each type."""
    text = (DEFINITIONS / f"{D2024}.v1.yaml").read_text(encoding="utf-8")
    text = text.replace(f"id: {D2024}", "id: uji-formulir", 1)
    text = text.replace(
        "\nfields:\n",
        "\nfields:\n"
        "  tanggal_kunjungan: {type: date, title: Tanggal kunjungan}\n"
        "  prioritas: {type: choice, title: Prioritas, choices: [tinggi, rendah]}\n"
        "  perlu_kunjungan: {type: bool, title: Perlu kunjungan?}\n"
        "  jumlah_warga: {type: int, title: Jumlah warga terdampak}\n",
        1,
    )
    routing = "    optional: [catatan_disposisi]\n"
    assert routing in text
    return text.replace(
        routing,
        "    optional: [catatan_disposisi, tanggal_kunjungan, prioritas, perlu_kunjungan,"
        " jumlah_warga]\n",
        1,
    )
