"""Early / on time / late, against a deadline (pure).

A dossier or step finished on a day before its due day is *early* (trước hạn);
finished on the due day, by the due time, *on time* (đúng hạn); after the due
time, *late* (quá hạn).  Days are compared in the instance's zone.
"""
from __future__ import annotations

from datetime import datetime

from app import clock

EARLY, ON_TIME, LATE = "early", "on_time", "late"
LABELS = {EARLY: "Trước hạn", ON_TIME: "Đúng hạn", LATE: "Quá hạn"}


def classify(due_at: datetime, finished_at: datetime) -> str:
    if finished_at > due_at:
        return LATE
    if clock.local(finished_at).date() < clock.local(due_at).date():
        return EARLY
    return ON_TIME


def is_overdue(due_at: datetime | None, now: datetime) -> bool:
    """Whether an open item is past its deadline."""
    return due_at is not None and now > due_at
