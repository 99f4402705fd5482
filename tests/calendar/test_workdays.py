"""Tests for the working-day calendar (app.calendar.workdays).

Expected dates are worked out by hand from the rules (weekends, the 2026
holidays listed by the `holidays` package, Civil Code art. 147) and the
2026 calendar:

    February 2026            March 2026               April/May 2026
    Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su
     9 10 11 12 13 14 15      2  3  4  5  6  7  8     20 21 22 23 24 25 26
    16 17 18 19 20 21 22      9 10 11 12 13 14 15     27 28 29 30  1  2  3
    23 24 25 26 27 28         16 ...                   4  5  6  7  8  9 10
"""

from datetime import date, datetime, time, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from app.calendar.workdays import LimitError, OfficeHours, TimeLimit, WorkCalendar, parse_limit, warning_time

pytestmark = pytest.mark.unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, m, d, hh=0, mm=0):
    """An aware moment in Vietnam time."""
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(scope="module")
def cal():
    return WorkCalendar()


# --- working days ---------------------------------------------------------------


def test_weekend_is_not_a_working_day(cal):
    assert cal.is_working_day(date(2026, 3, 6))  # Friday
    assert not cal.is_working_day(date(2026, 3, 7))  # Saturday
    assert not cal.is_working_day(date(2026, 3, 8))  # Sunday
    assert cal.is_working_day(date(2026, 3, 9))  # Monday
    assert cal.day_name(date(2026, 3, 7)) is None


@pytest.mark.parametrize("day", [16, 17, 18, 19, 20])
def test_tet_2026_weekdays_are_holidays(cal, day):
    d = date(2026, 2, day)
    assert not cal.is_working_day(d)
    assert "Tết" in cal.day_name(d)


@pytest.mark.parametrize(
    "d, name",
    [
        (date(2026, 4, 30), "Ngày Chiến thắng"),
        (date(2026, 5, 1), "Ngày Quốc tế Lao động"),
        (date(2026, 9, 1), "Quốc khánh"),
        (date(2026, 9, 2), "Quốc khánh"),
        (date(2026, 4, 27), "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"),  # 26/4 is a Sunday
    ],
)
def test_national_holidays_2026_in_vietnamese(cal, d, name):
    assert not cal.is_working_day(d)
    assert cal.day_name(d) == name


def test_package_make_up_working_day_on_saturday():
    # 2024: Monday 29/4 off, swapped with Saturday 4/5 (Official Dispatch 2450/VPCP-KGVX).
    cal = WorkCalendar()
    assert not cal.is_working_day(date(2024, 4, 29))
    assert cal.is_working_day(date(2024, 5, 4))
    assert cal.day_name(date(2024, 5, 4))
    assert cal.next_working_day(date(2024, 5, 3)) == date(2024, 5, 4)


def test_override_holiday_on_a_weekday():
    cal = WorkCalendar({date(2026, 3, 10): ("holiday", "Nghỉ đột xuất")})
    assert not cal.is_working_day(date(2026, 3, 10))
    assert cal.day_name(date(2026, 3, 10)) == "Nghỉ đột xuất"
    assert cal.add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 11)
    assert cal.due_at(at(2026, 3, 9, 10), parse_limit("1d")) == at(2026, 3, 11, 17)


def test_override_make_up_workday_on_a_saturday():
    cal = WorkCalendar({date(2026, 3, 14): ("workday", "Làm bù")})
    assert cal.is_working_day(date(2026, 3, 14))
    assert cal.day_name(date(2026, 3, 14)) == "Làm bù"
    assert cal.next_working_day(date(2026, 3, 13)) == date(2026, 3, 14)
    assert cal.due_at(at(2026, 3, 13, 10), parse_limit("1d")) == at(2026, 3, 14, 17)
    # Hour limits run through the Saturday's office hours too.
    assert cal.due_at(at(2026, 3, 13, 16), parse_limit("2h")) == at(2026, 3, 14, 8, 30)


def test_override_beats_package():
    cal = WorkCalendar({date(2026, 4, 30): ("workday", "Đi làm")})
    assert cal.is_working_day(date(2026, 4, 30))
    assert cal.day_name(date(2026, 4, 30)) == "Đi làm"


def test_override_with_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="vacation"):
        WorkCalendar({date(2026, 3, 10): ("vacation", "x")})


def test_next_and_add_working_days(cal):
    assert cal.next_working_day(date(2026, 3, 6)) == date(2026, 3, 9)  # Fri -> Mon
    assert cal.add_working_days(date(2026, 3, 4), 5) == date(2026, 3, 11)
    # Wed 29/4 + 3: 30/4 and 1/5 holidays, 2-3/5 weekend -> Mon 4, Tue 5, Wed 6.
    assert cal.add_working_days(date(2026, 4, 29), 3) == date(2026, 5, 6)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 3, 4), 0)


def test_holidays_in_merges_package_and_overrides():
    cal = WorkCalendar(
        {
            date(2026, 4, 30): ("workday", "Đi làm"),
            date(2026, 3, 10): ("holiday", "Nghỉ đột xuất"),
            date(2025, 3, 10): ("holiday", "Năm khác"),
        }
    )
    rows = cal.holidays_in(2026)
    assert rows == sorted(rows)
    assert (date(2026, 2, 17), "holiday", "Tết Nguyên Đán") in rows
    assert (date(2026, 3, 10), "holiday", "Nghỉ đột xuất") in rows
    assert (date(2026, 4, 30), "workday", "Đi làm") in rows
    assert all(d.year == 2026 for d, _, _ in rows)
    assert [d for d, _, _ in rows].count(date(2026, 4, 30)) == 1
    assert (date(2024, 5, 4), "workday") in [(d, k) for d, k, _ in WorkCalendar().holidays_in(2024)]


# --- whole-day limits: the next-day rule (Civil Code art. 147) ------------------


@pytest.mark.parametrize(
    "start, limit, due",
    [
        (at(2026, 3, 6, 10), "1d", at(2026, 3, 9, 17)),  # Friday -> Monday
        (at(2026, 3, 9, 7, 0), "1d", at(2026, 3, 10, 17)),  # before opening still counts from next day
        (at(2026, 3, 5, 16), "2d", at(2026, 3, 9, 17)),  # Thursday -> Fri, Mon
        (at(2026, 3, 7, 9), "1d", at(2026, 3, 9, 17)),  # received on a Saturday
        (at(2026, 2, 13, 10), "1d", at(2026, 2, 23, 17)),  # Friday before Tết
        (at(2026, 4, 26, 9), "1d", at(2026, 4, 28, 17)),  # Sunday holiday, Monday nghỉ bù
        (at(2026, 4, 29, 10), "3d", at(2026, 5, 6, 17)),  # across 30/4, 1/5 and a weekend
        (at(2026, 3, 2, 10), "2.0d", at(2026, 3, 4, 17)),  # "2.0d" is a whole-day limit
    ],
)
def test_whole_day_limits(cal, start, limit, due):
    assert cal.due_at(start, parse_limit(limit)) == due


@pytest.mark.parametrize(
    "start, due",
    [
        (at(2026, 3, 9, 9), at(2026, 3, 9, 17)),
        (at(2026, 3, 9, 15, 0), at(2026, 3, 9, 17)),  # exactly at the cut-off
        (at(2026, 3, 9, 15, 1), at(2026, 3, 10, 17)),
        (at(2026, 3, 6, 16), at(2026, 3, 9, 17)),  # Friday afternoon -> Monday
        (at(2026, 3, 7, 9), at(2026, 3, 9, 17)),  # Saturday morning -> Monday
        (at(2026, 2, 13, 16), at(2026, 2, 23, 17)),  # after cut-off before Tết
    ],
)
def test_same_day_limit(cal, start, due):
    assert cal.due_at(start, parse_limit("0d")) == due


def test_same_day_cutoff_is_configurable():
    cal = WorkCalendar(office=OfficeHours.from_text(cutoff="16:00"))
    assert cal.due_at(at(2026, 3, 9, 15, 30), parse_limit("0d")) == at(2026, 3, 9, 17)


def test_whole_days_end_at_configured_closing_time():
    cal = WorkCalendar(office=OfficeHours.from_text("08:00-12:00,13:30-17:30"))
    assert cal.due_at(at(2026, 3, 6, 10), parse_limit("1d")) == at(2026, 3, 9, 17, 30)


# --- hour and fractional-day limits: counted in office hours --------------------


@pytest.mark.parametrize(
    "start, limit, due",
    [
        (at(2026, 3, 9, 8), "2h", at(2026, 3, 9, 10)),
        (at(2026, 3, 9, 10, 30), "4h", at(2026, 3, 9, 16)),  # crosses lunch
        (at(2026, 3, 9, 16), "4h", at(2026, 3, 10, 10, 30)),  # overnight
        (at(2026, 3, 6, 16), "2h", at(2026, 3, 9, 8, 30)),  # over the weekend
        (at(2026, 2, 13, 16), "2h", at(2026, 2, 23, 8, 30)),  # over Tết
        (at(2026, 3, 9, 7, 30), "1.5h", at(2026, 3, 9, 9)),
        (at(2026, 3, 9, 6, 0), "1h", at(2026, 3, 9, 8, 30)),  # before opening
        (at(2026, 3, 9, 12, 0), "1h", at(2026, 3, 9, 14)),  # during lunch
        (at(2026, 3, 9, 18, 0), "1h", at(2026, 3, 10, 8, 30)),  # after closing
        (at(2026, 3, 7, 10, 0), "1h", at(2026, 3, 9, 8, 30)),  # on a Saturday
        (at(2026, 3, 9, 7, 30), "0.5d", at(2026, 3, 9, 11, 30)),
        (at(2026, 3, 9, 10, 0), "0.5d", at(2026, 3, 9, 15, 30)),
        (at(2026, 3, 9, 7, 30), "1.5d", at(2026, 3, 10, 11, 30)),
    ],
)
def test_office_hour_limits(cal, start, limit, due):
    assert cal.due_at(start, parse_limit(limit)) == due


@pytest.mark.parametrize(
    "start, limit, due",
    [
        (at(2026, 3, 9, 9, 30), "2h", at(2026, 3, 9, 11, 30)),  # not 13:00
        (at(2026, 3, 9, 13, 0), "0.5d", at(2026, 3, 9, 17, 0)),  # not next day 07:30
        (at(2026, 3, 9, 11, 30), "1h", at(2026, 3, 9, 14, 0)),  # starting at a period end
    ],
)
def test_count_ending_at_period_end(cal, start, limit, due):
    assert cal.due_at(start, parse_limit(limit)) == due


# --- time zones ------------------------------------------------------------------


def test_aware_input_in_other_zone_is_converted(cal):
    # Monday 20:00 UTC is Tuesday 03:00 in Vietnam: 1d counts from Wednesday.
    due = cal.due_at(datetime(2026, 3, 9, 20, 0, tzinfo=timezone.utc), parse_limit("1d"))
    assert due == at(2026, 3, 11, 17)
    assert due.tzinfo == VN
    assert due.utcoffset().total_seconds() == 7 * 3600
    # 03:00 UTC is 10:00 in Vietnam.
    assert cal.due_at(datetime(2026, 3, 9, 3, 0, tzinfo=timezone.utc), parse_limit("1h")) == at(2026, 3, 9, 11)


def test_naive_datetime_is_rejected(cal):
    with pytest.raises(ValueError, match="naive"):
        cal.due_at(datetime(2026, 3, 9, 10), parse_limit("1d"))
    with pytest.raises(ValueError, match="naive"):
        cal.working_days_between(at(2026, 3, 9, 10), datetime(2026, 3, 10, 10))


# --- working_days_between --------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, days",
    [
        (at(2026, 3, 9, 7, 30), at(2026, 3, 9, 17), Fraction(1)),
        (at(2026, 3, 9, 7, 30), at(2026, 3, 9, 11, 30), Fraction(1, 2)),
        (at(2026, 3, 9, 7, 30), at(2026, 3, 9, 10, 30), Fraction(3, 8)),
        (at(2026, 3, 9, 11, 0), at(2026, 3, 9, 14, 0), Fraction(3, 16)),  # lunch not counted
        (at(2026, 3, 9, 13, 0), at(2026, 3, 10, 11, 30), Fraction(1)),
        (at(2026, 3, 6, 13, 0), at(2026, 3, 9, 11, 30), Fraction(1)),  # weekend not counted
        (at(2026, 3, 9, 18, 0), at(2026, 3, 10, 7, 0), Fraction(0)),
        (at(2026, 2, 13, 7, 30), at(2026, 2, 23, 17, 0), Fraction(2)),  # Tết not counted
        (at(2026, 3, 9, 10), at(2026, 3, 9, 10), Fraction(0)),
    ],
)
def test_working_days_between(cal, a, b, days):
    assert cal.working_days_between(a, b) == days
    assert cal.working_days_between(b, a) == -days


def test_working_days_between_matches_hour_limits(cal):
    start = at(2026, 3, 6, 10)
    due = cal.due_at(start, parse_limit("1.5d"))
    assert cal.working_days_between(start, due) == Fraction(3, 2)


# --- parse_limit / TimeLimit ---------------------------------------------------


@pytest.mark.parametrize(
    "text, amount, unit, canonical",
    [
        ("2d", Fraction(2), "d", "2d"),
        ("0.5d", Fraction(1, 2), "d", "0.5d"),
        ("4h", Fraction(4), "h", "4h"),
        ("1.5h", Fraction(3, 2), "h", "1.5h"),
        ("0d", Fraction(0), "d", "0d"),
        (" 3D ", Fraction(3), "d", "3d"),
        ("2.50h", Fraction(5, 2), "h", "2.5h"),
        ("0.25d", Fraction(1, 4), "d", "0.25d"),
        ("3650d", Fraction(3650), "d", "3650d"),
        ("30000h", Fraction(30000), "h", "30000h"),
    ],
)
def test_parse_limit_good(text, amount, unit, canonical):
    limit = parse_limit(text)
    assert (limit.amount, limit.unit) == (amount, unit)
    assert str(limit) == canonical
    assert parse_limit(str(limit)) == limit


@pytest.mark.parametrize(
    "text",
    ["", "   ", "-1d", "2", "2w", "abc", "1e3d", "d", "1,5d", "2 d", "+2d", "3651d", "30001h", "0h", "nand"],
)
def test_parse_limit_bad(text):
    with pytest.raises(LimitError) as err:
        parse_limit(text)
    assert isinstance(err.value, ValueError)
    assert text.strip().lower() in str(err.value) or text in str(err.value)


def test_time_limit_hours():
    assert parse_limit("0.5d").hours(Fraction(8)) == 4
    assert parse_limit("2d").hours(Fraction(15, 2)) == 15
    assert parse_limit("4h").hours(Fraction(8)) == 4


def test_time_limit_rejects_bad_construction():
    with pytest.raises(LimitError):
        TimeLimit(Fraction(1, 3), "d")  # no exact decimal text
    with pytest.raises(LimitError):
        TimeLimit(Fraction(1), "w")
    with pytest.raises(LimitError):
        TimeLimit(Fraction(-1), "h")


# --- OfficeHours ----------------------------------------------------------------


def test_office_hours_default():
    office = OfficeHours()
    assert office.hours_per_day == 8
    assert office.same_day_cutoff == time(15, 0)
    assert OfficeHours.from_text() == office


def test_office_hours_from_text():
    office = OfficeHours.from_text(" 07:00 - 11:00 , 13:00-16:30", "14:30")
    assert office.periods == ((time(7, 0), time(11, 0)), (time(13, 0), time(16, 30)))
    assert office.same_day_cutoff == time(14, 30)
    assert office.hours_per_day == Fraction(15, 2)


@pytest.mark.parametrize(
    "periods, cutoff",
    [
        ("07:30-11:30,11:00-17:00", "15:00"),  # overlap
        ("13:00-17:00,07:30-11:30", "15:00"),  # out of order
        ("17:00-07:30", "15:00"),  # ends before it starts
        ("07:30-07:30", "07:30"),  # empty period
        ("abc", "15:00"),
        ("", "15:00"),
        ("25:00-26:00", "15:00"),
        ("07:30-11:30", "3pm"),
        ("07:30-11:30,13:00-17:00", "18:00"),  # cut-off after closing
    ],
)
def test_office_hours_from_text_bad(periods, cutoff):
    with pytest.raises(ValueError):
        OfficeHours.from_text(periods, cutoff)


def test_warning_one_working_day_before_long_limits():
    calendar = WorkCalendar()
    start = datetime(2026, 3, 2, 9, 0, tzinfo=VN)  # Monday
    limit = parse_limit("3d")
    due = calendar.due_at(start, limit)  # Thursday 17:00
    assert warning_time(calendar, start, limit, due) == datetime(2026, 3, 4, 17, 0, tzinfo=VN)


def test_warning_at_three_quarters_of_short_limits():
    calendar = WorkCalendar()
    start = datetime(2026, 3, 2, 8, 0, tzinfo=VN)
    limit = parse_limit("4h")
    due = calendar.due_at(start, limit)  # 13:30 (lunch break 11:30–13:00)
    assert due == datetime(2026, 3, 2, 13, 30, tzinfo=VN)
    assert warning_time(calendar, start, limit, due) == datetime(2026, 3, 2, 11, 0, tzinfo=VN)


def test_warning_never_after_the_deadline_of_a_same_day_step():
    calendar = WorkCalendar()
    start = datetime(2026, 3, 2, 14, 0, tzinfo=VN)
    limit = parse_limit("0d")
    due = calendar.due_at(start, limit)
    assert warning_time(calendar, start, limit, due) <= due
