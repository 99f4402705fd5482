"""The application clock: the one source of "now" for deadlines and records.

Every module asks :func:`now` instead of calling ``datetime.now`` so that
deadline behaviour can be demonstrated and tested by moving one clock.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    """The current time, aware, in the server's zone (Asia/Ho_Chi_Minh)."""
    return datetime.now(LOCAL_TZ)


def local(moment: datetime | None) -> datetime | None:
    """``moment`` shown in the server's zone."""
    return moment.astimezone(LOCAL_TZ) if moment is not None else None
