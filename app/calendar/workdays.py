"""Working-day arithmetic for the one-stop shop.

Administrative procedures state their time limits in *working days*
(ngày làm việc) or, for short internal steps, in working hours.  A working
day is Monday to Friday, minus public holidays (Labour Code 2019, art. 112,
including the "nghỉ bù" days given when a holiday falls on a weekend), plus the
weekend days that the Government turns into make-up working days when it
swaps a day off.  The schedule changes every year, so an administrator can
override any date; overrides always win.

A limit of N whole days starts counting on the working day *after* the
dossier is received (Civil Code 2015, art. 147: when a period is counted in
days, the day of the triggering event is not counted) and ends when the
office closes on the N-th working day.  Same-day procedures ("0d") received
after the afternoon cut-off are due the next working day.

This module is pure: no Flask, no database.  The caller loads the overrides
and office hours from configuration and passes them in; the zone, when not
given, is the instance's (``app.clock``, itself pure).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import holidays

from app import clock

HOLIDAY = "holiday"
WORKDAY = "workday"
MAKE_UP_WORKDAY_NAME = "Ngày làm việc bù"
#: how the calendar page shows a day (``WorkCalendar.day_kind``); also its CSS class
PUBLIC_HOLIDAY, SUBSTITUTE, MAKE_UP = "public-holiday", "substitute", "make-up"
LOCAL_HOLIDAY, LOCAL_WORKDAY, WEEKEND, WORKING = "local-holiday", "local-workday", "weekend", "working"

MAX_AMOUNT = {"d": Fraction(3650), "h": Fraction(30000)}
_LIMIT_RE = re.compile(r"(\d+(?:\.\d+)?)([dh])")
_PERIOD_RE = re.compile(r"(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})")
_CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})")
_MICROSECOND = timedelta(microseconds=1)


class LimitError(ValueError):
    """A time limit that cannot be used to compute a deadline."""


def _is_terminating_decimal(value: Fraction) -> bool:
    """True if ``value`` can be written exactly with a finite number of decimals."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def _decimal_text(value: Fraction) -> str:
    """Exact decimal text of a terminating fraction: 2 -> "2", 3/2 -> "1.5"."""
    whole, rest = divmod(value.numerator, value.denominator)
    if not rest:
        return str(whole)
    digits = ""
    while rest:
        digit, rest = divmod(rest * 10, value.denominator)
        digits += str(digit)
    return f"{whole}.{digits}"


@dataclass(frozen=True)
class TimeLimit:
    """A time limit such as "2d" (working days) or "4h" (working hours).

    Whole days follow the next-day rule of Civil Code art. 147; fractional
    days ("0.5d") and hours are counted in office hours from the start.
    The amount must be a non-negative terminating decimal so that ``str()``
    gives back exactly what an administrator would type.
    """

    amount: Fraction
    unit: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", Fraction(self.amount))
        if self.unit not in MAX_AMOUNT:
            raise LimitError(f"invalid time limit unit {self.unit!r}: use 'd' or 'h'")
        if self.amount < 0 or not _is_terminating_decimal(self.amount):
            raise LimitError(f"invalid time limit amount {self.amount}: use a non-negative decimal")
        if self.amount > MAX_AMOUNT[self.unit]:
            raise LimitError(f"time limit '{self}' is too large (max {MAX_AMOUNT[self.unit]}{self.unit})")
        if self.amount == 0 and self.unit == "h":
            raise LimitError("invalid time limit '0h': a same-day limit is written 0d")

    def __str__(self) -> str:
        return f"{_decimal_text(self.amount)}{self.unit}"

    @property
    def is_whole_days(self) -> bool:
        """Whole-day limits use the next-day rule; everything else counts office hours."""
        return self.unit == "d" and self.amount.denominator == 1

    def hours(self, hours_per_day: Fraction) -> Fraction:
        """The limit expressed in working hours (a day is one day of office hours)."""
        return self.amount * hours_per_day if self.unit == "d" else self.amount


def parse_limit(text: str) -> TimeLimit:
    """Parse an administrator-entered limit: "2d", "0.5d", "4h", "1.5h", "0d".

    Case and surrounding blanks are ignored.  Anything else (no unit, weeks,
    signs, exponents, absurd sizes) raises LimitError naming the bad value.
    """
    match = _LIMIT_RE.fullmatch(text.strip().lower())
    if not match:
        raise LimitError(f"invalid time limit {text!r}: use Nd, Nh or 0.5d")
    return TimeLimit(Fraction(match.group(1)), match.group(2))


def _parse_clock(text: str) -> time:
    """"07:30" -> time(7, 30); ValueError for anything else, including "25:00"."""
    match = _CLOCK_RE.fullmatch(text.strip())
    try:
        return time(int(match.group(1)), int(match.group(2)))
    except (AttributeError, ValueError):
        raise ValueError(f"invalid time {text!r}: use HH:MM") from None


def _seconds(t: time) -> int:
    """Seconds from midnight to ``t``."""
    return t.hour * 3600 + t.minute * 60 + t.second


def _hours(start: time, end: time) -> Fraction:
    """Length of a same-day interval in hours."""
    return Fraction(_seconds(end) - _seconds(start), 3600)


@dataclass(frozen=True)
class OfficeHours:
    """The periods of a working day in which the office receives and handles files.

    Working-hour limits only run inside these periods; whole-day limits end
    at the close of the last period.  ``same_day_cutoff`` is the latest time
    a same-day ("0d") procedure can be received and still be due that day.
    """

    periods: tuple[tuple[time, time], ...] = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
    same_day_cutoff: time = time(15, 0)

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("office hours need at least one period")
        for start, end in self.periods:
            if start >= end:
                raise ValueError(f"office period {start:%H:%M}-{end:%H:%M} ends before it starts")
        for (_, end), (start, _) in zip(self.periods, self.periods[1:]):
            if start < end:
                raise ValueError(f"office periods overlap or are out of order at {start:%H:%M}")
        if self.same_day_cutoff > self.closing_time:
            raise ValueError(f"same-day cut-off {self.same_day_cutoff:%H:%M} is after closing time")

    @classmethod
    def from_text(cls, periods: str = "07:30-11:30,13:00-17:00", cutoff: str = "15:00") -> OfficeHours:
        """Build office hours from configuration text; ValueError on bad text or overlaps."""
        parsed = []
        for part in periods.split(","):
            match = _PERIOD_RE.fullmatch(part.strip())
            if not match:
                raise ValueError(f"invalid office period {part.strip()!r}: use HH:MM-HH:MM")
            parsed.append((_parse_clock(match.group(1)), _parse_clock(match.group(2))))
        return cls(tuple(parsed), _parse_clock(cutoff))

    @property
    def hours_per_day(self) -> Fraction:
        """Office hours in one working day: the length of a "1d" limit counted in hours."""
        return sum((_hours(start, end) for start, end in self.periods), Fraction(0))

    @property
    def closing_time(self) -> time:
        """End of the last period: when a whole-day limit falls due."""
        return self.periods[-1][1]


class WorkCalendar:
    """Vietnamese working days, deadlines and elapsed working time.

    Public holidays and official make-up working days come from the
    ``holidays`` package (cached per year); ``overrides`` maps a date to
    ``(kind, name)`` with kind "holiday" or "workday" and beats everything,
    so an administrator can apply each year's Government dispatch.
    """

    def __init__(
        self,
        overrides: Mapping[date, tuple[str, str]] | None = None,
        office: OfficeHours = OfficeHours(),
        tz: ZoneInfo | None = None,
    ) -> None:
        self.overrides = dict(overrides or {})
        for day, (kind, _) in self.overrides.items():
            if kind not in (HOLIDAY, WORKDAY):
                raise ValueError(f"override for {day} has kind {kind!r}: use 'holiday' or 'workday'")
        self.office = office
        self.tz = tz or clock.LOCAL_TZ
        self._years: dict[int, PackageYear] = {}

    def _package_year(self, year: int) -> PackageYear:
        if year not in self._years:
            self._years[year] = read_package_year(year)
        return self._years[year]

    def _package_days(self, year: int) -> dict[date, tuple[str, str]]:
        """The package's holidays and make-up working days for ``year`` as date -> (kind, name)."""
        return self._package_year(year).days

    def day_kind(self, d: date) -> str:
        """What the calendar page shows ``d`` as: an override, the package's kind of day, a weekend."""
        override = self.overrides.get(d)
        if override:
            return LOCAL_HOLIDAY if override[0] == HOLIDAY else LOCAL_WORKDAY
        return self._package_year(d.year).kinds.get(d) or (WEEKEND if d.weekday() >= 5 else WORKING)

    def check_year(self, year: int) -> YearCheck:
        """Whether ``year`` is only estimated by the package, and how many of its days are confirmed
        (announced by the Government as the package knows it, or set by this instance's administrator)."""
        package = self._package_year(year)
        local = sum(1 for day in self.overrides if day.year == year)
        return YearCheck(year, package.estimated, package.announced + local)

    def _entry(self, d: date) -> tuple[str, str] | None:
        """The (kind, name) that decides ``d``: an override first, then the package."""
        return self.overrides.get(d) or self._package_days(d.year).get(d)

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` counts towards a time limit."""
        entry = self._entry(d)
        return entry[0] == WORKDAY if entry else d.weekday() < 5

    def day_name(self, d: date) -> str | None:
        """Name of the holiday or make-up working day on ``d``, else None."""
        entry = self._entry(d)
        return entry[1] if entry else None

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d`` (art. 147: the start day does not count)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def due_at(self, start: datetime, limit: TimeLimit) -> datetime:
        """When a step or dossier started at ``start`` with ``limit`` falls due.

        Whole days end at closing time of the N-th working day after the
        start day, even if the start day is not a working day.  "0d" is due
        at closing time today if received on a working day by the cut-off,
        else at closing time of the next working day.  Hours and fractional
        days run in office hours from ``start``.
        """
        start = self._local(start)
        if not limit.is_whole_days:
            return self._add_office_time(start, limit.hours(self.office.hours_per_day))
        if limit.amount:
            return self._closing(self.add_working_days(start.date(), int(limit.amount)))
        if self.is_working_day(start.date()) and start.time() <= self.office.same_day_cutoff:
            return self._closing(start.date())
        return self._closing(self.next_working_day(start.date()))

    def working_days_between(self, a: datetime, b: datetime) -> Fraction:
        """Office time from ``a`` to ``b`` in working days (negative if ``b`` is earlier).

        Used for reports ("average days taken", "N days early"), so it
        measures the office time actually elapsed, in fractions of a day,
        rather than applying the next-day rule of deadlines.
        """
        a, b = self._local(a), self._local(b)
        if b < a:
            return -self.working_days_between(b, a)
        elapsed = timedelta(0)
        for period_start, period_end in self._office_periods(a):
            if period_start >= b:
                break
            elapsed += min(period_end, b) - period_start
        return Fraction(elapsed // _MICROSECOND, 3600 * 10**6) / self.office.hours_per_day

    def holidays_in(self, year: int) -> list[tuple[date, str, str]]:
        """Every special day of ``year`` as (date, kind, name), overrides applied, by date."""
        days = dict(self._package_days(year))
        days.update((day, entry) for day, entry in self.overrides.items() if day.year == year)
        return [(day, kind, name) for day, (kind, name) in sorted(days.items())]

    def _local(self, moment: datetime) -> datetime:
        """``moment`` in the calendar's time zone; naive datetimes are ambiguous and refused."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"naive datetime {moment.isoformat()}: pass a timezone-aware datetime")
        return moment.astimezone(self.tz)

    def _closing(self, d: date) -> datetime:
        """Closing time of the office on ``d``."""
        return datetime.combine(d, self.office.closing_time, tzinfo=self.tz)

    def _office_periods(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Office periods of working days from ``moment`` on, the first one clipped to ``moment``."""
        d = moment.date()
        while True:
            if self.is_working_day(d):
                for start, end in self.office.periods:
                    period_end = datetime.combine(d, end, tzinfo=self.tz)
                    if period_end > moment:
                        yield max(datetime.combine(d, start, tzinfo=self.tz), moment), period_end
            d += timedelta(days=1)

    def _add_office_time(self, start: datetime, hours: Fraction) -> datetime:
        """The moment ``hours`` of office time after ``start``.

        A count that uses up a period exactly ends at that period's end
        (11:30), not at the start of the next one (13:00).
        """
        remaining = timedelta(microseconds=round(hours * 3600 * 10**6))
        periods = self._office_periods(start)
        period_start, period_end = next(periods)
        while period_end - period_start < remaining:
            remaining -= period_end - period_start
            period_start, period_end = next(periods)
        return period_start + remaining


@dataclass(frozen=True)
class YearCheck:
    year: int
    estimated: bool
    confirmed_days: int


@dataclass(frozen=True)
class PackageYear:
    """One year as the ``holidays`` package gives it.

    ``days``: date -> (kind, name), what deadlines follow; ``kinds``: date -> how the page
    shows it; ``announced``: days that come from a Government announcement (swapped days
    off and their make-up Saturdays) rather than from the Labour Code's rules;
    ``estimated``: the lunar holidays (Tết, Giỗ Tổ) are the package's computation.
    """

    days: dict[date, tuple[str, str]]
    kinds: dict[date, str]
    announced: int
    estimated: bool


def read_package_year(year: int) -> PackageYear:
    """Read ``year`` from the package: its days off and the weekend days worked in exchange.

    A day off is a substitute when the Labour Code's rules alone do not give it (a "nghỉ bù"
    after a holiday on a weekend) or when the Government swapped it with a make-up working
    Saturday (its name then carries that Saturday's date).
    """
    vn = holidays.country_holidays("VN", years=year, language="vi")
    by_rule = holidays.country_holidays("VN", years=year, language="vi", observed=False)
    worked = sorted(vn.weekend_workdays)
    make_up = [day for day in worked if day.year == year]
    days = {day: (HOLIDAY, name) for day, name in vn.items()}
    days.update((day, (WORKDAY, MAKE_UP_WORKDAY_NAME)) for day in make_up)
    swapped = {day for day, name in vn.items() if any(f"{w:%d/%m/%Y}" in name for w in worked)}
    kinds = {day: SUBSTITUTE if day in swapped or day not in by_rule else PUBLIC_HOLIDAY for day in vn}
    kinds.update((day, MAKE_UP) for day in make_up)
    return PackageYear(days, kinds, len(make_up) + len(swapped), _lunar_dates_estimated(vn, year))


def _lunar_dates_estimated(vn: holidays.HolidayBase, year: int) -> bool:
    """Whether the package computed the year's Tết by rule rather than from a confirmed table.

    The package tells this only through its lunar calendar object (it never labels Vietnamese
    names as estimated), so it is asked there; a package without one is taken as estimating.
    """
    lunar = getattr(vn, "_chinese_calendar", None)
    if lunar is None or not hasattr(lunar, "lunar_new_year_date"):
        return True
    return bool(lunar.lunar_new_year_date(year)[1])


def warning_time(calendar: WorkCalendar, start: datetime, limit: TimeLimit, due: datetime) -> datetime:
    """When to warn the responsible officer that a step's deadline is near.

    One working day before the deadline for limits of two days or more;
    for shorter steps, once three quarters of the limit have been used.
    """
    if limit.unit == "d" and limit.is_whole_days and limit.amount >= 2:
        return calendar.due_at(start, TimeLimit(limit.amount - 1, "d"))
    hours = limit.hours(calendar.office.hours_per_day) or calendar.office.hours_per_day
    return min(calendar.due_at(start, TimeLimit(hours * 3 / 4, "h")), due)
