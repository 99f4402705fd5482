"""Moving the application clock on demo and test instances (``CLOCK_TRAVEL=1``)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app

from app import clock
from app.core.errors import Invalid, NotFound
from app.core.models import ClockSetting
from app.db import session

_ROW = 1
#: The working-day calendar holds in these years (local time); before 1975 the
#: zone's history gives offsets with seconds that ISO 8601 times cannot carry.
YEARS = range(2000, 2100)
OUT_OF_RANGE = "Chỉ đặt được đồng hồ trong khoảng năm 2000–2099."


def stored_offset() -> float:
    """The clock's offset from real time, as every process of the instance sees it."""
    row = session.get(ClockSetting, _ROW, populate_existing=True)
    return row.offset_seconds if row is not None else 0.0


def enable(app: Flask) -> None:
    clock.use_source(travelled_now if app.config["CLOCK_TRAVEL"] else None)


def travelled_now() -> datetime:
    """Real time moved by the stored offset."""
    return clock.real_now() + timedelta(seconds=stored_offset())


def require_travel() -> None:
    """404 on instances that were not started with CLOCK_TRAVEL=1."""
    if not current_app.config["CLOCK_TRAVEL"]:
        raise NotFound("Không tìm thấy.")


def set_now(target: datetime) -> datetime:
    """Move the clock so that it reads ``target`` now; returns the new time."""
    require_travel()
    if target.tzinfo is None:
        target = target.replace(tzinfo=clock.LOCAL_TZ)
    if target.astimezone(clock.LOCAL_TZ).year not in YEARS:
        raise Invalid(OUT_OF_RANGE, [{"field": "now", "message": OUT_OF_RANGE}])
    row = session.get(ClockSetting, _ROW) or ClockSetting(id=_ROW)
    row.offset_seconds = (target - clock.real_now()).total_seconds()
    session.add(row)
    session.commit()
    return clock.now()
