"""The public look-up page behind the receipt's QR code: where the dossier is in a citizen's
words, with nothing personal but a masked name; the same 404 for a wrong secret as for an
unknown code; the apology letter, the result files and the supplement upload when they apply.

The clock stands on Friday 3 October 2025, 10:00 (``stopped_clock``) unless a test moves it.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.db import session
from app.dossiers import online, services
from app.auth.models import User
from app.dossiers.models import Dossier
from app.dossiers.uploads import Upload
from tests.printing.readback import scanned_codes
from tests.support import files as made
from tests.support.api import APPLICANT, FRIDAY_10AM, complete, ok, receive
from tests.support.escalation import PIN, REASON, new_appointment
from tests.support.fees import ready_for_return

UNKNOWN = "000.00.12.H37-990101-9999"
#: the first step of a birth registration, and who does it
FIRST_STEP = "Kiểm tra hồ sơ, ghi Sổ đăng ký khai sinh"


def page(client, receipt: dict, secret: str | None = None):
    return client.get(f"/tra-cuu/{receipt['code']}", query_string={"s": secret or receipt["lookup_secret"]})


def visible_text(html: str) -> str:
    """The page as read, markup and attribute values aside."""
    return " ".join(re.sub(r"<[^>]*>", " ", html).split())


@pytest.mark.usefixtures("stopped_clock")
def test_the_page_says_where_the_dossier_is_and_nothing_personal(client, api, demo):
    receipt = receive(api, "dang-ky-khai-sinh")
    shown = page(client, receipt)
    html = shown.text
    assert shown.headers["Cache-Control"] == "private, no-store"
    assert "N***n V** A**" in html
    assert "Đăng ký khai sinh" in html and "UBND xã Tân Hòa (demo)" in html
    assert "Hồ sơ đã được tiếp nhận và chuyển đến cán bộ giải quyết." in html
    assert FIRST_STEP in html and "03/10/2025 17:00" in html and "Trong hạn" in html
    assert 'aria-current="step">Tiếp nhận<' in html
    for personal in ("Nguyễn Văn An", "Nguyễn", APPLICANT["id_number"], APPLICANT["phone"], APPLICANT["email"],
                     APPLICANT["address"], "0912"):
        assert personal not in html, personal


@pytest.mark.usefixtures("stopped_clock")
def test_each_step_shows_its_unit_and_timeliness(client, api, demo, stopped_clock):
    receipt = receive(api, "dang-ky-khai-sinh")
    stopped_clock(FRIDAY_10AM + timedelta(hours=8))          # 18:00: the same-day step is late
    late = visible_text(page(client, receipt).text)
    assert "Quá hạn" in late and "Đang xử lý, hạn 03/10/2025 14:30" in late
    complete(api, receipt["code"], "Task_kiem_tra_ho_so", "hotich.tanhoa",
             {"ho_ten_tre": "Nguyễn Minh Khôi", "ngay_sinh_tre": "2025-08-01", "gioi_tinh_tre": "nam",
              "noi_sinh": "Trạm y tế xã Tân Hòa", "dan_toc": "Kinh"})
    done = visible_text(page(client, receipt).text)
    assert "Hoàn thành 03/10/2025 18:00" in done and "Quá hạn" in done
    assert "Nguyễn Minh Khôi" not in done          # what the officer recorded is not the public's


@pytest.mark.usefixtures("stopped_clock")
def test_a_wrong_secret_gets_the_unknown_codes_404(client, api, demo):
    receipt = receive(api, "dang-ky-khai-sinh")
    wrong = page(client, receipt, "0123456789ABCDEF")
    unknown = client.get(f"/tra-cuu/{UNKNOWN}", query_string={"s": "0123456789ABCDEF"})
    without = client.get(f"/tra-cuu/{receipt['code']}")
    assert wrong.status_code == unknown.status_code == without.status_code == 404
    assert wrong.text.replace(receipt["code"], UNKNOWN) == unknown.text
    assert without.text == wrong.text
    assert "Tra cứu lại" in wrong.text and "N***n" not in wrong.text


@pytest.mark.usefixtures("stopped_clock")
def test_the_secret_is_read_as_typed(client, api, demo):
    """Lower case and dashes in the secret do not matter (as the API looks up)."""
    receipt = receive(api, "dang-ky-khai-sinh")
    secret = receipt["lookup_secret"]
    assert page(client, receipt, f"{secret[:8]}-{secret[8:]}".lower()).status_code == 200


@pytest.mark.usefixtures("stopped_clock")
def test_the_receipts_qr_code_opens_the_page(client, api, demo, tmp_path):
    """The address is read off the printed receipt by a scanner, not built here."""
    receipt = receive(api, "dang-ky-khai-sinh")
    pdf = api.get(f"/dossiers/{receipt['code']}/forms/receipt", "motcua.tanhoa").data
    parts = urlsplit(scanned_codes(pdf, tmp_path)["QR-Code"])
    opened = client.get(f"{parts.path}?{parts.query}")
    assert opened.status_code == 200 and "N***n V** A**" in opened.text


def test_the_look_up_form_leads_to_the_page(client, api, demo, stopped_clock):
    receipt = receive(api, "dang-ky-khai-sinh")
    assert 'name="ma"' in client.get("/tra-cuu").text
    sent = client.get("/tra-cuu", query_string={"ma": f" {receipt['code'].lower()} ", "s": receipt["lookup_secret"]})
    assert sent.status_code == 302
    assert client.get(sent.location).status_code == 200
    missing = client.get("/tra-cuu", query_string={"ma": receipt["code"], "s": ""})
    assert missing.status_code == 422 and 'id="f-s-err"' in missing.text and 'id="f-ma-err"' not in missing.text
    assert receipt["code"] in missing.text         # what was typed stays


def test_look_ups_are_rate_limited_right_or_wrong(client, api, demo, app, monkeypatch, stopped_clock):
    receipt = receive(api, "dang-ky-khai-sinh")
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOOKUP", "3/minute")
    answers = [page(client, receipt).status_code, page(client, receipt, "SAI").status_code,
               page(client, receipt).status_code, page(client, receipt).status_code]
    assert answers == [200, 404, 200, 429]


# --------------------------------------------------------------------------- the apology letter


def _signed_letter(api, late: dict) -> dict:
    escalation = late["escalation"]
    ok(api.post(f"/escalations/{escalation['id']}/explanation", "hotich.tanhoa",
                json={"reason": REASON, "new_due_date": new_appointment(late).isoformat()}))
    return ok(api.post(f"/escalations/{escalation['id']}/signature", "lanhdao.tanhoa", json={"pin": PIN}))


def test_the_signed_apology_letter_is_the_citizens_to_read(client, api, late_dossier):
    code = late_dossier["code"]
    secret = session.scalar(select(Dossier.lookup_secret).where(Dossier.code == code))
    receipt = {"code": code, "lookup_secret": secret}
    assert "Thư xin lỗi" not in page(client, receipt).text       # not signed yet
    escalation = _signed_letter(api, late_dossier)
    html = page(client, receipt).text
    assert "Giải trình" not in html and "ký thư xin lỗi" not in html      # the apology path is the units' own
    link = re.search(r'href="(/tra-cuu/[^"]+/thu-xin-loi/\d+\?s=[^"]+)"', html).group(1).replace("&amp;", "&")
    letter = client.get(link)
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    assert letter.data == api.get(f"/escalations/{escalation['id']}/letter", "lanhdao.tanhoa").data
    assert client.get(link.replace(secret, "0123456789ABCDEF")).status_code == 404
    other = link.replace(f"/thu-xin-loi/{escalation['id']}?", f"/thu-xin-loi/{escalation['id'] + 999}?")
    assert client.get(other).status_code == 404
    stranger = receive(api, "dang-ky-khai-sinh")          # another dossier's secret opens no letter of this one
    borrowed = f"/tra-cuu/{stranger['code']}/thu-xin-loi/{escalation['id']}?s={stranger['lookup_secret']}"
    assert client.get(borrowed).status_code == 404


# --------------------------------------------------------------------------- result files


@pytest.mark.usefixtures("stopped_clock")
def test_the_result_files_are_offered_once_ready(client, api, demo, tmp_path, override_settings):
    override_settings(storage_backend="folder", storage_path=tmp_path / "files")
    receipt = receive(api, "chung-thuc-ban-sao")
    result = made.pdf(pages=2)
    ok(api.post(f"/dossiers/{receipt['code']}/results", "chuyenvien.tanhoa", content_type="multipart/form-data",
                data={"files": (io.BytesIO(result), "ban-sao-chung-thuc.pdf")}), 201)
    assert "ban-sao-chung-thuc.pdf" not in page(client, receipt).text     # still being worked on
    ready = ready_for_return(api)
    ok(api.post(f"/dossiers/{ready['code']}/results", "chuyenvien.tanhoa", content_type="multipart/form-data",
                data={"files": (io.BytesIO(result), "ban-sao-chung-thuc.pdf")}), 201)
    html = page(client, ready).text
    assert "Kết quả điện tử" in html and "ban-sao-chung-thuc.pdf" in html
    link = re.search(r'href="(/api/v1/dossiers/[^"]+/files/\d+\?secret=[^"]+)"', html).group(1).replace("&amp;", "&")
    download = client.get(link)
    assert download.status_code == 200 and download.data == result


# --------------------------------------------------------------------------- the online supplement


def _submitted(tmp_path, override_settings) -> Dossier:
    override_settings(storage_backend="folder", storage_path=tmp_path / "files")
    documents = [{"name": name, "copies": 1, "file": file} for name, file in (
        ("Tờ khai đăng ký khai sinh", "to-khai.pdf"), ("Giấy chứng sinh", "chung-sinh.png"),
        ("Giấy tờ tùy thân của người đi đăng ký khai sinh", "cccd.pdf"))]
    uploads = [Upload("to-khai.pdf", made.pdf()), Upload("chung-sinh.png", made.png()),
               Upload("cccd.pdf", made.pdf())]
    return online.submit("dang-ky-khai-sinh", services.Applicant(**APPLICANT), documents, "XA-TAN-HOA", uploads)


def _asked(dossier: Dossier) -> dict:
    receptionist = session.scalar(select(User).where(User.username == "motcua.tanhoa"))
    online.ask_supplement(receptionist, dossier.code, "Giấy chứng nhận kết hôn của cha, mẹ\nBản chụp rõ nét hơn")
    return {"code": dossier.code, "lookup_secret": dossier.lookup_secret}


@pytest.mark.usefixtures("stopped_clock")
def test_the_citizen_sends_the_supplement_asked_for_on_the_page(client, demo, tmp_path, override_settings):
    receipt = {"code": (dossier := _submitted(tmp_path, override_settings)).code,
               "lookup_secret": dossier.lookup_secret}
    assert "/bo-sung" not in page(client, receipt).text           # nothing asked yet
    _asked(dossier)
    html = page(client, receipt).text
    assert "Giấy chứng nhận kết hôn của cha, mẹ" in html and f"/tra-cuu/{receipt['code']}/bo-sung" in html
    assert 'aria-current="step">Nộp hồ sơ<' in html and "chưa tính thời hạn giải quyết" in html
    sent = client.post(f"/tra-cuu/{receipt['code']}/bo-sung?s={receipt['lookup_secret']}",
                       content_type="multipart/form-data",
                       data={"documents[0].name": "Giấy chứng nhận kết hôn của cha, mẹ",
                             "documents[0].file": (io.BytesIO(made.jpeg()), "ket-hon.jpg")})
    assert sent.status_code == 302, sent.text
    session.rollback()
    stored = session.scalar(select(Dossier).where(Dossier.code == receipt["code"]))
    assert stored.status == "submitted" and len(stored.files) == 4
    assert "/bo-sung" not in page(client, receipt).text


@pytest.mark.usefixtures("stopped_clock")
def test_a_hostile_supplement_is_refused_beside_its_line_and_nothing_kept(client, demo, tmp_path, override_settings):
    dossier = _submitted(tmp_path, override_settings)
    receipt = _asked(dossier)
    sent = client.post(f"/tra-cuu/{receipt['code']}/bo-sung?s={receipt['lookup_secret']}",
                       content_type="multipart/form-data",
                       data={"documents[0].name": "Giấy chứng nhận kết hôn của cha, mẹ",
                             "documents[0].file": (io.BytesIO(made.EXE), "ket-hon.pdf")})
    assert sent.status_code == 415
    assert 'id="f-documents-0-file-err"' in sent.text and "không phải PDF, JPEG hay PNG" in sent.text
    assert "chọn lại các tệp" in sent.text
    session.rollback()
    stored = session.scalar(select(Dossier).where(Dossier.code == receipt["code"]))
    assert stored.status == "awaiting_supplement" and len(stored.files) == 3
    wrong = client.post(f"/tra-cuu/{receipt['code']}/bo-sung?s=0123456789ABCDEF", content_type="multipart/form-data",
                        data={"documents[0].name": "x", "documents[0].file": (io.BytesIO(made.jpeg()), "a.jpg")})
    assert wrong.status_code == 404
