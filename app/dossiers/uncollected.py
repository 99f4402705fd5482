"""Results ready and not collected ("hồ sơ treo"): reception's list, the reminders, the report.

A result is uncollected once it has waited more than ``UNCOLLECTED_AFTER_DAYS`` **calendar**
days since it became ready (``finished_at``): the citizen may come on any day the counter is
open, and a fixed count of days is what a citizen reads in a reminder; working days would make
the same wait look shorter over Tết. The application clock decides (so the demo's clock travel
moves it too).

The scheduler reminds the applicant of each such result at most once every
``UNCOLLECTED_AFTER_DAYS`` days: it records an ``uncollected_reminder`` event (the outbox turns
it into a message) and ``uncollected_reminded_at``. Batches are claimed like the deadline sweep's
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the exclusive write transaction on SQLite) and the
condition is read again under the lock, so two schedulers never remind one dossier twice. The
reminder's date is written without the dossier's version, so it never makes a receptionist's
simultaneous return fail as "changed meanwhile".
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from app import claims, clock
from app.auth.models import Unit, User
from app.core.errors import Forbidden
from app.db import session
from app.dossiers import workflow
from app.dossiers.models import Dossier
from app.dossiers.services import OVERSEERS, REAL
from app.settings import get_settings

#: who reads the report: the counter, the leaders of the unit, the supervisors
REPORT_ROLES = ("receptionist", "leader", "supervisor", "admin")
LIST_LIMIT = 500


def cutoff(now: datetime) -> datetime:
    """Results ready at or before this moment are uncollected at ``now``."""
    return now - timedelta(days=get_settings().uncollected_after_days)


def days_waiting(dossier: Dossier, now: datetime | None = None) -> int:
    """Whole calendar days since the result became ready."""
    return ((now or clock.now()) - dossier.finished_at).days


def _uncollected(now: datetime):
    return (select(Dossier).where(REAL, Dossier.status == "ready_for_return", Dossier.finished_at <= cutoff(now))
            .order_by(Dossier.finished_at, Dossier.id))


def at_counter(actor: User) -> list[Dossier]:
    """The receptionist's own unit's uncollected results, the longest waiting first."""
    query = _uncollected(clock.now()).where(Dossier.receiving_unit_id == actor.unit_id)
    return list(session.scalars(query.options(selectinload(Dossier.procedure)).limit(LIST_LIMIT)))


# --- the reminders --------------------------------------------------------------------------------


def remind(now: datetime | None = None) -> int:
    """Remind the applicants of every result uncollected and not reminded for N days; how many."""
    now = now or clock.now()
    due = _uncollected(now).where(or_(Dossier.uncollected_reminded_at.is_(None),
                                      Dossier.uncollected_reminded_at <= cutoff(now)))
    return claims.drain(due, _remind, now)


def _remind(dossier: Dossier, now: datetime) -> int:
    session.execute(update(Dossier).where(Dossier.id == dossier.id).values(uncollected_reminded_at=now)
                    .execution_options(synchronize_session=False))
    workflow.record(dossier, "uncollected_reminder", None, now, days_waiting=days_waiting(dossier, now),
                    ready_at=dossier.finished_at.isoformat())
    return 1


# --- the report -----------------------------------------------------------------------------------


@dataclass
class UnitRows:
    """One unit's uncollected results, the longest waiting first."""

    unit: Unit
    dossiers: list[Dossier]


def report(user: User) -> list[UnitRows]:
    """The uncollected results the user may oversee, by receiving unit: supervisors and admins see
    all; a receptionist or leader their own unit and the units under it."""
    if not user.has_role(*REPORT_ROLES):
        raise Forbidden("Bạn không có quyền xem báo cáo này.")
    query = _uncollected(clock.now()).options(selectinload(Dossier.procedure), selectinload(Dossier.receiving_unit))
    if not user.has_role(*OVERSEERS):
        query = query.where(Dossier.receiving_unit_id.in_(_subtree(user.unit)))
    by_unit: dict[int, UnitRows] = {}
    for dossier in session.scalars(query.limit(LIST_LIMIT * 10)):
        by_unit.setdefault(dossier.receiving_unit_id, UnitRows(dossier.receiving_unit, [])).dossiers.append(dossier)
    return sorted(by_unit.values(), key=lambda rows: rows.unit.name)


def _subtree(unit: Unit) -> list[int]:
    """The ids of ``unit`` and every unit under it, whatever the depth of the tree."""
    ids, frontier = [unit.id], [unit]
    while frontier:
        frontier = [child for parent in frontier for child in parent.children]
        ids.extend(child.id for child in frontier)
    return ids


CSV_HEADER = ("Đơn vị", "Mã hồ sơ", "Thủ tục", "Người nộp", "Điện thoại", "Có kết quả lúc", "Số ngày chờ",
              "Nhắc lần cuối")


def report_csv(rows: list[UnitRows]) -> str:
    """The report as CSV for a spreadsheet: one line per dossier, local times, a BOM so that Excel
    reads the accents."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    now = clock.now()
    for group in rows:
        writer.writerows(_csv_line(group.unit, dossier, now) for dossier in group.dossiers)
    return "\ufeff" + out.getvalue()


def _csv_line(unit: Unit, dossier: Dossier, now: datetime) -> list:
    reminded = dossier.uncollected_reminded_at
    texts = [unit.name, dossier.code, dossier.procedure.name, dossier.applicant_name, dossier.applicant_phone]
    return [*map(_as_text, texts), _local(dossier.finished_at), days_waiting(dossier, now),
            _local(reminded) if reminded else ""]


def _as_text(value: str) -> str:
    """A typed text a spreadsheet shows as text, never runs: one starting like a formula gets a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _local(moment: datetime) -> str:
    return f"{clock.local(moment):%d/%m/%Y %H:%M}"
