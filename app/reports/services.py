"""The reports of CONTRACT.md §2.1, as SQL aggregations over the reports' facts (no Flask here).

Definitions (DOMAIN.md, Timeliness; README, Reports):

- ``received``: dossiers received (an online one: accepted) on a day of the period;
- ``done_early`` / ``done_on_time`` / ``done_late``: dossiers whose result was ready on a day of
  the period, by timeliness; one that needed an apology letter is late;
- ``open_on_time`` / ``open_late``: dossiers received by the end of ``to`` and not finished then,
  by whether their appointment had passed at that moment (a re-appointed one is late, one waiting
  for the citizen's supplement is not);
- ``refused``: dossiers refused after reception on a day of the period: finished, but neither
  early, on time nor late, so outside the rate;
- ``on_time_rate`` = (done_early + done_on_time + open_on_time) ÷ (done + open), null when nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable

from sqlalchemy import and_, case, func, or_, select

from app import clock
from app.auth.models import Unit, User
from app.db import session
from app.dossiers.models import Dossier
from app.escalation.models import Escalation
from app.procedures.models import Procedure
from app.reports.facts import month_of
from app.reports.models import ReportFact, StepCount
from app.reports.scope import Period, Scope
from app.tasks.models import Task

F = ReportFact.__table__.c
DONE = ("early", "on_time", "late")
#: the late list is a list to read and export, not a dump of the database
LATE_LIMIT = 5000


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def in_scope(column, scope: Scope):
    return column.in_(scope.unit_ids) if scope.unit_ids is not None else True


# --- timeliness ----------------------------------------------------------------------------------


@dataclass
class TimelinessRow:
    key: str
    name: str
    received: int = 0
    done_early: int = 0
    done_on_time: int = 0
    done_late: int = 0
    open_on_time: int = 0
    open_late: int = 0
    refused: int = 0

    @property
    def on_time_rate(self) -> float | None:
        good = self.done_early + self.done_on_time + self.open_on_time
        return ratio(good, good + self.done_late + self.open_late)

    def add(self, other: "TimelinessRow") -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


COUNTS = ("received", "done_early", "done_on_time", "done_late", "open_on_time", "open_late", "refused")


@dataclass(frozen=True)
class Grouping:
    """How rows are keyed: the facts' columns for what was received, finished and is open."""

    received: Any
    finished: Any
    naming: Any  # ids -> {id: (key, name)}


def timeliness(scope: Scope, when: Period, group_by: str) -> list[TimelinessRow]:
    """Rows of the report by unit, procedure, month or officer, in key order: three aggregations
    (received, finished by outcome, open by lateness), each one range of an index."""
    if group_by == "officer":
        return officer_rows(scope, when)
    grouping = GROUPINGS[group_by]
    counts: dict[Any, dict[str, int]] = {}
    for group, column, value in _timeliness_counts(scope, when, grouping):
        bucket = counts.setdefault(_month_floor(group, when) if group_by == "month" else group, {})
        bucket[column] = bucket.get(column, 0) + int(value)
    names = grouping.naming(counts.keys(), when)
    rows = [TimelinessRow(*names[group], **values) for group, values in counts.items()]
    return sorted(rows, key=lambda row: row.key)


def _month_floor(month: int, when: Period) -> int:
    """Dossiers still open that were received before the period count in its first month."""
    return max(month, month_of(when.first))


_OUTCOME_COLUMNS = {"early": "done_early", "on_time": "done_on_time", "late": "done_late", "refused": "refused"}


def _timeliness_counts(scope: Scope, when: Period, grouping: Grouping):
    """(group, column, count) of every count of the report."""
    received = F.received_on.between(when.first, when.last) & in_scope(F.unit_id, scope)
    for group, value in session.execute(_count(grouping.received, received)):
        yield group, "received", value
    finished = F.finished_on.between(when.first, when.last) & in_scope(F.unit_id, scope) & F.outcome.is_not(None)
    query = (select(grouping.finished, F.outcome, func.count()).where(finished)
             .group_by(grouping.finished, F.outcome))
    for group, outcome, value in session.execute(query):
        yield group, _OUTCOME_COLUMNS[outcome], value
    late = func.sum(case((late_at(when.end), 1), else_=0))
    for still_open in open_at(scope, when):
        query = select(grouping.received, func.count(), late).where(still_open).group_by(grouping.received)
        for group, value, late_count in session.execute(query):
            yield group, "open_on_time", value - late_count
            yield group, "open_late", late_count


def _count(group_column, condition):
    return select(group_column, func.count()).where(condition).group_by(group_column)


def open_at(scope: Scope, when: Period):
    """Received by the end of the period and unfinished then: still open now (a small partial index),
    or finished after the period (a range of the finished index)."""
    base = (F.received_on <= when.last) & in_scope(F.unit_id, scope)
    return (base & F.finished_on.is_(None), base & (F.finished_on > when.last))


def late_at(moment):
    """Whether an open dossier's appointment had passed at ``moment`` (re-appointed: late; waiting
    for the citizen's supplement: not, the clock stands still)."""
    reappointed = F.reappointed_at.is_not(None) & (F.reappointed_at < moment)
    return or_(reappointed, and_(F.paused.is_(False), F.due_at.is_not(None), F.due_at < moment))


def _unit_names(ids: Iterable[int], _when: Period) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(list(ids))))
    return {unit_id: (code, name) for unit_id, code, name in rows}


def _procedure_names(ids: Iterable[int], _when: Period) -> dict[int, tuple[str, str]]:
    rows = session.execute(select(Procedure.id, Procedure.code, Procedure.name).where(Procedure.id.in_(list(ids))))
    return {procedure_id: (code, name) for procedure_id, code, name in rows}


def _month_names(months: Iterable[int], _when: Period) -> dict[int, tuple[str, str]]:
    return {month: (f"{month // 100:04d}-{month % 100:02d}", f"Tháng {month % 100:02d}/{month // 100}")
            for month in months}


GROUPINGS = {
    "unit": Grouping(F.unit_id, F.unit_id, _unit_names),
    "procedure": Grouping(F.procedure_id, F.procedure_id, _procedure_names),
    "month": Grouping(F.received_month, F.finished_month, _month_names),
}


def total_row(rows: list[TimelinessRow]) -> TimelinessRow:
    total = TimelinessRow("", "Tổng cộng")
    for row in rows:
        total.add(row)
    return total


# --- officers: their completed steps -------------------------------------------------------------


S = StepCount.__table__.c


def officer_rows(scope: Scope, when: Period) -> list[TimelinessRow]:
    """Steps each officer completed in the period, by the step's own timeliness: officers hold no
    dossier, so ``received`` is the steps they handled and nothing of theirs is open."""
    query = (select(S.user_id, func.sum(S.early), func.sum(S.on_time), func.sum(S.late))
             .where(_buckets(when), in_scope(S.unit_id, scope)).group_by(S.user_id))
    sums = {user_id: (early, on_time, late) for user_id, early, on_time, late in session.execute(query)}
    users = session.execute(select(User.id, User.username, User.full_name).where(User.id.in_(list(sums))))
    rows = [TimelinessRow(username, name, sum(sums[user_id]), *map(int, sums[user_id]))
            for user_id, username, name in users]
    return sorted(rows, key=lambda row: row.key)


def _buckets(when: Period):
    """The whole months of the period from the monthly counters, its other days from the daily ones."""
    months, days = split_period(when.first, when.last)
    parts = [and_(S.grain == "d", S.start.between(first, last)) for first, last in days]
    if months:
        parts.append(and_(S.grain == "m", S.start.in_(months)))
    return or_(*parts)


def split_period(first: date, last: date) -> tuple[list[date], list[tuple[date, date]]]:
    """(first days of the months wholly inside [first, last], the ranges of days left over)."""
    months, day, ranges, loose = [], first, [], None
    while day <= last:
        following = _next_month(day)
        if day.day == 1 and following - timedelta(days=1) <= last:
            months.append(day)
            loose, day = None, following
            continue
        if loose is None:
            loose = [day, day]
            ranges.append(loose)
        loose[1] = day
        day += timedelta(days=1)
    return months, [tuple(pair) for pair in ranges]


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


# --- the late list -------------------------------------------------------------------------------


@dataclass
class LateStep:
    dossier_code: str
    procedure_code: str
    step: str
    unit_code: str
    unit_name: str
    assignee: str | None
    due_at: Any
    completed_at: Any
    late_by_hours: float
    escalation_state: str | None
    reason: str


def late_steps(scope: Scope, when: Period, limit: int = LATE_LIMIT) -> list[LateStep]:
    """Steps due in the period that were finished after their deadline or are still open past it,
    with the unit and person responsible, how late, and the escalation's state and reason."""
    now = clock.now()
    query = (_LATE_COLUMNS.where(
        Task.escalation_id.is_(None), Dossier.sandbox.is_(False), in_scope(Task.unit_id, scope),
        or_(and_(Task.timeliness == "late", Task.due_at >= when.start, Task.due_at < when.end),
            and_(Task.state == "open", Task.due_at >= when.start, Task.due_at < min(when.end, now))))
             .order_by(Task.due_at, Task.id).limit(limit))
    return [_late_step(row, now) for row in session.execute(query)]


_LATE_COLUMNS = (
    select(Dossier.code, Procedure.code, Task.name, Unit.code, Unit.name, User.full_name, Task.due_at, Task.completed_at,
           Escalation.state, Escalation.reason)
    .select_from(Task).join(Dossier, Dossier.id == Task.dossier_id).join(Procedure, Procedure.id == Dossier.procedure_id)
    .join(Unit, Unit.id == Task.unit_id)
    .outerjoin(User, User.id == func.coalesce(Task.completed_by_id, Task.assignee_id))
    .outerjoin(Escalation, and_(Escalation.task_id == Task.id, Escalation.level == 1))
)


def _late_step(row, now) -> LateStep:
    code, procedure, step, unit_code, unit_name, person, due, completed, state, reason = row
    hours = ((completed or now) - due).total_seconds() / 3600
    return LateStep(code, procedure, step, unit_code, unit_name, person, due, completed, round(hours, 1), state,
                    reason or "")


def late_steps_by_unit(steps: list[LateStep]) -> list[tuple[str, int]]:
    """(unit name, late steps) most first: the chart beside the list."""
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.unit_name] = counts.get(step.unit_name, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# --- days taken and saved; satisfaction ----------------------------------------------------------


@dataclass
class DaysRow:
    key: str
    name: str
    finished: int
    early: int
    average_days: float | None
    average_legal_days: float | None
    days_saved: float


def days_saved(scope: Scope, when: Period, group_by: str) -> list[DaysRow]:
    """Dossiers finished in the period: average working days taken against the legal limit, and
    the working days saved by those returned early (Bắc Ninh's "ngày làm việc tiết kiệm")."""
    grouping = GROUPINGS[group_by]
    finished = (F.finished_on.between(when.first, when.last) & F.outcome.in_(DONE) & in_scope(F.unit_id, scope))
    query = (select(grouping.finished, func.count(), func.sum(case((F.outcome == "early", 1), else_=0)),
                    func.avg(F.days_taken), func.avg(F.legal_days), func.coalesce(func.sum(F.days_saved), 0))
             .where(finished).group_by(grouping.finished))
    found = list(session.execute(query))
    names = grouping.naming([row[0] for row in found], when)
    rows = [DaysRow(*names[group], count, int(early), _round(taken), _round(legal), round(float(saved), 2))
            for group, count, early, taken, legal, saved in found]
    return sorted(rows, key=lambda row: row.key)


def _round(value) -> float | None:
    return round(float(value), 2) if value is not None else None


@dataclass
class SatisfactionRow:
    key: str
    name: str
    finished: int
    rated: int
    scores: dict[int, int] = field(default_factory=dict)

    @property
    def satisfied(self) -> int:
        return self.scores.get(3, 0) + self.scores.get(4, 0)

    @property
    def satisfied_rate(self) -> float | None:
        return ratio(self.satisfied, self.rated)


def satisfaction(scope: Scope, when: Period, group_by: str) -> list[SatisfactionRow]:
    """Ratings of the dossiers finished in the period (DOMAIN.md: satisfied is 3 or 4)."""
    grouping = GROUPINGS[group_by]
    finished = (F.finished_on.between(when.first, when.last) & F.outcome.is_not(None) & in_scope(F.unit_id, scope))
    query = select(grouping.finished, F.rating, func.count()).where(finished).group_by(grouping.finished, F.rating)
    rows: dict[Any, SatisfactionRow] = {}
    for group, rating, count in session.execute(query):
        row = rows.setdefault(group, SatisfactionRow("", "", 0, 0))
        row.finished += count
        if rating is not None:
            row.rated += count
            row.scores[rating] = row.scores.get(rating, 0) + count
    names = grouping.naming(rows.keys(), when)
    for group, row in rows.items():
        row.key, row.name = names[group]
    return sorted(rows.values(), key=lambda row: row.key)
