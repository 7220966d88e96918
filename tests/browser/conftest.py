"""Real-browser tests: a live Diktum server and Debian's Chromium driven by Playwright.

Each test module gets a server of its own on a fresh SQLite file, initialised with
``diktum init --demo`` at a fixed instant (a Saturday morning, so the Saturday intake of
Ingub 135/2017 is open) that is also the server's clock, served by Werkzeug in a
background thread on a free port of 127.0.0.1. Each test gets a fresh browser context (no
cookies) and a page whose console errors, uncaught exceptions, Content-Security-Policy
violations and failed sub-resources fail the test: the UI must really work under the
strict CSP.

Chromium is the distribution's (``apt-get install chromium``; ``make test`` installs it),
not one downloaded by Playwright.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    ViewportSize,
    WebError,
    sync_playwright,
)
from werkzeug.serving import BaseWSGIServer, make_server

from tests.browser.helpers import NOW, TIMEOUT_MS, LiveServer
from tests.conftest import close_store, make_app
from web.cli import cli

VIEWPORT: ViewportSize = {"width": 1280, "height": 800}

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__diktumCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}` +
      ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`
  );
});
"""
"""Injected before any page script (through the DevTools protocol, so the CSP does not
apply to it): reports every violation to the test."""


BROWSER_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here ``browser`` (``pytest -m "not browser"`` for a quick run)."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file after ``diktum init --demo --now NOW``, made once and copied per
    module (initialising takes seconds; copying takes none)."""
    folder = tmp_path_factory.mktemp("demo")
    database = folder / "diktum.sqlite"
    app = make_app(f"sqlite:///{database}", folder)
    result = app.test_cli_runner().invoke(cli, ["init", "--demo", "--now", NOW])
    close_store(app)
    assert result.exit_code == 0, result.output
    return database


@pytest.fixture(scope="module")
def live_server(
    demo_database: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The demo installation on a database of its own, served on 127.0.0.1 and a free
    port for one test module, with the clock fixed at NOW."""
    folder = tmp_path_factory.mktemp("live")
    for source in demo_database.parent.glob(f"{demo_database.name}*"):
        shutil.copyfile(source, folder / source.name)
    app = make_app(f"sqlite:///{folder / demo_database.name}", folder)
    app.config["NOW"] = NOW
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        close_store(app)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: apt-get install chromium (make test does)")
    launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@dataclass
class BrowserProblems:
    """What went wrong in the browser during a test: it must stay empty."""

    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # A 4xx answer to a form post (a validation error) is an ordinary page, and
        # Chromium logs it as a failed resource; failed sub-resources are caught by
        # on_response instead, with their URL.
        if message.text.startswith("Failed to load resource:"):
            return
        where = message.location.get("url", "")
        self.errors.append(f"console error: {message.text} ({where})")

    def on_csp_violation(self, text: str) -> None:
        self.errors.append(f"CSP violation: {text}")

    def on_web_error(self, error: WebError) -> None:
        self.errors.append(f"uncaught exception: {error.error.message}")

    def on_response(self, response: Response) -> None:
        request = response.request
        status = response.status
        if status >= 500 or (status >= 400 and not request.is_navigation_request()):
            self.errors.append(f"HTTP {status} for {request.method} {response.url}")

    def on_request_failed(self, request: Request) -> None:
        if request.failure and "ERR_ABORTED" not in request.failure:
            self.errors.append(f"request failed: {request.method} {request.url}: {request.failure}")


@pytest.fixture
def problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, problems: BrowserProblems) -> Iterator[Page]:
    """A fresh browser (no cookies) on the live server; fails the test on any console
    error, uncaught exception, CSP violation or failed sub-resource, in any of its tabs."""
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="id-ID", timezone_id="Asia/Jakarta"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.expose_function("__diktumCspViolation", problems.on_csp_violation)
    context.add_init_script(CSP_LISTENER)
    context.on("console", problems.on_console)
    context.on("weberror", problems.on_web_error)
    context.on("response", problems.on_response)
    context.on("requestfailed", problems.on_request_failed)
    yield context.new_page()
    context.close()
    assert problems.errors == [], "the browser reported problems:\n" + "\n".join(problems.errors)
