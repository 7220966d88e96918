"""A full simulated week of each shipped definition, driven through the ``diktum`` CLI with
a fixed clock, on SQLite and PostgreSQL.

The 2017 week is 8-11 June 2024 (no holidays: Idul Adha is the 17th): Saturday intake at
the kecamatan, Sunday field review, Monday meeting, Tuesday city follow-up, escalation to
the province. The 2024 week runs electronic and in-person intake, routing to a Suku Dinas
and a BUMD, re-routing, verification at the receiving office, closure and a deadline.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from engine.db import normalise_url
from tests.conftest import PUBLISHED_AT, close_store, make_app
from web.cli import cli

KECAMATAN = "31.74.01"
KELURAHAN = "31.74.01.1001"
OTHER_KELURAHAN = "31.74.02.1001"
KOTA = "31.74"
PASSWORD = "kata-sandi-uji-coba"
USERS_2017 = {
    "petugas": ("petugas_kecamatan", KECAMATAN),
    "camat": ("camat", KECAMATAN),
    "walikota": ("walikota", KOTA),
    "sekda": ("sekda", "31"),
}
USERS_2024 = {
    "lurah": ("lurah", KELURAHAN),
    "petugas_kel": ("petugas_kelurahan", KELURAHAN),
    "camat": ("camat", KECAMATAN),
    "sdlh": ("petugas_unit", "31.74.SDLH"),
    "sdsda": ("petugas_unit", "31.74.SDSDA"),
    "pam": ("petugas_bumd", "31.BUMD-PAMJAYA"),
    "setko": ("petugas_setko", KOTA),
}


class Cli:
    def __init__(self, app: Flask) -> None:
        self.runner = CliRunner()
        self.app = app

    def ok(self, *args: str) -> Any:
        result = self.app.test_cli_runner().invoke(cli, [*args, "--json"])
        assert result.exit_code == 0, f"{args}: {result.output}{result.stderr}"
        return json.loads(result.stdout)

    def refused(self, *args: str) -> str:
        result = self.app.test_cli_runner().invoke(cli, list(args))
        assert result.exit_code != 0, f"{args} was not refused: {result.output}"
        return result.stderr

    def users(self, table: dict[str, tuple[str, str]]) -> None:
        for name, (role, unit) in table.items():
            self.ok("user", "add", name, "--role", role, "--unit", unit, "--password", PASSWORD)

    def tick(self, now: str) -> dict[str, int]:
        report = self.ok("tick", "--now", now)
        return {f["trigger"]: f["moved"] for f in report["firings"]}

    def show(self, number: str) -> Any:
        return self.ok("case", "show", number)


@pytest.fixture
def diktum(database_url: str, tmp_path: Path) -> Iterator[Cli]:
    app = make_app(database_url, tmp_path)
    runner = Cli(app)
    runner.ok("init", "--now", PUBLISHED_AT.isoformat())
    yield runner
    close_store(app)


def test_a_2017_week_from_saturday_intake_to_the_governor(diktum: Cli) -> None:
    diktum.users(USERS_2017)
    saturday = "2024-06-08T{}+07:00"

    def intake(title: str) -> str:
        receipt = diktum.ok(
            "case", "open", "--definition", "ingub-135-2017", "--unit", KELURAHAN,
            "--channel", "langsung_kecamatan", "--user", "petugas", "--title", title,
            "--field", f"kelurahan={KELURAHAN}", "--now", saturday.format("09:00"),
        )  # fmt: skip
        assert receipt["tracking"] == f"/lacak/{receipt['number']}"
        return str(receipt["number"])

    # KESATU: Saturday 08:00-11:00 only; at 11:00 the session is over.
    late = diktum.refused(
        "case", "open", "--definition", "ingub-135-2017", "--unit", KELURAHAN,
        "--channel", "langsung_kecamatan", "--user", "petugas", "--title", "Terlambat",
        "--field", f"kelurahan={KELURAHAN}", "--now", saturday.format("11:00"),
    )  # fmt: skip
    assert "Sabtu" in late
    a, b, c, d = (intake(t) for t in ("Sampah", "Jalan rusak", "Banjir", "PKL"))

    # KEDUA is "as needed": the decision is recorded at triage.
    for number, review in ((a, "true"), (b, "true"), (c, "false"), (d, "false")):
        diktum.ok(
            "case", "fire", number, "triase", "--user", "petugas",
            "--field", f"needs_field_review={review}", "--now", saturday.format("09:30"),
        )  # fmt: skip
    assert diktum.show(a)["state"] == "menunggu_peninjauan"
    assert diktum.show(c)["state"] == "menunggu_rapat_kecamatan"

    assert diktum.tick("2024-06-09T10:00:00+07:00") == {"peninjauan_minggu": 2}
    diktum.ok(
        "case", "fire", a, "catat_hasil_peninjauan", "--user", "camat",
        "--field", "field_review_notes=Sudah ditinjau", "--now", "2024-06-09T12:00:00+07:00",
    )  # fmt: skip

    # KETIGA: Monday's meeting takes every case of the week, reviewed or not.
    assert diktum.tick("2024-06-10T09:00:00+07:00") == {"rapat_senin": 4}
    monday = "2024-06-10T10:00:00+07:00"
    for number, resolved in ((a, "true"), (b, "false"), (c, "false")):
        diktum.ok(
            "case", "fire", number, "hasil_rapat", "--user", "camat",
            "--field", f"resolved_at_kecamatan={resolved}", "--field", "meeting_notes=Dibahas",
            "--now", monday,
        )  # fmt: skip
    assert diktum.show(a)["state"] == "laporan_camat"
    assert (diktum.show(b)["state"], diktum.show(b)["unit"]) == ("menunggu_rapat_kota", KOTA)
    diktum.ok("case", "fire", a, "laporkan_ke_walikota", "--user", "camat", "--now", monday)

    # KEEMPAT a: the camat's weekly report. D's outcome was never recorded: at its
    # deadline (Tuesday 08:00) it goes to the city, in time for Tuesday's follow-up.
    report = diktum.ok("report", "kecamatan", KECAMATAN, "--week", "2024-06-08")
    assert [r["number"] for r in report["resolved"]] == [a]
    assert {r["number"] for r in report["unresolved"]} == {b, c}
    tuesday = diktum.ok("tick", "--now", "2024-06-11T09:30:00+07:00")
    assert tuesday["escalated"] == 1
    assert [(f["trigger"], f["moved"]) for f in tuesday["firings"]] == [("rapat_selasa", 3)]
    assert diktum.show(d)["unit"] == KOTA

    # KEEMPAT b and c: the city resolves B; C goes to the Governor through the Sekda.
    for number, resolved in ((b, "true"), (c, "false")):
        diktum.ok(
            "case", "fire", number, "hasil_rapat_kota", "--user", "walikota",
            "--field", f"resolved_at_kota={resolved}", "--field", "city_meeting_notes=Ok",
            "--now", "2024-06-11T11:00:00+07:00",
        )  # fmt: skip
    assert (diktum.show(c)["state"], diktum.show(c)["unit"]) == ("dilaporkan_ke_gubernur", "31")
    diktum.ok(
        "case", "fire", c, "tindak_lanjut_provinsi", "--user", "sekda",
        "--field", "province_follow_up=Ditangani Dinas", "--now", "2024-06-12T10:00:00+07:00",
    )  # fmt: skip
    states = {n: diktum.show(n)["state"] for n in (a, b, c, d)}
    assert states == {
        a: "selesai_kecamatan",
        b: "selesai_kota",
        c: "selesai_provinsi",
        d: "rapat_kota",
    }
    city = diktum.ok("report", "city", KOTA, "--from", "2024-06-08", "--to", "2024-06-15")
    assert [r["number"] for r in city["resolved_at_city"]] == [b]
    assert [r["number"] for r in city["escalated_to_province"]] == [c]

    # Ticking again changes nothing; the whole log verifies.
    assert diktum.tick("2024-06-11T09:30:00+07:00") == {}
    audit = diktum.ok("audit", "verify")
    assert audit["consistent"] is True
    assert audit["cases"] == 4
    for number in (a, b, c, d):
        assert diktum.ok("replay", number)["consistent"] is True


def test_a_2024_week_of_routing_follow_up_and_verification(diktum: Cli) -> None:
    diktum.users(USERS_2024)
    definition = "inwalkot-jaksel-e-0006-2024"

    # KESATU c: electronic at any time (a Sunday night); in person in working hours only.
    online = diktum.ok(
        "case", "open", "--definition", definition, "--unit", KELURAHAN,
        "--channel", "elektronik", "--title", "Pipa PAM bocor", "--category", "air bersih",
        "--now", "2024-06-09T22:00:00+07:00",
    )["number"]  # fmt: skip
    closed_office = diktum.refused(
        "case", "open", "--definition", definition, "--unit", KELURAHAN,
        "--channel", "kantor_lurah", "--user", "lurah", "--title", "Datang Minggu",
        "--now", "2024-06-09T10:00:00+07:00",
    )  # fmt: skip
    assert "error:" in closed_office
    walk_in = diktum.ok(
        "case", "open", "--definition", definition, "--unit", KELURAHAN,
        "--channel", "kantor_lurah", "--user", "petugas_kel", "--title", "Saluran mampet",
        "--category", "banjir dan saluran air", "--now", "2024-06-10T09:00:00+07:00",
    )["number"]  # fmt: skip
    forgotten = diktum.ok(
        "case", "open", "--definition", definition, "--unit", KELURAHAN,
        "--channel", "kantor_lurah", "--user", "lurah", "--title", "Lampu jalan mati",
        "--now", "2024-06-10T09:05:00+07:00",
    )["number"]  # fmt: skip

    # KEDUA: routing (disposisi) to the responsible unit or BUMD.
    monday = "2024-06-10T10:00:00+07:00"
    diktum.ok(
        "case", "fire", online, "disposisi", "--user", "lurah",
        "--field", "unit_tujuan=31.BUMD-PAMJAYA", "--now", monday,
    )  # fmt: skip
    diktum.ok(
        "case", "fire", walk_in, "disposisi", "--user", "lurah",
        "--field", "unit_tujuan=31.74.SDLH", "--now", monday,
    )  # fmt: skip
    # An officer of another kelurahan has no authority over these cases.
    diktum.ok("user", "add", "lurah_lain", "--role", "lurah", "--unit", OTHER_KELURAHAN,
              "--password", PASSWORD)  # fmt: skip
    refused = diktum.refused("case", "fire", forgotten, "disposisi", "--user", "lurah_lain",
                             "--field", "unit_tujuan=31.74.SDLH", "--now", monday)  # fmt: skip
    assert "cannot act" in refused
    # Not the Suku Dinas LH's authority: it re-routes the case to Sumber Daya Air, and the
    # camat, who has no authority over a Suku Dinas, cannot act on it there.
    assert "cannot act" in diktum.refused(
        "case", "fire", walk_in, "lapor_tindak_lanjut", "--user", "camat",
        "--field", "hasil_tindak_lanjut=x", "--now", "2024-06-10T12:00:00+07:00",
    )  # fmt: skip
    diktum.ok(
        "case", "fire", walk_in, "alihkan", "--user", "sdlh",
        "--field", "unit_tujuan=31.74.SDSDA", "--field", "alasan_pengalihan=Saluran air",
        "--now", "2024-06-10T13:00:00+07:00",
    )  # fmt: skip
    assert diktum.show(walk_in)["unit"] == "31.74.SDSDA"

    # Follow-up by the BUMD and the Suku Dinas; verification returns to the receiving office.
    diktum.ok(
        "case", "fire", online, "lapor_tindak_lanjut", "--user", "pam",
        "--field", "hasil_tindak_lanjut=Pipa diganti", "--now", "2024-06-11T10:00:00+07:00",
    )  # fmt: skip
    verifying = diktum.show(online)
    assert (verifying["state"], verifying["unit"]) == ("verifikasi", KELURAHAN)
    diktum.ok("case", "fire", online, "tutup", "--user", "camat",
              "--now", "2024-06-11T11:00:00+07:00")  # fmt: skip
    assert diktum.show(online)["closed"] is True

    # KESATU b: the forgotten complaint was not routed within a working day: it climbs
    # to the kecamatan, and when the kecamatan misses its day too, to the city.
    report = diktum.ok("tick", "--now", "2024-06-12T17:00:00+07:00")
    assert report["escalated"] == 2
    assert diktum.show(forgotten)["unit"] == KOTA
    monitoring = diktum.ok("report", "monitoring", "--now", "2024-06-12T17:00:00+07:00")
    assert monitoring["total"] == 3
    assert monitoring["by_channel"] == {"elektronik": 1, "kantor_lurah": 2}
    assert monitoring["open"] == 2
    assert diktum.ok("audit", "verify")["consistent"] is True


def test_monitoring_ages_are_the_median_and_the_oldest_of_the_open_complaints(
    diktum: Cli,
) -> None:
    def file(at: str) -> None:
        diktum.ok(
            "case", "open", "--definition", "inwalkot-jaksel-e-0006-2024", "--unit", KELURAHAN,
            "--channel", "elektronik", "--title", "Aduan", "--now", at,
        )  # fmt: skip

    now = "2024-06-10T10:00:00+07:00"
    for at in ("03T10:00", "05T10:00", "06T10:00", "09T22:00"):  # 7, 5, 4 and 0.5 days
        file(f"2024-06-{at}:00+07:00")
    even = diktum.ok("report", "monitoring", "--now", now)
    assert even["open_age_days"] == {"median": 4.5, "max": 7.0}
    file("2024-06-08T10:00:00+07:00")  # 2 days
    odd = diktum.ok("report", "monitoring", "--now", now)
    assert (odd["open"], odd["open_age_days"]) == (5, {"median": 4.0, "max": 7.0})
    # The province holds every unit: its figures are everyone's, without a filter.
    province = diktum.ok("report", "monitoring", "--now", now, "--unit", "31")
    assert {**province, "unit": None} == odd
    kelurahan = diktum.ok("report", "monitoring", "--now", now, "--unit", KELURAHAN)
    assert {**kelurahan, "unit": None} == odd
    elsewhere = diktum.ok("report", "monitoring", "--now", now, "--unit", OTHER_KELURAHAN)
    assert (elsewhere["total"], elsewhere["open"]) == (0, 0)
    assert elsewhere["open_age_days"] == {"median": None, "max": None}


def test_a_user_is_refused_a_role_at_a_unit_of_another_level(diktum: Cli) -> None:
    error = diktum.refused(
        "user", "add", "lurah_kota", "--role", "lurah", "--unit", KOTA, "--password", PASSWORD
    )
    assert "role 'lurah' acts at kelurahan level, but unit 31.74 is a kota" in error
    assert all(u["name"] != "lurah_kota" for u in diktum.ok("user", "list"))
    # Kepulauan Seribu is a kabupaten: its bupati's office acts at the kota level.
    diktum.ok("user", "add", "bupati", "--role", "walikota", "--unit", "31.01",
              "--password", PASSWORD)  # fmt: skip


def test_personal_data_is_kept_apart_and_never_shown_with_the_case(
    diktum: Cli, database_url: str
) -> None:
    receipt = diktum.ok(
        "case", "open", "--definition", "inwalkot-jaksel-e-0006-2024", "--unit", KELURAHAN,
        "--channel", "elektronik", "--title", "Pohon tumbang", "--name", "Siti Aminah",
        "--phone", "081234567890", "--now", "2024-06-09T22:00:00+07:00",
    )  # fmt: skip
    shown = json.dumps(diktum.show(receipt["number"]))
    assert "Siti" not in shown and "081234567890" not in shown
    engine = sa.create_engine(normalise_url(database_url))
    with engine.connect() as conn:
        person = conn.execute(
            sa.text(
                "SELECT p.name, p.phone, p.anonymous FROM complainant p "
                "JOIN case_file c ON c.id = p.case_id WHERE c.number = :n"
            ),
            {"n": receipt["number"]},
        ).one()
        logged = conn.execute(sa.text("SELECT payload FROM event")).scalars().all()
    engine.dispose()
    assert tuple(person) == ("Siti Aminah", "081234567890", False)
    assert "Siti" not in json.dumps([str(p) for p in logged])
