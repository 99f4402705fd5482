"""The application clock: the one source of "now" for deadlines and records.

Every module asks :func:`now` instead of calling ``datetime.now`` so that
deadline behaviour can be demonstrated and tested by moving one clock.  On an
instance started with ``CLOCK_TRAVEL=1`` the clock runs at an offset from real
time that is stored in the database (``app.core.timetravel``), so every
process of the instance sees the same time; elsewhere it is real time.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

#: the default of the ``TIMEZONE`` setting (app/config.py); the only place it is spelled
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
#: the instance's zone, until the settings are configured the default one
LOCAL_TZ = ZoneInfo(DEFAULT_TIMEZONE)

#: what :func:`now` reads instead of real time: the travelled clock of a ``CLOCK_TRAVEL=1`` instance
#: (app/core/timetravel.py) or the moment a simulation has reached (``flask simulate``); None: real time
_source: Callable[[], datetime] | None = None


def use_source(reader: Callable[[], datetime] | None) -> None:
    """Make :func:`now` return ``reader()`` (None: real time).  A simulation gives its own moment
    exactly: an offset from real time would carry the microseconds each act takes, and a seeded
    run would not repeat itself."""
    global _source
    _source = reader


def use_zone(zone: ZoneInfo) -> None:
    """Make ``zone`` the instance's zone (done once, by ``app.settings.configure``)."""
    global LOCAL_TZ
    LOCAL_TZ = zone


def real_now() -> datetime:
    return datetime.now(LOCAL_TZ)


def now() -> datetime:
    """The current time, aware, in the instance's zone."""
    return _source() if _source is not None else real_now()


def local(moment: datetime | None) -> datetime | None:
    """``moment`` shown in the instance's zone."""
    return moment.astimezone(LOCAL_TZ) if moment is not None else None
