"""The working-day calendar as configured for this instance."""
from __future__ import annotations

import calendar as gregorian
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app import clock
from app.calendar.models import CalendarDay, CalendarYearCheck
from app.calendar.workdays import HOLIDAY, WORKDAY, WorkCalendar, parse_limit
from app.core.errors import Invalid, NotFound
from app.db import session
from app.settings import get_settings

_cache: dict[tuple, WorkCalendar] = {}
#: read at every deadline computation: built once, on the table (no ORM bookkeeping)
_DAYS = CalendarDay.__table__
_OVERRIDES = select(_DAYS.c.day, _DAYS.c.kind, _DAYS.c.name).order_by(_DAYS.c.day)
_lock = threading.Lock()
#: where the calendar read in the current transaction is kept (``session.info``)
_MEMO = "work_calendar"


def work_calendar() -> WorkCalendar:
    """The calendar with the administrator's overrides.

    The override table is small, so it is read on every call; the calendar
    (and its per-year holiday tables) is rebuilt only when the rows, or the
    settings it is built with, change.
    The calendar read is kept for the rest of the transaction: a reception
    computes several deadlines and reads the table once.  Others' changes are
    seen from the next transaction, as they would be anyway; ours are made by
    :func:`set_day` and :func:`remove_day`, which commit at once.
    """
    memo = session.info.get(_MEMO)
    if memo is not None and memo[0] is session().get_transaction():
        return memo[1]
    # on the connection: a query through the session would first flush what the caller has pending
    calendar = _calendar(tuple(session.connection().execute(_OVERRIDES)))
    session.info[_MEMO] = (session().get_transaction(), calendar)
    return calendar


def _calendar(rows: tuple) -> WorkCalendar:
    """The calendar built from these override rows and the settings, rebuilt only when either changes."""
    settings = get_settings()
    key = (rows, settings.office_hours, settings.timezone)
    calendar = _cache.get(key)
    if calendar is None:
        calendar = WorkCalendar({day: (kind, name) for day, kind, name in rows},
                                settings.office_hours, settings.timezone)
        with _lock:
            _cache.clear()
            _cache[key] = calendar
    return calendar


def due_at(start: datetime, limit: str) -> datetime:
    return work_calendar().due_at(start, parse_limit(limit))


def set_day(day: date, kind: str, name: str) -> CalendarDay:
    if kind not in ("holiday", "workday"):
        raise Invalid("Loại ngày không hợp lệ.",
                      [{"field": "kind", "message": "Chọn 'holiday' (ngày nghỉ) hoặc 'workday' (ngày làm bù)."}])
    row = session.get(CalendarDay, day) or CalendarDay(day=day)
    row.kind, row.name = kind, (name or "").strip() or ("Ngày nghỉ" if kind == "holiday" else "Ngày làm việc bù")
    session.add(row)
    session.commit()
    return row


def remove_day(day: date) -> None:
    """Drop the override of ``day``: the package decides that date again."""
    row = session.get(CalendarDay, day)
    if row is None:
        raise NotFound(f"Ngày {day:%d/%m/%Y} không có điều chỉnh nào.")
    session.delete(row)
    session.commit()


def read_override(form: Mapping[str, str]) -> tuple[date, str, str]:
    """The date, kind and name of the override form; 422 naming each field at fault."""
    errors = []
    try:
        day = date.fromisoformat((form.get("date") or "").strip())
    except ValueError:
        day = None
        errors.append({"field": "date", "message": "Chọn ngày (ngày/tháng/năm)."})
    kind = form.get("kind") or ""
    if kind not in (HOLIDAY, WORKDAY):
        errors.append({"field": "kind", "message": "Chọn ngày nghỉ hoặc ngày làm việc."})
    name = (form.get("name") or "").strip()
    if len(name) > 255:
        errors.append({"field": "name", "message": "Tên ngày dài tối đa 255 ký tự."})
    if errors:
        raise Invalid("Điều chỉnh chưa hợp lệ.", errors)
    return day, kind, name


# --------------------------------------------------------------------------- the administrators' page


@dataclass(frozen=True)
class Day:
    day: date
    kind: str
    name: str | None


@dataclass(frozen=True)
class Month:
    number: int
    weeks: list[list[Day | None]]   # Monday first; None outside the month


def year_months(year: int) -> list[Month]:
    """The twelve months of ``year`` as week rows, each day with its kind and name."""
    calendar = work_calendar()
    weeks = gregorian.Calendar().monthdayscalendar
    return [Month(month, [[_day(calendar, year, month, n) if n else None for n in week]
                          for week in weeks(year, month)]) for month in range(1, 13)]


def _day(calendar: WorkCalendar, year: int, month: int, number: int) -> Day:
    day = date(year, month, number)
    return Day(day, calendar.day_kind(day), calendar.day_name(day))


# --------------------------------------------------------------------------- the yearly check


def check_years(today: date | None = None) -> list[CalendarYearCheck]:
    """Check this year and the next against the package and the overrides, and keep the result
    so that the banner reads it without asking the package (done daily by the scheduler)."""
    year = (today or clock.now().date()).year
    return [_store_check(work_calendar().check_year(y)) for y in (year, year + 1)]


def _store_check(check) -> CalendarYearCheck:
    row = session.get(CalendarYearCheck, check.year) or CalendarYearCheck(year=check.year)
    row.estimated, row.confirmed_days, row.checked_at = check.estimated, check.confirmed_days, clock.real_now()
    session.add(row)
    session.commit()
    return row


def years_needing_attention(today: date | None = None) -> list[int]:
    """This year and the next, unless checked and confirmed or announced (what the banner shows)."""
    year = (today or clock.now().date()).year
    rows = {row.year: row for row in session.scalars(
        select(CalendarYearCheck).where(CalendarYearCheck.year.in_((year, year + 1))))}
    return [y for y in (year, year + 1) if y not in rows or rows[y].needs_attention]


def confirm_year(year: int, username: str) -> CalendarYearCheck:
    """An administrator has compared ``year`` with the Government's announcement."""
    row = session.get(CalendarYearCheck, year) or _store_check(work_calendar().check_year(year))
    row.confirmed_by, row.confirmed_at = username, clock.real_now()
    session.commit()
    return row
