"""Deadlines and the administrator's calendar days.

Expected deadlines are worked out by hand: office hours 07:30–11:30 and
13:00–17:00; N working days end at closing time of the N-th working day
after the start day.
"""
from __future__ import annotations

import pytest

from tests.support.api import error_fields, iso, ok, problem

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00


def due(api, user="chuyenvien.tanhoa", **query) -> str:
    return ok(api.get("/calendar/due", user, query_string=query))["due_at"]


@pytest.mark.parametrize("start, limit, expected", [
    ("2025-10-03T10:00:00+07:00", "1d", "2025-10-06 17:00"),   # Friday → Monday
    ("2025-10-03T10:00:00+07:00", "3d", "2025-10-08 17:00"),
    ("2025-10-03T10:00:00+07:00", "4h", "2025-10-03 15:30"),   # 1.5 h before lunch, 2.5 h after
    ("2025-10-03T03:00:00Z", "1d", "2025-10-06 17:00"),        # the same moment in UTC
    ("2025-10-03T10:00:00", "4h", "2025-10-03 15:30"),         # naive = local time
    ("2025-08-29T09:00:00+07:00", "2d", "2025-09-04 17:00"),   # over the 2/9 National Day holidays
])
def test_due_dates(api, demo, start, limit, expected):
    assert due(api, start=start, limit=limit) == iso(expected)


def test_due_starts_now_by_default(api, demo):
    assert due(api, limit="1d") == iso("2025-10-06 17:00")


def test_admin_days_move_deadlines(api, demo):
    ok(api.post("/calendar/days", "admin", json={"date": "2025-10-06", "kind": "holiday", "name": "Nghỉ bão"}), 201)
    assert due(api, start="2025-10-03T10:00:00+07:00", limit="1d") == iso("2025-10-07 17:00")

    day = ok(api.post("/calendar/days", "admin", json={"date": "2025-10-04", "kind": "workday"}), 201)
    assert day["date"] == "2025-10-04" and day["kind"] == "workday" and day["name"]
    assert due(api, start="2025-10-03T10:00:00+07:00", limit="1d") == iso("2025-10-04 17:00")


@pytest.mark.parametrize("query, field", [
    ({"start": "yesterday", "limit": "1d"}, "start"),
    ({"start": "1900-01-01T08:00:00+07:00", "limit": "1d"}, "start"),
    ({"limit": "3 weeks"}, "limit"),
    ({"limit": "-1d"}, "limit"),
    ({"limit": "99999999d"}, "limit"),
    ({}, "limit"),
])
def test_bad_due_queries_name_the_parameter(api, demo, query, field):
    assert field in error_fields(api.get("/calendar/due", "chuyenvien.tanhoa", query_string=query))


def test_due_needs_a_token(api, demo):
    problem(api.get("/calendar/due", query_string={"limit": "1d"}), 401)


@pytest.mark.parametrize("body, field", [
    ({"date": "2025-13-01", "kind": "holiday"}, "date"),
    ({"date": "2025-10-06", "kind": "weekend"}, "kind"),
    ({"kind": "holiday"}, "date"),
    ({"date": "2025-10-06", "kind": "holiday", "name": ["x"]}, "name"),
])
def test_bad_calendar_days(api, demo, body, field):
    assert field in error_fields(api.post("/calendar/days", "admin", json=body))
