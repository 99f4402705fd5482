"""Bad input still prints a readable PDF; markup prints literally and fetches nothing."""
import re
from datetime import datetime, timezone

import pytest

from printing import FORMS, codes, render, render_pdf
from printing import models as M
from printing.fetcher import url_fetcher
from tests.printing.readback import A5, flat, page_count, pdf_text, scanned_codes, word_boxes

UTC = timezone.utc
ISSUER = M.Issuer("UBND xã Tân Lập", "UBND huyện Lạc Sơn", "Hòa Bình")
MARGIN_PT = 20  # the page margins are 15 mm / 10 mm; no word may come closer to the edge

LONG_NAME = ("Công ty Trách nhiệm hữu hạn Thương mại Dịch vụ Xuất nhập khẩu Nông sản Hòa Bình "
             "Chi nhánh Lạc Sơn Phòng giao dịch số ") * 3
LONG_WORD = "Nguyễn" + "Ánh" * 100          # 306 characters without a space


def minimal(form: str):
    """The least data each form accepts: just an issuer."""
    return FORMS[form].model(issuer=M.Issuer(""))


@pytest.mark.parametrize("form", list(FORMS))
def test_empty_optional_fields_print_dotted_lines(form, tmp_path):
    pdf = render_pdf(form, minimal(form))
    assert page_count(pdf, tmp_path) == 1
    text = pdf_text(pdf, tmp_path)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "ngày ..... tháng ..... năm" in text
    if form != "register":
        assert "……" in text


def test_long_names_and_addresses_wrap_inside_the_page(tmp_path):
    applicant = M.Applicant(LONG_NAME, LONG_WORD, "0" * 40, "a" * 200 + "@example.vn", "9" * 60)
    data = M.Receipt(issuer=M.Issuer(LONG_NAME, LONG_NAME, "Hòa Bình"), dossier_code="000.00.12.H29-260305-0042",
                     applicant=applicant, procedure_name=LONG_NAME, documents=[(LONG_NAME, 2), (LONG_WORD, 1)],
                     return_place=LONG_WORD, receiver=M.Person(LONG_NAME, LONG_WORD))
    pdf = render_pdf("receipt", data)
    text = flat(pdf_text(pdf, tmp_path))
    assert flat(LONG_NAME) in text
    assert text.replace(" ", "").count(LONG_WORD) >= 3   # broken across lines, but all there
    for x_min, x_max, word in word_boxes(pdf, tmp_path):
        assert MARGIN_PT <= x_min and x_max <= A5[0] - MARGIN_PT, f"{word!r} runs off the page"


MARKUP = ['<b>x</b>', '<img src="file:///etc/passwd">', '<script>alert(1)</script>',
          '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">', '"><style>*{color:red}</style>',
          '{{ 7*7 }}', '&amp; &lt;']


def _markup_data(form: str, value: str):
    fields = dict(issuer=M.Issuer(value, value, value), number=value)
    if form == "register":
        return M.Register(**fields, rows=[M.RegisterRow(value, value, 1, value, value, value, note=value)])
    fields.update(dossier_code="000.00.12.H29-260305-0042", lookup_url="https://x.vn/tra-cuu/1?s=" + value,
                  applicant=M.Applicant(value, value, value, value, value), procedure_name=value)
    extra = {
        "receipt": dict(documents=[(value, 1)], legal_deadline=value, return_place=value,
                        receiver=M.Person(value, value), submitter_name=value, copy_label=value),
        "supplement": dict(requirements=[value], reason=value, contact_phone=value, officer=M.Person(value)),
        "refusal": dict(reason=value, receiver=M.Person(value)),
        "apology": dict(reason=value, apology=value, responsible_unit=value, signer=M.Person(value, value, value)),
        "control-slip": dict(receipt_number=value, handling_unit=value, coordinating_units=value,
                             steps=[M.Step(value, value, None, value, None, value, value)]),
        "fee-receipt": dict(items=[M.FeeItem(value, 1000)], payment_method=value, form_code=value, series=value,
                            tax_code=value, collector=M.Person(value), payer_name=value),
    }[form]
    return FORMS[form].model(**fields, **extra)


@pytest.fixture
def fetched(monkeypatch):
    """Every URL WeasyPrint asks for while printing."""
    urls = []

    def spy(url, *args, **kwargs):
        urls.append(url)
        return url_fetcher(url, *args, **kwargs)

    monkeypatch.setattr(render, "url_fetcher", spy)
    return urls


def _our_symbols(data) -> list[str]:
    """The ``<img>`` elements of the form's barcode and QR, as codes.py makes them."""
    if not getattr(data, "dossier_code", ""):
        return []
    return [codes.barcode_img(data.dossier_code), codes.qr_img(data.lookup_url)]


@pytest.mark.parametrize("form", list(FORMS))
def test_markup_in_any_field_prints_literally_and_fetches_only_our_symbols(form, fetched, tmp_path):
    symbols = []
    for value in MARKUP:
        data = _markup_data(form, value)
        symbols += re.findall(r'src="([^"]*)"', "".join(_our_symbols(data)))
        pdf = render_pdf(form, data)
        text = flat(pdf_text(pdf, tmp_path))
        assert value in text or value.upper() in text, f"{value!r} not printed literally"
    assert set(fetched) == set(symbols)          # a one-page form may be laid out more than once
    assert all(url.startswith("data:image/png;base64,") for url in fetched)


def test_markup_is_escaped_in_the_html():
    data = _markup_data("receipt", '<img src="file:///etc/passwd">')
    html = render.render_html("receipt", data)
    assert re.findall("<img[^>]*>", html) == _our_symbols(data)
    assert "<script" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html


def test_sixty_documents_continue_on_more_pages_with_the_table_head_repeated(tmp_path):
    documents = [(f"Bản sao chứng thực trang {i} – Giấy chứng nhận quyền sử dụng đất", 1) for i in range(1, 61)]
    data = M.Receipt(issuer=ISSUER, dossier_code="000.00.12.H29-260305-0042", documents=documents,
                     applicant=M.Applicant("Đoàn Nam"), procedure_name="Chứng thực bản sao từ bản chính")
    pdf = render_pdf("receipt", data)
    pages = page_count(pdf, tmp_path)
    assert pages > 1
    text = flat(pdf_text(pdf, tmp_path))
    for number, (name, _) in enumerate(documents, 1):
        assert f"{number} {name} 01" in text
    for page in range(1, pages + 1):
        page_text = flat(pdf_text(pdf, tmp_path, page=page))
        if page > 1:
            assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả – trang" in page_text
        if re.search(r"Bản sao chứng thực trang \d+ ", page_text):
            assert "TT Tên giấy tờ Số bản" in page_text, f"page {page} lacks the table head"
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text


def test_unprintable_characters_are_dropped(tmp_path):
    """None of them can be in XML either: the templates are read as XHTML."""
    name = "Nguyễn\x00 Thị\x07 Ánh\x1b Tuyết\ud800\ufffe\uffff 😀"
    pdf = render_pdf("receipt", M.Receipt(issuer=ISSUER, applicant=M.Applicant(name)))
    assert "Nguyễn Thị Ánh Tuyết" in flat(pdf_text(pdf, tmp_path))
    pdf = render_pdf("refusal", M.Refusal(issuer=ISSUER, reason=f"Lý do:\n{name}"))
    assert "Lý do:\nNguyễn Thị Ánh Tuyết" in pdf_text(pdf, tmp_path)


def test_line_breaks_print_as_spaces_outside_labelled_fields(tmp_path):
    """Only labelled fields (and reasons) keep a value's line breaks; names in the masthead do not."""
    data = M.Receipt(issuer=M.Issuer("UBND xã\nTân Lập", "Huyện\r\nLạc Sơn"),
                     applicant=M.Applicant("Nguyễn Thị\nÁnh Tuyết", phone="0912\n345 678"), register_book="0\r1")
    text = pdf_text(render_pdf("receipt", data), tmp_path)
    for line in ["HUYỆN LẠC SƠN\n", "UBND XÃ TÂN LẬP", "Số điện thoại: 0912 345 678", "Quyển số: 0 1",
                 "Tiếp nhận hồ sơ của: Nguyễn Thị\nÁnh Tuyết\n"]:
        assert line in text


def test_multi_line_reasons_keep_their_lines(tmp_path):
    pdf = render_pdf("refusal", M.Refusal(issuer=ISSUER, reason="Thứ nhất: thiếu tờ khai.\nThứ hai: sai thẩm quyền."))
    text = pdf_text(pdf, tmp_path)
    assert "Thứ nhất: thiếu tờ khai.\nThứ hai: sai thẩm quyền." in text


def test_a_code_that_cannot_be_a_barcode_still_prints(tmp_path):
    url = "https://x.vn/tra-cuu/H%E1%BB%93?s=1"
    pdf = render_pdf("receipt", M.Receipt(issuer=ISSUER, dossier_code="HỒ-SƠ-Đặc-biệt", lookup_url=url))
    assert "Mã hồ sơ: HỒ-SƠ-Đặc-biệt" in flat(pdf_text(pdf, tmp_path))
    assert scanned_codes(pdf, tmp_path) == {"QR-Code": url}


def test_a_url_too_long_for_a_qr_code_is_left_out(tmp_path):
    code = "000.00.12.H29-260305-0042"
    pdf = render_pdf("receipt", M.Receipt(issuer=ISSUER, dossier_code=code, lookup_url="https://x.vn/" + "a" * 5000))
    assert scanned_codes(pdf, tmp_path) == {"CODE-128": code}


def test_odd_values_print(tmp_path):
    data = M.FeeReceipt(issuer=ISSUER, items=[M.FeeItem("Phí", 2_000_000_000), M.FeeItem("Hoàn", -5)],
                        issued_at=datetime(2026, 2, 3, 23, 59))
    text = flat(pdf_text(render_pdf("fee-receipt", data), tmp_path))
    assert "Tổng cộng 1.999.999.995 đồng" in text
    assert "Một tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi lăm đồng" in text
    assert "ngày 03 tháng 02 năm 2026" in text


def test_misuse_of_the_api_is_an_error():
    with pytest.raises(KeyError, match="unknown form"):
        render_pdf("passport", M.Receipt(issuer=ISSUER))
    with pytest.raises(TypeError, match="needs a Refusal"):
        render_pdf("refusal", M.Receipt(issuer=ISSUER))


def test_documents_accept_objects_tuples_and_bare_names(tmp_path):
    data = M.Receipt(issuer=ISSUER, documents=[M.Document("Tờ khai", 2, "Bản chính"), ("Giấy khai sinh", 3, "Bản sao"),
                                               "Sổ hộ khẩu", ("Ảnh 4x6",)])
    text = flat(pdf_text(render_pdf("receipt", data), tmp_path))
    assert "TT Tên giấy tờ Hình thức Số bản" in text
    for row in ["1 Tờ khai Bản chính 02", "2 Giấy khai sinh Bản sao 03", "3 Sổ hộ khẩu 01", "4 Ảnh 4x6 01"]:
        assert row in text
