"""Is a dossier whole?  Its engine state, restored as the application restores it
(``app/engine.py`` through ``app/dossiers/workflow.py``), must agree with its task rows and its
audit trail: a process killed mid-write, or two officers racing, must never leave one written
without the others.  Both resilience tests run :func:`problems_everywhere` at the end.
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app.db import session
from app.dossiers import workflow
from app.dossiers.models import Dossier, DossierEvent
from app.escalation import services as escalations
from app.escalation.models import OPEN_STATES, Escalation
from app.tasks.models import Task

FINISHED = ("ready_for_return", "returned")


def problems_everywhere() -> list[str]:
    """The problems of every dossier in the database (read afresh), each naming its dossier."""
    session.remove()
    found = [f"{dossier.code}: {problem}" for dossier in session.scalars(select(Dossier).order_by(Dossier.id))
             for problem in problems(dossier)]
    session.remove()
    return found


def problems(dossier: Dossier) -> list[str]:
    """What disagrees between the dossier's engine state, task rows and audit events (empty: whole)."""
    tasks = list(session.scalars(select(Task).where(Task.dossier_id == dossier.id)))
    events = list(session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)))
    escalated = list(session.scalars(select(Escalation).where(Escalation.dossier_id == dossier.id)))
    own = [task for task in tasks if task.escalation_id is None]
    found = _steps(dossier, own) + _completions(own, events) + _escalations(dossier, escalated, tasks, events)
    return found


def _steps(dossier: Dossier, own: list[Task]) -> list[str]:
    """The engine's ready steps are exactly the open rows; the last step done is in the engine's data."""
    if not dossier.workflow_state:  # not received yet (online, or incomplete at the counter): no engine
        return []
    run = workflow.load(dossier)
    ready = {task.engine_task_id for task in run.ready_user_tasks()}
    open_rows = {task.engine_task_id for task in own if task.state == "open"}
    found = [] if ready == open_rows else [f"engine ready {sorted(ready)} but open rows {sorted(open_rows)}"]
    if run.is_completed != (dossier.status in FINISHED):
        found.append(f"engine completed={run.is_completed} but status {dossier.status}")
    return found + _last_step_in_engine(run, ready, own)


def _last_step_in_engine(run, ready: set[str], own: list[Task]) -> list[str]:
    """The data of the latest completed step reached the steps after it (a lost update would not)."""
    done = sorted((task for task in own if task.state == "completed"), key=lambda task: task.id)
    if not done or not ready:
        return []
    last = done[-1]
    return [f"step {last.id} recorded {last.data} but the engine's step {engine_id} sees otherwise"
            for engine_id in sorted(ready)
            if any(run.task_data(engine_id).get(key) != value for key, value in (last.data or {}).items())]


def _completions(own: list[Task], events: list[DossierEvent]) -> list[str]:
    """Each completed row has exactly one ``task_completed`` event, and no event names another row."""
    completed = {task.id for task in own if task.state == "completed"}
    counted = Counter(event.task_id for event in events if event.kind == "task_completed"
                      and event.task_id in {task.id for task in own})
    found = [f"task {task_id} completed {counted[task_id]} times in the audit" for task_id in sorted(completed)
             if counted[task_id] != 1]
    return found + [f"audit completes task {task_id} whose row is not completed"
                    for task_id in sorted(set(counted) - completed)]


def _escalations(dossier: Dossier, escalated: list[Escalation], tasks: list[Task],
                 events: list[DossierEvent]) -> list[str]:
    """One ``escalated`` event per escalation, its late step marked, its apology path's engine state
    agreeing with its rows; the dossier blocked exactly while one is open."""
    counted = Counter(event.detail.get("escalation_id") for event in events if event.kind == "escalated")
    found = [f"escalation {row.id} has {counted[row.id]} 'escalated' events" for row in escalated
             if counted[row.id] != 1]
    found += [f"'escalated' event for escalation {key} that does not exist"
              for key in set(counted) - {row.id for row in escalated}]
    by_id = {task.id: task for task in tasks}
    found += [f"escalation {row.id}: its late task {row.task_id} is not marked escalated" for row in escalated
              if by_id[row.task_id].escalated_at is None]
    blocking = any(row.state in OPEN_STATES and not row.early for row in escalated)
    if blocking != (dossier.status == "blocked"):
        found.append(f"status {dossier.status} but an open escalation: {blocking}")
    return found + [problem for row in escalated for problem in _apology_path(row, tasks)]


def _apology_path(escalation: Escalation, tasks: list[Task]) -> list[str]:
    _definition, args = escalations._system_process(escalations._process_of(escalation))
    run = workflow.restore_process(args, escalation.engine_state)
    ready = {task.engine_task_id for task in run.ready_user_tasks()}
    open_rows = {task.engine_task_id for task in tasks if task.escalation_id == escalation.id and task.state == "open"}
    return [] if ready == open_rows else [f"escalation {escalation.id}: engine ready {sorted(ready)}, "
                                          f"open rows {sorted(open_rows)}"]
