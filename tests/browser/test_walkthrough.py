"""A dossier's way through the web UI in a real browser, on a desktop and on a phone.

Screenshots go to ``test-artifacts/`` for a person to look at.
"""
from __future__ import annotations

import re

import pytest

from tests.browser.pages import DESKTOP, PHONE, fits_the_screen, log_in, shot

pytestmark = pytest.mark.browser

CHILD = {"ho_ten_tre": "Trần Minh An", "ngay_sinh_tre": "2025-08-01", "noi_sinh": "Trạm y tế xã Tân Hòa",
         "dan_toc": "Kinh"}


def wait_for_diagram(page) -> None:
    page.wait_for_selector(".diagram.is-ready .djs-container svg [data-element-id='Task_kiem_tra_ho_so']")


def receive_birth_registration(page) -> str:
    log_in(page, "motcua.tanhoa")
    page.select_option("#f-procedure_code", "dang-ky-khai-sinh")
    page.wait_for_url(re.compile(r"procedure_code=dang-ky-khai-sinh"))
    page.fill("#f-applicant-full_name", "Trần Thị Mai")
    page.fill("#f-applicant-id_number", "037190001234")
    page.fill("#f-applicant-phone", "0912345678")
    page.fill("#f-applicant-address", "Thôn 2, xã Tân Hòa")
    for index in range(3):
        page.check(f"input[name='documents[{index}].received']")
    page.get_by_role("button", name="+ Thêm giấy tờ khác").click()
    page.fill("input[name='documents[7].name']", "Bản sao CCCD của người mẹ")
    shot(page, "01-reception-desktop")
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    page.wait_for_url(re.compile(r"/ho-so/"))
    message = page.locator(".alert-success").inner_text()
    return re.search(r"Đã tiếp nhận hồ sơ (\S+)\. Hẹn trả kết quả: \d\d/\d\d/\d{4} \d\d:\d\d", message).group(1)


def complete_check_step(page, code: str) -> None:
    row = page.locator("tr", has_text=code)
    row.get_by_role("link", name="Xử lý").click()
    for field, value in CHILD.items():
        page.fill(f"#f-{field}", value)
    page.select_option("#f-gioi_tinh_tre", "nam")
    page.fill("#f-noi_sinh", "")
    page.evaluate("document.querySelector('form.task-form').noValidate = true")
    page.get_by_role("button", name="Hoàn thành bước").click()
    assert page.locator("#f-noi_sinh-err").inner_text() == "Nơi sinh: trường này là bắt buộc."
    assert page.input_value("#f-ho_ten_tre") == "Trần Minh An"
    shot(page, "04-task-error-desktop")
    page.fill("#f-noi_sinh", CHILD["noi_sinh"])
    page.get_by_role("button", name="Hoàn thành bước").click()
    page.wait_for_url(re.compile(r"/cong-viec$"))
    assert "Đã hoàn thành bước" in page.locator(".alert-success").inner_text()


def test_a_birth_registration_from_the_counter_to_the_diagram(open_page):
    page = open_page(DESKTOP)
    code = receive_birth_registration(page)
    assert "Bản sao CCCD của người mẹ" in page.content()
    shot(page, "02-dossier-received-desktop")
    page.get_by_role("button", name="Đăng xuất").click()

    log_in(page, "hotich.tanhoa")
    assert code in page.locator("table").inner_text()
    shot(page, "03-inbox-desktop")
    complete_check_step(page, code)

    page.goto(f"/ho-so/{code}")
    wait_for_diagram(page)
    assert page.locator(".djs-element.step-done[data-element-id='Task_kiem_tra_ho_so']").count() == 1
    assert page.locator(".djs-element.step-current[data-element-id='Task_ky_giay_khai_sinh']").count() == 1
    shot(page, "05-dossier-desktop")

    phone = open_page(PHONE)
    log_in(phone, "hotich.tanhoa")
    phone.goto(f"/ho-so/{code}")
    wait_for_diagram(phone)
    assert fits_the_screen(phone)
    shot(phone, "06-dossier-phone")
    phone.goto("/thu-tuc/dang-ky-khai-sinh")
    wait_for_diagram(phone)
    assert fits_the_screen(phone)
    shot(phone, "07-catalogue-phone")


def test_the_counter_form_fits_a_phone(open_page):
    phone = open_page(PHONE)
    log_in(phone, "motcua.tanhoa")
    phone.select_option("#f-procedure_code", "dang-ky-khai-sinh")
    phone.wait_for_url(re.compile(r"procedure_code="))
    assert fits_the_screen(phone)
    shot(phone, "08-reception-phone")
