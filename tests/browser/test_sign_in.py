"""Signing in and out as the demo users, and switching the interface to English."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot, sign_in, signed_in_as


@pytest.mark.parametrize(
    ("name", "role", "unit"),
    [("lurah", "lurah", "31.74.01.1001"), ("camat", "camat", "31.74.01")],
)
def test_an_officer_signs_in_sees_their_role_and_unit_and_signs_out(
    page: Page, name: str, role: str, unit: str
) -> None:
    sign_in(page, name)
    expect(signed_in_as(page, name)).to_have_text(f"{name} · {role} · {unit}")
    expect(page.get_by_role("link", name="Kotak masuk")).to_be_visible()
    if name == "lurah":
        screenshot(page, "signed-in-officer")
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("status")).to_have_text("Anda telah keluar.")
    expect(signed_in_as(page, name)).to_have_count(0)
    expect(page.get_by_role("link", name="Masuk")).to_be_visible()


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(page: Page) -> None:
    sign_in_form = "/masuk"
    page.goto(sign_in_form)
    page.locator("input[name=name]").fill("camat")
    page.locator("input[name=password]").fill("bukan-kata-sandinya")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("status")).to_have_text("Nama pengguna atau kata sandi salah.")
    expect(signed_in_as(page, "camat")).to_have_count(0)


@pytest.mark.parametrize("name", ["admin", "auditor"])
def test_administrators_and_auditors_see_their_own_menus(page: Page, name: str) -> None:
    sign_in(page, name)
    nav = page.locator("header nav")
    expect(nav.get_by_role("link", name="Audit")).to_be_visible()
    expect(nav.get_by_role("link", name="Kotak masuk")).to_have_count(0)
    definitions = nav.get_by_role("link", name="Definisi")
    expect(definitions).to_have_count(1 if name == "admin" else 0)


def test_a_visitor_switches_the_interface_to_english_and_back(page: Page) -> None:
    page.goto("/masuk")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("User name")).to_be_visible()
    expect(page.get_by_text("All times in WIB (Asia/Jakarta).")).to_be_visible()
    screenshot(page, "sign-in-english")
    # The choice is remembered: the next page (and a signed-in session) stays English.
    sign_in(page, "camat")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name="Inbox")).to_be_visible()
    page.get_by_role("link", name="ID", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
