"""An administrator edits a definition: a broken file is shown back with each problem at
its line and nothing is published; the fixed file becomes a new version."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot, sign_in

STATE_TITLE = "    title: Pengaduan diterima di Kantor Kecamatan\n"
TYPO = "    titel: Pengaduan diterima di Kantor Kecamatan\n"


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_an_administrator_sees_a_broken_definition_at_its_line_then_publishes_it_fixed(
    page: Page,
) -> None:
    sign_in(page, "admin")
    page.get_by_role("link", name="Definisi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Definisi alur kerja")
    section = page.locator("main section", has_text="ingub-135-2017@1")
    section.get_by_role("link", name="Sunting sebagai versi baru").click()

    editor = page.locator("textarea[name=isi]")
    published = editor.input_value()
    assert published.startswith("# ") or "id: ingub-135-2017" in published
    assert STATE_TITLE in published
    broken = published.replace("\nversion: 1\n", "\nversion: 2\n", 1).replace(STATE_TITLE, TYPO, 1)
    line = line_of(broken, TYPO)
    editor.fill(broken)
    page.get_by_role("button", name="Periksa dan terbitkan").click()

    problems = page.locator("#masalah")
    expect(problems).to_contain_text("tidak ada yang diterbitkan")
    typo_problem = problems.locator("li", has_text="titel")
    expect(typo_problem).to_contain_text(f"baris {line}:5")
    expect(typo_problem).to_contain_text("'title'")
    listed = page.locator(f"tr#baris-{line}")
    expect(listed).to_have_class(re.compile(r"\bbad\b"))
    expect(listed).to_contain_text("titel:")
    typo_problem.get_by_role("link").click()  # jumps to the line in the listing
    page.wait_for_url(re.compile(rf"#baris-{line}$"))
    screenshot(page, "admin-definition-problems", show=page.locator(f"tr#baris-{line - 3}"))

    # Nothing was published: in another tab, the list still ends at version 1.
    other = page.context.new_page()
    other.goto("/admin/definisi")
    expect(other.get_by_role("link", name="ingub-135-2017@1")).to_be_visible()
    expect(other.get_by_role("link", name="ingub-135-2017@2")).to_have_count(0)
    other.close()

    editor = page.locator("textarea[name=isi]")
    assert editor.input_value().replace("\r\n", "\n") == broken
    editor.fill(broken.replace(TYPO, STATE_TITLE, 1))
    page.get_by_role("button", name="Periksa dan terbitkan").click()

    page.wait_for_url(re.compile(r"/admin/definisi/ingub-135-2017/2$"))
    expect(page.get_by_role("status")).to_have_text(
        "Definisi ingub-135-2017@2 diterbitkan sebagai versi baru."
    )
    expect(page.locator("pre.mermaid svg")).to_be_visible()
    page.get_by_role("link", name="Definisi").first.click()
    versions = page.locator("main section", has_text="ingub-135-2017@1").locator("tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("ingub-135-2017@2")
    screenshot(page, "admin-definition-versions")
