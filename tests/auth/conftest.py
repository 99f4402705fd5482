"""What the tests of sessions, tokens and login throttling share: a real clock they can move."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock


@pytest.fixture
def real_clock(monkeypatch):
    """The real clock (:func:`app.clock.real_now`), stopped where it is; call it to move it on.

    Sessions, tokens and locks measure their lifetimes on it. The application
    clock reads it too, at its stored offset, so it moves along, as it would.
    """
    now = {"value": clock.real_now()}
    monkeypatch.setattr(clock, "real_now", lambda: now["value"])

    def advance(**delta: float) -> None:
        now["value"] += timedelta(**delta)

    return advance
