"""Running a dossier's workflow: the bridge between the engine, task rows and audit.

:func:`save` is called inside the transaction that changes the dossier; it
writes the engine state, creates and closes task rows, moves the dossier's
status and records audit events, all committed (or rolled back) together.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select

from app.auth.models import Unit, User
from app.auth.services import resolve_step_unit
from app.calendar.services import work_calendar
from app.calendar.workdays import warning_time
from app.core.errors import Invalid
from app.db import session
from app.dossiers import timeliness
from app.dossiers.models import Dossier, DossierEvent, WorkflowState
from app.engine import DossierWorkflow, EngineError
from app.procedures.dialect import ProcedureDefinition
from app.procedures.services import definition_of
from app.tasks.models import Task

SUPPLEMENT_MESSAGE = DossierWorkflow.SUPPLEMENT_MESSAGE


def record(dossier: Dossier, kind: str, actor: User | None, at: datetime,
           task: Task | None = None, **detail: Any) -> None:
    """Append a line to the dossier's audit trail."""
    event = DossierEvent(dossier=dossier, kind=kind, actor_id=actor.id if actor else None, at=at, detail=detail,
                         task_id=task.id if task is not None else None)
    session.add(event)


def step_units(dossier: Dossier, definition: ProcedureDefinition,
               element_ids: list[str] | None = None) -> dict[str, Unit]:
    """The unit doing each (or each named) user task of this dossier; 422 if one cannot be found."""
    units, problems = {}, []
    wanted = definition.user_tasks if element_ids is None else element_ids
    for task in (definition.user_tasks[element_id] for element_id in wanted):
        unit = resolve_step_unit(dossier.receiving_unit, task.unit)
        if unit is None:
            problems.append({"element_id": task.element_id, "line": task.line,
                             "message": f"Không tìm thấy đơn vị loại '{task.unit}' phục vụ {dossier.receiving_unit.name}."})
        else:
            units[task.element_id] = unit
    if problems:
        raise Invalid("Không xác định được đơn vị thực hiện một số bước của quy trình.", problems)
    return units


def _engine_args(dossier: Dossier) -> tuple:
    version = dossier.procedure_version
    return (version.id, hash(version.bpmn_xml)), definition_of(version).normalized_xml, version.process_id


def start(dossier: Dossier) -> DossierWorkflow:
    return _guard(lambda: DossierWorkflow.start(*_engine_args(dossier), data={}))


def load(dossier: Dossier) -> DossierWorkflow:
    return DossierWorkflow.restore(*_engine_args(dossier), dossier.workflow.state)


def complete(run: DossierWorkflow, task: Task, data: dict[str, Any]) -> None:
    _guard(lambda: run.complete(task.engine_task_id, data))


def send_supplement_message(run: DossierWorkflow) -> None:
    _guard(lambda: run.send_message(SUPPLEMENT_MESSAGE))


def _guard(action):
    """Run an engine action; a failure of the diagram is the request's 422, not a 500."""
    try:
        return action()
    except EngineError as error:
        raise Invalid(f"Quy trình không chạy tiếp được: {error}",
                      [{"element_id": error.element_id, "line": None, "message": str(error)}]) from None


def save(dossier: Dossier, run: DossierWorkflow, actor: User | None, now: datetime,
         step_data: dict[str, Any] | None = None) -> None:
    """Persist the engine state and bring task rows and status in line with it.

    ``step_data`` is the form just submitted; when the diagram sends the
    dossier back for supplement, its text fields say what is missing.
    """
    if dossier.workflow is None:
        dossier.workflow = WorkflowState(state=run.serialize())
    else:
        dossier.workflow.state = run.serialize()
    _sync_tasks(dossier, run, now)
    _update_status(dossier, run, actor, now, step_data or {})
    dossier.next_timer_at = None if run.is_completed else run.next_timer_at()
    dossier.updated_at = now


def _sync_tasks(dossier: Dossier, run: DossierWorkflow, now: datetime) -> None:
    definition = definition_of(dossier.procedure_version)
    sync_task_rows(dossier, run, definition, open_tasks(dossier),
                   lambda elements: step_units(dossier, definition, elements), now)


def sync_task_rows(dossier: Dossier, run: DossierWorkflow, definition: ProcedureDefinition,
                   open_rows: list[Task], units_for: Callable[[list[str]], dict[str, Unit]],
                   now: datetime, escalation_id: int | None = None, roles: dict[str, str] | None = None) -> None:
    """Create a row for each newly ready user task; cancel rows no longer ready.

    ``roles`` overrides the diagram's role of some elements (see the apology path).
    """
    ready = {task.engine_task_id: task.element_id for task in run.ready_user_tasks()}
    rows = {row.engine_task_id: row for row in open_rows}
    for engine_task_id, row in rows.items():
        if engine_task_id not in ready:
            row.state = "cancelled"
    new = [(tid, element) for tid, element in ready.items() if tid not in rows]
    units = units_for([element for _tid, element in new]) if new else {}
    calendar = work_calendar()
    for engine_task_id, element_id in new:
        spec = definition.user_tasks[element_id]
        due = calendar.due_at(now, spec.time_limit)
        session.add(Task(
            dossier=dossier, engine_task_id=engine_task_id, element_id=element_id, name=spec.name,
            role_code=(roles or {}).get(element_id, spec.role), unit=units[element_id], state="open", time_limit=str(spec.time_limit),
            ready_at=now, due_at=due, warn_at=warning_time(calendar, now, spec.time_limit, due),
            escalation_id=escalation_id,
        ))


def open_tasks(dossier: Dossier) -> list[Task]:
    if dossier.id is None:
        return []
    rows = session.scalars(select(Task).where(Task.dossier_id == dossier.id, Task.state == "open",
                                              Task.escalation_id.is_(None)))
    # Without autoflush the database may still say "open" for a task closed in this transaction.
    return [row for row in rows if row.state == "open"]


def _update_status(dossier: Dossier, run: DossierWorkflow, actor: User | None, now: datetime,
                   step_data: dict[str, Any]) -> None:
    if run.is_completed:
        dossier.status = "ready_for_return"
        dossier.finished_at = now
        dossier.timeliness = timeliness.classify(dossier.due_at, now) if dossier.due_at else None
        record(dossier, "ready_for_return", actor, now, timeliness=dossier.timeliness)
    elif SUPPLEMENT_MESSAGE in run.waiting_messages() and dossier.status != "awaiting_supplement":
        dossier.status = "awaiting_supplement"
        note = "; ".join(v for v in step_data.values() if isinstance(v, str) and v)
        dossier.supplement_note = note
        record(dossier, "supplement_requested", actor, now, note=note, by_step=True)
