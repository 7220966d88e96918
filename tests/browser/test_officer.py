"""An officer receives a complaint in person, finds it in the inbox and acts on it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot, sign_in

TITLE = "Trotoar rusak di depan pasar"


def test_a_camat_receives_a_saturday_complaint_finds_it_by_number_and_triages_it(
    page: Page,
) -> None:
    sign_in(page, "camat")
    page.get_by_role("link", name="Terima pengaduan").click()
    # Choosing the 2017 instruction reloads the form with its fields (officer.js).
    page.locator("select[name=definisi]").select_option("ingub-135-2017")
    expect(page.locator("main")).to_contain_text("ingub-135-2017@1")
    form = page.locator("main form[method=post]")
    expect(form.locator("select[name=channel]")).to_have_value("langsung_kecamatan")
    expect(form.locator("select[name=unit]")).to_have_value("31.74.01")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=description]").fill("Paving terlepas, pejalan kaki tersandung.")
    form.locator("select[name=category]").select_option("jalan dan trotoar")
    form.locator("input[name=f_kelurahan]").fill("31.74.01.1001")
    form.locator("input[name=name]").fill("Budi Santoso")
    form.get_by_role("button", name="Simpan dan cetak tanda terima").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tanda terima pengaduan")
    number = page.locator(".receipt .number").inner_text().strip()
    expect(page.get_by_role("status")).to_have_text(f"Pengaduan diterima dengan nomor {number}.")
    expect(page.locator(".receipt")).to_contain_text("Budi Santoso")
    expect(page.get_by_role("button", name="Cetak tanda terima")).to_be_visible()

    page.get_by_role("link", name="Kotak masuk").click()
    page.locator("input[name=nomor]").fill(number.lower())  # typed carelessly
    page.get_by_role("button", name="Tampilkan").click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(TITLE)
    expect(rows.first).to_contain_text("Pengaduan diterima di Kantor Kecamatan")
    screenshot(page, "officer-inbox")
    rows.first.get_by_role("link", name=number).click()

    page.wait_for_url(re.compile(rf"/petugas/kasus/{re.escape(number)}$"))
    expect(page.locator("main article header").first).to_contain_text(
        "Pengaduan diterima di Kantor Kecamatan"
    )
    action = page.locator("#aksi-triase")
    action.locator("select[name=f_needs_field_review]").select_option("ya")
    action.locator("textarea[name=f_triage_notes]").fill("Perlu dilihat bersama Sudin Bina Marga.")
    screenshot(page, "officer-case-action", show=action)
    action.get_by_role("button").click()

    expect(page.get_by_role("status")).to_have_text(
        "Tindakan dicatat. Tahap sekarang: Menunggu peninjauan lapangan hari Minggu."
    )
    expect(page.locator("main article header").first).to_contain_text(
        "Menunggu peninjauan lapangan hari Minggu"
    )
    history = page.locator("ol.timeline > li")
    expect(history.filter(has_text="Periksa pengaduan")).to_contain_text(
        "Perlu dilihat bersama Sudin Bina Marga."
    )
    expect(history.filter(has_text="Periksa pengaduan")).to_contain_text("camat (camat)")
    expect(page.locator("#aksi-triase")).to_have_count(0)
    screenshot(page, "officer-case-after-action")


def test_a_long_field_title_wraps_in_its_column_and_leaves_the_values_their_width(
    page: Page,
) -> None:
    sign_in(page, "camat")
    page.get_by_role("link", name="Kotak masuk").click()
    page.locator("main table tbody tr a").first.click()
    data = page.locator("main dl.case-data").first
    # A definition may give a field a title of a sentence; the label column must not grow
    # with it (it once pushed the values into a narrow strip).
    data.evaluate(
        "dl => { dl.querySelector('dt').textContent = 'Catatan hasil peninjauan lapangan "
        "bersama lurah dan kepala seksi '.repeat(4); }"
    )
    rem = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    label, value, whole = (
        data.locator("dt").first.bounding_box(),
        data.locator("dd").first.bounding_box(),
        data.bounding_box(),
    )
    assert label is not None and value is not None and whole is not None
    assert label["width"] <= 16 * rem + 1
    assert value["width"] >= whole["width"] - 17 * rem - 1
