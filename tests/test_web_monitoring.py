"""Monitoring pages: figures and charts scoped to the user's unit subtree, the Camat's
weekly report, the city's report and the overdue list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import cases
from engine.users import Actor
from tests.test_web_admin import (
    INWALKOT,
    INWALKOT_YAML,
    JAKARTA_SELATAN,
    SETIABUDI,
    TEBET,
    TEBET_TIMUR,
    XSS,
    as_version,
    client_as,
    open_case,
    publish,
    running,
    signed_in_as,
    text_of,
)
from tests.test_web_auditor import RECEIVED, ROUTED, routed_case
from web.extensions import app_store

SETIA_BUDI = "31.74.02.1001"
LURAH = Actor("lurah", "lurah", TEBET_TIMUR)


@pytest.fixture
def db_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    yield from running(database_url, tmp_path)


def as_user(app: Flask, name: str, role: str, unit: str) -> FlaskClient:
    return signed_in_as(app, app.test_client(), name, role, unit)


def resolved_in_kelurahan(app: Flask, title: str = "Lampu jalan mati") -> str:
    """Received, routed to the kelurahan itself, followed up and closed there."""
    number = open_case(app, title, received_at=RECEIVED, now=RECEIVED)
    store = app_store(app)
    steps = [
        ("disposisi", {"unit_tujuan": TEBET_TIMUR}),
        ("lapor_tindak_lanjut", {"hasil_tindak_lanjut": "Lampu sudah diganti."}),
        ("tutup", {}),
    ]
    for trigger, fields in steps:
        with store.write() as conn:
            cases.fire(
                conn,
                store.tree(),
                number=number,
                trigger=trigger,
                actor=LURAH,
                fields=fields,
                now=ROUTED,
            )
    return number


def canvas(page: str, chart_id: str) -> dict[str, object]:
    """The data-* attributes charts.js reads, parsed."""
    tag = page.split(f'<canvas id="{chart_id}"')[1].split(">")[0]
    found = {}
    for name in ("labels", "values", "series", "title"):
        marker = f"data-{name}='"
        if marker in tag:
            found[name] = json.loads(tag.split(marker)[1].split("'")[0])
    return found


# Who sees what ------------------------------------------------------------------------


def test_monitoring_needs_a_signed_in_user(app: Flask) -> None:
    client = client_as(app, "anonim")
    for path in ("/pemantauan/", "/pemantauan/terlambat", f"/pemantauan/kecamatan/{TEBET}"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/masuk")
    assert client.get(f"/pemantauan/kota/{JAKARTA_SELATAN}").status_code == 302


def test_an_officer_sees_their_own_subtree_and_auditors_see_everything(db_app: Flask) -> None:
    open_case(db_app, "Di Tebet Timur 1")
    open_case(db_app, "Di Tebet Timur 2")
    open_case(db_app, "Di Setia Budi", unit=SETIA_BUDI)

    def total(client: FlaskClient, **query: str) -> str:
        page = text_of(client.get("/pemantauan/", query_string=query))
        return page.split('<strong id="total">')[1].split("<")[0]

    lurah = client_as(db_app, "lurah")
    assert total(lurah) == "2"
    assert "Tebet Timur" in text_of(lurah.get("/pemantauan/")).split('id="cakupan"')[1]
    assert lurah.get("/pemantauan/", query_string={"unit": SETIABUDI}).status_code == 403
    assert lurah.get("/pemantauan/", query_string={"unit": "31.99"}).status_code == 404
    camat = as_user(db_app, "camat_setiabudi", "camat", SETIABUDI)
    assert total(camat) == "1"
    assert total(camat, unit=SETIA_BUDI) == "1"
    assert camat.get("/pemantauan/", query_string={"unit": TEBET}).status_code == 403
    for name in ("auditor", "admin"):
        reader = client_as(db_app, name)
        assert total(reader) == "3"
        assert total(reader, unit=TEBET) == "2"
        assert "seluruh unit" in text_of(reader.get("/pemantauan/"))


# Charts -------------------------------------------------------------------------------


def test_charts_get_their_figures_from_data_attributes(app: Flask) -> None:
    open_case(app, "Satu")
    open_case(app, "Dua")
    routed_case(app)
    page = text_of(client_as(app, "auditor").get("/pemantauan/"))
    channels = canvas(page, "grafik-kanal")
    assert channels["labels"] == ["Kanal elektronik Pemerintah Provinsi DKI Jakarta (setiap saat)"]
    assert channels["values"] == [3]
    states = canvas(page, "grafik-keadaan")
    assert states["labels"] == [
        "Pengaduan diterima, nomor pengaduan diterbitkan",
        "Ditindaklanjuti oleh perangkat daerah / unit kerja / BUMD yang berwenang",
    ]
    assert states["values"] == [2, 1]
    ages = canvas(page, "grafik-umur")
    assert ages["labels"][0] == "0-1 hari" and ages["labels"][-1] == "> 30 hari"
    assert sum(ages["values"]) == 3 and ages["values"][-1] == 1  # the June 2025 case
    assert "vendor/chart.umd.js" in page and "charts.js" in page
    assert "<script>" not in page  # scripts only by src (CSP)


def test_states_of_two_versions_with_the_same_title_are_told_apart(app: Flask) -> None:
    publish(app, as_version(INWALKOT_YAML, 2))
    open_case(app, "Versi satu", definition=f"{INWALKOT}@1")
    open_case(app, "Versi dua", definition=f"{INWALKOT}@2")
    states = canvas(text_of(client_as(app, "admin").get("/pemantauan/")), "grafik-keadaan")
    title = "Pengaduan diterima, nomor pengaduan diterbitkan"
    assert states["labels"] == [f"{title} ({INWALKOT}@1)", f"{title} ({INWALKOT}@2)"]


def test_markup_in_case_titles_and_state_titles_is_escaped_on_monitoring_pages(
    app: Flask,
) -> None:
    routed_case(app, title=f"Judul {XSS}")
    client = client_as(app, "admin")
    for path in ("/pemantauan/", "/pemantauan/terlambat", f"/pemantauan/kecamatan/{TEBET}"):
        page = text_of(client.get(path, query_string={"minggu": "2025-06-02"}))
        assert XSS not in page, path
    page = text_of(client.get("/pemantauan/"))
    assert "Judul &lt;script&gt;alert(1)&lt;/script&gt;" in page


# Overdue ------------------------------------------------------------------------------


def test_the_overdue_list_shows_open_cases_past_their_deadline_longest_first(
    app: Flask,
) -> None:
    routed = routed_case(app, "Diteruskan")  # due 5 working days after 2 June 2025
    waiting = open_case(app, "Belum didisposisikan", received_at=RECEIVED, now=RECEIVED)
    fresh = open_case(app, "Baru masuk")
    resolved_in_kelurahan(app)
    client = client_as(app, "lurah")
    page = text_of(client.get("/pemantauan/"))
    listed = page.split('id="daftar-terlambat"')[1].split("</section>")[0]
    assert waiting in listed and routed in listed and fresh not in listed
    assert listed.index(waiting) < listed.index(routed)  # due 3 June, before 11 June
    assert "Melewati batas waktu <small>(2)</small>" in page
    assert '<strong id="terlambat">2</strong>' in page
    full = text_of(client.get("/pemantauan/terlambat"))
    assert routed in full and "Ditindaklanjuti oleh perangkat daerah" in full
    # Five working days after 2 June 13:30, skipping Idul Adha (6 June) and cuti bersama.
    assert "11-06-2025 16:00 WIB" in full
    elsewhere = as_user(app, "camat_setiabudi", "camat", SETIABUDI)
    assert routed not in text_of(elsewhere.get("/pemantauan/terlambat"))


# Reports ------------------------------------------------------------------------------


def test_the_camats_weekly_report_lists_resolved_and_unresolved_complaints(
    db_app: Flask,
) -> None:
    resolved = resolved_in_kelurahan(db_app)
    escalated = routed_case(db_app, "Diteruskan ke Suku Dinas")
    camat = as_user(db_app, "camat_tebet", "camat", TEBET)
    page = text_of(
        camat.get(f"/pemantauan/kecamatan/{TEBET}", query_string={"minggu": "2025-06-02"})
    )
    assert "Laporan mingguan Camat Tebet" in page
    assert (
        '<strong id="selesai">1</strong>' in page and '<strong id="diteruskan">1</strong>' in page
    )
    assert resolved in page.split('id="daftar-selesai"')[1].split("</table>")[0]
    unresolved = page.split('id="daftar-diteruskan"')[1].split("</table>")[0]
    assert escalated in unresolved and "31.74.SDLH" in unresolved
    assert "02-06-2025 00:00 WIB" in page and "minggu=2025-06-09" in page
    other_week = camat.get(f"/pemantauan/kecamatan/{TEBET}", query_string={"minggu": "2025-06-09"})
    assert '<strong id="selesai">0</strong>' in text_of(other_week)


def test_weekly_reports_open_for_the_kecamatan_and_the_units_above_it(app: Flask) -> None:
    path = f"/pemantauan/kecamatan/{TEBET}"
    allowed = [
        as_user(app, "camat_tebet", "camat", TEBET),
        as_user(app, "setko", "petugas_setko", JAKARTA_SELATAN),
        client_as(app, "auditor"),
    ]
    assert [c.get(path).status_code for c in allowed] == [200, 200, 200]
    assert client_as(app, "lurah").get(path).status_code == 403  # below the kecamatan
    assert as_user(app, "camat_setiabudi", "camat", SETIABUDI).get(path).status_code == 403
    auditor = allowed[2]
    assert auditor.get("/pemantauan/kecamatan/31.99").status_code == 404
    assert auditor.get(f"/pemantauan/kecamatan/{TEBET_TIMUR}").status_code == 404
    bad = auditor.get(path, query_string={"minggu": "minggu-lalu"})
    assert bad.status_code == 400 and "bukan tanggal yang sah" in text_of(bad)
    picked = auditor.get(
        "/pemantauan/kecamatan", query_string={"kode": TEBET, "minggu": "2025-06-02"}
    )
    assert picked.headers["Location"] == f"{path}?minggu=2025-06-02"


def test_the_city_report_shows_each_kecamatan_and_opens_for_the_city_and_above(
    app: Flask,
) -> None:
    resolved_in_kelurahan(app)
    routed_case(app)
    path = f"/pemantauan/kota/{JAKARTA_SELATAN}"
    setko = as_user(app, "setko", "petugas_setko", JAKARTA_SELATAN)
    response = setko.get(path, query_string={"dari": "2025-06-02", "sampai": "2025-06-08"})
    assert response.status_code == 200
    page = text_of(response)
    assert "Kota Administrasi Jakarta Selatan" in page
    row = page.split('id="per-kecamatan"')[1].split("Tebet</a>")[1].split("</tr>")[0]
    assert "<td>1</td><td>1</td>" in row.replace(" ", "").replace("\n", "")
    chart = canvas(page, "grafik-kecamatan")
    assert "Tebet" in chart["labels"]  # type: ignore[operator]
    assert "2025-06-02 s.d. 2025-06-08" in page
    assert as_user(app, "camat_tebet", "camat", TEBET).get(path).status_code == 403
    assert client_as(app, "admin").get(path).status_code == 200
    assert client_as(app, "admin").get(f"/pemantauan/kota/{TEBET}").status_code == 404
    reversed_period = setko.get(path, query_string={"dari": "2025-06-08", "sampai": "2025-06-02"})
    assert reversed_period.status_code == 400
