"""A camat opens the monitoring dashboard: the figures are drawn as charts (Chart.js,
loaded as a file under the CSP) with the same figures in tables."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot, sign_in

CHARTS = ("grafik-kanal", "grafik-umur", "grafik-keadaan")


def test_a_camat_sees_the_complaints_of_the_kecamatan_drawn_as_charts(page: Page) -> None:
    sign_in(page, "camat")
    page.get_by_role("link", name="Pemantauan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pemantauan dan evaluasi")
    expect(page.locator("#cakupan")).to_contain_text("31.74.01")
    for chart in CHARTS:
        canvas = page.locator(f"canvas#{chart}")
        expect(canvas).to_be_visible()
        drawn = page.wait_for_function(
            "id => Boolean(window.Chart && window.Chart.getChart(document.getElementById(id)))",
            arg=chart,
        )
        assert drawn.json_value() is True
    channel_counts = page.locator("#grafik-kanal-tabel td:nth-child(2)").all_text_contents()
    assert sum(int(count) for count in channel_counts) > 0
    screenshot(page, "monitoring-dashboard", show=page.locator("#angka"))
