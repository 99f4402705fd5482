"""Every form printed, then read back: paper size, every field, diacritics, barcode and QR."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from printing import FORMS, lookup_url, render_pdf
from printing import models as M
from tests.printing.readback import (
    A4_LANDSCAPE, A5, flat, page_count, page_size, pdf_text, scanned_codes, word_boxes,
)

UTC = timezone.utc
VN = ZoneInfo("Asia/Ho_Chi_Minh")
CODE = "000.00.12.H29-260305-0042"
URL = "https://dichvucong.hoabinh.gov.vn/tra-cuu/000.00.12.H29-260305-0042?s=Xk3p9QzT"

ISSUER = M.Issuer("Bộ phận Một cửa UBND huyện Lạc Sơn", "UBND tỉnh Hòa Bình", "Hòa Bình")
APPLICANT = M.Applicant("Nguyễn Thị Ánh Tuyết", "Xóm Mỹ Thành, xã Tân Lập (ỹ ỷ ự ậ)", "0912 345 678",
                        "tuyet@example.vn", "017186000123")
RECEIVER = M.Person("Đặng Hữu Phước", "Công chức Một cửa")
PROCEDURE = "Chứng thực bản sao từ bản chính"


def common(**extra):
    return dict(issuer=ISSUER, issued_at=datetime(2026, 3, 5, 1, 30, tzinfo=UTC), dossier_code=CODE,
                lookup_url=lookup_url("https://dichvucong.hoabinh.gov.vn/", CODE, "Xk3p9QzT"),
                applicant=APPLICANT, procedure_name=PROCEDURE, **extra)


#: Lines every dossier form prints, as they must read back (masthead in capitals).
HEADER = ["UBND TỈNH HÒA BÌNH", "BỘ PHẬN MỘT CỬA UBND HUYỆN LẠC SƠN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
          "Độc lập - Tự do - Hạnh phúc", "Hòa Bình, ngày 05 tháng 3 năm 2026", f"Mã hồ sơ: {CODE}"]
APPLICANT_LINES = ["Nguyễn Thị Ánh Tuyết", "Xóm Mỹ Thành, xã Tân Lập (ỹ ỷ ự ậ)", "Số điện thoại: 0912 345 678",
                   "Email: tuyet@example.vn", f"Nội dung yêu cầu giải quyết: {PROCEDURE}"]

CASES = {
    "receipt": (
        M.Receipt(**common(), number="42/TNHS", documents=[("Giấy khai sinh", 2), M.Document("Sổ hộ khẩu")],
                  legal_deadline="03 ngày làm việc", received_at=datetime(2026, 3, 5, 1, 30, tzinfo=UTC),
                  due_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC), return_place="Quầy số 3, Trung tâm",
                  receiver=RECEIVER, register_book="07", register_entry="142", copy_label="1"),
        ["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Số: 42/TNHS", "(Liên: 1)",
         "Số định danh cá nhân/CCCD: 017186000123", "1 Giấy khai sinh 02", "2 Sổ hộ khẩu 01",
         "2. Số lượng hồ sơ: 01 (bộ)",
         "3. Thời gian giải quyết hồ sơ theo quy định là: 03 ngày làm việc",
         "4. Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 05/3/2026",
         "5. Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 00 phút, ngày 10/3/2026",
         "6. Đăng ký nhận kết quả tại: Quầy số 3, Trung tâm", "Quyển số: 07", "Số thứ tự: 142",
         "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", "Đặng Hữu Phước",
         "Công chức Một cửa"]),
    "supplement": (
        M.Supplement(**common(), number="07/YCBS", requirements=["Bản sao Giấy khai sinh", "Tờ khai ghi đủ ngày sinh"],
                     reason="Hồ sơ thiếu giấy tờ", contact_phone="0218 3852 123", officer=RECEIVER),
        ["PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Số: 07/YCBS", "Hồ sơ của: Nguyễn Thị Ánh Tuyết",
         "1. Bản sao Giấy khai sinh", "2. Tờ khai ghi đủ ngày sinh", "Lý do: Hồ sơ thiếu giấy tờ",
         "liên hệ với Đặng Hữu Phước, số điện thoại 0218 3852 123", "NGƯỜI HƯỚNG DẪN"]),
    "refusal": (
        M.Refusal(**common(), number="03/TC", reason="Không thuộc thẩm quyền giải quyết của huyện",
                  received_at=datetime(2026, 3, 5, 1, 30, tzinfo=UTC), receiver=RECEIVER),
        ["PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Số: 03/TC", "Thời gian tiếp nhận: 08 giờ 30 phút, ngày 05/3/2026",
         "thông báo không tiếp nhận, giải quyết hồ sơ", "Không thuộc thẩm quyền giải quyết của huyện",
         "NGƯỜI TIẾP NHẬN HỒ SƠ", "Đặng Hữu Phước"]),
    "apology": (
        M.Apology(**common(), number="05/PXL", received_at=datetime(2026, 3, 5, 1, 30, tzinfo=UTC),
                  due_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC), new_due_at=datetime(2026, 3, 12, 2, 0, tzinfo=UTC),
                  reason="Cán bộ thụ lý ốm đột xuất", apology="Chúng tôi thành thật xin lỗi Ông/Bà.",
                  responsible_unit="Phòng Tư pháp huyện Lạc Sơn",
                  signer=M.Person("Lê Văn Hùng", "PHÓ CHỦ TỊCH", "KT. CHỦ TỊCH")),
        ["PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Số: 05/PXL", "Kính gửi: Nguyễn Thị Ánh Tuyết",
         "Ngày 05 tháng 3 năm 2026, Phòng Tư pháp huyện Lạc Sơn tiếp nhận",
         "Thời hẹn trả kết quả giải quyết hồ sơ: 16 giờ 00 phút, ngày 10/3/2026",
         "Lý do: Cán bộ thụ lý ốm đột xuất", "Chúng tôi thành thật xin lỗi Ông/Bà.",
         "Hẹn lại thời gian trả kết quả: 09 giờ 00 phút, ngày 12/3/2026",
         "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "(Ký, ghi rõ họ tên và đóng dấu)", "Lê Văn Hùng", "Nơi nhận:"]),
    "control-slip": (
        M.ControlSlip(**common(), receipt_number="42/TNHS", handling_unit="Phòng Tư pháp",
                      coordinating_units="Công an huyện", steps=[
                          M.Step("Bộ phận Một cửa", "Đặng Hữu Phước", datetime(2026, 3, 5, 1, 30, tzinfo=UTC),
                                 "Trần Thị Mỹ", datetime(2026, 3, 5, 2, 0, tzinfo=UTC), "early", "Đủ hồ sơ"),
                          M.Step("Phòng Tư pháp", "Trần Thị Mỹ", None, "Lê Văn Hùng", None, "on_time"),
                          M.Step("Lãnh đạo UBND", "Lê Văn Hùng", None, "Đặng Hữu Phước", None, "late", "Chậm"),
                          M.Step("Công an huyện", result="Chờ xác minh")]),
        ["PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
         "(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả số: 42/TNHS)",
         "Cơ quan (bộ phận) giải quyết hồ sơ: Phòng Tư pháp", "Cơ quan phối hợp giải quyết hồ sơ: Công an huyện",
         "Bộ phận Một cửa", "08 giờ 30 phút, ngày 05/3/2026", "09 giờ 00 phút, ngày 05/3/2026", "Trước hạn",
         "Đúng hạn", "Quá hạn", "Chờ xác minh", "Đủ hồ sơ", "Trần Thị Mỹ", "Lê Văn Hùng", "Chậm"]),
    "fee-receipt": (
        M.FeeReceipt(**common(), number="0000123", form_code="01BLP0-001", series="AA-26P", tax_code="5400123456",
                     items=[M.FeeItem("Chứng thực bản sao", 28000), M.FeeItem("Chứng thực chữ ký", 24000)],
                     collector=RECEIVER, payment_method="Chuyển khoản"),
        ["BIÊN LAI THU PHÍ, LỆ PHÍ", "Mẫu số: 01BLP0-001", "Ký hiệu: AA-26P", "Số: 0000123",
         "Mã số thuế: 5400123456", "Tên người nộp tiền: Nguyễn Thị Ánh Tuyết", "Chứng thực bản sao 28.000 đồng",
         "Chứng thực chữ ký 24.000 đồng", "Tổng cộng 52.000 đồng", "Số tiền bằng chữ: Năm mươi hai nghìn đồng",
         "Hình thức thanh toán: Chuyển khoản", "NGƯỜI NỘP TIỀN", "NGƯỜI THU TIỀN", "Đặng Hữu Phước"]),
}


@pytest.fixture(scope="module", params=list(CASES))
def printed(request):
    form = request.param
    data, expected = CASES[form]
    return form, render_pdf(form, data, VN), expected


def test_every_form_is_known_and_tested():
    assert set(FORMS) == set(CASES) | {"register"}
    assert [FORMS[name].number for name in FORMS] == ["01", "02", "03", "04", "05", "06", ""]


def test_dossier_forms_are_a5_portrait(printed, tmp_path):
    form, pdf, _ = printed
    assert page_size(pdf, tmp_path) == pytest.approx(A5, abs=0.5)
    assert page_count(pdf, tmp_path) == 1


def test_every_field_reads_back_exactly(printed, tmp_path):
    form, pdf, expected = printed
    text = flat(pdf_text(pdf, tmp_path))
    lines = HEADER + expected + (APPLICANT_LINES if form not in ("fee-receipt", "control-slip", "apology") else [])
    missing = [line for line in lines if line not in text]
    assert not missing, f"{form}: not in the PDF text: {missing}\n---\n{text}"


def test_barcode_and_qr_scan_to_code_and_lookup_url(printed, tmp_path):
    form, pdf, _ = printed
    assert scanned_codes(pdf, tmp_path) == {"CODE-128": CODE, "QR-Code": URL}


def test_lookup_url_shape():
    assert lookup_url("https://dichvucong.hoabinh.gov.vn/", CODE, "Xk3p9QzT") == URL
    assert lookup_url("https://x.vn", "A B/C", "s&t") == "https://x.vn/tra-cuu/A%20B%2FC?s=s%26t"


@pytest.mark.parametrize("dpi", [150, 200, 300, 600])
@pytest.mark.parametrize("code", ["H15.50.05.13-251231-9999", "000.00.12.H29-260101-0001",
                                  "000.00.12.H29-260115-12345", "000.00.12.H29-261231-9998"])
def test_other_codes_scan_too_from_150_to_600_dpi(code, dpi, tmp_path):
    url = lookup_url("https://dichvucong.gov.vn", code, "S3cr3t-" + code[-4:])
    data = M.Receipt(**{**common(), "dossier_code": code, "lookup_url": url})
    assert scanned_codes(render_pdf("receipt", data), tmp_path, dpi) == {"CODE-128": code, "QR-Code": url}


def register(rows: int) -> M.Register:
    return M.Register(
        issuer=ISSUER, issued_at=datetime(2026, 3, 31, 10, 0, tzinfo=UTC),
        period_from=date(2026, 3, 1), period_to=date(2026, 3, 31),
        rows=[M.RegisterRow(f"000.00.12.H29-2603{1 + i % 28:02d}-{i + 1:04d}", "Đăng ký khai sinh", 1,
                            f"Phạm Thị Ngọc Ánh {i + 1}", "Xã Tân Lập, 0912 345 678", "Phòng Tư pháp",
                            datetime(2026, 3, 1 + i % 28, 1, 0, tzinfo=UTC), datetime(2026, 3, 1 + i % 28, 9, tzinfo=UTC),
                            returned_at=datetime(2026, 3, 1 + i % 28, 8, tzinfo=UTC) if i % 2 else None,
                            note="Trả sớm" if i % 7 == 0 else "")
              for i in range(rows)])


def test_register_is_a4_landscape_with_every_row_and_the_head_on_every_page(tmp_path):
    pdf = render_pdf("register", register(80), VN)
    assert page_size(pdf, tmp_path) == pytest.approx(A4_LANDSCAPE, abs=0.5)
    pages = page_count(pdf, tmp_path)
    assert pages >= 3
    text = flat(pdf_text(pdf, tmp_path))
    for line in ["SỔ THEO DÕI HỒ SƠ", "Từ ngày 01/3/2026 đến ngày 31/3/2026", "BỘ PHẬN MỘT CỬA UBND HUYỆN LẠC SƠN",
                 "Hòa Bình, ngày 31 tháng 3 năm 2026", "1 000.00.12.H29-260301-0001 Đăng ký khai sinh 01 Phạm Thị Ngọc Ánh 1",
                 "Xã Tân Lập, 0912 345 678 Phòng Tư pháp 01/3/2026 01/3/2026",
                 "80 000.00.12.H29-260324-0080", "Phạm Thị Ngọc Ánh 80", "Trả sớm"]:
        assert line in text
    for page in range(1, pages + 1):
        head = flat(pdf_text(pdf, tmp_path, page=page))
        assert "TT Mã hồ sơ Tên thủ tục hành chính" in head, f"page {page} lacks the table head"
        assert "Ngày, tháng, năm" in head and "Trả kết quả cho cá nhân, tổ chức" in head


def test_empty_register_says_so(tmp_path):
    pdf = render_pdf("register", M.Register(issuer=ISSUER))
    assert "Không có hồ sơ trong khoảng thời gian này." in flat(pdf_text(pdf, tmp_path))


LONG_NAME = ("Bản sao biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh (trường hợp các thành viên "
             "hộ gia đình đăng ký hộ kinh doanh)")


@pytest.mark.parametrize("count", [1, 6, 15])
def test_a_receipt_of_up_to_15_long_documents_is_one_a5_page_with_its_signatures(count, tmp_path):
    data, _ = CASES["receipt"]
    documents = [(f"{LONG_NAME} {n + 1}", 1) for n in range(count)]
    pdf = render_pdf("receipt", M.Receipt(**{**data.__dict__, "documents": documents}), VN)
    assert page_size(pdf, tmp_path) == pytest.approx(A5, abs=0.5)
    assert page_count(pdf, tmp_path) == 1
    text = flat(pdf_text(pdf, tmp_path))
    assert f"hộ gia đình đăng ký hộ kinh doanh) {count}" in text
    assert "NGƯỜI NỘP HỒ SƠ (Ký và ghi rõ họ tên)" in text and "Đặng Hữu Phước" in text


def test_a_register_never_breaks_a_date(tmp_path):
    """Two-digit days and months ("28/12/2025") are the widest dates; each reads back as one word,
    inside its column, in every one of the five date columns."""
    at = datetime(2025, 12, 28, 3, 0, tzinfo=UTC)
    row = M.RegisterRow("000.00.12.H29-251228-0001", "Cấp giấy phép xây dựng nhà ở riêng lẻ", 1,
                        "Nguyễn Thị Ánh Tuyết", "Xã Tân Lập, 0912 345 678",
                        "Phòng Kinh tế, Hạ tầng và Đô thị huyện Lạc Sơn", at, at, at, at, at, "Trả sớm")
    pdf = render_pdf("register", M.Register(issuer=ISSUER, rows=[row] * 3), VN)
    dates = [(x0, x1, word) for x0, x1, word in word_boxes(pdf, tmp_path) if "/" in word]
    assert [word for _, _, word in dates] == ["28/12/2025"] * 15
    columns = sorted({round(x0) for x0, _, _ in dates})
    assert len(columns) == 5
    assert all(right < left for (_, right, _), (left, _, _) in zip(dates[:5], dates[1:5]))   # no overlap
