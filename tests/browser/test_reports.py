"""The dashboards, a report with its charts and the background print, in Chromium: no script
breaks the Content-Security-Policy, and the progress bar follows the job to its download."""
from __future__ import annotations

import threading
import time

import pytest

from tests.browser.pages import log_in, shot

pytestmark = pytest.mark.browser


def test_the_dashboard_and_a_report_page_draw_without_script(csp_page, web_receive):
    page = csp_page
    web_receive()
    log_in(page, "giamsat")
    page.goto("/")
    page.wait_for_selector("text=Các đơn vị, nhiều việc quá hạn nhất trước")
    page.goto("/bao-cao/tien-do?group_by=procedure")
    page.wait_for_selector("svg.chart")
    shot(page, "report-timeliness")
    assert page.violations == []


def test_the_progress_bar_follows_the_background_print(csp_page, app, web_receive):
    from app.reports.jobs import run_pending

    page = csp_page
    web_receive()
    log_in(page, "motcua.tanhoa")
    page.goto("/don-vi/so-theo-doi")
    page.get_by_role("button", name="In sổ dài ở chế độ nền").click()
    page.wait_for_selector("progress.job-bar")
    assert page.locator(".job-download").is_hidden()

    def print_soon():
        time.sleep(1)
        with app.app_context():
            run_pending()

    worker = threading.Thread(target=print_soon)
    worker.start()
    page.wait_for_selector("text=Đã in xong", timeout=60_000)
    worker.join()
    assert page.locator(".job-download").is_visible()
    assert page.locator("progress.job-bar").get_attribute("value") == "100"
    href = page.get_by_role("link", name="Tải sổ theo dõi (PDF)").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    assert page.violations == []
