"""Administrative procedures (TTHC) and their numbered BPMN versions."""
from __future__ import annotations

from datetime import date, datetime
import hashlib
import json
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import Base, UTCDateTime


class Procedure(Base):
    """The catalogue entry: what a citizen reads before applying."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    field: Mapped[str] = mapped_column(String(255), default="")
    level: Mapped[str] = mapped_column(String(32), default="commune")
    legal_limit: Mapped[str] = mapped_column(String(16))
    fee_amount: Mapped[int] = mapped_column(Integer, default=0)
    fee_description: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    effective_from: Mapped[Optional[date]]
    effective_to: Mapped[Optional[date]]

    versions: Mapped[list["ProcedureVersion"]] = relationship(
        back_populates="procedure", order_by="ProcedureVersion.number"
    )

    def published_version(self) -> Optional["ProcedureVersion"]:
        """The newest published version: the one new dossiers start on."""
        published = [v for v in self.versions if v.status == "published"]
        return published[-1] if published else None

    def latest_version(self) -> Optional["ProcedureVersion"]:
        return self.versions[-1] if self.versions else None


class ProcedureVersion(Base):
    """One numbered BPMN of a procedure; immutable once published."""

    __tablename__ = "procedure_versions"
    __table_args__ = (UniqueConstraint("procedure_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # The diagram and its forms are read only when a page shows them or the
    # process has not parsed this content yet: running a step needs ``digest``.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, deferred=True)
    #: SHA-256 of the diagram and forms: the key of the parsed-definition caches
    digest: Mapped[str] = mapped_column(String(64))
    process_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    published_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    retired_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    procedure: Mapped[Procedure] = relationship(back_populates="versions")
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[Optional[User]] = relationship(foreign_keys=[published_by_id])
    retired_by: Mapped[Optional[User]] = relationship(foreign_keys=[retired_by_id])

    #: the warnings of the check made when this diagram was saved (not stored)
    check_warnings: tuple = ()

    def set_content(self, xml: str, forms: dict[str, Any]) -> None:
        """Replace the diagram and forms (drafts only; see the listener below)."""
        self.bpmn_xml, self.forms, self.digest = xml, forms, content_digest(xml, forms)

    def retire(self, actor: Optional[User], at: datetime) -> None:
        """Stop taking new dossiers; those running on this version go on."""
        self.status, self.retired_at, self.retired_by_id = "retired", at, actor.id if actor else None


def content_digest(xml: str, forms: dict[str, Any]) -> str:
    """A version's content fingerprint (also computed by migration 0004: keep them alike)."""
    canonical_forms = json.dumps(forms, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{xml}\0{canonical_forms}".encode()).hexdigest()


@event.listens_for(ProcedureVersion, "before_update")
def _published_versions_are_immutable(_mapper, _connection, version: ProcedureVersion) -> None:
    """Dossiers run to the end on their version, so its diagram must never change."""
    state = inspect(version)
    if state.attrs.status.history.deleted == ["draft"] or version.status == "draft":
        return
    for name in ("bpmn_xml", "forms", "digest", "process_id", "number"):
        if state.attrs[name].history.has_changes():
            raise ValueError(f"procedure version {version.id} is {version.status}: '{name}' cannot change")
