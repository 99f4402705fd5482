"""Notifications: what the system told whom, and whether the e-mail went out."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_unsent", "created_at", postgresql_where=text("sent_at IS NULL"),
                            sqlite_where=text("sent_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    dossier_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"), index=True)
    email: Mapped[Optional[str]] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


#: what an outbox message goes through; ``held``: no way to send it is configured (kept, shown)
OUTBOX_STATES = ("pending", "sent", "failed", "held")
#: e-mail and SMS to people; ``national``: a status message for the National Public Service Portal
OUTBOX_CHANNELS = ("email", "sms", "national")
OUTBOX_DUE = "state = 'pending'"


class OutboxMessage(Base):
    """One message to leave the system, written in the transaction of the event that causes it.

    The dispatcher (``app.notifications.dispatch``, in the scheduler process) claims due
    messages with a lease on the real clock, sends them and records the result; a
    dispatcher killed mid-send leaves a lease that expires, and the message is sent
    again by whoever claims it next (``key`` is its idempotency key, and the e-mail's
    Message-ID, so a receiver can recognise the repeat).  Failures are retried with
    growing back-off until ``OUTBOX_MAX_ATTEMPTS``, then the message is ``failed``.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "next_attempt_at", postgresql_where=text(OUTBOX_DUE),
                            sqlite_where=text(OUTBOX_DUE)),
                      # the national sync page: messages of one channel by state (failed first)
                      Index("ix_outbox_channel_state", "channel", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    dossier_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    notification_id: Mapped[Optional[int]] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"),
                                                           index=True)
    #: what happened, e.g. ``accepted``, ``supplement_requested``, ``result_ready``
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(500), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: what to attach, resolved when sent: ``[{"form": "refusal"}]``, ``[{"escalation_id": 3}]``
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: real time (not the application clock, which a demo may move)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[Optional[str]] = mapped_column(String(64))
    lease_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

    #: set by the event's transaction, where the dossier (a new one has no id yet) and the
    #: in-app notification may still be unflushed: the unit of work fills in their ids
    dossier = relationship("Dossier", foreign_keys=[dossier_id])
    notification = relationship(Notification, foreign_keys=[notification_id])
