"""Deadlines across the official 2026 and 2027 schedules, written here by hand.

The days off below are the Government's (Labour Code 2019 art. 112 and the
announcements for 2026), not read from the ``holidays`` package:

    August / September 2026          November 2026           February 2027
    Mo Tu We Th Fr Sa Su             Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su
    17 18 19 20 21 22 23             23 24 25 26 27 28 29     1  2  3  4  5  6  7
    24 25 26 27 28 29 30                                      8  9 10 11 12 13 14
    31  1  2  3  4  5  6

* Saturday 22/8/2026 is a working day, in exchange for Monday 31/8/2026 off;
  Tuesday 1/9 and Wednesday 2/9/2026 are National Day (2/9 and the day before it).
* Tuesday 24/11/2026 is Vietnam Culture Day, a public holiday from 2026 on.
* Tết 2027 (lunar new year on Saturday 6/2/2027): off from Thursday 4/2 to Wednesday
  10/2/2027 (the 29th, New Year's Eve, the first four days, and the days given back
  for the first two, which fall on the weekend).
* National Day 2027 is Thursday 2/9 and Friday 3/9; Culture Day 2027 is Wednesday 24/11.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.calendar.workdays import MAKE_UP, PUBLIC_HOLIDAY, SUBSTITUTE, WEEKEND, WorkCalendar, parse_limit

pytestmark = pytest.mark.unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAYS_OFF = {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2), date(2026, 11, 24),
            *(date(2027, 2, day) for day in range(4, 11)), date(2027, 9, 2), date(2027, 9, 3),
            date(2027, 11, 24)}
WEEKENDS_WORKED = {date(2026, 8, 22)}


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(scope="module")
def cal():
    return WorkCalendar()


@pytest.mark.parametrize("first, last", [(date(2026, 8, 15), date(2026, 9, 6)),
                                         (date(2026, 11, 16), date(2026, 11, 29)),
                                         (date(2027, 1, 30), date(2027, 2, 14)),
                                         (date(2027, 8, 30), date(2027, 9, 5)),
                                         (date(2027, 11, 22), date(2027, 11, 28))])
def test_the_working_days_are_the_official_ones(cal, first, last):
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    official = [d not in DAYS_OFF and (d.weekday() < 5 or d in WEEKENDS_WORKED) for d in days]
    assert [cal.is_working_day(d) for d in days] == official


@pytest.mark.parametrize("start, limit, due", [
    (at(2026, 8, 20, 15), "3d", at(2026, 8, 24, 17)),   # Fri 21, Sat 22 (worked), Mon 24
    (at(2026, 8, 21, 9), "1d", at(2026, 8, 22, 17)),    # the make-up Saturday counts
    (at(2026, 8, 22, 9), "0d", at(2026, 8, 22, 17)),    # received on the make-up Saturday
    (at(2026, 8, 21, 16), "4h", at(2026, 8, 22, 10, 30)),  # 1 h on Friday, 3 h on Saturday
    (at(2026, 8, 27, 10), "2d", at(2026, 9, 3, 17)),    # Fri 28, then Thu 3/9 after four days off
    (at(2026, 8, 28, 10), "1d", at(2026, 9, 3, 17)),
    (at(2026, 11, 23, 10), "1d", at(2026, 11, 25, 17)),  # over Culture Day
    (at(2026, 11, 20, 10), "3d", at(2026, 11, 26, 17)),  # Mon 23, Wed 25, Thu 26
    (at(2027, 2, 3, 10), "1d", at(2027, 2, 11, 17)),    # over Tết 2027
    (at(2027, 9, 1, 10), "1d", at(2027, 9, 6, 17)),     # over National Day 2027
    (at(2027, 11, 23, 10), "1d", at(2027, 11, 25, 17)),  # over Culture Day 2027
])
def test_due_dates_follow_the_official_schedule(cal, start, limit, due):
    assert cal.due_at(start, parse_limit(limit)) == due


@pytest.mark.parametrize("day, kind", [
    (date(2026, 8, 22), MAKE_UP), (date(2026, 8, 31), SUBSTITUTE), (date(2026, 4, 27), SUBSTITUTE),
    (date(2026, 11, 24), PUBLIC_HOLIDAY), (date(2026, 9, 2), PUBLIC_HOLIDAY), (date(2026, 8, 29), WEEKEND),
])
def test_the_page_tells_the_kinds_of_days_apart(cal, day, kind):
    assert cal.day_kind(day) == kind


def test_a_year_with_an_announced_swap_has_confirmed_days(cal):
    assert cal.check_year(2026).confirmed_days == 2   # 22/8 worked, 31/8 off
    assert cal.check_year(2027).confirmed_days == 0
    local = WorkCalendar({date(2027, 2, 13): ("workday", "Làm bù Tết")})
    assert local.check_year(2027).confirmed_days == 1
