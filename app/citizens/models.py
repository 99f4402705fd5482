"""What citizens leave behind besides their dossiers: their ratings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime
from app.dossiers.models import Dossier

#: DOMAIN.md's four levels; satisfied means 3 or 4
SCORES = {4: "Rất hài lòng", 3: "Hài lòng", 2: "Chưa hài lòng", 1: "Không hài lòng"}
#: where the rating was given: the look-up page, the API, the kiosk at the counter
RATING_CHANNELS = ("lookup", "api", "kiosk")


class Rating(Base):
    """The citizen's satisfaction with one finished dossier: once per dossier (the primary key)."""

    __tablename__ = "ratings"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier] = relationship()
