"""Dossiers (hồ sơ), the documents received with them, and their audit trail."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.auth.models import Unit, User
from app.db import Base, UTCDateTime
from app.dossiers import searchtext
from app.procedures.models import Procedure, ProcedureVersion

#: The dossier statuses of CONTRACT.md, and ``awaiting_documents``: found incomplete at the
#: counter, given a code and form 02 but not received yet (no workflow, no deadline).
#: ``submitted``: sent online, not yet accepted by reception (no workflow, no deadline).
STATUSES = (
    "submitted", "received", "in_progress", "awaiting_supplement", "blocked",
    "ready_for_return", "returned", "refused", "awaiting_documents",
)
#: how a result goes back to the citizen (DOMAIN.md): at the counter or by the public postal service
RETURN_METHODS = ("counter", "post")
#: what a stored file of a dossier is: a component the citizen (or the counter's scan) handed in,
#: or the electronic result
FILE_KINDS = ("submitted", "result")
PAYMENT_METHODS = ("cash", "transfer", "online")
OPEN_STATUSES = ("received", "in_progress", "awaiting_supplement", "blocked")


class Dossier(Base):
    """A citizen's application, run on one procedure version to the end.

    ``version`` is the optimistic lock: every change of a dossier bumps it, so
    two officers changing the same dossier at once get one success and one
    conflict, never a lost update.
    """

    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_open_due", "due_at", postgresql_where=text("finished_at IS NULL"),
              sqlite_where=text("finished_at IS NULL")),
        Index("ix_dossiers_unit_status", "receiving_unit_id", "status"),
        # trigram GIN on PostgreSQL (infix LIKE); a B-tree on SQLite: see app/dossiers/searchtext.py
        Index("ix_dossiers_search_text", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    receiving_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="counter")

    applicant_name: Mapped[str] = mapped_column(String(255), index=True)
    applicant_id_number: Mapped[str] = mapped_column(String(32), default="", index=True)
    applicant_phone: Mapped[str] = mapped_column(String(32), default="")
    applicant_email: Mapped[str] = mapped_column(String(255), default="")
    applicant_address: Mapped[str] = mapped_column(Text, default="")
    #: code, name, identity number and phone folded for search (searchtext.of_dossier);
    #: rewritten by :meth:`index_for_search` whenever one of them changes (a row inserted
    #: by plain SQL, like the benchmarks', is simply not found by search)
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the legal period currently running started (reception, or the
    #: receipt of a supplement, which counts the deadline again from zero).
    clock_started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    returned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    timeliness: Mapped[Optional[str]] = mapped_column(String(16))
    lookup_secret: Mapped[str] = mapped_column(String(32))
    received_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    supplement_note: Mapped[str] = mapped_column(Text, default="")
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when the earliest BPMN timer the workflow waits on fires (swept by index)
    next_timer_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    #: set when a signed apology moved the appointment (allowed once)
    reappointed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: online dossiers: when the citizen sent it (``received_at`` becomes the acceptance)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: online dossiers: when reception asked for a supplement before accepting (asked once only)
    supplement_asked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: how the result went back, and the postal tracking number when by post
    return_method: Mapped[Optional[str]] = mapped_column(String(16))
    tracking_number: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: the last reminder that a ready result is still not collected
    uncollected_reminded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: the hash of the last event of the audit trail (app/dossiers/auditchain.py), written with
    #: the event under the optimistic lock: deleting the last events leaves it pointing at nothing
    audit_head: Mapped[Optional[str]] = mapped_column(String(64))
    #: the engine's serialized state of the dossier's workflow; read only where
    #: the workflow runs (lists of dossiers never load it), and written with the
    #: version it belongs to
    workflow_state: Mapped[Optional[str]] = mapped_column(Text, deferred=True)
    #: an analyst's test run of a procedure version: kept out of searches,
    #: inboxes, sweeps, registers and the public look-up, numbered apart
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    procedure: Mapped[Procedure] = relationship()
    procedure_version: Mapped[ProcedureVersion] = relationship()
    receiving_unit: Mapped[Unit] = relationship()
    received_by: Mapped[Optional[User]] = relationship()
    documents: Mapped[list["DossierDocument"]] = relationship(
        back_populates="dossier", order_by="DossierDocument.id", cascade="all, delete-orphan")
    events: Mapped[list["DossierEvent"]] = relationship(
        back_populates="dossier", order_by="DossierEvent.id", cascade="all, delete-orphan")
    files: Mapped[list["DossierFile"]] = relationship(
        back_populates="dossier", order_by="DossierFile.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def blocked(self) -> bool:
        return self.status == "blocked"

    @validates("applicant_name", "applicant_id_number", "applicant_phone", "applicant_email", "applicant_address")
    def _clean_applicant(self, _key: str, value: str) -> str:
        """Names stored in NFC on every write path: equal names are then equal strings,
        whichever keyboard or form composed their accents."""
        return searchtext.clean(value)

    def index_for_search(self) -> None:
        """Rewrite ``search_text`` from the fields it is made of; search reads nothing else,
        so whatever changes one of them calls this in the same transaction."""
        self.search_text = searchtext.of_dossier(self.code, self.applicant_name, self.applicant_id_number,
                                                 self.applicant_phone)


class DossierDocument(Base):
    __tablename__ = "dossier_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    copies: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_supplement: Mapped[bool] = mapped_column(default=False)

    dossier: Mapped[Dossier] = relationship(back_populates="documents")

    @validates("name")
    def _clean_name(self, _key: str, value: str) -> str:
        """Document names in NFC, like the applicant's (see ``Dossier._clean_applicant``)."""
        return searchtext.clean(value)


class DossierFile(Base):
    """A file of a dossier: its bytes live in the file store under ``sha256`` (app/core/storage.py),
    so the same scan uploaded twice is stored once; the row says what it is to this dossier."""

    __tablename__ = "dossier_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    #: the component it is a copy of (None for a result)
    document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dossier_documents.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the officer who attached it; None when the citizen uploaded it
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    dossier: Mapped[Dossier] = relationship(back_populates="files")
    document: Mapped[Optional[DossierDocument]] = relationship()
    uploaded_by: Mapped[Optional[User]] = relationship()


class Payment(Base):
    """A fee paid for a dossier, with the number of its receipt (biên lai) from the unit's book.

    Online payments start ``pending`` with the order id sent to the payment gateway; the
    gateway's signed callback makes them ``paid`` (and gives them their receipt number) once:
    its transaction id is unique, so a replayed callback changes nothing.
    """

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    amount: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    payer: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(16))
    receipt_number: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    gateway_order_id: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    gateway_transaction_id: Mapped[Optional[str]] = mapped_column(String(128), unique=True)

    dossier: Mapped[Dossier] = relationship()
    unit: Mapped[Unit] = relationship()
    recorded_by: Mapped[Optional[User]] = relationship()


class ReceiptSequence(Base):
    """The last receipt number of a unit's receipt book, per year (numbers restart each year)."""

    __tablename__ = "receipt_sequences"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class DossierEvent(Base):
    """One line of a dossier's audit trail: who did what, when; chained by hash to the one before."""

    __tablename__ = "dossier_events"
    #: the audit trail of the administration reads the newest events first, over every dossier
    __table_args__ = (Index("ix_dossier_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tasks.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the hash chain of the dossier's trail (app/dossiers/auditchain.py); nullable so that a row
    #: written outside the application is stored and then named by ``flask audit verify``
    prev_hash: Mapped[Optional[str]] = mapped_column(String(64))
    hash: Mapped[Optional[str]] = mapped_column(String(64))

    dossier: Mapped[Dossier] = relationship(back_populates="events")
    actor: Mapped[Optional[User]] = relationship()


class DossierSequence(Base):
    """The last number given out per agency and day, for dossier codes."""

    __tablename__ = "dossier_sequences"

    agency_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)
