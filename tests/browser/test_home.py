"""The front page: anyone sees the published definitions as drawn state machines."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot


def test_a_visitor_sees_both_instructions_drawn_as_state_machines(page: Page) -> None:
    page.goto("/")
    diagrams = page.locator("pre.mermaid")
    expect(diagrams).to_have_count(2)
    for i in range(2):
        expect(diagrams.nth(i).locator("svg")).to_be_visible()
        # mermaid drew the states, not an error box
        expect(diagrams.nth(i).locator("svg g.node").first).to_be_attached()
    expect(page.get_by_text("Syntax error in text")).to_have_count(0)
    headings = page.locator("main section h2")
    expect(headings.nth(0)).to_contain_text("@")
    keys = " ".join(headings.all_inner_texts())
    assert "ingub-135-2017" in keys
    assert "inwalkot-jaksel-e-0006-2024" in keys
    screenshot(page, "home-diagrams")
