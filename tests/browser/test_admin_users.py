"""An administrator gives an officer who forgot their password a new one: the officer's
open session ends, the old password stops working and the new one signs in."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import LiveServer, screenshot, sign_in, signed_in_as

NEW_PASSWORD = "sandi-baru-camat-2024"


def test_a_new_password_from_the_administrator_ends_the_officers_session(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    officer_context = browser.new_context(base_url=live_server.url)
    officer = officer_context.new_page()
    try:
        sign_in(officer, "camat")

        sign_in(page, "admin")
        page.goto("/admin/pengguna")
        row = page.locator("tr#pengguna-camat")
        row.get_by_text("Ganti sandi").click()  # opens the row's password form
        row.get_by_label("Kata sandi baru untuk camat").fill(NEW_PASSWORD)
        screenshot(page, "admin-users", show=page.locator("tr#pengguna-camat"))
        row.get_by_role("button", name="Simpan sandi").click()
        expect(page.get_by_role("status")).to_contain_text("Kata sandi camat diganti")

        officer.goto("/")
        expect(signed_in_as(officer, "camat")).to_have_count(0)
        officer.goto("/masuk")
        officer.locator("input[name=name]").fill("camat")
        officer.locator("input[name=password]").fill("diktum-demo-2024")
        officer.locator("main form button[type=submit]").click()
        expect(officer.get_by_role("status")).to_contain_text("salah")
        sign_in(officer, "camat", NEW_PASSWORD)
    finally:
        officer_context.close()
