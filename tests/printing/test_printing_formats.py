"""Dates as Vietnamese administrative documents write them, in Vietnam time."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from printing.formats import date_time, long_date, short_date

pytestmark = pytest.mark.unit
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_leading_zero_for_small_days_and_january_february():
    assert long_date(date(2026, 3, 5)) == "ngày 05 tháng 3 năm 2026"
    assert long_date(date(2026, 2, 14)) == "ngày 14 tháng 02 năm 2026"
    assert long_date(date(2026, 12, 25)) == "ngày 25 tháng 12 năm 2026"
    assert short_date(date(2026, 1, 9)) == "09/01/2026"


def test_aware_times_are_printed_in_the_zone_given():
    moment = datetime(2026, 3, 5, 1, 30, tzinfo=timezone.utc)
    assert date_time(moment, VN) == "08 giờ 30 phút, ngày 05/3/2026"
    # 20:00 UTC is already the next day in Vietnam.
    assert date_time(datetime(2026, 3, 4, 20, 5, tzinfo=timezone.utc), VN) == "03 giờ 05 phút, ngày 05/3/2026"
    assert short_date(datetime(2026, 3, 4, 20, 5, tzinfo=timezone.utc), VN) == "05/3/2026"
    tokyo = timezone(timedelta(hours=9))
    assert date_time(datetime(2026, 3, 5, 10, 30, tzinfo=tokyo), VN) == "08 giờ 30 phút, ngày 05/3/2026"
    assert long_date(datetime(2026, 3, 5, 10, 30, tzinfo=VN), tokyo) == "ngày 05 tháng 3 năm 2026"
    assert date_time(datetime(2026, 3, 5, 10, 30, tzinfo=VN), tokyo) == "12 giờ 30 phút, ngày 05/3/2026"


def test_without_a_zone_an_aware_time_prints_in_its_own():
    assert date_time(datetime(2026, 3, 4, 20, 5, tzinfo=timezone.utc)) == "20 giờ 05 phút, ngày 04/3/2026"


def test_naive_dates_and_missing_values_never_fail():
    assert date_time(datetime(2026, 3, 5, 8, 30)) == "08 giờ 30 phút, ngày 05/3/2026"
    assert date_time(date(2026, 3, 5)) == "ngày 05/3/2026"
    assert date_time(None) == ""
    assert short_date(None) == ""
    assert long_date(None) == "ngày ..... tháng ..... năm ........."
