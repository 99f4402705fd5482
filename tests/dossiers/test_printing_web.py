"""Printing from the web pages: the receipt right after reception, the forms of the
dossier page, and the register of one's unit."""
from __future__ import annotations

import re

import pytest

from tests.printing.readback import flat, pdf_text
from tests.support.web import BIRTH_FORM

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00


def print_links(page: str) -> list[str]:
    """The links of the "In phiếu" section."""
    section = re.search(r'<ul class="print-links">(.*?)</ul>', page, re.S).group(1)
    return re.findall(r'href="(/ho-so/[^"]+/in/[^"]+)"', section)


def test_reception_offers_the_receipt_and_the_link_prints_it(client, login, tmp_path):
    login("motcua.tanhoa")
    page = client.post("/tiep-nhan", data=BIRTH_FORM, follow_redirects=True).text
    code = re.search(r"Đã tiếp nhận hồ sơ ([\w.-]+)\.", page).group(1)
    receipt = f"/ho-so/{code}/in/receipt"
    assert re.search(rf'<a class="btn btn-primary btn-print" href="{re.escape(receipt)}"[^>]*>In giấy tiếp nhận</a>',
                     page)
    assert print_links(page) == [receipt, f"/ho-so/{code}/in/control-slip"]   # the fee receipt once paid

    again = client.get(f"/ho-so/{code}").text                   # the prominent button is for just after reception
    assert "In giấy tiếp nhận" not in again and receipt in print_links(again)
    response = client.get(receipt)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="{code}-receipt.pdf"'
    text = flat(pdf_text(response.data, tmp_path))
    assert code in text and "Trần Thị Mai" in text and "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text


def test_the_page_links_the_forms_the_dossier_has(client, web_receive):
    code = web_receive()
    client.post(f"/ho-so/{code}/yeu-cau-bo-sung", data={"note": "Bản chính Giấy chứng sinh"})
    assert client.post(f"/ho-so/{code}/thu-phi", data={"amount": "8.000", "method": "cash"}).status_code == 302
    client.post(f"/ho-so/{code}/tu-choi", data={"reason": "Không thuộc thẩm quyền"})
    links = print_links(client.get(f"/ho-so/{code}").text)
    assert links == [f"/ho-so/{code}/in/{form}" for form in ("receipt", "supplement", "refusal", "control-slip",
                                                              "fee-receipt")]
    assert all(client.get(link).mimetype == "application/pdf" for link in links)


def test_printing_keeps_the_access_rules(client, web_receive, login):
    code = web_receive()
    assert client.get(f"/ho-so/{code}/in/refusal").status_code == 409
    assert "Hồ sơ chưa có thư xin lỗi." in client.get(f"/ho-so/{code}/in/apology").text
    assert client.get(f"/ho-so/{code}/in/passport").status_code == 404
    login("motcua.binhan")
    assert client.get(f"/ho-so/{code}/in/receipt").status_code == 404
    client.post("/dang-xuat")
    assert client.get(f"/ho-so/{code}/in/receipt").status_code == 302   # to the sign-in page


def test_the_register_of_ones_unit(client, web_receive, login, tmp_path):
    code = web_receive()
    login("hotich.tanhoa")
    form = client.get("/don-vi/so-theo-doi").text
    assert 'name="from"' in form and 'value="2025-10-01"' in form and 'value="2025-10-03"' in form
    response = client.get("/don-vi/so-theo-doi?from=2025-10-01&to=2025-10-31")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert code in flat(pdf_text(response.data, tmp_path))
    login("motcua.binhan")
    assert code not in flat(pdf_text(client.get("/don-vi/so-theo-doi?from=2025-10-01&to=2025-10-31").data, tmp_path))
    wrong = client.get("/don-vi/so-theo-doi?from=2025-10-31&to=2025-10-01")
    assert wrong.status_code == 422 and "Ngày kết thúc phải từ ngày bắt đầu trở đi." in wrong.text
    assert 'value="2025-10-31"' in wrong.text
    assert "Chọn ngày." in client.get("/don-vi/so-theo-doi?from=2025-10-01").text
