"""Browser sessions end: at logout (even for a replayed cookie), after idling, after
their absolute lifetime, with a new password or a disabled account; moving the
application clock neither ends nor revives one."""
from __future__ import annotations

from datetime import timedelta

from app import clock
from app.core.timetravel import set_now
from tests.support.api import ok, problem
from tests.support.web import PASSWORD

INBOX = "/cong-viec"
EXPIRED = "Phiên làm việc đã hết hạn"


def browser(app, username: str = "hotich.tanhoa"):
    """A browser of its own, signed in as ``username``."""
    client = app.test_client()
    response = client.post("/dang-nhap", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return client


def signed_in(client) -> bool:
    response = client.get(INBOX)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_cookie_saved_before_logout_opens_nothing_after_it(app, demo):
    client = browser(app)
    saved = client.get_cookie("session").value
    assert client.post("/dang-xuat").location == "/dang-nhap"
    client.set_cookie("session", saved)
    page = client.get(INBOX)
    assert page.status_code == 302 and page.location.startswith("/dang-nhap")
    assert EXPIRED in client.get(page.location).text
    client.set_cookie("session", saved)
    assert "Cần đăng nhập" in problem(client.get("/api/v1/tasks"), 401)["detail"]


def test_logging_out_of_one_browser_leaves_the_others_signed_in(app, demo):
    office, home = browser(app), browser(app)
    office.post("/dang-xuat")
    assert not signed_in(office)
    assert signed_in(home)


def test_an_idle_session_ends_and_the_login_page_says_why(app, demo, real_clock):
    client = browser(app)
    for _ in range(3):  # 75 minutes of work, never 30 idle
        real_clock(minutes=25)
        assert signed_in(client)
    real_clock(minutes=30)
    page = client.get(INBOX)
    assert page.status_code == 302 and page.location.startswith("/dang-nhap")
    assert EXPIRED in client.get(page.location).text


def test_an_active_session_still_ends_after_twelve_hours(app, demo, real_clock):
    client = browser(app)
    for _ in range(28):  # 11 h 40 min of work
        real_clock(minutes=25)
        assert signed_in(client)
    real_clock(minutes=20)
    assert not signed_in(client)


def test_moving_the_application_clock_ends_and_revives_nothing(app, api, demo, real_clock):
    client = browser(app)
    token = api.token("hotich.tanhoa")
    set_now(clock.now() + timedelta(days=400))
    assert signed_in(client)
    assert ok(api.get("/tasks", "hotich.tanhoa")) == []

    real_clock(hours=13)
    assert not signed_in(client)
    problem(api.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}), 401)
    set_now(clock.now() - timedelta(days=800))
    problem(api.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}), 401)


def test_a_session_past_its_lifetime_stays_ended_when_the_clock_is_moved_back(app, demo, real_clock):
    client = browser(app)
    saved = client.get_cookie("session").value
    real_clock(minutes=31)
    assert not signed_in(client)
    set_now(clock.now() - timedelta(hours=2))
    client.set_cookie("session", saved)
    assert not signed_in(client)
