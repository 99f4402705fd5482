"""The apology gate in a real browser: the officer explains, the leader signs with the PIN,
the dossier goes on. Screenshots (desktop 1280, phone 390) go to ``test-artifacts/``."""
from __future__ import annotations

import re

import pytest

from app import db
from app.dossiers.services import get
from tests.browser.pages import ARTIFACTS, DESKTOP, PHONE, fits_the_screen, log_in, shot
from tests.support.escalation import LEADER, OFFICER, PIN, REASON, SUPERVISOR, new_appointment

pytestmark = pytest.mark.browser


def on_phone(open_page, username: str, path: str, ready: str, name: str) -> None:
    """``path`` as ``username`` sees it on a phone: screenshot, and nothing wider than the screen."""
    phone = open_page(PHONE)
    log_in(phone, username)
    phone.goto(path)
    phone.wait_for_selector(ready)
    shot(phone, name)
    assert fits_the_screen(phone)


def officer_explains(page, late: dict) -> None:
    log_in(page, OFFICER)
    page.goto("/cong-viec")
    shot(page, "apology-01-inbox-desktop")
    page.locator("tr", has_text="Giải trình, đề xuất ngày hẹn mới").get_by_role("link", name="Xử lý").click()
    page.wait_for_url(re.compile(r"/tre-han/\d+$"))
    page.fill("#f-reason", REASON)
    page.fill("#f-new_due_date", new_appointment(late).isoformat())
    shot(page, "apology-02-explain-desktop")
    page.get_by_role("button", name="Gửi giải trình và lập thư xin lỗi").click()
    page.wait_for_selector(".alert-success >> text=Đã gửi giải trình")


def leader_signs(page) -> None:
    log_in(page, LEADER)
    page.goto("/tre-han")
    page.wait_for_selector("text=Thư xin lỗi chờ ký (1)")
    shot(page, "apology-03-to-sign-desktop")
    page.get_by_role("link", name="Xem và ký").click()
    page.wait_for_selector("object[type='application/pdf']")
    page.wait_for_timeout(3000)  # Chromium's PDF viewer draws the letter out of the page's sight
    page.screenshot(path=str(ARTIFACTS / "apology-04-letter-desktop.png"))  # the viewer, as the leader sees it
    shot(page, "apology-04-sign-desktop")
    page.fill("#f-pin", "000000")
    page.get_by_role("button", name="Ký thư xin lỗi").click()
    page.wait_for_selector("#f-pin-err >> text=Mã PIN không đúng.")
    shot(page, "apology-04-wrong-pin-desktop")
    page.fill("#f-pin", PIN)
    page.get_by_role("button", name="Ký thư xin lỗi").click()
    page.wait_for_selector(".alert-success >> text=Đã ký thư xin lỗi")
    shot(page, "apology-05-signed-desktop")
    page.get_by_role("link", name="Thông báo").click()
    page.wait_for_selector("text=chờ ký")
    shot(page, "apology-08-notifications-desktop")


def test_the_officer_explains_and_the_leader_signs_in_the_browser(open_page, late_dossier):
    escalation = f"/tre-han/{late_dossier['escalation']['id']}"
    on_phone(open_page, OFFICER, "/cong-viec", "text=Giải trình, đề xuất ngày hẹn mới", "apology-00-inbox-phone")
    on_phone(open_page, OFFICER, escalation, "#f-reason", "apology-00-explain-phone")
    officer_explains(open_page(DESKTOP), late_dossier)
    on_phone(open_page, LEADER, escalation, "#f-pin", "apology-06-sign-phone")

    leader_signs(open_page(DESKTOP))
    db.session.remove()  # read what the server committed
    assert get(late_dossier["code"]).status == "in_progress"

    on_phone(open_page, SUPERVISOR, "/tre-han?trang-thai=tat-ca", ".badge-ok:has-text('Đã ký thư xin lỗi')",
             "apology-07-list-phone")
