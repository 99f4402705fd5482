"""Escalations of late steps and the apology letters that resolve them."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.auth.models import Unit, User
from app.db import Base, UTCDateTime
from app.dossiers.models import Dossier

#: The states of CONTRACT.md, plus "decided" once the head of the centre has
#: recorded a decision on a level-2 escalation.
STATES = ("awaiting_explanation", "awaiting_signature", "signed", "escalated_to_head", "decided")
OPEN_STATES = ("awaiting_explanation", "awaiting_signature", "escalated_to_head")


class Escalation(Base):
    """A late step of a dossier, and what the responsible unit did about it.

    Level 1: the responsible unit explains, proposes a new appointment and a
    leader signs the apology letter.  Level 2: the dossier was late again
    after its one allowed re-appointment; the head of the centre decides.
    An *early* escalation is the same letter asked for before the step was late
    (Decree 61/2018 art. 19): it moves the appointment without blocking; if the
    step goes late before it is signed, it becomes the gate (``early`` false).
    The steps themselves run as a BPMN process (``bpmn/system/``) whose
    engine state is kept here; its user tasks are ordinary task rows.
    """

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_state", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", use_alter=True, name="fk_escalations_task_id_tasks"))
    level: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(32))
    responsible_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    old_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: the step's own deadline when the escalation opened (signing moves the step's deadline)
    step_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    early: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reason: Mapped[str] = mapped_column(Text, default="")
    new_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    explained_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    explained_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    letter_pdf: Mapped[Optional[bytes]] = deferred(mapped_column(LargeBinary))
    signed_pdf: Mapped[Optional[bytes]] = deferred(mapped_column(LargeBinary))
    signed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    engine_state: Mapped[str] = deferred(mapped_column(Text))
    version: Mapped[int] = mapped_column(Integer, default=1)

    dossier: Mapped[Dossier] = relationship()
    responsible_unit: Mapped[Unit] = relationship()
    explained_by: Mapped[Optional[User]] = relationship(foreign_keys=[explained_by_id])
    signed_by: Mapped[Optional[User]] = relationship(foreign_keys=[signed_by_id])
    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}
