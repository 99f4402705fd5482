"""The working-day calendar as configured for this instance."""
from __future__ import annotations

import threading
from datetime import date, datetime

from sqlalchemy import select

from app.calendar.models import CalendarDay
from app.calendar.workdays import WorkCalendar, parse_limit
from app.core.errors import Invalid
from app.db import session
from app.settings import get_settings

_cache: dict[tuple, WorkCalendar] = {}
#: read at every deadline computation: built once, on the table (no ORM bookkeeping)
_DAYS = CalendarDay.__table__
_OVERRIDES = select(_DAYS.c.day, _DAYS.c.kind, _DAYS.c.name).order_by(_DAYS.c.day)
_lock = threading.Lock()


def work_calendar() -> WorkCalendar:
    """The calendar with the administrator's overrides.

    The override table is small, so it is read on every call; the calendar
    (and its per-year holiday tables) is rebuilt only when the rows, or the
    settings it is built with, change.
    """
    rows = tuple(session.execute(_OVERRIDES))
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
