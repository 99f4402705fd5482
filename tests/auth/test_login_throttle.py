"""Wrong passwords are throttled per account and per client address, in the
database, with the same answer for unknown accounts; every failure and lock is logged."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.auth.models import AuthEvent
from app.db import session
from tests.support.concurrency import run_together
from tests.support.api import ok, problem
from tests.support.web import PASSWORD

USER = "hotich.tanhoa"
WRONG = "sai-mat-khau"


def token_request(client, username: str, password: str, address: str = "198.51.100.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def fail(client, username: str, times: int, address: str = "198.51.100.1") -> None:
    for _ in range(times):
        problem(token_request(client, username, WRONG, address), 401)


def wait_of(response) -> int:
    """The seconds a 429 says to wait, after checking it is a Vietnamese problem."""
    body = problem(response, 429)
    assert "thử lại sau" in body["detail"]
    return int(response.headers["Retry-After"])


def test_the_sixth_wrong_password_is_answered_429_even_when_right(client, demo):
    fail(client, USER, 5)
    assert 55 <= wait_of(token_request(client, USER, WRONG)) <= 60
    assert 55 <= wait_of(token_request(client, USER, PASSWORD)) <= 60


def test_an_unknown_account_gets_the_very_same_answers(client, demo):
    for name in (USER, "khong-co-ai"):
        fail(client, name, 5)
    known, unknown = token_request(client, USER, WRONG), token_request(client, "khong-co-ai", WRONG)
    assert known.get_json() == unknown.get_json()
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
    assert (token_request(client, USER, "x").get_json() == token_request(client, "khong-co-ai", "x").get_json())


def test_a_lock_ends_after_its_time_and_then_grows(client, demo, real_clock):
    fail(client, USER, 5)
    real_clock(seconds=61)
    problem(token_request(client, USER, WRONG), 401)  # the sixth: two minutes now
    assert 115 <= wait_of(token_request(client, USER, PASSWORD)) <= 120
    real_clock(seconds=121)
    assert ok(token_request(client, USER, PASSWORD))["token"]


def test_a_success_starts_the_count_again(client, demo):
    fail(client, USER, 4)
    ok(token_request(client, USER, PASSWORD))
    fail(client, USER, 4)
    ok(token_request(client, USER, PASSWORD))


def test_moving_the_application_clock_lifts_no_lock(client, demo, travel_clock):
    fail(client, USER, 5)
    travel_clock(clock.now() + timedelta(days=2))
    wait_of(token_request(client, USER, PASSWORD))


def test_one_address_guessing_at_many_accounts_is_stopped(client, demo):
    for number in range(10):
        fail(client, f"nguoi-dung-{number}", 3, address="203.0.113.9")
    assert wait_of(token_request(client, USER, PASSWORD, address="203.0.113.9")) > 0
    ok(token_request(client, USER, PASSWORD, address="203.0.113.10"))


def test_the_web_login_shows_the_wait_on_its_page(client, demo):
    for _ in range(5):
        assert client.post("/dang-nhap", data={"username": USER, "password": WRONG}).status_code == 401
    page = client.post("/dang-nhap", data={"username": USER, "password": PASSWORD})
    assert page.status_code == 429 and 55 <= int(page.headers["Retry-After"]) <= 60
    assert "Vui lòng thử lại sau 1 phút" in page.text and 'value="hotich.tanhoa"' in page.text
    assert client.get("/cong-viec").status_code == 302


def test_failures_locks_and_refusals_are_logged_without_passwords(client, demo):
    fail(client, USER, 5, address="192.0.2.4")
    token_request(client, USER, PASSWORD, address="192.0.2.4")
    ok(token_request(client, "motcua.tanhoa", PASSWORD, address="192.0.2.4"))
    events = session.scalars(select(AuthEvent).order_by(AuthEvent.id)).all()
    assert [(e.username, e.outcome) for e in events] == (
        [(USER, "failure")] * 5 + [(USER, "locked"), (USER, "refused"), ("motcua.tanhoa", "success")])
    assert {e.address for e in events} == {"192.0.2.4"} and all(e.at for e in events)
    assert "tài khoản hotich.tanhoa 1 phút" in events[5].detail
    assert not any(WRONG in str(e.detail) or PASSWORD in str(e.detail) for e in events)


@pytest.mark.commits  # threads, each on its own connection, as several workers would be
def test_parallel_guesses_cannot_slip_past_the_lock(app, demo):
    count, statuses = 10, []
    barrier = threading.Barrier(count)

    def guess():
        client = app.test_client()
        barrier.wait()
        statuses.append(token_request(client, USER, WRONG).status_code)

    run_together(guess, count)
    assert sorted(statuses) == [401] * 5 + [429] * 5
