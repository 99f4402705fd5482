"""The administrator's calendar entries that override the holiday package."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class CalendarDay(Base):
    """An extra holiday, or an official make-up working day on a weekend."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "holiday" | "workday"
    name: Mapped[str] = mapped_column(String(255))


class CalendarYearCheck(Base):
    """The last ``flask calendar check`` of one year, kept so that the admins' banner reads it
    instead of asking the holiday package on every page.

    ``estimated``: the package computes the year's lunar holidays (Tết, Giỗ Tổ) by rule;
    ``confirmed_days``: the days of that year that come from the Government's announcements
    in the package or from this instance's overrides. An administrator who has compared
    the year with the Government's announcement confirms it (``confirmed_by``).
    """

    __tablename__ = "calendar_year_checks"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    estimated: Mapped[bool]
    confirmed_days: Mapped[int]
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[Optional[str]] = mapped_column(String(64))
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    @property
    def needs_attention(self) -> bool:
        """Unconfirmed by an administrator, and estimated or without one confirmed day."""
        return self.confirmed_by is None and (self.estimated or not self.confirmed_days)
