"""The deadline sweep: warn before deadlines, escalate after them.

Sweeps read only the partial indexes of open tasks not yet warned or
escalated, so a sweep with nothing due costs an empty index scan.  Each
batch is claimed and processed in one transaction: on PostgreSQL the rows
are locked with ``FOR UPDATE SKIP LOCKED`` so that concurrent schedulers
take different rows; on SQLite the write transaction (BEGIN IMMEDIATE) is
exclusive.  Either way the "not yet escalated" condition is re-read under
the lock, so a late task is warned once and escalated once.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from prometheus_client import Histogram
from sqlalchemy import literal_column, select
from sqlalchemy.orm import joinedload

from app import claims, clock
from app.core.errors import Invalid
from app.dossiers import workflow
from app.dossiers.models import Dossier
from app.escalation import services
from app.notifications.services import notify_unit, notify_user
from app.tasks.models import Task

log = logging.getLogger(__name__)

#: a dossier waiting for the citizen has its clock stopped
RUNNING = ("received", "in_progress", "blocked")
#: analysts' test runs have no real deadlines: never warned, escalated or timed
REAL = Dossier.sandbox.is_(False)
#: /metrics (app/core/metrics.py); the escalations themselves are counted from their events (app/dossiers/metrics.py)
SWEEP_SECONDS = Histogram("motcua_escalation_sweep_duration_seconds", "Thời gian một lượt quét hạn xử lý.",
                          buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0))


@dataclass
class SweepResult:
    warned: int = 0
    escalated: int = 0
    timers: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@SWEEP_SECONDS.time()
def sweep(now: datetime | None = None) -> SweepResult:
    now = now or clock.now()
    return SweepResult(timers=_drain(_timers_due(now), _fire_timers, now),
                       warned=_drain(_warnable(now), _warn, now), escalated=_drain(_late(now), _escalate, now))


#: written as a literal, not a bound parameter, so that the query visibly
#: implies the partial indexes' predicate and both databases use them
OPEN = literal_column("'open'")


def _warnable(now: datetime):
    return (select(Task).join(Dossier, Task.dossier_id == Dossier.id)
            .where(Task.state == OPEN, Task.warned_at.is_(None), Task.warn_at <= now, Task.due_at > now,
                   Dossier.status.in_(RUNNING), REAL)
            .order_by(Task.warn_at))


def _late(now: datetime):
    return (select(Task).join(Dossier, Task.dossier_id == Dossier.id)
            .where(Task.state == OPEN, Task.escalated_at.is_(None), Task.due_at < now,
                   Task.escalation_id.is_(None), Dossier.status.in_(RUNNING), REAL)
            .order_by(Task.due_at))


def _timers_due(now: datetime):
    return (select(Dossier).where(Dossier.next_timer_at <= now, Dossier.status.in_(("received", "in_progress")), REAL)
            .order_by(Dossier.next_timer_at))


def _fire_timers(dossier: Dossier, now: datetime) -> int:
    """Let the workflow's due BPMN timers fire; new steps get their rows and deadlines.

    A dossier whose diagram cannot go on is left as it was (nothing is written
    before the engine has moved) and logged, so that it does not hold up the others.
    """
    run = workflow.load(dossier)
    try:
        workflow.fire_timers(run)
    except Invalid as refused:
        log.warning("Hồ sơ %s: hẹn giờ không chạy được: %s %s", dossier.code, refused.detail, refused.errors)
        return 0
    workflow.save(dossier, run, None, now)
    return 1


def _drain(query, handle, now: datetime) -> int:
    """Claim and handle the query's rows in batches (app/claims.py); tasks come with their dossier and unit."""
    entity = query.column_descriptions[0]["entity"]
    options = (joinedload(Task.dossier), joinedload(Task.unit)) if entity is Task else ()
    return claims.drain(query, handle, now, options)


def _warn(task: Task, now: datetime) -> int:
    task.warned_at = now
    subject = f"Sắp đến hạn: {task.name} — hồ sơ {task.dossier.code}"
    body = f"Bước \"{task.name}\" của hồ sơ {task.dossier.code} đến hạn lúc {clock.local(task.due_at):%H:%M %d/%m/%Y}."
    if task.assignee is not None:
        notify_user(task.assignee, task.dossier, "deadline_near", subject, body)
    notify_unit(task.unit, task.dossier, "deadline_near", subject, body)
    return 1


def _escalate(task: Task, now: datetime) -> int:
    return 1 if services.escalate(task, now) is not None else 0
