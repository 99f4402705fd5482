"""The PIN lock is a security measure: it runs on the real clock, whatever the application clock says."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.auth.services import get_user
from app.core.errors import Invalid, TooManyAttempts
from app.signing import services as signing

LEADER, RIGHT_PIN = "lanhdao.tanhoa", "123456"


def _sign(pdf: bytes, pin: str) -> bytes:
    """Sign as the demo leader at the application clock's time, as the apology path does."""
    return signing.sign_with_pin(get_user(LEADER), pdf, pin, clock.now())


def _lock(pdf: bytes) -> None:
    for _ in range(signing.MAX_PIN_FAILURES):
        with pytest.raises(Invalid):
            _sign(pdf, "000000")
    with pytest.raises(TooManyAttempts):
        _sign(pdf, RIGHT_PIN)


def _real_minutes_pass(monkeypatch, minutes: int) -> None:
    real_now = clock.real_now
    monkeypatch.setattr(clock, "real_now", lambda: real_now() + timedelta(minutes=minutes))


def test_moving_the_application_clock_ahead_does_not_lift_a_pin_lock(signing_demo, issued, stopped_clock):
    stopped_clock(clock.real_now())
    _lock(issued)
    stopped_clock(clock.real_now() + timedelta(days=1))
    with pytest.raises(TooManyAttempts):
        _sign(issued, RIGHT_PIN)


def test_a_pin_lock_taken_with_the_clock_ahead_ends_after_15_real_minutes(signing_demo, issued, stopped_clock,
                                                                          monkeypatch):
    stopped_clock(clock.real_now() + timedelta(days=3))
    _lock(issued)
    _real_minutes_pass(monkeypatch, 14)
    with pytest.raises(TooManyAttempts):
        _sign(issued, RIGHT_PIN)
    _real_minutes_pass(monkeypatch, 2)
    assert _sign(issued, RIGHT_PIN).startswith(b"%PDF")
