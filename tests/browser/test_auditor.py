"""An auditor steps through a complaint's week, replays it to a moment, and sees the
verdict change when the log has been tampered with."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from engine.cases import CASES
from engine.events import EVENTS
from tests.browser.helpers import LiveServer, screenshot, sign_in
from tests.conftest import rewrite_history
from web.cli import cli
from web.extensions import app_store

WEEK = [
    ("2024-06-08T10:00:00+07:00", ["case", "fire", "{n}", "triase", "--user", "camat",
                                   "--field", "needs_field_review=true"]),
    ("2024-06-09T10:00:00+07:00", ["tick"]),  # Sunday 09:00 field review
    ("2024-06-09T14:00:00+07:00", ["case", "fire", "{n}", "catat_hasil_peninjauan",
                                   "--user", "satpol_pp_kecamatan", "--field",
                                   "field_review_notes=Lampu mati karena kabel putus."]),
    ("2024-06-10T09:00:00+07:00", ["tick"]),  # Monday 08:30 weekly meeting
    ("2024-06-10T11:00:00+07:00", ["case", "fire", "{n}", "hasil_rapat", "--user", "camat",
                                   "--field", "resolved_at_kecamatan=true",
                                   "--field", "meeting_notes=Diperbaiki PJU Kecamatan."]),
    ("2024-06-10T13:00:00+07:00", ["case", "fire", "{n}", "laporkan_ke_walikota",
                                   "--user", "camat"]),
]  # fmt: skip


def cli_json(live_server: LiveServer, args: list[str], now: str) -> dict[str, object]:
    result = live_server.app.test_cli_runner().invoke(cli, [*args, "--now", now, "--json"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.output)
    return parsed


def a_week_of_history(live_server: LiveServer, *titles: str) -> list[str]:
    """Saturday complaints taken together through the week to their close, step by step
    (together: the week's scheduled firings happen once, for the cases waiting then)."""
    numbers = []
    for title in titles:
        opened = cli_json(
            live_server,
            ["case", "open", "--definition", "ingub-135-2017", "--unit", "31.74.01",
             "--channel", "langsung_kecamatan", "--title", title, "--user", "camat",
             "--field", "kelurahan=31.74.01.1001"],
            "2024-06-08T09:10:00+07:00",
        )  # fmt: skip
        numbers.append(str(opened["number"]))
    for now, args in WEEK:
        for number in numbers if "{n}" in args else numbers[:1]:
            cli_json(live_server, [a.format(n=number) for a in args], now)
    return numbers


@pytest.fixture(scope="module")
def week(live_server: LiveServer) -> list[str]:
    return a_week_of_history(
        live_server, "Lampu penerangan jalan padam", "Pohon tumbang menutup jalan"
    )


def test_an_auditor_steps_through_a_case_week_and_replays_it_to_a_moment(
    page: Page, week: list[str]
) -> None:
    closed_case = week[0]
    sign_in(page, "auditor")
    page.get_by_role("link", name="Audit").click()
    page.locator("input[name=nomor]").fill(closed_case)
    page.get_by_role("button", name="Buka riwayat").click()

    page.wait_for_url(re.compile(rf"/audit/kasus/{re.escape(closed_case)}$"))
    verdict = page.locator("#putusan")
    expect(verdict).to_have_attribute("data-consistent", "true")
    steps = page.locator("ol.stepper > li")
    expect(steps).to_have_count(9)
    expect(verdict).to_contain_text("9 peristiwa diputar ulang tanpa masalah")
    expect(page.locator("ol.stepper > li.verified")).to_have_count(9)
    expected = [
        ("08-06-2024 09:10 WIB", "Pengaduan diterima di Kantor Kecamatan", "camat"),
        ("08-06-2024 10:00 WIB", "Perlu peninjauan lapangan?", "camat"),
        ("08-06-2024 10:00 WIB", "Menunggu peninjauan lapangan hari Minggu", "camat"),
        ("09-06-2024 09:00 WIB", "Peninjauan lapangan bersama instansi terkait", "penjadwal"),
        (
            "09-06-2024 14:00 WIB",
            "Menunggu rapat mingguan Kecamatan hari Senin",
            "satpol_pp_kecamatan",
        ),
        ("10-06-2024 08:30 WIB", "Dibahas dalam rapat mingguan Kecamatan", "penjadwal"),
    ]
    for i, (at, state, actor) in enumerate(expected):
        step = steps.nth(i)
        expect(step).to_contain_text(f"#{i + 1} · {at}")
        expect(step.locator(".state")).to_have_text(state)
        expect(step).to_contain_text(f"Oleh: {actor}")
    expect(steps.last.locator(".state")).to_have_text("Selesai di tingkat Kecamatan")
    expect(steps.nth(4)).to_contain_text("KEDUA")
    steps.nth(4).locator("summary").click()
    expect(steps.nth(4).locator("details")).to_contain_text("Lampu mati karena kabel putus.")
    screenshot(page, "auditor-stepper")

    # Back to Sunday noon: the field review was held, its findings not yet entered.
    page.locator("input[name=until]").fill("2024-06-09T12:00")
    page.get_by_role("button", name="Putar ulang sampai waktu ini").click()
    expect(verdict).to_have_attribute("data-consistent", "true")
    expect(verdict).to_contain_text("4 peristiwa sampai 09-06-2024 12:00 WIB")
    expect(verdict).to_contain_text("keadaan saat itu: peninjauan_lapangan")
    expect(steps).to_have_count(4)
    page.get_by_role("link", name="Tampilkan seluruh riwayat").click()
    expect(steps).to_have_count(9)


def test_an_auditor_sees_which_event_of_a_tampered_log_breaks_the_chain(
    page: Page, live_server: LiveServer, week: list[str]
) -> None:
    number = week[1]
    with app_store(live_server.app).write() as conn:
        # Someone rewrites what the Sunday review found, straight in the database.
        case_id = conn.execute(sa.select(CASES.c.id).where(CASES.c.number == number)).scalar_one()
        rewrite_history(
            conn,
            sa.update(EVENTS)
            .where(EVENTS.c.case_id == case_id, EVENTS.c.seq == 5)
            .values(payload={"fields": {"field_review_notes": "Tidak ada masalah."}}),
        )
    sign_in(page, "auditor")
    page.goto(f"/audit/kasus/{number}")
    verdict = page.locator("#putusan")
    expect(verdict).to_have_attribute("data-consistent", "false")
    expect(verdict).to_have_attribute("data-first-bad-seq", "5")
    expect(verdict).to_contain_text("Tidak konsisten")
    expect(page.locator("#peristiwa-4")).to_have_attribute("data-status", "verified")
    expect(page.locator("#peristiwa-5")).to_have_attribute("data-status", "bad")
    expect(page.locator("#peristiwa-6")).to_have_attribute("data-status", "unchecked")
    screenshot(page, "auditor-tampered")


def test_an_auditor_downloads_an_anchor_publishes_its_root_and_checks_it_later(
    page: Page, live_server: LiveServer, week: list[str], tmp_path: Path
) -> None:
    sign_in(page, "auditor")
    page.goto("/audit/")
    with page.expect_download() as taken:
        page.get_by_role("button", name="Unduh jangkar sekarang").click()
    anchor = tmp_path / taken.value.suggested_filename
    taken.value.save_as(anchor)
    assert anchor.name.startswith("diktum-jangkar-") and anchor.suffix == ".txt"
    root = hashlib.sha256(anchor.read_bytes()).hexdigest()  # as `sha256sum` tells it
    with app_store(live_server.app).read() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(CASES)).scalar_one()

    page.goto("/audit/")
    page.get_by_label("Berkas jangkar").set_input_files(anchor)
    page.get_by_label("Akar yang diumumkan (boleh kosong)").fill(root)
    page.get_by_role("button", name="Periksa jangkar").click()
    result = page.locator("#hasil")
    expect(result).to_have_attribute("data-holds", "true")
    expect(result).to_contain_text("Jangkar berlaku")
    expect(page.locator("#akar")).to_have_text(root)
    expect(page.locator("#jumlah-kasus")).to_have_text(str(stored))
    assert set(week) <= set(re.findall(r"DK-[0-9A-Z-]+", anchor.read_text(encoding="ascii")))
    screenshot(page, "auditor-anchor", show=result)
