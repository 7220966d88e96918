"""A citizen files a complaint on the public form and follows it on the tracking page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot

NAME = "Siti Rahmawati"
PHONE = "0812 3456 7890"
EMAIL = "siti.rahmawati@contoh.id"


def test_a_citizen_files_a_complaint_and_tracks_it_without_personal_data_showing(
    page: Page,
) -> None:
    page.goto("/adukan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sampaikan pengaduan")
    form = page.locator("main form[method=post]")
    form.locator("select[name=unit]").select_option("31.74.01.1001")
    form.locator("input[name=title]").fill("Saluran air tersumbat di Jl. Kemang Raya")
    form.locator("textarea[name=description]").fill(
        "Air meluap ke jalan setiap hujan sejak seminggu terakhir."
    )
    form.locator("select[name=category]").select_option("banjir dan saluran air")
    form.locator("textarea[name=f_lokasi]").fill("Depan Sekolah Dasar Negeri 03")
    form.locator("input[name=name]").fill(NAME)
    form.locator("input[name=phone]").fill(PHONE)
    form.locator("input[name=email]").fill(EMAIL)
    screenshot(page, "citizen-complaint-form")
    form.get_by_role("button", name="Kirim pengaduan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tanda terima pengaduan")
    number = page.locator(".receipt .number").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9-]{8,}", number), number
    expect(page.locator(".receipt svg.qr")).to_be_visible()
    tracking_link = page.locator(".receipt figcaption a")
    expect(tracking_link).to_have_attribute("href", re.compile(rf"/lacak/{re.escape(number)}$"))
    screenshot(page, "citizen-receipt")

    # Later, from any browser: the number typed on the tracking form.
    page.context.clear_cookies()
    page.goto("/lacak")
    page.locator("main form input[name=nomor]").fill(number)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/lacak/{re.escape(number)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(number)
    expect(page.locator("main article header")).to_contain_text(
        "Pengaduan telah diterima dan dicatat"
    )
    expect(page.locator("ol.timeline > li")).to_have_count(1)
    expect(page.locator("ol.timeline")).to_contain_text("08-06-2024 09:30 WIB · diktum KESATU c")
    html = page.content()
    for personal in (NAME, PHONE, EMAIL, "Rahmawati", "3456"):
        assert personal not in html, f"{personal!r} is shown on the public tracking page"
    screenshot(page, "citizen-tracking")


def test_an_unknown_number_says_so_and_reveals_nothing(page: Page) -> None:
    response = page.goto("/lacak/BUKAN-NOMOR-123")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengaduan tidak ditemukan")
