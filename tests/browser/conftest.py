"""A live server running the test app in a thread, and Debian's Chromium driven by Playwright.

The server's threads need their own connections, so these tests are marked ``browser``:
they commit for real, and the plugin restores the demo afterwards."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.pages import ARTIFACTS, DESKTOP
from tests.support.wsgi import serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def live_server(app, demo):
    """The ``app`` fixture's application on 127.0.0.1 and a free port; yields its base URL."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module: Playwright's event loop must not outlive it,
    or later tests that run their own asyncio loop (PDF signing) fail."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, live_server):
    """A new browser context of the given kind; page errors fail the test."""
    contexts, errors = [], []

    def new_page(kind: dict):
        context = browser.new_context(**kind, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    ARTIFACTS.mkdir(exist_ok=True)
    yield new_page
    for context in contexts:
        context.close()
    assert errors == []


@pytest.fixture
def csp_page(open_page):
    """A desktop page that collects the CSP violations Chromium reports on its console."""
    page = open_page(DESKTOP)
    page.violations = []
    page.on("console", lambda message: page.violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return page
