"""Moving the application clock (demo and test instances): only to years the calendar knows."""
from __future__ import annotations

import pytest

from app import clock


@pytest.mark.parametrize("moment", ["1890-05-12T17:29:54+07:00", "2100-01-01T00:00:00+07:00", "1999-12-31T16:00:00Z"])
def test_the_clock_stays_in_the_years_the_calendar_knows(api, demo, moment):
    """Before 1975 the zone's offset has seconds (+07:06:30), which no ISO 8601 time in
    an answer can carry; past 2099 the working-day calendar has no holidays."""
    before = clock.now()
    response = api.post("/admin/clock", "admin", json={"now": moment})
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "now", "message": "Chỉ đặt được đồng hồ trong khoảng năm 2000–2099."}]
    assert abs((clock.now() - before).total_seconds()) < 60


def test_the_clock_moves_within_them(api, demo):
    response = api.post("/admin/clock", "admin", json={"now": "2030-01-02T08:00:00+07:00"})
    assert response.status_code == 200
    assert response.json["now"].startswith("2030-01-02T08:00")
    assert clock.now().year == 2030
