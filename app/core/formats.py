"""How dates, amounts, time limits and durations are written for people.

Pure functions, no Flask: the pages use them as Jinja filters (registered by
:mod:`app.core.web`), the printed forms and the services call them directly.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from app import clock

SOON = timedelta(hours=24)


def format_datetime(moment: datetime | str | None) -> str:
    """"dd/mm/yyyy HH:MM" in the instance's zone (ISO text too, as audit details keep it); empty for None."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return clock.local(moment).strftime("%d/%m/%Y %H:%M")


def format_money(amount: int | None) -> str:
    """Vietnamese style: 200.000 đ; "Miễn phí" for nothing."""
    return f"{amount:,} đ".replace(",", ".") if amount else "Miễn phí"


def format_size(size: int) -> str:
    """A size in bytes as people read it: 5242880 → "5 MB", 1572864 → "1,5 MB", 900 → "900 byte"."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            amount = round(size / factor, 1)
            return f"{amount:g} {unit}".replace(".", ",")
    return f"{size} byte"


def format_limit(limit: str) -> str:
    """A time limit as people say it: "3d" → "3 ngày làm việc", "0d" → "Trong ngày"."""
    amount, unit = limit[:-1], limit[-1:]
    if amount in ("0", ""):
        return "Trong ngày"
    return f"{amount.replace('.', ',')} {'ngày' if unit == 'd' else 'giờ'} làm việc"


def format_duration(span: timedelta) -> str:
    """A length of time as people say it: "45 phút", "5 giờ 10 phút", "2 ngày 3 giờ"."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} ngày" + (f" {hours} giờ" if hours else "")
    if hours:
        return f"{hours} giờ" + (f" {minutes} phút" if minutes else "")
    return f"{minutes} phút"


def format_age(moment: datetime) -> str:
    """How long ago ``moment`` was, as :func:`format_duration` says it."""
    return format_duration(clock.now() - moment)


def field_id(name: str) -> str:
    """A form field's name as an HTML id: ``documents[0].copies`` → ``documents-0-copies``."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


def due_state(due_at: datetime | None) -> str | None:
    """"late" past the deadline, "soon" within 24 hours, else None."""
    if due_at is None:
        return None
    left = due_at - clock.now()
    if left < timedelta(0):
        return "late"
    return "soon" if left <= SOON else None
