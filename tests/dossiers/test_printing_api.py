"""The forms of a dossier and the unit register through the REST API, read back
as a person (pdftotext) and a scanner (zbarimg) would."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.dossiers import forms_print
from tests.printing.readback import A4_LANDSCAPE, A5, flat, page_count, page_size, pdf_text, scanned_codes
from tests.support.api import APPLICANT, DOCUMENTS, at, complete, ok, open_task, problem, receive

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

BASE_URL = "https://dichvucong.hoabinh.gov.vn"
NAME = "Phạm Thị Ngọc Ánh"
UNIT_LINES = ["UBND TỈNH HÒA BÌNH (DEMO)", "UBND XÃ TÂN HÒA (DEMO)", "Hòa Bình, ngày"]
BIRTH = "dang-ky-khai-sinh"
CATALOGUES = Path(__file__).resolve().parents[2] / "bpmn" / "procedures"


@pytest.fixture(autouse=True)
def public_base_url(override_settings):
    override_settings(public_base_url=BASE_URL + "/")


def form_pdf(api, code: str, form: str, user: str = "motcua.tanhoa") -> bytes:
    response = api.get(f"/dossiers/{code}/forms/{form}", user)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="{code}-{form}.pdf"'
    return response.data


def text_of(pdf: bytes, tmp_path) -> str:
    return flat(pdf_text(pdf, tmp_path))


@pytest.fixture
def refused(api, demo):
    """A birth registration asked to supplement, a (late registration) fee paid, then refused: every
    form of the API applies but the apology."""
    receipt = receive(api, BIRTH, applicant={**APPLICANT, "full_name": NAME})
    code = receipt["code"]
    ok(api.post(f"/dossiers/{code}/payments", "motcua.tanhoa", json={"amount": 8000, "method": "cash"}), 201)
    ok(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa",
                json={"note": "Bản chính Giấy chứng sinh; Tờ khai có chữ ký\nẢnh 4x6"}))
    ok(api.post(f"/dossiers/{code}/refuse", "motcua.tanhoa", json={"reason": "Không thuộc thẩm quyền của xã"}))
    return receipt


EXPECTED = {
    "receipt": ["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "1 Tờ khai đăng ký khai sinh 01", "2 Giấy chứng sinh 02",
                "3. Thời gian giải quyết hồ sơ theo quy định là: Trong ngày",
                "4. Thời gian nhận hồ sơ: 10 giờ 00 phút, ngày 03/10/2025",
                "5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 03/10/2025",
                "6. Đăng ký nhận kết quả tại: Bộ phận Một cửa UBND xã Tân Hòa (demo)", "Phạm Thị Tiếp Nhận",
                "Số: 1/TNHS", "Vào Sổ theo dõi hồ sơ, Quyển số: 2025 Số thứ tự: 1"],
    "supplement": ["PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "1. Bản chính Giấy chứng sinh",
                   "2. Tờ khai có chữ ký", "3. Ảnh 4x6", "Phạm Thị Tiếp Nhận"],
    "refusal": ["PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Không thuộc thẩm quyền của xã", "Phạm Thị Tiếp Nhận"],
    "control-slip": ["PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Kiểm tra hồ sơ, ghi Sổ đăng ký khai sinh",
                     "Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả số: 1/TNHS"],
    "fee-receipt": ["BIÊN LAI THU PHÍ, LỆ PHÍ", "Miễn lệ phí đăng ký khai sinh đúng hạn", "Tổng cộng 8.000 đồng",
                    "Số tiền bằng chữ: Tám nghìn đồng", "Ký hiệu: 000.00.12.H37/2025 Số: 0000001",
                    "Hình thức thanh toán: Tiền mặt"],
}


@pytest.mark.parametrize("form", list(EXPECTED))
def test_every_form_prints_a5_with_the_dossier_and_scans(api, refused, form, tmp_path):
    code = refused["code"]
    pdf = form_pdf(api, code, form)
    assert page_size(pdf, tmp_path) == pytest.approx(A5, abs=0.5)
    text = text_of(pdf, tmp_path)
    lines = [code, NAME, "Đăng ký khai sinh", *UNIT_LINES, *EXPECTED[form]]
    assert [line for line in lines if line not in text] == [], text
    url = f"{BASE_URL}/tra-cuu/{code}?s={refused['lookup_secret']}"
    assert scanned_codes(pdf, tmp_path) == {"CODE-128": code, "QR-Code": url}


def test_forms_not_applicable_yet_unknown_or_of_another_unit(api, demo):
    code = receive(api, BIRTH)["code"]
    for form, detail in [("refusal", "Hồ sơ không bị từ chối."), ("supplement", "Hồ sơ chưa có yêu cầu bổ sung."),
                         ("apology", "Hồ sơ chưa có thư xin lỗi.")]:
        assert problem(api.get(f"/dossiers/{code}/forms/{form}", "motcua.tanhoa"), 409)["detail"] == detail
    problem(api.get(f"/dossiers/{code}/forms/passport", "motcua.tanhoa"), 404)
    problem(api.get("/dossiers/000.00.12.H37-251003-9999/forms/receipt", "motcua.tanhoa"), 404)
    problem(api.get(f"/dossiers/{code}/forms/receipt", "motcua.binhan"), 404)
    problem(api.get(f"/dossiers/{code}/forms/receipt"), 401)
    form_pdf(api, code, "receipt", "giamsat")                      # supervisors see every unit
    form_pdf(api, code, "control-slip", "hotich.tanhoa")           # any staff of the unit


def test_markup_in_the_applicant_name_prints_literally(api, demo, tmp_path):
    name = '<b>Lê</b> & "Hòa" <script>alert(1)</script>'
    code = receive(api, BIRTH, applicant={**APPLICANT, "full_name": name})["code"]
    assert name in text_of(form_pdf(api, code, "receipt"), tmp_path)


THREE_IN_ONE = {
    "Task_dang_ky_khai_sinh": ("hotich.tanhoa", {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh_tre": "2025-09-20",
                                                 "gioi_tinh_tre": "nam", "so_dinh_danh_tre": "001225012345",
                                                 "so_giay_khai_sinh": "16/2025"}),
    "Task_cap_the_bhyt": ("bhxh", {"ma_so_bhxh": "0125012345", "the_bhyt_tu_ngay": "2025-09-20",
                                   "the_bhyt_den_ngay": "2031-09-19", "noi_kcb_ban_dau": "Trạm y tế xã Tân Hòa"}),
    "Task_dang_ky_thuong_tru": ("congan.tanhoa", {"dia_chi_thuong_tru": "Thôn Đông, xã Tân Hòa",
                                                  "ho_ten_chu_ho": "Nguyễn Văn An", "quan_he_voi_chu_ho": "con",
                                                  "ngay_dang_ky_thuong_tru": "2025-10-06"}),
}


def test_control_slip_lists_each_step_its_unit_people_and_result(api, demo, stopped_clock, tmp_path):
    code = receive(api, "lien-thong-3-trong-1")["code"]
    for element_id, (user, data) in THREE_IN_ONE.items():
        if element_id == "Task_dang_ky_thuong_tru":
            stopped_clock(at("2025-10-07 09:00"))                     # the police step was due Monday 17:00
        complete(api, code, element_id, user, data)
    open_task(api, code, "Task_tong_hop_ket_qua")
    done = {task["element_id"]: task["timeliness"] for task in ok(api.get(f"/dossiers/{code}/tasks", "giamsat"))}
    assert done == {"Task_dang_ky_khai_sinh": "early", "Task_cap_the_bhyt": "early",
                    "Task_dang_ky_thuong_tru": "late", "Task_tong_hop_ket_qua": None}

    text = text_of(form_pdf(api, code, "control-slip"), tmp_path)
    assert "Cơ quan (bộ phận) giải quyết hồ sơ: UBND xã Tân Hòa (demo)" in text
    assert "Cơ quan phối hợp giải quyết hồ sơ: " in text
    received, tuesday = "10 giờ 00 phút, ngày 03/10/2025", "09 giờ 00 phút, ngày 07/10/2025"
    rows = [  # unit, handed over by and at, received by and at, result, step
        f"1 UBND xã Tân Hòa (demo) Phạm Thị Tiếp Nhận {received} Đỗ Thị Hộ Tịch {received} Trước hạn Đăng ký khai sinh",
        f"Công an xã Tân Hòa (demo) Đỗ Thị Hộ Tịch {received} Ngô Văn Công An {received} Quá hạn "
        "Đăng ký thường trú cho trẻ",
        f"Bảo hiểm xã hội tỉnh Hòa Bình (demo) Đỗ Thị Hộ Tịch {received} Lê Thị Bảo Hiểm {received} Trước hạn "
        "Cấp thẻ BHYT cho trẻ dưới 6 tuổi",
        f"4 UBND xã Tân Hòa (demo) Ngô Văn Công An {tuesday} {tuesday} Tổng hợp kết quả",   # open: nobody yet
    ]
    assert [row for row in rows if row not in text] == [], text
    body = text[text.index("Ghi chú") + len("Ghi chú"):]           # after the head, which names all three
    assert (body.count("Trước hạn"), body.count("Đúng hạn"), body.count("Quá hạn")) == (2, 0, 1)


def register(api, unit: str, user: str, **query):
    return api.get(f"/units/{unit}/register", user, query_string=query)


def test_register_lists_the_units_dossiers_of_the_local_days_in_order(api, demo, stopped_clock, tmp_path):
    first, second = receive(api, BIRTH)["code"], receive(api, "lien-thong-3-trong-1")["code"]
    late_evening = (stopped_clock(at("2025-10-05 23:30")), receive(api, BIRTH))[1]["code"]   # 16:30 UTC, still the 5th
    next_day = (stopped_clock(at("2025-10-06 00:30")), receive(api, BIRTH))[1]["code"]       # 17:30 UTC on the 5th
    other_unit = receive(api, BIRTH, "motcua.binhan")["code"]

    response = register(api, "XA-TAN-HOA", "motcua.tanhoa", **{"from": "2025-10-01", "to": "2025-10-05"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        'inline; filename="XA-TAN-HOA-so-theo-doi-2025-10-01-2025-10-05.pdf"'
    assert page_size(response.data, tmp_path) == pytest.approx(A4_LANDSCAPE, abs=0.5)
    text = text_of(response.data, tmp_path)
    for line in ["SỔ THEO DÕI HỒ SƠ", "Từ ngày 01/10/2025 đến ngày 05/10/2025", "UBND XÃ TÂN HÒA (DEMO)",
                 f"1 {first} Đăng ký khai sinh 01 Nguyễn Văn An", f"2 {second} Liên thông",
                 f"3 {late_evening} Đăng ký khai sinh", "Thôn Đông, xã Tân Hòa, 0912345678"]:
        assert line in text, line
    assert next_day not in text and other_unit not in text
    assert next_day in text_of(register(api, "XA-TAN-HOA", "giamsat", **{"from": "2025-10-06", "to": "2025-10-06"})
                               .data, tmp_path)


def test_register_is_for_the_units_staff_and_overseers(api, demo):
    days = {"from": "2025-10-01", "to": "2025-10-31"}
    for user in ("motcua.tanhoa", "hotich.tanhoa", "giamsat", "admin"):
        assert register(api, "XA-TAN-HOA", user, **days).status_code == 200, user
    for user in ("motcua.binhan", "congan.tanhoa", "phantich"):
        problem(register(api, "XA-TAN-HOA", user, **days), 403)
    problem(register(api, "NOPE", "giamsat", **days), 404)
    problem(register(api, "XA-TAN-HOA", None, **days), 401)


@pytest.mark.parametrize("days, field", [
    ({"from": "2025-10-01"}, "to"), ({"to": "2025-10-01"}, "from"),                          # missing
    ({"from": "2025-13-01", "to": "2025-12-01"}, "from"), ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
    ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),                                     # not a usable day
    ({"from": "2025-10-02", "to": "2025-10-01"}, "to"), ({"from": "2024-01-01", "to": "2025-01-01"}, "to"),  # 367 days
])
def test_register_refuses_a_bad_period(api, demo, days, field):
    body = problem(register(api, "XA-TAN-HOA", "motcua.tanhoa", **days), 422)
    assert field in {error["field"] for error in body["errors"]}


def test_a_whole_leap_year_is_one_register(api, demo):
    assert register(api, "XA-TAN-HOA", "motcua.tanhoa", **{"from": "2024-01-01", "to": "2024-12-31"}).status_code == 200


def test_a_register_too_long_to_print_at_once_is_refused(api, demo, monkeypatch):
    monkeypatch.setattr(forms_print, "MAX_REGISTER_ROWS", 1)
    days = {"from": "2025-10-01", "to": "2025-10-31"}
    receive(api, BIRTH)
    assert register(api, "XA-TAN-HOA", "motcua.tanhoa", **days).status_code == 200
    receive(api, BIRTH)
    [error] = problem(register(api, "XA-TAN-HOA", "motcua.tanhoa", **days), 422)["errors"]
    assert error["field"] == "to" and "Khoảng này có 2 hồ sơ" in error["message"]


DEMO_PROCEDURES = [path.stem for path in sorted(CATALOGUES.glob("*.json")) if "documents" in json.loads(path.read_text())]


def _catalogue_documents(procedure: str, count: int | None) -> list[dict]:
    """The procedure's documents as its catalogue lists them, repeated to ``count`` rows."""
    listed = json.loads((CATALOGUES / f"{procedure}.json").read_text())["documents"]
    rows = count or len(listed)
    return [{"name": listed[n % len(listed)]["name"], "copies": 1} for n in range(rows)]


@pytest.mark.parametrize("count", [None, 15])
@pytest.mark.parametrize("procedure", DEMO_PROCEDURES)
def test_a_receipt_is_one_a5_page_with_its_signatures_for_every_demo_procedure(api, demo, procedure, count,
                                                                                tmp_path):
    assert len(DEMO_PROCEDURES) == 5
    documents = _catalogue_documents(procedure, count)
    code = receive(api, procedure, documents=documents)["code"]
    pdf = form_pdf(api, code, "receipt")
    assert page_size(pdf, tmp_path) == pytest.approx(A5, abs=0.5) and page_count(pdf, tmp_path) == 1
    text = text_of(pdf, tmp_path)
    assert f"{len(documents)} {documents[-1]['name']} 01" in text
    assert "NGƯỜI NỘP HỒ SƠ (Ký và ghi rõ họ tên)" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert "Phạm Thị Tiếp Nhận" in text and "Số: 1/TNHS" in text and "Quyển số: 2025 Số thứ tự: 1" in text


def test_register_entries_follow_the_order_of_reception(api, demo, stopped_clock, tmp_path):
    """An incomplete dossier takes no entry until it is received; then it takes the next one."""
    waiting = receive(api, BIRTH, documents=DOCUMENTS[:1], complete=False)["code"]
    receive(api, BIRTH, documents=DOCUMENTS[:1], complete=False)                  # never completed
    first, second = receive(api, BIRTH)["code"], receive(api, BIRTH)["code"]
    other_unit = receive(api, BIRTH, "motcua.binhan")["code"]
    stopped_clock(at("2025-10-03 11:00"))
    ok(api.post(f"/dossiers/{waiting}/documents-complete", "motcua.tanhoa", json={"documents": DOCUMENTS[1:]}))
    entries = {code: text_of(form_pdf(api, code, "receipt", user), tmp_path)
               for code, user in [(first, "motcua.tanhoa"), (second, "motcua.tanhoa"), (waiting, "motcua.tanhoa"),
                                  (other_unit, "motcua.binhan")]}
    assert ["Số: 1/TNHS" in entries[first], "Số: 2/TNHS" in entries[second], "Số: 3/TNHS" in entries[waiting],
            "Số: 1/TNHS" in entries[other_unit]] == [True] * 4
    assert "Quyển số: 2025 Số thứ tự: 3" in entries[waiting]
