"""Dates and times as Vietnamese administrative documents write them.

Decree 30/2020/NĐ-CP: days below 10 and the months January and February take
a leading zero ("ngày 05 tháng 02 năm 2026", but "tháng 3").  Times are shown
in the ``zone`` the caller gives (the application gives its ``TIMEZONE``),
whatever zone an aware datetime is in; without a zone, in its own.
"""
from __future__ import annotations

from datetime import date, datetime, tzinfo


def local(moment: date | datetime, zone: tzinfo | None = None) -> date | datetime:
    """An aware datetime moved to ``zone``; naive ones (already local) and dates as given."""
    if zone is not None and isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment.astimezone(zone)
    return moment


def _day_month(moment: date) -> tuple[str, str]:
    month = f"{moment.month:02d}" if moment.month < 3 else str(moment.month)
    return f"{moment.day:02d}", month


def short_date(moment: date | datetime | None, zone: tzinfo | None = None) -> str:
    """``05/3/2026``; empty for None."""
    if moment is None:
        return ""
    moment = local(moment, zone)
    day, month = _day_month(moment)
    return f"{day}/{month}/{moment.year}"


def long_date(moment: date | datetime | None, zone: tzinfo | None = None) -> str:
    """``ngày 05 tháng 3 năm 2026``; a blank line to fill in by hand for None."""
    if moment is None:
        return "ngày ..... tháng ..... năm ........."
    moment = local(moment, zone)
    day, month = _day_month(moment)
    return f"ngày {day} tháng {month} năm {moment.year}"


def date_time(moment: datetime | date | None, zone: tzinfo | None = None) -> str:
    """``08 giờ 30 phút, ngày 05/3/2026``; just the date for a ``date``; empty for None."""
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return f"ngày {short_date(moment)}"
    moment = local(moment, zone)
    return f"{moment.hour:02d} giờ {moment.minute:02d} phút, ngày {short_date(moment)}"
