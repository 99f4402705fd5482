"""Users from the page: found, created, given roles and a unit, disabled and enabled, their
password reset; disabling or a new password ends their live sessions and tokens."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.admin import services
from app.auth.models import AuthEvent
from app.auth.services import get_user
from app.db import session
from tests.admin.conftest import field_error, flashed, text
from tests.support.web import PASSWORD

NEW_USER = {"username": "diachinh.tanhoa", "full_name": "Lò Văn Địa Chính", "email": "diachinh@tanhoa.gov.vn",
            "title": "Công chức địa chính", "unit_code": "XA-TAN-HOA", "roles": ["construction_officer", "officer"],
            "password": "mat-khau-ban-dau"}
INBOX = "/cong-viec"


def signed_in_browser(app, username: str, password: str = PASSWORD):
    browser = app.test_client()
    assert browser.post("/dang-nhap", data={"username": username, "password": password}).status_code == 302
    assert browser.get(INBOX).status_code == 200
    return browser


def bearer(client, username: str = "hotich.tanhoa") -> dict:
    token = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD}).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def listed(page) -> list[str]:
    """The usernames of a list page, in order."""
    return re.findall(r'<a class="code" href="/quan-tri/nguoi-dung/[^"]+">([^<]+)</a>', page.get_data(as_text=True))


def test_users_are_found_by_text_unit_and_role(admin):
    assert listed(admin.get("/quan-tri/nguoi-dung?q=tanhoa")) == [
        "chuyenvien.tanhoa", "congan.tanhoa", "hotich.tanhoa", "lanhdao.tanhoa", "motcua.tanhoa", "xaydung.tanhoa"]
    assert listed(admin.get("/quan-tri/nguoi-dung?q=Bùi Văn")) == ["lanhdao.tanhoa"]
    assert listed(admin.get("/quan-tri/nguoi-dung?don_vi=XA-BINH-AN&vai_tro=leader")) == ["lanhdao.binhan"]
    assert listed(admin.get("/quan-tri/nguoi-dung?vai_tro=leader")) == ["lanhdao.binhan", "lanhdao.tanhoa"]
    assert listed(admin.get("/quan-tri/nguoi-dung?q=100%")) == []


def test_the_list_is_paged(admin, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    first = admin.get("/quan-tri/nguoi-dung?vai_tro=leader&q=lanhdao")
    assert listed(first) == ["lanhdao.binhan", "lanhdao.tanhoa"] and "Trang sau" not in text(first)
    one = admin.get("/quan-tri/nguoi-dung?q=tanhoa")
    assert listed(one) == ["chuyenvien.tanhoa", "congan.tanhoa"]
    assert 'href="/quan-tri/nguoi-dung?q=tanhoa&amp;trang=2"' in one.get_data(as_text=True)
    assert listed(admin.get("/quan-tri/nguoi-dung?q=tanhoa&trang=3")) == ["motcua.tanhoa", "xaydung.tanhoa"]


def test_a_user_is_created_and_signs_in_with_the_initial_password(app, admin):
    done = admin.post("/quan-tri/nguoi-dung-moi", data=NEW_USER)
    assert done.status_code == 302 and done.location.endswith("/quan-tri/nguoi-dung/diachinh.tanhoa")
    user = get_user("diachinh.tanhoa")
    assert (user.full_name, user.email, user.title, user.unit.code, user.role_codes, user.active) == (
        "Lò Văn Địa Chính", "diachinh@tanhoa.gov.vn", "Công chức địa chính", "XA-TAN-HOA",
        {"construction_officer", "officer"}, True)
    assert "Đã tạo tài khoản diachinh.tanhoa." in flashed(admin.get(done.location))
    signed_in_browser(app, "diachinh.tanhoa", "mat-khau-ban-dau")


def test_a_taken_username_is_refused_beside_it_with_the_values_kept(admin):
    page = admin.post("/quan-tri/nguoi-dung-moi", data={**NEW_USER, "username": "hotich.tanhoa"})
    assert page.status_code == 409
    assert field_error(page, "username") == "Tên đăng nhập 'hotich.tanhoa' đã được dùng."
    kept = text(page)
    assert 'value="Lò Văn Địa Chính"' in kept and 'value="officer" checked' in kept
    assert 'value="XA-TAN-HOA" selected' in kept and "mat-khau-ban-dau" not in kept


def test_every_bad_field_of_a_new_user_is_named_at_once(admin):
    page = admin.post("/quan-tri/nguoi-dung-moi", data={
        "username": "a b", "full_name": "", "email": "khong-phai-email", "unit_code": "KHONG-CO",
        "roles": ["officer", "phu_thuy"], "password": "ngan"})
    assert page.status_code == 422
    assert field_error(page, "username") == "Tên đăng nhập gồm chữ, số, dấu chấm, gạch (2–64 ký tự)."
    assert field_error(page, "password") == "Mật khẩu cần ít nhất 8 ký tự."
    assert field_error(page, "email") == "Địa chỉ e-mail chưa đúng, ví dụ: ten@xa.gov.vn."
    assert field_error(page, "unit_code") == "Không có đơn vị mã 'KHONG-CO': chọn một đơn vị trong danh sách."
    assert field_error(page, "roles") == "Không có vai trò: phu_thuy."
    assert field_error(page, "full_name")


def test_roles_unit_and_details_are_changed(admin):
    done = admin.post("/quan-tri/nguoi-dung/hotich.tanhoa", data={
        "full_name": "Đỗ Thị Hộ Tịch", "email": "", "title": "Công chức tư pháp", "unit_code": "XA-BINH-AN",
        "roles": ["civil_status_officer", "receptionist"]})
    assert done.status_code == 302
    user = get_user("hotich.tanhoa")
    assert (user.unit.code, user.role_codes, user.email, user.title) == (
        "XA-BINH-AN", {"civil_status_officer", "receptionist"}, None, "Công chức tư pháp")


def test_an_unknown_role_is_refused_and_nothing_changes(admin):
    page = admin.post("/quan-tri/nguoi-dung/hotich.tanhoa", data={
        "full_name": "Đỗ Thị Hộ Tịch", "unit_code": "XA-BINH-AN", "roles": ["khong_co"]})
    assert page.status_code == 422 and field_error(page, "roles") == "Không có vai trò: khong_co."
    assert 'value="XA-BINH-AN" selected' in text(page)   # what was chosen stays chosen
    user = get_user("hotich.tanhoa")
    assert (user.unit.code, user.role_codes) == ("XA-TAN-HOA", {"civil_status_officer"})


def test_disabling_ends_the_users_live_session_and_tokens(app, admin):
    browser, headers = signed_in_browser(app, "hotich.tanhoa"), bearer(app.test_client())
    done = admin.post("/quan-tri/nguoi-dung/hotich.tanhoa/khoa")
    assert done.status_code == 302
    assert "Đã khóa tài khoản; các phiên đăng nhập và token đã kết thúc." in flashed(admin.get(done.location))
    logged_out = browser.get(INBOX)
    assert logged_out.status_code == 302 and "/dang-nhap" in logged_out.location
    assert app.test_client().get("/api/v1/tasks", headers=headers).status_code == 401
    assert app.test_client().post("/dang-nhap", data={"username": "hotich.tanhoa", "password": PASSWORD}).status_code == 401
    event = session.scalars(select(AuthEvent).where(AuthEvent.outcome == "disabled")).one()
    assert (event.username, event.detail) == ("hotich.tanhoa", "bởi admin")
    assert admin.post("/quan-tri/nguoi-dung/hotich.tanhoa/mo-khoa").status_code == 302
    signed_in_browser(app, "hotich.tanhoa")


def test_an_administrator_cannot_disable_their_own_account(admin):
    refused = admin.post("/quan-tri/nguoi-dung/admin/khoa")
    assert refused.status_code == 302
    assert "Không thể tự khóa tài khoản của chính mình." in flashed(admin.get(refused.location))
    assert get_user("admin").active


def test_a_reset_password_ends_the_users_sessions(app, admin):
    browser = signed_in_browser(app, "hotich.tanhoa")
    short = admin.post("/quan-tri/nguoi-dung/hotich.tanhoa/mat-khau", data={"password": "ngan"})
    assert short.status_code == 422 and field_error(short, "password") == "Mật khẩu cần ít nhất 8 ký tự."
    assert browser.get(INBOX).status_code == 200
    done = admin.post("/quan-tri/nguoi-dung/hotich.tanhoa/mat-khau", data={"password": "mat-khau-moi-2026"})
    assert done.status_code == 302
    assert browser.get(INBOX).status_code == 302
    signed_in_browser(app, "hotich.tanhoa", "mat-khau-moi-2026")


def test_an_unknown_user_is_a_404_page(admin):
    page = admin.post("/quan-tri/nguoi-dung/khong.co/khoa")
    assert page.status_code == 404 and "Không tìm thấy người dùng 'khong.co'." in text(page)


@pytest.mark.parametrize("path", ["/quan-tri", "/quan-tri/nguoi-dung", "/quan-tri/nhat-ky"])
def test_others_get_a_403_page_and_strangers_the_login(client, login, path):
    stranger = client.get(path)
    assert stranger.status_code == 302 and "/dang-nhap" in stranger.location
    login("giamsat")
    refused = client.get(path)
    assert refused.status_code == 403 and "Không có quyền truy cập" in text(refused)
    assert ">Quản trị</a>" not in text(client.get("/cong-viec"))


def test_the_menu_leads_administrators_to_every_section(admin):
    page = text(admin.get("/cong-viec"))
    assert '<a href="/quan-tri">Quản trị</a>' in page
    sections = text(admin.get("/quan-tri"))
    for link in ("/quan-tri/don-vi", "/quan-tri/nguoi-dung", "/quan-tri/vai-tro", "/quan-tri/chung-thu", "/lich",
                 "/quan-tri/nhat-ky", "/quan-tri/nhat-ky/dang-nhap"):
        assert f'<a href="{link}"' in sections


def _csrf_token(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_a_form_without_its_csrf_token_is_refused_with_a_page(csrf_client):
    token = _csrf_token(csrf_client.get("/dang-nhap"))
    signed_in = csrf_client.post("/dang-nhap", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    page = csrf_client.post("/quan-tri/nguoi-dung/hotich.tanhoa/khoa")
    assert page.status_code == 400 and "biểu mẫu không hợp lệ" in text(page)
    assert get_user("hotich.tanhoa").active
    token = _csrf_token(csrf_client.get("/quan-tri/nguoi-dung/hotich.tanhoa"))
    assert csrf_client.post("/quan-tri/nguoi-dung/hotich.tanhoa/khoa", data={"csrf_token": token}).status_code == 302
    assert not get_user("hotich.tanhoa").active
