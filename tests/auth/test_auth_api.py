"""Tokens, units, roles and users through the API."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.api import FRIDAY_10AM, error_fields, ok, problem

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00


def test_token_is_issued_for_the_right_password_only(api, demo):
    body = ok(api.client.post("/api/v1/auth/token", json={"username": "admin", "password": "demo12345"}))
    assert len(body["token"]) >= 32
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at.utcoffset() == timedelta(hours=7)
    assert expires_at > FRIDAY_10AM

    wrong = api.client.post("/api/v1/auth/token", json={"username": "admin", "password": "wrong-password"})
    assert problem(wrong, 401)["detail"]
    assert wrong.headers["WWW-Authenticate"] == "Bearer"
    unknown = api.client.post("/api/v1/auth/token", json={"username": "nobody", "password": "demo12345"})
    problem(unknown, 401)


def test_the_token_opens_the_api_and_nothing_else_does(api, demo):
    token = ok(api.client.post("/api/v1/auth/token", json={"username": "admin", "password": "demo12345"}))["token"]
    assert ok(api.client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"}))
    for header in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer not-a-token"},
                   {"Authorization": f"Basic {token}"}, {"Authorization": token}):
        problem(api.client.get("/api/v1/units", headers=header), 401)


def test_token_request_names_missing_fields(api, demo):
    assert error_fields(api.client.post("/api/v1/auth/token", json={})) == {"username", "password"}
    assert error_fields(api.client.post("/api/v1/auth/token", json={"username": 5, "password": "x"})) == {"username"}


def test_admin_builds_a_unit_tree_of_depth_three(api, demo):
    tree = [
        {"code": "TINH-T", "name": "UBND tỉnh Thử", "kind": "province", "agency_code": "000.00.00.T01"},
        {"code": "HUYEN-T", "name": "UBND huyện Thử", "kind": "district", "parent_code": "TINH-T"},
        {"code": "XA-T", "name": "UBND xã Thử", "kind": "commune", "parent_code": "HUYEN-T",
         "agency_code": "000.00.12.T01"},
    ]
    for unit in tree:
        created = ok(api.post("/units", "admin", json=unit), 201)
        assert created["code"] == unit["code"] and created["parent_code"] == unit.get("parent_code")

    units = {unit["code"]: unit for unit in ok(api.get("/units", "admin"))}
    assert units["XA-T"]["parent_code"] == "HUYEN-T"
    assert units["HUYEN-T"]["parent_code"] == "TINH-T"
    assert units["TINH-T"]["parent_code"] is None
    assert units["XA-T"]["agency_code"] == "000.00.12.T01"


def test_unit_errors(api, demo):
    assert error_fields(api.post("/units", "admin", json={"code": "X"})) == {"name", "kind"}
    assert "kind" in error_fields(api.post("/units", "admin", json={"code": "X", "name": "X", "kind": "Xã!"}))
    assert "agency_code" in error_fields(
        api.post("/units", "admin", json={"code": "X", "name": "X", "kind": "commune", "agency_code": "abc"}))
    assert "x" in error_fields(api.post("/units", "admin", json={"code": "X", "name": "X", "kind": "commune", "x": 1}))
    problem(api.post("/units", "admin", json={"code": "X", "name": "X", "kind": "commune", "parent_code": "NOPE"}), 404)
    problem(api.post("/units", "admin", json={"code": "XA-TAN-HOA", "name": "X", "kind": "commune"}), 409)


def test_admin_creates_roles_and_users_who_can_then_work(api, demo):
    role = ok(api.post("/roles", "admin", json={"code": "land_officer", "name": "Công chức địa chính"}), 201)
    assert role == {"code": "land_officer", "name": "Công chức địa chính"}
    assert "land_officer" in {r["code"] for r in ok(api.get("/roles", "chuyenvien.tanhoa"))}

    user = ok(api.post("/users", "admin", json={
        "username": "diachinh.tanhoa", "password": "mat-khau-moi", "full_name": "Phan Văn Địa",
        "email": "dia@example.vn", "unit_code": "XA-TAN-HOA", "roles": ["land_officer", "officer"],
    }), 201)
    assert user["unit_code"] == "XA-TAN-HOA" and sorted(user["roles"]) == ["land_officer", "officer"]
    assert "password" not in user and "password_hash" not in user

    api.token("diachinh.tanhoa", "mat-khau-moi")
    assert ok(api.get("/tasks", "diachinh.tanhoa")) == []
    assert ok(api.get("/users/diachinh.tanhoa", "admin"))["full_name"] == "Phan Văn Địa"
    problem(api.get("/users/nobody", "admin"), 404)


def test_user_and_role_errors(api, demo):
    base = {"username": "moi", "password": "mat-khau-moi", "full_name": "Người Mới", "unit_code": "XA-TAN-HOA",
            "roles": ["officer"]}
    assert "password" in error_fields(api.post("/users", "admin", json={**base, "password": "ngan"}))
    assert "roles" in error_fields(api.post("/users", "admin", json={**base, "roles": ["no_such_role"]}))
    assert "roles" in error_fields(api.post("/users", "admin", json={**base, "roles": "officer"}))
    assert "email" in error_fields(api.post("/users", "admin", json={**base, "email": "not-an-email"}))
    assert "full_name" in error_fields(api.post("/users", "admin", json={**base, "full_name": "x" * 300}))
    problem(api.post("/users", "admin", json={**base, "unit_code": "NOPE"}), 404)
    problem(api.post("/users", "admin", json={**base, "username": "admin"}), 409)
    assert "code" in error_fields(api.post("/roles", "admin", json={"code": "Bad Code"}))
    problem(api.post("/roles", "admin", json={"code": "officer", "name": "x"}), 409)


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/units", None),
    ("POST", "/units", {"code": "X", "name": "X", "kind": "commune"}),
    ("POST", "/roles", {"code": "some_role", "name": "x"}),
    ("POST", "/users", {"username": "u1", "password": "12345678", "full_name": "U", "unit_code": "XA-TAN-HOA",
                        "roles": ["admin"]}),
    ("GET", "/users/admin", None),
    ("POST", "/calendar/days", {"date": "2025-10-06", "kind": "holiday", "name": "x"}),
])
def test_administration_is_for_admins_only(api, demo, method, path, body):
    for user in ("chuyenvien.tanhoa", "giamsat", "phantich", "motcua.tanhoa"):
        problem(api.call(method, path, user, json=body), 403)
    problem(api.call(method, path, None, json=body), 401)
