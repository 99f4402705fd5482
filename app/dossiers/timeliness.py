"""Early / on time / late, against a deadline (pure).

A dossier or step finished on a day before its due day is *early* (trước hạn);
finished on the due day, by the due time, *on time* (đúng hạn); after the due
time, *late* (quá hạn).  Days are compared in the server's zone.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

EARLY, ON_TIME, LATE = "early", "on_time", "late"
LABELS = {EARLY: "Trước hạn", ON_TIME: "Đúng hạn", LATE: "Quá hạn"}
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def classify(due_at: datetime, finished_at: datetime) -> str:
    if finished_at > due_at:
        return LATE
    if finished_at.astimezone(LOCAL_TZ).date() < due_at.astimezone(LOCAL_TZ).date():
        return EARLY
    return ON_TIME


def is_overdue(due_at: datetime | None, now: datetime) -> bool:
    """Whether an open item is past its deadline."""
    return due_at is not None and now > due_at
