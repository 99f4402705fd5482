"""The stored offset of the application clock (demo and test instances only)."""
from __future__ import annotations

from sqlalchemy import Float
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class ClockSetting(Base):
    """One row: how far the application clock is moved from real time.

    Kept in the database so that every process of an instance (web workers,
    schedulers) sees the same time.
    """

    __tablename__ = "clock_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    offset_seconds: Mapped[float] = mapped_column(Float, default=0.0)
