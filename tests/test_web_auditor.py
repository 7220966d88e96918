"""Auditors' pages: a case's history as a stepper with the replay verdict, replay up to a
time, exports with hashes, verification of the whole log, and anchors taken and checked;
tampering shows."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

import web.auditor
from engine import cases, events
from engine.audit import UpdateKind, sweep
from engine.cases import CASES, PersonalData
from engine.events import EVENTS
from engine.exports import FORMULA_STARTS
from engine.users import Actor
from tests.conftest import rewrite_history
from tests.test_web_admin import (
    INWALKOT,
    INWALKOT_YAML,
    TEBET_TIMUR,
    XSS,
    as_version,
    client_as,
    open_case,
    publish,
    running,
    text_of,
    token,
)
from web.extensions import app_store

WIB = ZoneInfo("Asia/Jakarta")
LURAH = Actor("lurah", "lurah", TEBET_TIMUR)
SUDIN_LH = "31.74.SDLH"
RECEIVED = dt.datetime(2025, 6, 2, 9, 0, tzinfo=WIB)
ROUTED = dt.datetime(2025, 6, 2, 13, 30, tzinfo=WIB)


@pytest.fixture
def db_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An initialised app on SQLite and on PostgreSQL, for tests that write."""
    yield from running(database_url, tmp_path)


def routed_case(app: Flask, title: str = "Sampah menumpuk", **kwargs: object) -> str:
    """A complaint received at 09:00 WIB and routed to the Suku Dinas LH at 13:30."""
    number = open_case(app, title, received_at=RECEIVED, now=RECEIVED, **kwargs)  # type: ignore[arg-type]
    store = app_store(app)
    with store.write() as conn:
        cases.fire(
            conn,
            store.tree(),
            number=number,
            trigger="disposisi",
            actor=LURAH,
            fields={"unit_tujuan": SUDIN_LH},
            now=ROUTED,
        )
    return number


def tamper(app: Flask, number: str, seq: int, **values: object) -> None:
    """Change an event row behind the log's back."""
    with app_store(app).write() as conn:
        case_id = conn.execute(sa.select(CASES.c.id).where(CASES.c.number == number)).scalar_one()
        changed = rewrite_history(
            conn,
            sa.update(EVENTS)
            .where(EVENTS.c.case_id == case_id, EVENTS.c.seq == seq)
            .values(**values),
        )
        assert changed == 1


# Who may enter ------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("anonim", 302), ("lurah", 403)])
def test_only_auditors_and_administrators_open_the_audit_pages(
    app: Flask, who: str, status: int
) -> None:
    number = routed_case(app)
    paths = ["/audit/", f"/audit/kasus/{number}", f"/audit/kasus/{number}.csv"]
    paths.append(f"/audit/kasus/{number}.json")
    client = client_as(app, who)
    assert [client.get(p).status_code for p in paths] == [status] * len(paths)
    data = {"csrf_token": token(client)} if who != "anonim" else {}
    assert client.post("/audit/verifikasi", data=data).status_code == (400 if not data else 403)
    for allowed in ("auditor", "admin"):
        reader = client_as(app, allowed)
        assert [reader.get(p).status_code for p in paths] == [200] * len(paths)


def test_verifying_the_log_without_a_csrf_token_is_refused(app: Flask) -> None:
    client = client_as(app, "auditor")
    assert client.post("/audit/verifikasi").status_code == 400


# Finding a case -----------------------------------------------------------------------


def test_a_typed_number_opens_its_history_and_an_unknown_one_says_so(app: Flask) -> None:
    number = routed_case(app)
    client = client_as(app, "auditor")
    typed = number.lower().replace("-", " ")
    response = client.get("/audit/", query_string={"nomor": typed})
    assert response.headers["Location"] == f"/audit/kasus/{number}"
    response = client.get("/audit/", query_string={"nomor": "DK-0000-0000-0000-0"})
    assert response.status_code == 404
    assert "Tidak ada pengaduan bernomor DK-0000-0000-0000-0" in text_of(response)
    assert client.get("/audit/kasus/DK-0000-0000-0000-0").status_code == 404


# The stepper --------------------------------------------------------------------------


def test_the_stepper_shows_each_state_who_when_in_wib_and_the_diktum(app: Flask) -> None:
    number = routed_case(app)
    page = text_of(client_as(app, "auditor").get(f"/audit/kasus/{number}"))
    assert 'data-consistent="true"' in page
    assert "2 peristiwa diputar ulang tanpa masalah" in page
    first = page.split('id="peristiwa-1"')[1].split("</li>")[0]
    second = page.split('id="peristiwa-2"')[1].split("</li>")[0]
    assert 'data-status="verified"' in first and 'data-status="verified"' in second
    assert "02-06-2025 09:00 WIB" in first and "channel:elektronik" in first
    assert "Pengaduan diterima, nomor pengaduan diterbitkan" in first
    assert "Kanal elektronik Pemerintah Provinsi DKI Jakarta" in first
    assert "KESATU c" in first  # the electronic channel's diktum
    assert "02-06-2025 13:30 WIB" in second
    assert "Disposisi ke unit yang berwenang" in second
    assert "lurah · lurah (Lurah)" in second and "31.74.01.1001" in second
    assert "Ditindaklanjuti oleh perangkat daerah" in second
    assert "<abbr title=" in second and ">KEDUA</abbr>" in second
    assert SUDIN_LH in second  # the unit after the routing
    with app_store(app).read() as conn:
        last = conn.execute(sa.select(CASES.c.last_hash).where(CASES.c.number == number)).scalar()
    assert f'title="{last}"' in second


def test_until_replays_only_the_events_that_occurred_by_then(app: Flask) -> None:
    number = routed_case(app)
    client = client_as(app, "auditor")
    page = text_of(client.get(f"/audit/kasus/{number}", query_string={"until": "2025-06-02T12:00"}))
    assert 'id="peristiwa-1"' in page and 'id="peristiwa-2"' not in page
    assert "sampai 02-06-2025 12:00 WIB" in page and "keadaan saat itu: diterima" in page
    early = client.get(f"/audit/kasus/{number}", query_string={"until": "2025-06-01T12:00"})
    assert "Belum ada peristiwa sampai waktu ini" in text_of(early)
    bad = client.get(f"/audit/kasus/{number}", query_string={"until": "kemarin"})
    assert bad.status_code == 400
    assert "bukan tanggal dan waktu" in text_of(bad)


def test_a_tampered_event_makes_the_page_say_inconsistent_at_its_seq(db_app: Flask) -> None:
    number = routed_case(db_app)
    tamper(db_app, number, 2, actor="camat")
    page = text_of(client_as(db_app, "auditor").get(f"/audit/kasus/{number}"))
    assert 'data-consistent="false"' in page and 'data-first-bad-seq="2"' in page
    assert "Tidak konsisten" in page
    assert "peristiwa #2" in page and "peristiwa 2 diubah setelah dicatat" in page
    assert 'id="peristiwa-1" data-seq="1" data-status="verified"' in page
    assert 'id="peristiwa-2" data-seq="2" data-status="bad"' in page


def test_a_state_changed_behind_the_logs_back_is_reported(db_app: Flask) -> None:
    number = routed_case(db_app)
    with app_store(db_app).write() as conn:
        conn.execute(sa.update(CASES).where(CASES.c.number == number).values(state="selesai"))
    page = text_of(client_as(db_app, "auditor").get(f"/audit/kasus/{number}"))
    assert 'data-consistent="false"' in page
    assert (
        "pengaduan yang tersimpan tidak sesuai dengan lognya: state tersimpan &#39;selesai&#39;"
        in page
    )


def test_titles_with_markup_are_escaped_in_the_stepper(app: Flask) -> None:
    hostile = as_version(INWALKOT_YAML, 2).replace(
        "    title: Disposisi ke unit yang berwenang\n", f"    title: '{XSS}'\n", 1
    )
    publish(app, hostile)
    number = routed_case(app, title=f"Judul {XSS}", definition=f"{INWALKOT}@2")
    page = text_of(client_as(app, "auditor").get(f"/audit/kasus/{number}"))
    assert XSS not in page
    assert "Judul &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # title and step


# Exports ------------------------------------------------------------------------------


def test_the_json_export_carries_every_event_with_hashes_that_recompute(app: Flask) -> None:
    secret = PersonalData(name="Budi Rahasia", phone="081234567890", email="budi@contoh.id")
    number = routed_case(app, complainant=secret)
    response = client_as(app, "auditor").get(f"/audit/kasus/{number}.json")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{number}.json"'
    body = text_of(response)
    for private in ("Budi Rahasia", "081234567890", "budi@contoh.id"):
        assert private not in body
    document = json.loads(body)
    assert document["replay"] == {
        "consistent": True,
        "events": 2,
        "first_bad_seq": None,
        "reason": None,
    }
    records = document["events"]
    assert [r["seq"] for r in records] == [1, 2]
    assert records[0]["prev_hash"] == events.GENESIS
    assert records[1]["prev_hash"] == records[0]["hash"]
    for record in records:
        assert events.digest(number, record) == record["hash"]
    assert records[1]["step"] == "Disposisi ke unit yang berwenang"
    assert records[1]["occurred_at"] == "2025-06-02T06:30:00.000000Z"


def test_the_csv_export_is_injection_safe_and_has_no_personal_data(app: Flask) -> None:
    formulas = as_version(INWALKOT_YAML, 2).replace(
        "    title: Disposisi ke unit yang berwenang\n",
        "    title: '=HYPERLINK(\"http://x\")'\n",
        1,
    )
    formulas = formulas.replace(
        "    title: Pengaduan diterima, nomor pengaduan diterbitkan\n",
        "    title: '@SUM(1+1)'\n",
        1,
    )
    formulas = formulas.replace(
        "    title: Ditindaklanjuti oleh perangkat daerah / unit kerja / BUMD yang berwenang\n",
        "    title: '-2+3'\n",
        1,
    )
    publish(app, formulas)
    secret = PersonalData(name="Budi Rahasia", phone="081234567890")
    number = routed_case(app, title="+62 =1+1", definition=f"{INWALKOT}@2", complainant=secret)
    response = client_as(app, "auditor").get(f"/audit/kasus/{number}.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{number}.csv"'
    body = text_of(response)
    assert "Budi Rahasia" not in body and "081234567890" not in body
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["seq"] for row in rows] == ["1", "2"]
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert rows[1]["step"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["dest_title"] == "'@SUM(1+1)"
    assert rows[1]["dest_title"] == "'-2+3"
    assert json.loads(rows[0]["payload"])["title"] == "+62 =1+1"
    assert rows[1]["prev_hash"] == rows[0]["hash"]


def test_exports_escape_markup_for_browsers(app: Flask) -> None:
    number = routed_case(app, title=f"Judul {XSS}")
    response = client_as(app, "auditor").get(f"/audit/kasus/{number}.json")
    assert "<script>" not in text_of(response)
    assert json.loads(text_of(response))["events"][0]["payload"]["title"] == f"Judul {XSS}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# The whole log ------------------------------------------------------------------------


def test_verifying_the_whole_log_counts_and_lists_the_inconsistent_cases(db_app: Flask) -> None:
    numbers = [routed_case(db_app, f"Kasus {i}") for i in range(3)]
    tamper(db_app, numbers[1], 1, payload={"channel": "elektronik", "title": "diubah"})
    client = client_as(db_app, "auditor")
    response = client.post("/audit/verifikasi", data={"csrf_token": token(client, "/audit/")})
    assert response.status_code == 200
    page = text_of(response)
    assert '<td id="jumlah-kasus">3</td>' in page
    assert '<td id="jumlah-peristiwa">4</td>' in page  # the tampered case stops at event 1
    assert '<td id="jumlah-tidak-konsisten">1</td>' in page
    assert f'data-number="{numbers[1]}"' in page
    assert "peristiwa #1" in page and "peristiwa 1 diubah setelah dicatat" in page
    assert numbers[0] not in page and "Tidak konsisten" in page


def test_a_clean_log_verifies_consistent(app: Flask) -> None:
    routed_case(app)
    client = client_as(app, "admin")
    page = text_of(client.post("/audit/verifikasi", data={"csrf_token": token(client, "/audit/")}))
    assert "✓ Konsisten" in page and '<td id="jumlah-tidak-konsisten">0</td>' in page


def test_the_sweep_lists_only_the_first_inconsistent_cases_but_counts_them_all(
    app: Flask,
) -> None:
    numbers = [routed_case(app, f"Kasus {i}") for i in range(3)]
    for number in numbers:
        tamper(app, number, 2, actor="camat")
    store = app_store(app)
    with store.read() as conn:
        updates = list(sweep(conn, store.tree(), listed=2))
    findings = [u for u in updates if u.kind is UpdateKind.finding]
    assert len(findings) == 2
    done = updates[-1]
    assert (done.kind, done.checked, done.inconsistent, done.events) == (UpdateKind.done, 3, 3, 3)


# Anchors ------------------------------------------------------------------------------


def take_anchor(client: FlaskClient) -> tuple[bytes, str]:
    """The anchor an auditor downloads, and the root the response gives for it."""
    data = {"csrf_token": token(client, "/audit/")}
    with client.post("/audit/jangkar", data=data) as response:  # closing the file it sends
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment; filename=diktum-jangkar-")
        assert response.headers["Cache-Control"] == "no-store"
        return response.get_data(), response.headers["X-Diktum-Anchor-Root"]


def check_anchor(client: FlaskClient, anchor: bytes, root: str = "") -> TestResponse:
    fields = {"csrf_token": token(client, "/audit/"), "akar": root}
    files = {"berkas": FileStorage(io.BytesIO(anchor), "jangkar.txt", content_type="text/plain")}
    # Encoded here, in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart(MultiDict({**fields, **files}))
    content_type = f"multipart/form-data; boundary={boundary}"
    return client.post("/audit/jangkar/periksa", data=body, content_type=content_type)


def test_an_auditor_downloads_an_anchor_and_checking_it_shows_its_root_and_that_it_holds(
    app: Flask,
) -> None:
    numbers = [routed_case(app, f"Kasus {i}") for i in range(2)]
    client = client_as(app, "auditor")
    anchor, root = take_anchor(client)
    assert root == hashlib.sha256(anchor).hexdigest()  # what sha256sum says of the file
    lines = anchor.decode("ascii").splitlines()
    assert lines[0].startswith("# diktum anchor 1 ") and lines[-1] == "# end 2"
    assert [line.split()[:2] for line in lines[1:-1]] == [[n, "2"] for n in numbers]

    routed_case(app, "Sesudah jangkar")  # the log grows: the anchor still holds
    unpublished = text_of(check_anchor(client, anchor))
    assert 'data-holds="true"' in unpublished and "✓ Jangkar berlaku" in unpublished
    assert f'<code id="akar">{root}</code>' in unpublished
    assert '<td id="jumlah-kasus">2</td>' in unpublished
    assert 'id="tanpa-akar"' in unpublished  # vouches only for itself
    published = check_anchor(client, anchor, root.upper())
    assert published.status_code == 200
    assert 'data-holds="true"' in text_of(published) and 'id="tanpa-akar"' not in text_of(published)


def test_an_event_changed_after_the_anchor_is_named_on_the_check_page(db_app: Flask) -> None:
    numbers = [routed_case(db_app, f"Kasus {i}") for i in range(2)]
    client = client_as(db_app, "auditor")
    anchor, root = take_anchor(client)
    tamper(db_app, numbers[1], 2, hash="0" * 64)
    response = check_anchor(client, anchor, root)
    assert response.status_code == 200
    page = text_of(response)
    assert 'data-holds="false"' in page and "✗ Jangkar tidak berlaku" in page
    assert '<td id="jumlah-rusak">1</td>' in page
    assert f'data-number="{numbers[1]}"' in page and numbers[0] not in page
    assert "peristiwa #2" in page and "peristiwa 2 berbeda dari yang dijangkarkan" in page


def test_a_wrong_root_a_damaged_anchor_or_a_missing_file_is_refused_saying_why(
    app: Flask,
) -> None:
    routed_case(app)
    client = client_as(app, "auditor")
    anchor, root = take_anchor(client)
    head, line, end = anchor.decode("ascii").splitlines(keepends=True)
    refused = {
        "another root": (anchor, "f" * 64, "bukan " + "f" * 64 + " yang diumumkan"),
        "a root that is no hash": (anchor, "akar", "64 karakter heksadesimal"),
        "a damaged line": ((head + "DK-X\n" + end).encode(), "", "baris 2 jangkar bukan"),
        "not an anchor": (b"%PDF-1.7\n", "", "bukan jangkar Diktum"),
    }
    for what, (body, typed, says) in refused.items():
        response = check_anchor(client, body, typed)
        assert response.status_code == 400, what
        assert says in text_of(response), what
        assert 'id="hasil"' not in text_of(response), what
    no_file = client.post(
        "/audit/jangkar/periksa", data={"csrf_token": token(client, "/audit/"), "akar": root}
    )
    assert no_file.status_code == 400
    assert "Pilih berkas jangkar" in text_of(no_file)
    assert check_anchor(client, (head + line + end).encode(), root).status_code == 200


def test_an_anchor_beyond_the_apps_body_limit_is_checked_for_auditors_only(app: Flask) -> None:
    unknown = [f"DK-UJI-{i:08d}" for i in range(15_000)]
    body = "".join(f"{n} 1 {'a' * 64}\n" for n in unknown)
    anchor = f"# diktum anchor 1 2025-06-02T09:00:00+07:00\n{body}# end 15000\n".encode()
    assert len(anchor) > app.config["MAX_CONTENT_LENGTH"]
    auditor = client_as(app, "auditor")
    page = text_of(check_anchor(auditor, anchor))
    assert '<td id="jumlah-kasus">15000</td>' in page
    assert '<td id="jumlah-rusak">15000</td>' in page
    assert page.count('class="flash error finding"') == 100
    assert "Hanya 100 temuan pertama" in page
    assert "pengaduan hilang dari log" in page
    # Anyone else is held to the app-wide limit before the body is read.
    officer = client_as(app, "lurah")
    assert check_anchor(officer, anchor).status_code == 413


@pytest.mark.parametrize(("who", "status"), [("anonim", 400), ("lurah", 403)])
def test_only_auditors_and_administrators_take_or_check_anchors(
    app: Flask, who: str, status: int
) -> None:
    client = client_as(app, who)
    csrf = {"csrf_token": token(client)} if who != "anonim" else {}
    assert client.post("/audit/jangkar", data=csrf).status_code == status
    assert client.post("/audit/jangkar/periksa", data=csrf).status_code == status
    admin = client_as(app, "admin")
    anchor, _ = take_anchor(admin)
    assert check_anchor(admin, anchor).status_code == 200


def test_an_anchor_beyond_the_memory_spool_is_streamed_from_a_file(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = [routed_case(app, f"Kasus {i}") for i in range(3)]
    monkeypatch.setattr(web.auditor, "ANCHOR_SPOOL", 64)  # two lines spill to disk
    anchor, root = take_anchor(client_as(app, "auditor"))
    assert root == hashlib.sha256(anchor).hexdigest()
    assert anchor.decode("ascii").splitlines()[-1] == "# end 3"
    assert all(number.encode() in anchor for number in numbers)
