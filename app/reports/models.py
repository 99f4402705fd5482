"""What the reports read: one narrow row of facts per dossier, the officers' step counters, and
the background jobs that print long registers.

Reports never scan ``dossiers`` or ``tasks`` for their figures: those rows are wide (applicant,
engine state) and, at provincial scale, millions. :class:`ReportFact` holds the dozen values a
report needs of a dossier, written by :mod:`app.reports.facts` in the transaction of the event
that changes them (``app.dossiers.signals.event_recorded``), so a figure is exact the moment the
event commits. :class:`StepCount` adds up the steps each officer completed, per day and per
month: a year of an officer is twelve monthly rows plus the days at the edges, whatever the
number of tasks.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Unit, User
from app.db import Base, UTCDateTime
from app.tasks.models import Task

if TYPE_CHECKING:
    from app.dossiers.models import Dossier

#: how a dossier ended, for reports: the three timeliness values, or refused after reception
OUTCOMES = ("early", "on_time", "late", "refused")
UNFINISHED = "finished_on IS NULL"
#: what the reports read of the dossiers received, finished and still open in a period
RECEIVED_READS = ("procedure_id", "received_month", "online", "fee", "paid_online", "digitised")
FINISHED_READS = ("procedure_id", "finished_month", "outcome", "rating", "e_result", "days_taken", "legal_days",
                  "days_saved")
OPEN_READS = ("received_on", "received_month", "procedure_id", "finished_on", "due_at", "paused", "reappointed_at")


class ReportFact(Base):
    """A received dossier as reports count it (DOMAIN.md, Timeliness; CONTRACT.md §2.1).

    Days are local days (``received_on``, ``finished_on``) and months ``YYYYMM`` integers, so that
    a period or a month is a range of an index on either database. Only dossiers really received
    have a row: an online dossier counts from its acceptance, one refused before reception never.
    """

    __tablename__ = "report_facts"
    __table_args__ = (
        # On PostgreSQL each index also carries the columns its reports read (INCLUDE), so that a
        # province's year is read from the index alone (an index-only scan), never from the table.
        Index("ix_report_facts_received", "received_on", "unit_id", postgresql_include=list(RECEIVED_READS)),
        Index("ix_report_facts_finished", "finished_on", "unit_id", postgresql_include=list(FINISHED_READS)),
        Index("ix_report_facts_unit_received", "unit_id", "received_on"),
        Index("ix_report_facts_open", "unit_id", postgresql_where=text(UNFINISHED), sqlite_where=text(UNFINISHED),
              postgresql_include=list(OPEN_READS)),
    )

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    #: a reception writes its dossier and this row in one flush, so the row names the dossier itself
    dossier: Mapped[Dossier] = relationship()
    received_on: Mapped[date] = mapped_column(Date)
    received_month: Mapped[int] = mapped_column(Integer)
    #: the appointment as it stands (moved by a supplement or a signed apology)
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: waiting for the citizen's supplement: the clock stands still, never counted late meanwhile
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a signed apology moved the appointment: the dossier is late from then on, whatever the date
    reappointed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    finished_on: Mapped[Optional[date]] = mapped_column(Date)
    finished_month: Mapped[Optional[int]] = mapped_column(Integer)
    outcome: Mapped[Optional[str]] = mapped_column(String(16))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the procedure charges a fee (the denominator of 766's online payment)
    fee: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_online: Mapped[bool] = mapped_column(Boolean, default=False)
    e_result: Mapped[bool] = mapped_column(Boolean, default=False)
    digitised: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[Optional[int]] = mapped_column(Integer)
    #: working days from the start of the legal period to the result, the legal limit in working
    #: days, and the working days between the result and the appointment when early
    days_taken: Mapped[Optional[float]] = mapped_column(Float)
    legal_days: Mapped[Optional[float]] = mapped_column(Float)
    days_saved: Mapped[Optional[float]] = mapped_column(Float)


class StepCount(Base):
    """Steps an officer completed, by timeliness, per day (``grain`` "d") and per month ("m", the
    month's first day): a period is its whole months plus the days at its edges."""

    __tablename__ = "report_step_counts"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: the officer's unit when the step was completed
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    early: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)


#: the states of a background job
JOB_STATES = ("queued", "running", "done", "failed")


class ReportJob(Base):
    """A long register (form 06) printed in the background: queued by a page, claimed by a scheduler
    (whichever gunicorn worker took the request), the PDF kept in the file store under ``file_key``."""

    __tablename__ = "report_jobs"
    __table_args__ = (Index("ix_report_jobs_state", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    #: rows printed so far, of ``total``
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    file_key: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: a claimed job whose lease ran out (its scheduler died) is claimed again
    lease_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
    requested_by: Mapped[User] = relationship()


# Late steps are a small share of millions of tasks: the late list reads these two partial
# indexes (steps finished late, steps still open) instead of the whole table.
TASKS = Task.__table__
Index("ix_tasks_late_due", TASKS.c.due_at, postgresql_where=text("timeliness = 'late'"),
      sqlite_where=text("timeliness = 'late'"))
Index("ix_tasks_open_due", TASKS.c.due_at, postgresql_where=text("state = 'open'"),
      sqlite_where=text("state = 'open'"))
