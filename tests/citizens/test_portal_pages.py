"""The public portal: the catalogue a citizen searches, the submission page per procedure and the
confirmation with the code, the secret link and its QR code.

The clock stands on Friday 3 October 2025, 10:00 (``stopped_clock``).
"""
from __future__ import annotations

import html
import io
import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

import printing
from app.db import session
from app.dossiers.models import Dossier, DossierFile
from app.procedures.models import Procedure
from app.settings import get_settings
from tests.support import files as made

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

BIRTH = "dang-ky-khai-sinh"
THREE_IN_ONE = 'Liên thông "3 trong 1": đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT cho trẻ em dưới 6 tuổi'
FORM = {"applicant.full_name": "Lê Thị Hồng Nhung", "applicant.id_number": "037190009876",
        "applicant.address": "Xóm Mới, xã Tân Hòa", "unit_code": "XA-TAN-HOA"}


@pytest.fixture
def store(tmp_path, override_settings):
    """A file store of the test's own, to count what it holds."""
    override_settings(storage_backend="folder", storage_path=tmp_path / "files")
    return tmp_path / "files"


def stored_blobs(store) -> int:
    return sum(1 for path in store.rglob("*") if path.is_file()) if store.exists() else 0


def counts() -> tuple[int, int]:
    session.rollback()
    return session.scalar(select(func.count(Dossier.id))), session.scalar(select(func.count(DossierFile.id)))


def names_listed(page: str) -> list[str]:
    return [html.unescape(name) for name in re.findall(r'<h2><a href="/dich-vu-cong/[^"]+">([^<]+)</a></h2>', page)]


def send(client, files: dict[int, tuple[bytes, str]], **changes):
    data = {**FORM, **changes, **{f"documents[{row}].file": (io.BytesIO(content), name)
                                  for row, (content, name) in files.items()}}
    return client.post(f"/dich-vu-cong/{BIRTH}/nop", data=data, content_type="multipart/form-data")


def three_files() -> dict[int, tuple[bytes, str]]:
    return {0: (made.pdf(), "to-khai.pdf"), 1: (made.png(), "giay-chung-sinh.png"), 2: (made.pdf(), "cccd.pdf")}


# --------------------------------------------------------------------------- the catalogue


def test_the_catalogue_lists_the_procedures_taking_dossiers(client, demo):
    page = client.get("/dich-vu-cong").text
    listed = names_listed(page)
    in_force = session.scalars(select(Procedure.name).order_by(Procedure.code)).all()
    assert listed == list(in_force) and len(listed) == 5
    assert "Miễn phí" in page and "Trong ngày" in page and "15 ngày làm việc" in page
    assert "UBND xã Tân Hòa (demo)" in page and "UBND xã Bình An (demo)" in page
    assert "UBND tỉnh Hòa Bình (demo)" not in page         # not the level of any demo procedure
    assert "Tờ khai đăng ký khai sinh (theo mẫu)" in page and "Nộp hồ sơ trực tuyến" in page


@pytest.mark.parametrize("typed, found", [
    ("CHUNG THUC", ["Chứng thực bản sao từ bản chính"]),
    ("hộ kinh", ["Đăng ký hộ kinh doanh"]),
    ("  khai   SINH ", ["Đăng ký khai sinh", THREE_IN_ONE]),
    ("sinh khai", ["Đăng ký khai sinh", THREE_IN_ONE]),            # every word, in any order
    ("dang ky", ["Đăng ký hộ kinh doanh", "Đăng ký khai sinh", THREE_IN_ONE]),
    ("khai sinh xây", []),
])
def test_the_search_ignores_case_accents_and_spacing(client, demo, typed, found):
    assert names_listed(client.get("/dich-vu-cong", query_string={"q": typed}).text) == found


def test_the_catalogue_filters_by_field(client, demo):
    page = client.get("/dich-vu-cong", query_string={"linh_vuc": "Hộ tịch"}).text
    assert sorted(names_listed(page)) == sorted(session.scalars(
        select(Procedure.name).where(Procedure.field == "Hộ tịch")).all())
    assert 'value="Hộ tịch" selected' in page
    both = client.get("/dich-vu-cong", query_string={"linh_vuc": "Hộ tịch", "q": "xây dựng"}).text
    assert names_listed(both) == [] and "Không tìm thấy thủ tục phù hợp" in both


def test_a_procedure_out_of_force_is_neither_listed_nor_open(client, demo):
    procedure = session.scalar(select(Procedure).where(Procedure.code == BIRTH))
    procedure.effective_to = date(2025, 9, 30)
    session.commit()     # seen by every request of the test (rolled back at its end)
    assert "Đăng ký khai sinh" not in names_listed(client.get("/dich-vu-cong").text)
    for path in (f"/dich-vu-cong/{BIRTH}", f"/dich-vu-cong/{BIRTH}/nop"):
        answer = client.get(path)
        assert answer.status_code == 404 and "Tra cứu lại" in answer.text


def test_the_procedure_page(client, demo):
    page = client.get(f"/dich-vu-cong/{BIRTH}").text
    assert "Giấy chứng sinh" in page and "Bắt buộc" in page and "Hộ tịch" in page
    assert f'href="/dich-vu-cong/{BIRTH}/nop"' in page
    assert client.get("/dich-vu-cong/khong-co-thu-tuc-nay").status_code == 404


# --------------------------------------------------------------------------- the submission page


def test_the_form_asks_one_file_per_document_and_where_to_hand_it_in(client, demo):
    page = client.get(f"/dich-vu-cong/{BIRTH}/nop").text
    procedure = session.scalar(select(Procedure).where(Procedure.code == BIRTH))
    assert all(f'name="documents[{row}].file"' in page for row in range(len(procedure.documents)))
    assert f'name="documents[{len(procedure.documents)}].name"' in page          # a free line
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    units = re.findall(r'<option value="([^"]+)"', page.split('name="unit_code"')[1].split("</select>")[0])
    assert units == ["XA-BINH-AN", "XA-TAN-HOA"]


def test_a_citizen_submits_and_gets_the_code_and_secret_link(client, demo, store):
    sent = send(client, three_files(), **{"documents[5].name": "Ảnh chụp sổ hộ khẩu cũ",
                                         "documents[5].file": (io.BytesIO(made.jpeg()), "ho-khau.jpg")})
    assert sent.status_code == 302, sent.text
    session.rollback()
    dossier = session.scalar(select(Dossier).order_by(Dossier.id.desc()))
    assert (dossier.status, dossier.channel, dossier.due_at) == ("submitted", "online", None)
    assert dossier.applicant_name == "Lê Thị Hồng Nhung" and dossier.receiving_unit.code == "XA-TAN-HOA"
    assert [d.name for d in dossier.documents][:3] == [d["name"] for d in dossier.procedure.documents][:3]
    assert dossier.documents[-1].name == "Ảnh chụp sổ hộ khẩu cũ"
    assert sorted(f.name for f in dossier.files) == ["cccd.pdf", "giay-chung-sinh.png", "ho-khau.jpg", "to-khai.pdf"]
    assert urlsplit(sent.location).path == f"/dich-vu-cong/da-nop/{dossier.code}"
    confirmation = client.get(sent.location).text
    link = printing.lookup_url(get_settings().public_base_url, dossier.code, dossier.lookup_secret)
    assert dossier.code in confirmation and dossier.lookup_secret in confirmation
    assert f'href="{link}"' in confirmation.replace("&amp;", "&")
    assert re.search(r'<img class="qr" alt="" src="data:image/png;base64,[A-Za-z0-9+/=]+"/>', confirmation)
    assert "L*** T** H**g N***g" not in confirmation and "L** T** H***g N***g" in confirmation
    assert "037190009876" not in confirmation and "In trang này" in confirmation


def test_the_confirmation_needs_the_secret(client, demo, store):
    sent = send(client, three_files())
    code = urlsplit(sent.location).path.rsplit("/", 1)[1]
    assert client.get(f"/dich-vu-cong/da-nop/{code}").status_code == 404
    assert client.get(f"/dich-vu-cong/da-nop/{code}?s=0123456789ABCDEF").status_code == 404


def test_two_files_of_one_name_are_both_kept(client, demo, store):
    files = {0: (made.pdf(), "scan.pdf"), 1: (made.png(), "giay-chung-sinh.png"), 2: (made.pdf(pages=2), "scan.pdf")}
    assert send(client, files).status_code == 302
    session.rollback()
    dossier = session.scalar(select(Dossier).order_by(Dossier.id.desc()))
    assert sorted(f.name for f in dossier.files) == ["3-scan.pdf", "giay-chung-sinh.png", "scan.pdf"]


def test_a_missing_required_file_is_named_and_what_was_typed_kept(client, demo, store):
    before = counts()
    files = three_files()
    del files[1]
    sent = send(client, files, **{"applicant.phone": "0987 654 321"})
    assert sent.status_code == 422
    assert "Chưa có tệp của giấy tờ bắt buộc: Giấy chứng sinh" in sent.text
    assert 'value="Lê Thị Hồng Nhung"' in sent.text and 'value="0987 654 321"' in sent.text
    assert '<option value="XA-TAN-HOA" selected>' in sent.text
    assert "chọn lại các tệp" in sent.text
    assert counts() == before and stored_blobs(store) == 0


def test_a_file_that_lies_about_its_type_is_refused_on_its_line(client, demo, store):
    before = counts()
    files = {**three_files(), 1: (made.EXE, "giay-chung-sinh.png")}
    sent = send(client, files)
    assert sent.status_code == 415
    assert 'id="f-documents-1-file-err"' in sent.text and "không phải PDF, JPEG hay PNG" in sent.text
    assert counts() == before and stored_blobs(store) == 0


def test_a_file_on_a_free_line_needs_the_documents_name(client, demo, store):
    sent = send(client, {**three_files(), 5: (made.jpeg(), "anh.jpg")})
    assert sent.status_code == 422 and 'id="f-documents-5-name-err"' in sent.text


def test_a_pdf_with_javascript_is_refused(client, demo, store):
    before = counts()
    sent = send(client, {**three_files(), 2: (made.pdf_with_javascript(), "cccd.pdf")})
    assert sent.status_code == 422 and 'id="f-documents-2-file-err"' in sent.text
    assert counts() == before and stored_blobs(store) == 0


def test_the_applicant_and_the_unit_are_asked_for(client, demo, store):
    for unit in ("", "TINH-HB", "KHONG-CO"):        # none, another level's, unknown
        no_unit = send(client, three_files(), unit_code=unit)
        assert no_unit.status_code == 422 and 'id="f-unit_code-err"' in no_unit.text, unit
    no_name = send(client, three_files(), **{"applicant.full_name": "  "})
    assert no_name.status_code == 422 and "Cần nhập họ tên người nộp." in no_name.text
    too_long = send(client, three_files(), **{"applicant.email": "a" * 300})
    assert too_long.status_code == 422 and 'id="f-applicant-email-err"' in too_long.text


def test_markup_typed_in_the_form_is_shown_as_text(client, demo, store):
    sent = send(client, {}, **{"applicant.full_name": '"><script>alert(1)</script>'})
    assert sent.status_code == 422
    assert "<script>alert(1)</script>" not in sent.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in sent.text


def test_the_form_needs_its_csrf_token(csrf_client):
    sent = csrf_client.post(f"/dich-vu-cong/{BIRTH}/nop", data=FORM)
    assert sent.status_code == 400


def test_staff_search_lives_at_ho_so_and_the_public_look_up_at_tra_cuu(client, login, demo):
    login("motcua.tanhoa")
    assert "Không tìm thấy hồ sơ phù hợp." in client.get("/ho-so", query_string={"q": "khong-co"}).text
    assert 'name="ma"' in client.get("/tra-cuu").text
