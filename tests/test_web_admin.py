"""Administrators' pages: definitions with versions and diagrams, publishing YAML with its
problems shown at their lines, users and units; nobody else gets in.

The helpers here (an initialised app on each database, signed-in clients, cases opened
through the engine) are shared by the auditor and monitoring suites.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from engine import cases, registry
from engine.cases import PersonalData
from engine.registry import VERSIONS
from engine.users import USERS
from tests.conftest import DEFINITIONS, PUBLISHED_AT, close_store, make_app
from tests.test_web_auth import PASSWORD, add_user, sign_in
from web.cli import cli
from web.extensions import app_store

INWALKOT = "inwalkot-jaksel-e-0006-2024"
INWALKOT_YAML = (DEFINITIONS / "inwalkot-jaksel-e-0006-2024.v1.yaml").read_text(encoding="utf-8")
TEBET_TIMUR = "31.74.01.1001"
TEBET = "31.74.01"
SETIABUDI = "31.74.02"
JAKARTA_SELATAN = "31.74"
XSS = "<script>alert(1)</script>"

ROLES = {
    "anonim": None,
    "lurah": ("lurah", TEBET_TIMUR),
    "auditor": ("auditor", "31"),
    "admin": ("admin", "31"),
}


def initialised(url: str, tmp_path: Path) -> Flask:
    """An app on ``url`` with the schema, the shipped definitions and the unit tree."""
    application = make_app(url, tmp_path)
    application.config["WTF_CSRF_ENABLED"] = True
    result = application.test_cli_runner().invoke(cli, ["init", "--now", PUBLISHED_AT.isoformat()])
    assert result.exit_code == 0, result.output
    return application


def running(url: str, tmp_path: Path) -> Iterator[Flask]:
    """An initialised app for a fixture to yield, closed afterwards."""
    application = initialised(url, tmp_path)
    yield application
    close_store(application)


@pytest.fixture
def db_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An initialised app on SQLite and on PostgreSQL, for tests that write."""
    yield from running(database_url, tmp_path)


def client_as(app: Flask, who: str) -> FlaskClient:
    """A client signed in as the user of ``ROLES[who]`` (added first), or anonymous."""
    client = app.test_client()
    spec = ROLES[who]
    if spec is not None:
        role, unit = spec
        signed_in_as(app, client, who, role, unit)
    return client


def signed_in_as(app: Flask, client: FlaskClient, name: str, role: str, unit: str) -> FlaskClient:
    with app_store(app).read() as conn:
        known = conn.execute(sa.select(USERS.c.id).where(USERS.c.name == name)).first()
    if known is None:
        add_user(app, name, role, unit)
    assert sign_in(client, name) == "/"
    return client


def token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token of the signed-in session, read from a page's form."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def open_case(
    app: Flask,
    title: str = "Saluran air tersumbat",
    unit: str = TEBET_TIMUR,
    received_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    **kwargs: Any,
) -> str:
    """A complaint on the electronic channel of the 2024 instruction (always open)."""
    store = app_store(app)
    now = now or dt.datetime.now(dt.UTC)
    definition = kwargs.pop("definition", INWALKOT)
    with store.write() as conn:
        receipt = cases.open_case(
            conn,
            store.tree(),
            definition_ref=definition,
            unit_code=unit,
            channel="elektronik",
            title=title,
            received_at=received_at,
            now=now,
            **kwargs,
        )
    return receipt.number


def publish(app: Flask, text: str) -> None:
    with app_store(app).write() as conn:
        registry.publish(conn, text, "test.yaml", dt.datetime.now(dt.UTC))


def version_count(app: Flask) -> int:
    with app_store(app).read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(VERSIONS)).scalar_one())


def text_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


def as_version(text: str, version: int) -> str:
    return text.replace("\nversion: 1\n", f"\nversion: {version}\n", 1)


def upload(client: FlaskClient, content: str, **extra: Any) -> Any:
    data = {"isi": content, "csrf_token": token(client, "/admin/definisi/unggah"), **extra}
    return client.post("/admin/definisi/unggah", data=data, content_type="multipart/form-data")


# Who may enter ------------------------------------------------------------------------

ADMIN_PAGES = [
    "/admin/definisi",
    f"/admin/definisi/{INWALKOT}/1",
    f"/admin/definisi/unggah?dari={INWALKOT}@1",
    "/admin/pengguna",
    "/admin/unit",
]


@pytest.mark.parametrize(("who", "status"), [("anonim", 302), ("lurah", 403), ("auditor", 403)])
def test_only_administrators_open_the_admin_pages(app: Flask, who: str, status: int) -> None:
    client = client_as(app, who)
    for path in ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == status, path
        if status == 302:
            assert response.headers["Location"].startswith("/masuk")
    admin = client_as(app, "admin")
    assert [admin.get(path).status_code for path in ADMIN_PAGES] == [200] * len(ADMIN_PAGES)


def test_an_officer_cannot_publish_add_users_or_deactivate_even_with_a_token(
    app: Flask,
) -> None:
    client = client_as(app, "lurah")
    csrf = token(client)
    before = version_count(app)
    posts = {
        "/admin/definisi/unggah": {"isi": as_version(INWALKOT_YAML, 2)},
        "/admin/pengguna": {"name": "baru", "role": "admin", "unit": "31", "password": PASSWORD},
        "/admin/pengguna/lurah/nonaktifkan": {},
        "/admin/pengguna/lurah/sandi": {"password": "kata-sandi-baru-123"},
    }
    for path, data in posts.items():
        assert client.post(path, data={**data, "csrf_token": csrf}).status_code == 403, path
    assert version_count(app) == before
    with app_store(app).read() as conn:
        rows = conn.execute(sa.select(USERS.c.name, USERS.c.active)).all()
    assert sorted(rows) == [("lurah", True)]


def test_posts_without_a_csrf_token_are_refused_and_write_nothing(db_app: Flask) -> None:
    client = client_as(db_app, "admin")
    before = version_count(db_app)
    add_user(db_app, "petugas1", "petugas_kelurahan", TEBET_TIMUR)
    posts = {
        "/admin/definisi/unggah": {"isi": as_version(INWALKOT_YAML, 2)},
        "/admin/pengguna": {"name": "baru", "role": "admin", "unit": "31", "password": PASSWORD},
        "/admin/pengguna/petugas1/nonaktifkan": {},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 400, path
    assert version_count(db_app) == before
    with app_store(db_app).read() as conn:
        rows = conn.execute(sa.select(USERS.c.name, USERS.c.active)).all()
    assert sorted(rows) == [("admin", True), ("petugas1", True)]


# Definitions --------------------------------------------------------------------------


def test_the_definitions_page_lists_versions_with_hash_and_open_cases(app: Flask) -> None:
    open_case(app)
    open_case(app)
    page = text_of(client_as(app, "admin").get("/admin/definisi"))
    with app_store(app).read() as conn:
        digest = registry.find(conn, INWALKOT).content_hash
    assert f"{INWALKOT}@1" in page and "ingub-135-2017@1" in page
    assert digest[:12] in page
    row = page.split(f"{INWALKOT}@1</a>")[1].split("</tr>")[0]
    assert 'data-open="2"' in row
    assert "01-01-2024 00:00 WIB" in page  # published_at, shown in WIB


def test_a_version_page_shows_the_summary_yaml_and_the_diagram_with_open_counts(
    app: Flask,
) -> None:
    open_case(app)
    page = text_of(client_as(app, "admin").get(f"/admin/definisi/{INWALKOT}/1"))
    assert '<pre class="mermaid">stateDiagram-v2' in page
    # The start state carries one open case, the others none.
    assert "Pengaduan diterima, nomor pengaduan diterbitkan (KETIGA) · 1" in page
    assert "Selesai ditindaklanjuti (KEDUA) · 0" in page
    assert "disposisi" in page and "unit_tujuan" in page
    assert "KESATU b" in page and "Walikota Kota Administrasi Jakarta Selatan" in page
    assert "vendor/mermaid.min.js" in page and "diagrams.js" in page
    assert "<script>" not in page  # scripts only by src (CSP)


def test_an_unknown_version_is_not_found(app: Flask) -> None:
    client = client_as(app, "admin")
    assert client.get(f"/admin/definisi/{INWALKOT}/9").status_code == 404
    assert client.get("/admin/definisi/unggah?dari=tidak-ada@1").status_code == 404


def test_the_editor_is_prefilled_with_a_versions_yaml(app: Flask) -> None:
    page = text_of(client_as(app, "admin").get(f"/admin/definisi/unggah?dari={INWALKOT}@1"))
    assert "id: inwalkot-jaksel-e-0006-2024" in page
    assert "Walikota, Camat, dan Lurah" in page


def test_broken_yaml_is_shown_at_its_line_and_a_fixed_one_publishes_version_2(
    db_app: Flask,
) -> None:
    client = client_as(db_app, "admin")
    broken = as_version(INWALKOT_YAML, 2).replace(
        "  diterima:\n    kind: start\n    title:", "  diterima:\n    kind: start\n    titel:", 1
    )
    line = (
        broken.split("\n").index("    titel: Pengaduan diterima, nomor pengaduan diterbitkan") + 1
    )

    response = upload(client, broken)
    assert response.status_code == 422
    page = text_of(response)
    assert f'<a href="#baris-{line}">baris {line}:5</a>' in page
    assert "kunci &#39;titel&#39; tidak dikenal (maksudnya &#39;title&#39;?)" in page
    assert f'<tr id="baris-{line}" class="bad">' in page
    assert "<mark>    titel: Pengaduan diterima" in page
    assert version_count(db_app) == 2
    assert "id: inwalkot-jaksel-e-0006-2024" in page  # the text is kept for fixing

    response = upload(client, as_version(INWALKOT_YAML, 2))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/definisi/{INWALKOT}/2"
    assert version_count(db_app) == 3
    with app_store(db_app).read() as conn:
        row = conn.execute(sa.select(VERSIONS).where(VERSIONS.c.version == 2)).one()
    assert (row.definition_id, row.published_by) == (INWALKOT, "admin")

    open_case(db_app, definition=f"{INWALKOT}@2")
    page = text_of(client.get(response.headers["Location"]))
    assert "diterbitkan sebagai versi baru" in page
    assert "Pengaduan diterima, nomor pengaduan diterbitkan (KETIGA) · 1" in page
    listing = text_of(client.get("/admin/definisi"))
    assert f"{INWALKOT}@2" in listing


def test_yaml_that_is_not_yaml_is_reported_at_its_line(app: Flask) -> None:
    client = client_as(app, "admin")
    response = upload(client, "id: x\nversion: 1\ntitle: [unclosed\n")
    assert response.status_code == 422
    assert 'href="#baris-' in text_of(response)
    assert version_count(app) == 2


def test_publishing_identical_content_changes_nothing_and_says_so(app: Flask) -> None:
    client = client_as(app, "admin")
    response = upload(client, INWALKOT_YAML.replace("\n", "\r\n"))  # as browsers send it
    assert response.status_code == 303
    assert version_count(app) == 2
    page = text_of(client.get(response.headers["Location"]))
    assert "tidak ada yang berubah" in page


def test_other_content_under_a_published_version_is_refused_with_the_next_version(
    app: Flask,
) -> None:
    client = client_as(app, "admin")
    changed = INWALKOT_YAML.replace("lokasi:\n    type: text", "lokasi:\n    type: text  # ubah", 1)
    response = upload(client, changed)
    assert response.status_code == 409
    assert "terbitkan perubahan sebagai versi 2" in text_of(response)
    assert version_count(app) == 2


def test_a_yaml_file_upload_publishes_like_the_editor(app: Flask) -> None:
    client = client_as(app, "admin")
    data = {
        "isi": "",
        "csrf_token": token(client, "/admin/definisi/unggah"),
        "berkas": (io.BytesIO(as_version(INWALKOT_YAML, 3).encode()), "inwalkot.v3.yaml"),
    }
    response = client.post("/admin/definisi/unggah", data=data, content_type="multipart/form-data")
    assert response.headers["Location"] == f"/admin/definisi/{INWALKOT}/3"
    bad = {
        "isi": "",
        "csrf_token": token(client, "/admin/definisi/unggah"),
        "berkas": (io.BytesIO(b"id: x\nversion: nol\n"), "rusak.yaml"),
    }
    response = client.post("/admin/definisi/unggah", data=bad, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'href="#baris-2"' in text_of(response)
    assert version_count(app) == 3


def test_xss_in_yaml_titles_is_rendered_escaped_in_pages_and_the_diagram(app: Flask) -> None:
    hostile = (
        as_version(INWALKOT_YAML, 2)
        .replace(
            "title: Penerimaan pengaduan masyarakat di Kantor Walikota",
            f"title: {XSS} Penerimaan pengaduan masyarakat di Kantor Walikota",
            1,
        )
        .replace(
            "    title: Selesai ditindaklanjuti\n",
            "    title: 'Selesai <img src=x onerror=alert(2)>'\n",
            1,
        )
        .replace(
            "    title: Disposisi ke unit yang berwenang\n",
            '    title: "Disposisi\\"]; click diterima call alert(3)"\n',
            1,
        )
    )
    client = client_as(app, "admin")
    assert upload(client, hostile).status_code == 303
    for path in ("/admin/definisi", f"/admin/definisi/{INWALKOT}/2", "/"):
        page = text_of(client.get(path))
        assert XSS not in page and "<img src=x" not in page, path
    page = text_of(client.get(f"/admin/definisi/{INWALKOT}/2"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    diagram = page.split('<pre class="mermaid">')[1].split("</pre>")[0]
    # Lookalike characters: neither markup nor diagram syntax.
    assert "‹script›alert(1)‹/script›" in diagram  # noqa: RUF001
    assert "Selesai ‹img src=x onerror=alert(2)›" in diagram  # noqa: RUF001
    assert '"]; click' not in diagram and "call alert(3)" in diagram


# Users --------------------------------------------------------------------------------


def test_administrators_add_users_with_the_same_level_check_as_the_cli(db_app: Flask) -> None:
    client = client_as(db_app, "admin")

    def add(name: str, role: str, unit: str, password: str = PASSWORD) -> Any:
        data = {"name": name, "role": role, "unit": unit, "password": password}
        return client.post(
            "/admin/pengguna", data={**data, "csrf_token": token(client, "/admin/pengguna")}
        )

    refused = add("camat_salah", "camat", TEBET_TIMUR)
    assert refused.status_code == 400
    said = "peran &#39;camat&#39; bertugas di tingkat kecamatan, tetapi unit 31.74.01.1001 adalah"
    assert said in text_of(refused)  # the engine's refusal, in the UI's language
    cli_result = db_app.test_cli_runner().invoke(
        cli, ["user", "add", "camat_cli", "--role", "camat", "--unit", TEBET_TIMUR]
    )
    assert cli_result.exit_code == 1
    message = "role 'camat' acts at kecamatan level, but unit 31.74.01.1001 is a kelurahan"
    assert message in cli_result.output
    assert add("pendek", "camat", TEBET, "123456789").status_code == 400
    assert add("tanpa_unit", "camat", "31.99").status_code == 400
    assert add("tanpa_peran", "walikota", TEBET).status_code == 400

    added = add("camat_tebet", "camat", TEBET)
    assert added.status_code == 303
    page = text_of(client.get("/admin/pengguna"))
    row = page.split('id="pengguna-camat_tebet"')[1].split("</tr>")[0]
    assert "camat" in row and "31.74.01" in row and "Tebet" in row and "aktif" in row
    assert sign_in(db_app.test_client(), "camat_tebet") == "/"
    assert add("camat_tebet", "camat", TEBET).status_code == 400  # already exists


def test_role_choices_come_from_the_published_definitions(app: Flask) -> None:
    page = text_of(client_as(app, "admin").get("/admin/pengguna"))
    for role in ("admin", "auditor", "camat", "lurah", "petugas_setko", "petugas_bumd"):
        assert f'<option value="{role}"' in page
    assert '<option value="31.74.01">' in page  # the unit list


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in_again(db_app: Flask) -> None:
    officer = client_as(db_app, "lurah")
    admin = client_as(db_app, "admin")
    response = admin.post(
        "/admin/pengguna/lurah/nonaktifkan", data={"csrf_token": token(admin, "/admin/pengguna")}
    )
    assert response.status_code == 303
    assert "nonaktif" in text_of(admin.get("/admin/pengguna")).split('id="pengguna-lurah"')[1]
    assert "lurah ·" not in text_of(officer.get("/"))  # the session no longer loads
    assert sign_in(db_app.test_client(), "lurah") == "200"  # the form again: refused
    response = admin.post(
        "/admin/pengguna/lurah/aktifkan", data={"csrf_token": token(admin, "/admin/pengguna")}
    )
    assert response.status_code == 303
    assert sign_in(db_app.test_client(), "lurah") == "/"


def test_an_administrator_cannot_deactivate_themselves_or_an_unknown_user(app: Flask) -> None:
    admin = client_as(app, "admin")
    csrf = token(admin, "/admin/pengguna")
    admin.post("/admin/pengguna/admin/nonaktifkan", data={"csrf_token": csrf})
    assert "admin ·" in text_of(admin.get("/"))
    assert (
        admin.post("/admin/pengguna/siapa/nonaktifkan", data={"csrf_token": csrf}).status_code
        == 404
    )


def password_hash_of(app: Flask, name: str) -> str:
    with app_store(app).read() as conn:
        return str(
            conn.execute(sa.select(USERS.c.password_hash).where(USERS.c.name == name)).scalar()
        )


def test_a_new_password_from_an_administrator_replaces_the_old_and_ends_sessions(
    db_app: Flask,
) -> None:
    officer = client_as(db_app, "lurah")
    admin = client_as(db_app, "admin")
    new = "kata-sandi-baru-123"
    response = admin.post(
        "/admin/pengguna/lurah/sandi",
        data={"csrf_token": token(admin, "/admin/pengguna"), "password": new},
    )
    assert response.status_code == 303
    assert "Kata sandi lurah diganti" in text_of(admin.get("/admin/pengguna"))
    assert "lurah ·" not in text_of(officer.get("/"))  # the session it had is over
    assert sign_in(db_app.test_client(), "lurah") == "200"  # the old password: refused
    assert sign_in(db_app.test_client(), "lurah", new) == "/"


def test_a_short_password_or_an_unknown_user_changes_no_password(app: Flask) -> None:
    officer = client_as(app, "lurah")
    admin = client_as(app, "admin")
    before = password_hash_of(app, "lurah")
    csrf = token(admin, "/admin/pengguna")
    short = admin.post(
        "/admin/pengguna/lurah/sandi", data={"csrf_token": csrf, "password": "pendek"}
    )
    assert short.status_code == 400
    assert "paling sedikit 10 karakter" in text_of(short)
    unknown = admin.post(
        "/admin/pengguna/siapa/sandi", data={"csrf_token": csrf, "password": "x" * 12}
    )
    assert unknown.status_code == 404
    missing = admin.post("/admin/pengguna/lurah/sandi", data={"password": "x" * 12})
    assert missing.status_code == 400  # no CSRF token
    assert password_hash_of(app, "lurah") == before
    assert "lurah ·" in text_of(officer.get("/"))  # still signed in


def test_an_administrator_changing_their_own_password_stays_signed_in(app: Flask) -> None:
    admin = client_as(app, "admin")
    elsewhere = client_as(app, "admin")
    new = "kata-sandi-baru-123"
    response = admin.post(
        "/admin/pengguna/admin/sandi",
        data={"csrf_token": token(admin, "/admin/pengguna"), "password": new},
    )
    assert response.status_code == 303
    assert "admin ·" in text_of(admin.get("/"))
    assert "admin ·" not in text_of(elsewhere.get("/"))
    assert sign_in(app.test_client(), "admin", new) == "/"


def test_user_names_that_could_carry_markup_are_refused_and_echoed_escaped(app: Flask) -> None:
    client = client_as(app, "admin")
    data = {"name": XSS, "role": "admin", "unit": "31", "password": PASSWORD}
    response = client.post(
        "/admin/pengguna", data={**data, "csrf_token": token(client, "/admin/pengguna")}
    )
    assert response.status_code == 400
    page = text_of(response)
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Units --------------------------------------------------------------------------------


def test_the_units_page_shows_the_tree_searchable_and_paginated(app: Flask) -> None:
    client = client_as(app, "admin")
    first = text_of(client.get("/admin/unit"))
    assert first.count("<tr>") == 1 + 50  # the header row and a page of units
    rows = first.split("<tbody>")[1]
    assert rows.index("<code>31</code>") < rows.index("<code>31.01</code>")  # depth-first
    assert "Daerah Khusus Ibukota Jakarta" in rows and "Kepulauan Seribu Utara" in rows
    assert 'rel="next"' in first and "halaman=2" in first
    found = text_of(client.get("/admin/unit?q=tebet"))
    assert "<code>31.74.01</code>" in found and "<code>31.74.01.1001</code>" in found
    assert "<code>31.74.02</code>" not in found
    assert "Jakarta Selatan" in found.split("<code>31.74.01</code>")[1]  # its path
    last = text_of(client.get("/admin/unit?halaman=999"))
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert "Tidak ada unit yang cocok" in text_of(client.get("/admin/unit?q=zzzz"))


# Erasure of personal data ---------------------------------------------------------------


def test_an_administrator_erases_personal_data_and_officers_and_auditors_see_it_was(
    db_app: Flask,
) -> None:
    siti = PersonalData(name="Siti Rahma", phone="0812-3456-7890", email="siti@example.id")
    number = open_case(db_app, complainant=siti)
    client = client_as(db_app, "admin")
    csrf = token(client, "/admin/data-pribadi")

    def erase(**form: str) -> Any:
        return client.post("/admin/data-pribadi", data={"csrf_token": csrf, **form})

    unconfirmed = erase(number=number, reason="Surat 12/2025")
    assert unconfirmed.status_code == 400 and "Centang konfirmasi" in text_of(unconfirmed)
    unknown = erase(number="DK-0000-0000-0000-0", reason="Surat 12/2025", confirm="yes")
    assert unknown.status_code == 400
    assert "tidak ada pengaduan bernomor &#39;DK-0000-0000-0000-0&#39;" in text_of(unknown)
    lurah = client_as(db_app, "lurah")
    assert "Siti Rahma" in text_of(lurah.get(f"/petugas/kasus/{number}"))  # nothing erased yet

    done = erase(number=number, reason="Surat 12/2025", confirm="yes")
    assert (done.status_code, done.headers["Location"]) == (303, "/admin/data-pribadi")
    assert f"Data pribadi pelapor {number} dihapus; peristiwa #2" in text_of(
        client.get("/admin/data-pribadi")
    )
    again = erase(number=number, reason="Surat 12/2025", confirm="yes")
    assert again.status_code == 400 and "sudah dihapus" in text_of(again)

    case_page = text_of(lurah.get(f"/petugas/kasus/{number}"))
    assert 'id="data-dihapus"' in case_page and "Data pribadi pelapor dihapus" in case_page
    assert "Siti Rahma" not in case_page and "0812-3456-7890" not in case_page
    audit_page = text_of(client_as(db_app, "auditor").get(f"/audit/kasus/{number}"))
    assert 'data-consistent="true"' in audit_page
    assert "Data pribadi pelapor dihapus atas permintaan: Surat 12/2025" in audit_page


@pytest.mark.parametrize(("who", "status"), [("anonim", 302), ("lurah", 403), ("auditor", 403)])
def test_only_administrators_reach_the_erasure_page(app: Flask, who: str, status: int) -> None:
    number = open_case(app, complainant=PersonalData(name="Siti Rahma"))
    client = client_as(app, who)
    assert client.get("/admin/data-pribadi").status_code == status
    posted = client.post(
        "/admin/data-pribadi", data={"number": number, "reason": "x", "confirm": "yes"}
    )
    assert posted.status_code in (status, 400)
    assert "Siti Rahma" in text_of(client_as(app, "lurah").get(f"/petugas/kasus/{number}"))


def test_erasure_without_the_forms_csrf_token_is_refused(app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    number = open_case(app, complainant=PersonalData(name="Siti Rahma"))
    client = client_as(app, "admin")
    posted = client.post(
        "/admin/data-pribadi", data={"number": number, "reason": "x", "confirm": "yes"}
    )
    assert posted.status_code == 400
    assert "Siti Rahma" in text_of(client_as(app, "lurah").get(f"/petugas/kasus/{number}"))
