"""A row per user-task instance of a dossier's workflow."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Unit, User
from app.db import Base, UTCDateTime
from app.dossiers.models import Dossier


#: the rows a deadline sweep looks for; partial indexes hold only these, so a
#: sweep with nothing due reads an empty index range however many tasks are open
TO_ESCALATE = "state = 'open' AND escalated_at IS NULL"
TO_WARN = "state = 'open' AND warned_at IS NULL"


class Task(Base):
    """A step of a dossier for a role in a unit, with its deadline.

    The partial indexes on ``due_at`` and ``warn_at`` are what deadline sweeps
    read; the (role, unit, state, due_at) index serves the officers' inbox.
    Tasks of an apology process carry their ``escalation_id``.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_inbox", "role_code", "unit_id", "state", "due_at"),
        Index("ix_tasks_to_escalate", "due_at", postgresql_where=text(TO_ESCALATE),
              sqlite_where=text(TO_ESCALATE)),
        Index("ix_tasks_to_warn", "warn_at", postgresql_where=text(TO_WARN), sqlite_where=text(TO_WARN)),
        # most tasks belong to no escalation: index only those that do
        Index("ix_tasks_escalation_id", "escalation_id", postgresql_where=text("escalation_id IS NOT NULL"),
              sqlite_where=text("escalation_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(500))
    role_code: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | waiting | completed | cancelled
    time_limit: Mapped[str] = mapped_column(String(16))
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    timeliness: Mapped[Optional[str]] = mapped_column(String(16))
    data: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    #: when the responsible officer is warned that the deadline is near
    warn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    warned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    escalation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("escalations.id"))

    dossier: Mapped[Dossier] = relationship()
    unit: Mapped[Unit] = relationship()
    assignee: Mapped[Optional[User]] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[Optional[User]] = relationship(foreign_keys=[completed_by_id])
