"""The home page's counts, per role, and the lists behind them (issue #12, item 1).

Every count is a named *list* (:data:`LISTS`): the count and the page it links to run the same
condition, so a figure and its list never disagree. An officer counts the open steps of their
roles in their unit; reception the dossiers its unit received; a leader every step of the unit and
the letters it must sign; a supervisor each unit of the subtree, the worst first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Callable

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from app import clock
from app.auth.models import Unit, User
from app.db import session
from app.dossiers.models import Dossier
from app.escalation.models import Escalation
from app.reports.scope import OVERSEERS, Scope, subtree_ids
from app.reports.services import F, in_scope, late_at
from app.settings import get_settings
from app.tasks.models import Task

#: rows shown on the page behind a count (the count itself is exact)
LIST_LIMIT = 300


@dataclass(frozen=True)
class Moment:
    """The instants the counts compare with: now, the end of today, the uncollected cutoff."""

    now: datetime

    @property
    def end_of_today(self) -> datetime:
        return datetime.combine(clock.local(self.now).date() + timedelta(days=1), time.min, clock.LOCAL_TZ)

    @property
    def uncollected_before(self) -> datetime:
        return self.now - timedelta(days=get_settings().uncollected_after_days)


@dataclass(frozen=True)
class ListKind:
    """A list behind a count: what it is made of (steps, dossiers, letters) and its condition."""

    label: str
    source: str
    condition: Callable[[Moment], Any]


def _open_steps(_m: Moment):
    return and_(Task.state == "open", Task.escalation_id.is_(None))


LISTS: dict[str, ListKind] = {
    "due_today": ListKind("Đến hạn hôm nay", "tasks", lambda m: and_(
        _open_steps(m), Task.due_at >= m.now, Task.due_at < m.end_of_today)),
    "near_due": ListKind("Sắp đến hạn", "tasks", lambda m: and_(
        _open_steps(m), Task.warn_at <= m.now, Task.due_at >= m.end_of_today)),
    "late_or_blocked": ListKind("Quá hạn hoặc đang bị dừng", "tasks", lambda m: and_(
        _open_steps(m), or_(Task.due_at < m.now, Task.dossier.has(Dossier.status == "blocked")))),
    "in_progress": ListKind("Đang xử lý", "tasks", _open_steps),
    "online_waiting": ListKind("Hồ sơ trực tuyến chờ tiếp nhận", "dossiers", lambda m: Dossier.status == "submitted"),
    "supplements": ListKind("Chờ công dân bổ sung", "dossiers",
                            lambda m: Dossier.status.in_(("awaiting_supplement", "awaiting_documents"))),
    "to_return": ListKind("Kết quả chờ trả", "dossiers", lambda m: Dossier.status == "ready_for_return"),
    "uncollected": ListKind("Kết quả quá hạn chưa đến nhận", "dossiers", lambda m: and_(
        Dossier.status == "ready_for_return", Dossier.finished_at <= m.uncollected_before)),
    "letters": ListKind("Thư xin lỗi chờ ký", "letters", lambda m: Escalation.state == "awaiting_signature"),
    # the supervisor's columns, per unit
    "open_dossiers": ListKind("Hồ sơ đang giải quyết", "dossiers", lambda m: Dossier.id.in_(
        select(F.dossier_id).where(F.finished_on.is_(None)))),
    "late_dossiers": ListKind("Hồ sơ đang giải quyết đã quá hạn", "dossiers", lambda m: Dossier.id.in_(
        select(F.dossier_id).where(F.finished_on.is_(None), late_at(m.now)))),
    "late_steps": ListKind("Bước xử lý quá hạn", "tasks", lambda m: and_(_open_steps(m), Task.due_at < m.now)),
}

#: the counts of each role's section, in order
SECTIONS = {
    "officer": ("due_today", "near_due", "late_or_blocked", "in_progress"),
    "receptionist": ("online_waiting", "supplements", "to_return", "uncollected"),
    "leader": ("due_today", "near_due", "late_or_blocked", "in_progress", "letters"),
}
SECTION_TITLES = {"officer": "Công việc của tôi", "receptionist": "Tại quầy Một cửa", "leader": "Đơn vị"}


# --- where a list looks --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """Units a list covers (None: all) and, for an officer, the roles whose steps they hold."""

    unit_ids: tuple[int, ...] | None
    roles: tuple[str, ...] | None = None


def reach_of(user: User, section: str) -> Reach:
    """An officer's own roles in their unit; reception and a leader their unit."""
    if section == "officer":
        return Reach((user.unit_id,), tuple(sorted(user.role_codes)))
    return Reach((user.unit_id,))


def _query(kind: str, reach: Reach, moment: Moment):
    """The list's rows as a query (counted, or loaded for the page)."""
    found = LISTS[kind]
    if found.source == "tasks":
        query = select(Task).where(found.condition(moment), Task.dossier.has(Dossier.sandbox.is_(False)),
                                   in_scope(Task.unit_id, Scope(None, reach.unit_ids)))
        return query.where(Task.role_code.in_(reach.roles)) if reach.roles is not None else query
    if found.source == "dossiers":
        return select(Dossier).where(found.condition(moment), Dossier.sandbox.is_(False),
                                     in_scope(Dossier.receiving_unit_id, Scope(None, reach.unit_ids)))
    return select(Escalation).where(found.condition(moment), in_scope(Escalation.responsible_unit_id,
                                                                      Scope(None, reach.unit_ids)))


def count(kind: str, reach: Reach, moment: Moment) -> int:
    return session.scalar(select(func.count()).select_from(_query(kind, reach, moment).subquery()))


def rows(kind: str, reach: Reach, moment: Moment) -> list:
    """The first rows of the list, most urgent (or oldest) first."""
    query = _query(kind, reach, moment)
    source = LISTS[kind].source
    if source == "tasks":
        query = query.options(joinedload(Task.dossier), joinedload(Task.unit)).order_by(Task.due_at, Task.id)
    elif source == "dossiers":
        query = query.options(joinedload(Dossier.procedure)).order_by(Dossier.updated_at, Dossier.id)
    else:
        query = query.options(joinedload(Escalation.dossier)).order_by(Escalation.created_at)
    return list(session.scalars(query.limit(LIST_LIMIT)))


@dataclass
class Count:
    kind: str
    label: str
    value: int


@dataclass
class Section:
    role: str
    title: str
    counts: list[Count]


def sections(user: User, moment: Moment) -> list[Section]:
    """One section per role of the user that has one (a processing role counts as officer)."""
    found = []
    for role in _roles(user):
        reach = reach_of(user, role)
        counts = [Count(kind, LISTS[kind].label, count(kind, reach, moment)) for kind in SECTIONS[role]]
        found.append(Section(role, SECTION_TITLES[role], counts))
    return found


def _roles(user: User) -> list[str]:
    """Receptionists and leaders by their role; any role that completes steps is an officer's."""
    codes = user.role_codes
    named = [role for role in ("receptionist", "leader") if role in codes]
    doers = codes - {"receptionist", "leader", "supervisor", "admin", "analyst"}
    return (["officer"] if doers else []) + named


# --- the supervisor's units, worst first ---------------------------------------------------------


@dataclass
class UnitLine:
    unit: Unit
    open_dossiers: int = 0
    late_dossiers: int = 0
    late_steps: int = 0
    letters: int = 0

    @property
    def late_rate(self) -> float:
        return self.late_dossiers / self.open_dossiers if self.open_dossiers else 0.0


def unit_lines(user: User, moment: Moment) -> list[UnitLine]:
    """Each unit of the subtree with open or late work: most late dossiers and steps first."""
    scope = Scope(None, None if user.has_role(*OVERSEERS) else subtree_ids(user.unit))
    lines: dict[int, dict[str, int]] = {}
    for name, query in _unit_queries(scope, moment):
        for unit_id, value in session.execute(query):
            lines.setdefault(unit_id, {})[name] = int(value)
    units = {unit.id: unit for unit in session.scalars(select(Unit).where(Unit.id.in_(list(lines))))}
    found = [UnitLine(units[unit_id], **values) for unit_id, values in lines.items()]
    return sorted(found, key=lambda line: (-line.late_dossiers, -line.late_steps, -line.late_rate, line.unit.name))


def _unit_queries(scope: Scope, moment: Moment):
    unfinished = F.finished_on.is_(None) & in_scope(F.unit_id, scope)
    yield "open_dossiers", select(F.unit_id, func.count()).where(unfinished).group_by(F.unit_id)
    yield "late_dossiers", select(F.unit_id, func.count()).where(unfinished, late_at(moment.now)).group_by(F.unit_id)
    yield "late_steps", (select(Task.unit_id, func.count()).where(
        Task.state == "open", Task.escalation_id.is_(None), Task.due_at < moment.now, in_scope(Task.unit_id, scope))
        .group_by(Task.unit_id))
    yield "letters", (select(Escalation.responsible_unit_id, func.count()).where(
        Escalation.state == "awaiting_signature", in_scope(Escalation.responsible_unit_id, scope))
        .group_by(Escalation.responsible_unit_id))
