"""Who sees which units, and the period of a report (CONTRACT.md §2.1).

Reports count only the unit subtree the caller belongs to; supervisors (and administrators) see
every unit. A unit asked for outside that subtree is answered exactly as an unknown one (404):
the same rule as for dossiers, whose existence a caller who may not see them never learns.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app import clock
from app.auth.models import Unit, User
from app.auth.services import field_errors
from app.core.errors import Forbidden, Invalid, NotFound
from app.db import session

#: who reads reports (CONTRACT.md §2.1)
REPORT_ROLES = ("supervisor", "leader")
#: who sees every unit
OVERSEERS = ("supervisor", "admin")
GROUPS = ("unit", "procedure", "officer", "month")
FORMATS = ("json", "csv", "xlsx")


@dataclass(frozen=True)
class Scope:
    """The units a report counts: ``unit_ids`` None means every unit (a supervisor's whole tree)."""

    unit: Unit | None
    unit_ids: tuple[int, ...] | None

    @property
    def label(self) -> str:
        return self.unit.name if self.unit is not None else "Toàn tỉnh"

    def covers(self, unit_id: int) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids


@dataclass(frozen=True)
class Period:
    """Both days included; ``start`` and ``end`` are the instants that bound them (local midnight)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, clock.LOCAL_TZ)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, clock.LOCAL_TZ)


def subtree_ids(unit: Unit) -> tuple[int, ...]:
    """``unit`` and every unit under it, whatever the depth (one query for the whole tree)."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    found, frontier = [unit.id], [unit.id]
    while frontier:
        frontier = [child for parent in frontier for child in children.get(parent, ())]
        found.extend(frontier)
    return tuple(found)


def scope_for(user: User, unit_code: str | None = None) -> Scope:
    """What ``user`` may count, narrowed to ``unit_code`` (and the units under it) when given."""
    if not user.has_role(*REPORT_ROLES, "admin"):
        raise Forbidden("Chỉ lãnh đạo và bộ phận giám sát được xem báo cáo.")
    own = None if user.has_role(*OVERSEERS) else subtree_ids(user.unit)
    if not unit_code:
        return Scope(None if own is None else user.unit, own)
    unit = session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None or (own is not None and unit.id not in own):
        raise NotFound(f"Không tìm thấy đơn vị '{unit_code}'.")
    return Scope(unit, subtree_ids(unit))


def period(first: date | None, last: date | None) -> Period:
    """From the first of this month to today unless given; 422 naming ``from`` when it is after ``to``."""
    today = clock.local(clock.now()).date()
    first, last = first or (last or today).replace(day=1), last or today
    if first > last:
        raise Invalid("Khoảng thời gian chưa hợp lệ.",
                      field_errors({"from": "Từ ngày phải trước hoặc bằng Đến ngày."}))
    return Period(first, last)


def choice(value: str | None, allowed: tuple[str, ...], name: str, default: str) -> str:
    """A value among ``allowed`` (the default when absent); 422 naming the parameter otherwise."""
    if value in (None, ""):
        return default
    if value not in allowed:
        raise Invalid(f"Tham số '{name}' không hợp lệ.",
                      field_errors({name: f"Chọn một trong: {', '.join(allowed)}."}))
    return value
