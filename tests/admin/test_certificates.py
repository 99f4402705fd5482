"""The leaders' signing certificates and the trusted CAs: uploaded from the page, shown with
subject, issuer, validity and the days left, flagged under 30 days and in red once expired."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.auth.services import get_user
from app.db import session
from app.signing.demo_ca import issue_leader_certificate, make_demo_ca
from app.signing.models import TrustRoot
from tests.admin.conftest import field_error, flashed, text

ISSUED = datetime(2030, 1, 1, tzinfo=timezone.utc)   # valid 100 days: to 11 April 2030
CA_NAME = "CA thử trang quản trị"


@pytest.fixture(scope="module")
def ca() -> tuple[bytes, bytes]:
    return make_demo_ca(CA_NAME)


@pytest.fixture(scope="module")
def leader_pem(ca) -> bytes:
    certificate, _key = issue_leader_certificate(*ca, full_name="Bùi Văn Lãnh Đạo", unit_name="UBND xã Tân Hòa",
                                                 valid_days=100, not_before=ISSUED)
    return certificate


def upload(admin, path: str, pem: bytes, **form):
    return admin.post(path, data={**form, "certificate_file": (io.BytesIO(pem), "chung-thu.pem")},
                      content_type="multipart/form-data")


def leader_row(page, username: str) -> str:
    """The row of the leaders' table naming ``username``."""
    return re.search(rf'<tr class="[^"]*">(?:(?!</tr>).)*?{re.escape(username)}(?:(?!</tr>).)*</tr>', text(page), re.S).group(0)


def test_a_leaders_certificate_is_uploaded_and_its_facts_shown(admin, leader_pem, stopped_clock):
    stopped_clock(datetime(2030, 3, 1, 10, tzinfo=timezone.utc))
    done = upload(admin, "/quan-tri/chung-thu/lanh-dao", leader_pem, username="lanhdao.tanhoa")
    assert done.status_code == 302
    assert "Đã đăng ký chứng thư ký số của Bùi Văn Lãnh Đạo." in flashed(admin.get(done.location))
    assert get_user("lanhdao.tanhoa").certificate_pem == leader_pem.decode()
    row = leader_row(admin.get("/quan-tri/chung-thu"), "lanhdao.tanhoa")
    assert 'class="cert-valid"' in row and "Còn hiệu lực" in row and "Còn 40 ngày" in row
    assert "<td>Bùi Văn Lãnh Đạo</td>" in row and f"<td>{CA_NAME}</td>" in row
    assert "01/01/2030 07:00 – 11/04/2030 07:00" in row   # in the instance's zone
    assert "Chưa đăng ký chứng thư." in leader_row(admin.get("/quan-tri/chung-thu"), "lanhdao.binhan")


def test_a_certificate_near_its_end_is_flagged_and_an_expired_one_red(admin, leader_pem, stopped_clock):
    upload(admin, "/quan-tri/chung-thu/lanh-dao", leader_pem, username="lanhdao.tanhoa")
    stopped_clock(datetime(2030, 3, 25, 10, tzinfo=timezone.utc))
    soon = leader_row(admin.get("/quan-tri/chung-thu"), "lanhdao.tanhoa")
    assert 'class="cert-soon"' in soon and "Sắp hết hạn" in soon and "Còn 16 ngày" in soon
    assert "<strong>1</strong> chứng thư cần gia hạn" in text(admin.get("/quan-tri"))
    stopped_clock(datetime(2030, 4, 12, tzinfo=timezone.utc))
    expired = leader_row(admin.get("/quan-tri/chung-thu"), "lanhdao.tanhoa")
    assert 'class="cert-expired"' in expired and "Đã hết hạn" in expired and "Hết hạn từ 11/04/2030 07:00" in expired
    stopped_clock(datetime(2029, 12, 1, tzinfo=timezone.utc))
    assert "Chưa đến hạn hiệu lực" in leader_row(admin.get("/quan-tri/chung-thu"), "lanhdao.tanhoa")
    user_page = text(admin.get("/quan-tri/nguoi-dung/lanhdao.tanhoa"))
    assert "Chưa đến hạn hiệu lực" in user_page and CA_NAME in user_page


def test_a_pasted_pem_works_too(admin, leader_pem):
    done = admin.post("/quan-tri/chung-thu/lanh-dao", data={"username": "lanhdao.binhan",
                                                             "certificate_pem": leader_pem.decode()})
    assert done.status_code == 302 and get_user("lanhdao.binhan").certificate_pem == leader_pem.decode()


def test_a_bad_pem_and_an_unknown_signer_are_refused_beside_their_fields(admin, leader_pem):
    bad = upload(admin, "/quan-tri/chung-thu/lanh-dao", b"-----BEGIN CERTIFICATE-----\nrac\n", username="lanhdao.tanhoa")
    assert bad.status_code == 422 and field_error(bad, "certificate_pem") == "Cần một chứng thư số X.509 dạng PEM."
    binary = upload(admin, "/quan-tri/chung-thu/lanh-dao", "chữ ký".encode("utf-16"), username="lanhdao.tanhoa")
    assert binary.status_code == 422 and field_error(binary, "certificate_pem")
    empty = admin.post("/quan-tri/chung-thu/lanh-dao", data={"username": "lanhdao.tanhoa"})
    assert empty.status_code == 422
    assert field_error(empty, "certificate_pem") == "Chọn tệp chứng thư (.pem, .crt) hoặc dán nội dung PEM."
    nobody = upload(admin, "/quan-tri/chung-thu/lanh-dao", leader_pem, username="khong.co")
    assert nobody.status_code == 422 and field_error(nobody, "username") == "Chọn người ký trong danh sách."
    assert get_user("lanhdao.tanhoa").certificate_pem is None


def test_a_trust_root_is_added_and_listed(admin, ca, stopped_clock):
    stopped_clock(datetime.now(timezone.utc))
    done = upload(admin, "/quan-tri/chung-thu/goc", ca[0])
    assert done.status_code == 302
    assert f"Đã tin cậy tổ chức chứng thực {CA_NAME}." in flashed(admin.get(done.location))
    (root,) = session.scalars(select(TrustRoot)).all()
    page = text(admin.get("/quan-tri/chung-thu"))
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{root.fingerprint}(?:(?!</tr>).)*</tr>", page, re.S).group(0)
    assert 'class="cert-valid"' in row and f"<td>{CA_NAME}</td>" in row and "Còn 3649 ngày" in row


def test_a_leaf_certificate_is_no_trust_root(admin, leader_pem):
    page = upload(admin, "/quan-tri/chung-thu/goc", leader_pem)
    assert page.status_code == 422 and field_error(page, "certificate_pem") == "Cần chứng thư có BasicConstraints CA=TRUE."
    assert session.scalars(select(TrustRoot)).all() == []
