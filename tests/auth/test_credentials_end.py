"""API tokens end (revoked, expired, logout), and a new password or a disabled
account ends every session and token of the user."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from app.auth.models import ApiToken
from app.db import session
from tests.support.api import error_fields, ok, problem
from tests.support.web import PASSWORD

USER = "hotich.tanhoa"
INBOX = "/cong-viec"


def new_token(client, username: str = USER, password: str = PASSWORD) -> str:
    return ok(client.post("/api/v1/auth/token", json={"username": username, "password": password}))["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def works(client, token: str) -> bool:
    response = client.get("/api/v1/tasks", headers=bearer(token))
    if response.status_code == 401:
        assert "hết hạn" in problem(response, 401)["detail"]
    return response.status_code == 200


def browser(app, username: str = USER):
    client = app.test_client()
    assert client.post("/dang-nhap", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def signed_in(client) -> bool:
    return client.get(INBOX).status_code == 200


def test_a_revoked_token_answers_401_and_the_others_still_work(client, demo):
    revoked, other = new_token(client), new_token(client)
    response = client.delete("/api/v1/auth/token", headers=bearer(revoked))
    assert response.status_code == 204 and response.data == b""
    assert not works(client, revoked)
    assert works(client, other)
    problem(client.delete("/api/v1/auth/token", headers=bearer(revoked)), 401)
    problem(client.delete("/api/v1/auth/token"), 401)


def test_only_the_hash_of_a_token_is_kept(client, demo):
    token = new_token(client)
    assert session.scalars(select(ApiToken.token_hash)).all() == [hashlib.sha256(token.encode()).hexdigest()]


def test_a_token_expires_on_the_real_clock(client, demo, real_clock):
    token = new_token(client)
    real_clock(hours=11, minutes=59)
    assert works(client, token)
    real_clock(minutes=2)
    assert not works(client, token)


def test_logging_out_of_the_web_revokes_the_users_tokens(app, client, demo):
    token, others = new_token(client), new_token(client, "motcua.tanhoa")
    web = browser(app)
    web.post("/dang-xuat")
    assert not works(client, token)
    assert works(client, others)


def test_an_administrator_setting_a_password_ends_every_session_and_token(app, api, demo):
    web, token = browser(app), new_token(api.client)
    user = ok(api.put(f"/users/{USER}/password", "admin", json={"password": "mat-khau-moi-2026"}))
    assert user["username"] == USER
    assert not signed_in(web) and not works(api.client, token)
    problem(api.client.post("/api/v1/auth/token", json={"username": USER, "password": PASSWORD}), 401)
    assert works(api.client, new_token(api.client, USER, "mat-khau-moi-2026"))
    assert "password" in error_fields(api.put(f"/users/{USER}/password", "admin", json={"password": "ngan"}))
    problem(api.put("/users/nobody/password", "admin", json={"password": "mat-khau-moi-2026"}), 404)
    problem(api.put(f"/users/{USER}/password", "motcua.tanhoa", json={"password": "mat-khau-moi-2026"}), 403)


def test_changing_ones_own_password_ends_the_other_sessions_and_tokens(app, client, demo):
    web, used, other = browser(app), new_token(client), new_token(client)
    body = {"current_password": PASSWORD, "password": "mat-khau-moi-2026"}
    fresh = ok(client.put("/api/v1/auth/password", json=body, headers=bearer(used)))["token"]
    assert not signed_in(web) and not works(client, other) and not works(client, used)
    assert works(client, fresh)
    wrong = {"current_password": PASSWORD, "password": "khac-mat-khau-1"}
    assert error_fields(client.put("/api/v1/auth/password", json=wrong, headers=bearer(fresh))) == {"current_password"}
    short = {"current_password": "mat-khau-moi-2026", "password": "ngan"}
    assert error_fields(client.put("/api/v1/auth/password", json=short, headers=bearer(fresh))) == {"password"}


def test_a_browser_changing_its_password_keeps_a_fresh_session(app, demo):
    web, other = browser(app), browser(app)
    body = {"current_password": PASSWORD, "password": "mat-khau-moi-2026"}
    ok(web.put("/api/v1/auth/password", json=body))
    assert signed_in(web) and not signed_in(other)


def test_a_disabled_users_sessions_and_tokens_are_refused_at_once(app, api, demo):
    web, token = browser(app), new_token(api.client)
    assert ok(api.post(f"/users/{USER}/disable", "admin"))["active"] is False
    assert not signed_in(web) and not works(api.client, token)
    problem(api.client.post("/api/v1/auth/token", json={"username": USER, "password": PASSWORD}), 401)
    assert ok(api.post(f"/users/{USER}/enable", "admin"))["active"] is True
    assert not signed_in(web) and not works(api.client, token)  # enabling again revives nothing
    assert works(api.client, new_token(api.client))


def test_an_administrator_cannot_disable_their_own_account(api, demo):
    problem(api.post("/users/admin/disable", "admin"), 409)
    problem(api.post(f"/users/{USER}/disable", "giamsat"), 403)
    assert ok(api.get("/users/admin", "admin"))["active"] is True
