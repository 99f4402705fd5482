"""Signing in and out of the web UI, the role's start page, CSRF and error pages."""
from __future__ import annotations

import re

import pytest


def test_login_page_is_vietnamese_and_responsive(client):
    page = client.get("/dang-nhap").text
    assert '<html lang="vi">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<title>Đăng nhập — Một cửa điện tử</title>" in page


@pytest.mark.parametrize(("username", "start"), [("motcua.tanhoa", "/tiep-nhan"), ("hotich.tanhoa", "/cong-viec")])
def test_login_goes_to_the_page_of_the_role(client, demo, username, start):
    response = client.post("/dang-nhap", data={"username": username, "password": "demo12345"})
    assert response.status_code == 302 and response.location == start
    assert "Xin chào" in client.get(start).text


def test_bad_password_is_refused_and_the_username_kept(client, demo):
    response = client.post("/dang-nhap", data={"username": "motcua.tanhoa", "password": "sai-mat-khau"})
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert 'value="motcua.tanhoa"' in response.text
    assert client.get("/tiep-nhan").status_code == 302


def test_pages_need_a_login_and_come_back_after_it(client, demo):
    response = client.get("/ho-so?q=abc")
    assert response.status_code == 302 and response.location.startswith("/dang-nhap?next=")
    response = client.post(response.location, data={"username": "hotich.tanhoa", "password": "demo12345"})
    assert response.location == "/ho-so?q=abc"


def test_login_never_sends_to_another_site(client, demo):
    response = client.post("/dang-nhap?next=//evil.example/x", data={"username": "hotich.tanhoa", "password": "demo12345"})
    assert response.location == "/cong-viec"


def test_logout_ends_the_session(client, login):
    login("hotich.tanhoa")
    assert client.post("/dang-xuat").location == "/dang-nhap"
    assert client.get("/cong-viec").status_code == 302


def test_a_role_page_is_forbidden_to_other_roles(client, login):
    login("hotich.tanhoa")
    response = client.get("/tiep-nhan")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.text


def test_unknown_pages_answer_in_vietnamese_but_the_api_in_json(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404 and "Không tìm thấy trang" in response.text
    api = client.get("/api/v1/khong-co")
    assert api.status_code == 404 and api.content_type == "application/problem+json"


def test_a_post_without_the_csrf_token_is_refused(csrf_client):
    refused = csrf_client.post("/dang-nhap", data={"username": "hotich.tanhoa", "password": "demo12345"})
    assert refused.status_code == 400
    assert "Phiên làm việc đã hết hạn" in refused.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', csrf_client.get("/dang-nhap").text).group(1)
    accepted = csrf_client.post("/dang-nhap", data={"username": "hotich.tanhoa", "password": "demo12345",
                                                    "csrf_token": token})
    assert accepted.status_code == 302
