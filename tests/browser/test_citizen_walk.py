"""A citizen's whole walk on a phone-sized Chromium, with the staff between (issue #11, item 8).

The citizen finds a procedure in the catalogue by typing part of its name without accents,
submits it online with a PDF and a PNG, and keeps the confirmation's code and secret link. The
receptionist accepts the dossier at the counter in a desktop browser; the officers complete the
steps through the API and attach the electronic result; the receptionist sends it back by post.
The citizen then follows the QR code of the receipt PDF (rasterised and decoded, never built by
hand) to the look-up page, sees the dossier finished, downloads the result and rates it, once.

Every page the citizen sees must fit the phone's width, and no page may log an error or a
Content-Security-Policy violation. Screenshots (``citizen-*.png``) go to ``test-artifacts/``.
The application clock stands on Friday 3 October 2025 and moves forward as the work does.
"""
from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser.pages import DESKTOP, PHONE, fits_the_screen, log_in, shot
from tests.printing.readback import scanned_codes
from tests.support import files as made
from tests.support.api import FRIDAY_10AM, complete, dossier, ok, problem
from tests.support.fees import CHECKED, SIGNED

pytestmark = pytest.mark.browser

PROCEDURE = "Chứng thực bản sao từ bản chính"
TYPED = "chung thuc ban"  # what the citizen types: part of the name, no accents
UNIT = "XA-TAN-HOA"
RECEPTIONIST, OFFICER, LEADER = "motcua.tanhoa", "chuyenvien.tanhoa", "lanhdao.tanhoa"
APPLICANT = {"full_name": "Lê Thị Hồng Nhung", "id_number": "079190004321", "phone": "0987654321",
             "email": "nhung.le@example.vn", "address": "Ấp Bình Hòa, xã Tân Hòa"}
MASKED = "L** T** H***g N***g"
TRACKING_NUMBER = "EB123456789VN"
#: everything is local: a page that has not come in this time never will (Playwright waits 30 s)
WAIT_MS = 10_000
#: the certified copy's steps, as the look-up page names them
STEPS = ["Kiểm tra, đối chiếu bản sao với bản chính", "Ký chứng thực, đóng dấu"]


@pytest.fixture
def watch(open_page):
    """New pages whose console errors (a CSP violation is one) and documents without a policy are
    collected in ``watch.complaints``, for the test to assert empty at its end."""
    complaints: list[str] = []

    def new_page(kind: dict):
        page = open_page(kind)
        page.set_default_timeout(WAIT_MS)
        page.on("console", lambda message: complaints.append(f"console {message.type}: {message.text}")
                if message.type == "error" or "Content Security Policy" in message.text else None)
        page.on("response", lambda response: complaints.append(f"no policy: {response.url}")
                if _is_page(response) and "content-security-policy" not in response.headers else None)
        return page

    new_page.complaints = complaints
    return new_page


def _is_page(response) -> bool:
    return response.request.resource_type == "document" and response.request.frame.parent_frame is None


def on_phone(page, name: str) -> None:
    """A screenshot, and the page no wider than the phone."""
    page.wait_for_load_state("load")
    shot(page, name)
    assert fits_the_screen(page), name


# --------------------------------------------------------------------------- the citizen submits


def find_and_submit(phone, pdf: bytes, png: bytes) -> dict:
    """From the catalogue to the confirmation; the code, secret and link it shows."""
    phone.goto("/dich-vu-cong")
    phone.fill("#f-q", TYPED)
    phone.get_by_role("button", name="Tìm kiếm").click()
    phone.wait_for_selector("text=Tìm thấy 1 thủ tục.")
    on_phone(phone, "citizen-01-catalogue-phone")
    phone.get_by_role("link", name=PROCEDURE).click()
    phone.wait_for_selector(f"h1:has-text('{PROCEDURE}')")
    on_phone(phone, "citizen-02-procedure-phone")
    phone.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    phone.wait_for_selector("h1:has-text('Nộp hồ sơ trực tuyến')")
    fill_submission(phone, pdf, png)
    on_phone(phone, "citizen-03-submission-phone")
    phone.get_by_role("button", name="Gửi hồ sơ").click()
    phone.wait_for_selector("h1:has-text('Đã gửi hồ sơ')")
    on_phone(phone, "citizen-04-submitted-phone")
    return confirmation(phone)


def fill_submission(phone, pdf: bytes, png: bytes) -> None:
    """The applicant, the receiving unit, and a file on each of the catalogue's two documents."""
    for name, value in APPLICANT.items():
        phone.fill(f"[name='applicant.{name}']", value)
    phone.select_option("[name='unit_code']", UNIT)
    phone.set_input_files("input[name='documents[0].file']",
                          {"name": "ban-chinh-bang-tot-nghiep.pdf", "mimeType": "application/pdf", "buffer": pdf})
    phone.set_input_files("input[name='documents[1].file']",
                          {"name": "ban-sao.png", "mimeType": "image/png", "buffer": png})


def confirmation(phone) -> dict:
    """What the confirmation page says: the code and secret (big), the secret link, and its QR."""
    code, secret = (text.strip() for text in phone.locator(".portal-big").all_inner_texts())
    link = phone.locator(".portal-receipt a.code").get_attribute("href")
    assert f"Đã gửi hồ sơ {code}" in phone.locator(".alert-success").inner_text()
    assert "2 tệp" in phone.inner_text(".portal-receipt")
    assert link.endswith(f"/tra-cuu/{code}?s={secret}")
    assert phone.locator(".portal-qr svg, .portal-qr img").count() == 1
    return {"code": code, "secret": secret, "link": link}


# --------------------------------------------------------------------------- the staff


def accept_at_the_counter(page, code: str) -> None:
    """The receptionist finds the dossier in the counter's online list and accepts it."""
    log_in(page, RECEPTIONIST)
    page.goto("/tiep-nhan/danh-sach")
    page.locator("#truc-tuyen tr", has_text=code).get_by_role("link", name=code).click()
    page.wait_for_url(re.compile(rf"/ho-so/{re.escape(code)}$"))
    for name in ("ban-chinh-bang-tot-nghiep.pdf", "ban-sao.png"):  # staff see the citizen's two files
        assert page.get_by_role("link", name=name, exact=True).count() == 1, name
    shot(page, "citizen-05-online-dossier-desktop")
    form = page.locator("form.action-form", has_text="Tiếp nhận hồ sơ nộp trực tuyến")
    form.get_by_role("button", name="Tiếp nhận", exact=True).click()
    page.wait_for_selector(".alert-success >> text=Đã tiếp nhận hồ sơ nộp trực tuyến")
    shot(page, "citizen-06-accepted-desktop")


def officers_finish(api, code: str, result: bytes) -> str:
    """Both steps completed and the electronic result attached; the sha256 the server kept."""
    complete(api, code, "Task_kiem_tra_doi_chieu", OFFICER, CHECKED)
    complete(api, code, "Task_ky_chung_thuc", LEADER, SIGNED)
    attached = ok(api.post(f"/dossiers/{code}/results", OFFICER, content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(result), "ban-sao-chung-thuc.pdf")]}), 201)
    assert dossier(api, code)["status"] == "ready_for_return"
    (row,) = attached
    return row["sha256"]


def return_by_post(page, code: str) -> None:
    """The receptionist sends the result by post, with the postal tracking number."""
    page.goto(f"/ho-so/{code}")
    form = page.locator("form.action-form", has=page.locator("h3", has_text=re.compile(r"^Trả kết quả$")))
    form.locator("select[name='method']").select_option("post")
    form.locator("input[name='tracking_number']").fill(TRACKING_NUMBER)
    form.get_by_role("button", name="Trả kết quả").click()
    page.wait_for_selector(".alert-success >> text=Đã trả kết quả cho công dân")
    shot(page, "citizen-07-returned-desktop")


def qr_of_receipt(api, code: str, tmp_path) -> str:
    """The address in the QR code of the receipt PDF, as a phone's camera reads it."""
    response = api.get(f"/dossiers/{code}/forms/receipt", RECEPTIONIST)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return scanned_codes(response.data, tmp_path)["QR-Code"]


# --------------------------------------------------------------------------- the citizen follows


def sees_it_finished(phone, url: str) -> None:
    phone.goto(url)
    phone.wait_for_selector(".portal-says")
    assert phone.inner_text(".portal-says") == "Kết quả đã được trả."
    assert phone.locator(".portal-stages li.is-done").count() == 4
    assert phone.inner_text(".portal-stages [aria-current='step']") == "Trả kết quả"
    steps = phone.locator(".portal-steps li.is-done").all_inner_texts()
    assert [step.split("\n")[0] for step in steps] == STEPS and phone.locator(".portal-steps li").count() == 2
    assert all("xã Tân Hòa" in step and "Hoàn thành 03/10/2025 12:00" in step for step in steps)
    status = phone.inner_text(".portal-status")
    assert MASKED in status and "03/10/2025 13:00" in status  # the masked name; returned at
    assert APPLICANT["full_name"] not in phone.content() and APPLICANT["phone"] not in phone.content()
    on_phone(phone, "citizen-08-lookup-finished-phone")


def downloads_the_result(phone) -> bytes:
    link = phone.get_by_role("link", name="ban-sao-chung-thuc.pdf")
    with phone.expect_download() as download:
        link.click()
    return Path(download.value.path()).read_bytes()


def rates(phone) -> None:
    form = phone.locator("#danh-gia form")
    form.get_by_label("Rất hài lòng", exact=True).check()
    form.locator("[name='comment']").fill("Nhận kết quả qua bưu điện, không phải đi lại.")
    on_phone(phone, "citizen-09-rating-phone")
    form.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_selector(".alert-success >> text=Cảm ơn bạn đã đánh giá")
    assert phone.locator("input[name='score']").count() == 0
    assert "Rất hài lòng" in phone.inner_text("main")
    on_phone(phone, "citizen-10-rated-phone")


def test_a_citizen_submits_on_a_phone_follows_the_receipts_qr_code_and_rates(
        watch, live_server, api, stopped_clock, override_settings, tmp_path):
    override_settings(public_base_url=live_server)  # the address the receipt's QR code leads to
    pdf, png, result = made.pdf(), made.png(size=(120, 80)), made.pdf(pages=2)
    phone = watch(PHONE)
    sent = find_and_submit(phone, pdf, png)
    code = sent["code"]
    assert dossier(api, code)["status"] == "submitted"

    stopped_clock(FRIDAY_10AM + timedelta(minutes=30))
    counter = watch(DESKTOP)
    accept_at_the_counter(counter, code)
    assert dossier(api, code)["status"] in ("received", "in_progress")
    stopped_clock(FRIDAY_10AM + timedelta(hours=2))
    sha256 = officers_finish(api, code, result)
    stopped_clock(FRIDAY_10AM + timedelta(hours=3))
    return_by_post(counter, code)
    returned = dossier(api, code)
    assert (returned["status"], returned["return_method"], returned["tracking_number"]) == (
        "returned", "post", TRACKING_NUMBER)

    url = qr_of_receipt(api, code, tmp_path)
    assert url == sent["link"]  # the receipt and the confirmation lead to the same page
    sees_it_finished(phone, url)
    downloaded = downloads_the_result(phone)
    assert downloaded == result and hashlib.sha256(downloaded).hexdigest() == sha256
    rates(phone)
    again = api.post(f"/public/dossiers/{code}/rating", json={"secret": sent["secret"], "score": 1})
    assert "đã được đánh giá" in problem(again, 409)["detail"]
    assert watch.complaints == []
