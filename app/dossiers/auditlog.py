"""The audit chains read back from the database and verified (the chain itself: auditchain.py).

A dossier's head and its events are read by one statement, so a step committed meanwhile
is either wholly seen or not at all (two statements could see a new head and not its event,
and report a tampering that never happened).  The whole database is walked a batch of
dossiers at a time, so that memory does not grow with it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import func, select

from app.db import session
from app.dossiers import auditchain
from app.dossiers.auditchain import Finding
from app.dossiers.models import Dossier, DossierEvent

#: dossiers verified per statement
BATCH = 500

_ROWS = (select(Dossier.id.label("dossier_id"), Dossier.code, Dossier.audit_head,
                DossierEvent.id.label("event_id"), DossierEvent.kind, DossierEvent.actor_id, DossierEvent.task_id,
                DossierEvent.at, DossierEvent.detail, DossierEvent.prev_hash, DossierEvent.hash)
         .select_from(Dossier).outerjoin(DossierEvent, DossierEvent.dossier_id == Dossier.id)
         .order_by(Dossier.id, DossierEvent.id))


@dataclass
class Summary:
    """What a walk over many dossiers found; ``anchors`` are the heads saved earlier (by code)
    that the walk must find along the chains (see :func:`heads`)."""

    dossiers: int = 0
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    def missing_dossiers(self) -> None:
        """A saved head whose dossier is gone: the dossier was deleted, with its trail."""
        for code in sorted(set(self.anchors) - self.seen):
            self.findings.append(Finding(code, None, f"Hồ sơ {code} có trong danh sách mã đầu chuỗi đã lưu "
                                                     "nhưng không còn trong cơ sở dữ liệu: đã bị xóa."))


def _entry(row) -> auditchain.Entry:
    return auditchain.Entry(row.event_id, row.kind, row.actor_id, row.task_id, row.at, row.detail,
                            row.prev_hash, row.hash)


def _walk(rows: Iterable, summary: Summary) -> Summary:
    """Verify each dossier of rows ordered by dossier then event (an outer join: a dossier
    without events is one row of nulls)."""
    for _dossier_id, group in groupby(rows, key=lambda row: row.dossier_id):
        group = list(group)
        entries = [_entry(row) for row in group if row.event_id is not None]
        code = group[0].code
        summary.dossiers += 1
        summary.events += len(entries)
        summary.seen.add(code)
        summary.findings += auditchain.verify(code, entries, group[0].audit_head, summary.anchors.get(code))
    return summary


def verify_dossier(dossier: Dossier) -> list[Finding]:
    """One dossier's chain (one statement: cheap enough for its page)."""
    return _walk(session.execute(_ROWS.where(Dossier.id == dossier.id)), Summary()).findings


def verify_code(code: str, anchors: dict[str, str] | None = None) -> Summary | None:
    """The chain of the dossier of this code; None when there is none."""
    dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
    if dossier_id is None:
        return None
    summary = Summary(anchors={code: anchors[code]} if anchors and code in anchors else {})
    return _walk(session.execute(_ROWS.where(Dossier.id == dossier_id)), summary)


def verify_all(progress: Callable[[int, int], None] | None = None, anchors: dict[str, str] | None = None) -> Summary:
    """Every dossier's chain, :data:`BATCH` dossiers per statement; ``progress(done, total)``
    is told after each batch."""
    total, summary, after = session.scalar(select(func.count(Dossier.id))), Summary(anchors=anchors or {}), 0
    while ids := session.scalars(select(Dossier.id).where(Dossier.id > after).order_by(Dossier.id)
                                 .limit(BATCH)).all():
        _walk(session.execute(_ROWS.where(Dossier.id.between(ids[0], ids[-1]))), summary)
        session.rollback()   # no long read transaction: each batch is its own snapshot
        after = ids[-1]
        if progress is not None:
            progress(summary.dossiers, total)
    summary.missing_dossiers()
    return summary


def heads() -> Iterator[tuple[str, str]]:
    """(code, head) of every real dossier with a trail, streamed: saved out of the database's
    reach, they are the anchors a later verification checks (test runs are deleted at will)."""
    query = (select(Dossier.code, Dossier.audit_head).where(Dossier.sandbox.is_(False), Dossier.audit_head.is_not(None))
             .order_by(Dossier.id).execution_options(yield_per=BATCH * 10))
    for code, head in session.execute(query):
        yield code, head
