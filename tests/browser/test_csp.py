"""The Content-Security-Policy keeps every page working: Chromium reports no
violation on the login page, an inbox, a dossier with its diagram, the modeler
(with its properties panel open) and Swagger UI at /api/docs.

A violation is what Chromium writes to the console ("… violates the following
Content Security Policy directive …"); each page must also carry a policy, or
the test would pass on a site that has none.
"""
from __future__ import annotations

import pytest

from tests.browser.pages import log_in

pytestmark = pytest.mark.browser


def visit(page, path: str, ready: str) -> None:
    """Open ``path``, check it carries a policy, wait until its scripts have drawn ``ready``."""
    response = page.goto(path)
    assert "script-src 'self'" in response.headers["content-security-policy"], path
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")


def test_no_page_breaks_the_policy(csp_page, web_receive):
    page = csp_page
    code = web_receive()
    visit(page, "/dang-nhap", "#f-username")
    log_in(page, "hotich.tanhoa")
    visit(page, "/cong-viec", f"text={code}")
    visit(page, f"/ho-so/{code}", ".diagram.is-ready .djs-container svg")
    page.context.clear_cookies()  # signed out
    log_in(page, "phantich")
    visit(page, "/thu-tuc/soan", "#modeler-canvas.is-ready")
    page.click(".djs-element[data-element-id='Task_xu_ly']")  # the properties panel draws its groups
    page.wait_for_selector(".bio-properties-panel-group")
    visit(page, "/api/docs", ".swagger-ui .opblock")
    page.click(".opblock-summary >> nth=0")
    page.wait_for_selector(".opblock-body")
    assert page.violations == []
