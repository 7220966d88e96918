"""What the browser tests share: the demo's clock and password, the live server's
address, signing in, and screenshots for the README's tour."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from playwright.sync_api import Locator, Page, expect

from tests.conftest import ROOT

NOW = "2024-06-08T09:30:00+07:00"
"""The demo's and the server's clock: Saturday 8 June 2024, 09:30 WIB."""

DEMO_PASSWORD = "diktum-demo-2024"
"""Every demo user's password (``web.demo``)."""

SCREENSHOTS = ROOT / "docs" / "screenshots"
"""Where the README's tour images live. Runs write there only with
``DIKTUM_SCREENSHOTS=1`` (numbers are random, so every run would change the files);
otherwise the screenshots go to a scratch folder, still taken and still checked."""
TIMEOUT_MS = 10_000
"""How long an action or an expectation waits: generous, for a loaded CI machine."""

expect.set_options(timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask


def screenshot(page: Page, name: str, show: Locator | None = None) -> Path:
    """A viewport-sized PNG for the README's tour, ``docs/screenshots/<name>.png``: the
    top of the page, or the part where ``show`` is."""
    folder = SCREENSHOTS if os.environ.get("DIKTUM_SCREENSHOTS") == "1" else _SCRATCH
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.png"
    page.evaluate("document.activeElement && document.activeElement.blur()")
    if show is None:
        page.evaluate("window.scrollTo(0, 0)")
    else:
        show.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(target), type="png", animations="disabled", caret="hide")
    assert target.stat().st_size > 1000, f"{target} is empty"
    return target


_SCRATCH = Path(tempfile.gettempdir()) / "diktum-screenshots"


def sign_in(page: Page, name: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form, as a person would, and land on the front page."""
    page.goto("/masuk")
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(signed_in_as(page, name)).to_be_visible()


def signed_in_as(page: Page, name: str) -> Locator:
    """The navigation's "name · role · unit" of the signed-in user."""
    return page.locator("header nav li", has_text=re.compile(rf"^\s*{re.escape(name)} · "))
