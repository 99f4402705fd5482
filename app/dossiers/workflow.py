"""Running a dossier's workflow: the bridge between the engine, task rows and audit.

Both writers run inside the transaction that changes the dossier; they write
the engine state, create and close task rows, move the dossier's status and
record audit events, all committed (or rolled back) together, under the
optimistic lock of the dossier's ``version``:

- :func:`save` goes through the ORM's unit of work, whose version counter on
  the dossier's mapper makes the lock (reception, supplements, timers);
- :func:`save_step` is the hot path, an officer completing a step: a handful
  of explicit statements, the first of them the compare-and-swap on
  ``version``, and no object loading beyond what the caller already holds.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import Unit, User
from app.auth.services import resolve_step_unit
from app.calendar.services import work_calendar
from app.calendar.workdays import warning_time
from app.core.errors import Conflict, Invalid
from app.db import session
from app.dossiers import timeliness
from app.dossiers.models import Dossier, DossierEvent
from app.engine import DossierWorkflow, EngineError
from app.procedures.dialect import ProcedureDefinition
from app.procedures.services import definition_of
from app.tasks.models import Task

SUPPLEMENT_MESSAGE = DossierWorkflow.SUPPLEMENT_MESSAGE
CHANGED_MEANWHILE = "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại và thử lại."


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
    return (version.id, version.digest), definition_of(version).normalized_xml, version.process_id


def start(dossier: Dossier) -> DossierWorkflow:
    return _guard(lambda: DossierWorkflow.start(*_engine_args(dossier), data={}))


def load(dossier: Dossier) -> DossierWorkflow:
    return DossierWorkflow.restore(*_engine_args(dossier), dossier.workflow_state)


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


def save(dossier: Dossier, run: DossierWorkflow, actor: User | None, now: datetime) -> None:
    """Persist the engine state and bring task rows and status in line with it (unit of work)."""
    dossier.workflow_state = run.serialize()
    _sync_tasks(dossier, run, now)
    _update_status(dossier, run, actor, now)
    dossier.next_timer_at = _next_timer(run)
    dossier.updated_at = now


# The statements of the hot path are built once, on the tables (plain SQL, no
# ORM bookkeeping); the columns to set come with the parameters.  Building a
# statement costs more than running it.
DOSSIERS, TASKS = Dossier.__table__, Task.__table__
_CLAIM = update(DOSSIERS).where(DOSSIERS.c.id == bindparam("dossier_id"),
                                DOSSIERS.c.version == bindparam("seen_version"))
_NEW_TASKS = insert(TASKS)
_NEW_EVENTS = insert(DossierEvent.__table__)


def save_step(dossier: Dossier, run: DossierWorkflow, was_ready: dict[str, str], actor: User, now: datetime,
              changes: dict[str, Any], events: list[tuple[str, int | None, dict[str, Any]]],
              step_data: dict[str, Any]) -> None:
    """Persist a step of an existing dossier with explicit statements (the hot path).

    ``was_ready`` holds the user tasks that were ready before the step, other
    than the one completed; their rows are the dossier's open ones.  The
    dossier's row is updated only if its ``version`` is still the one read,
    else :class:`Conflict` (409): of two officers racing, one wins.
    ``changes`` and ``events`` (kind, task id, detail) are the caller's own,
    joined with the status the workflow's move implies; ``step_data``, the
    form just submitted, may say what a supplement request is about.  The
    loaded dossier is kept in line with what was written (see :func:`mirror`).
    """
    moved, moved_events = status_change(dossier, run, now, step_data)
    values = {**changes, **moved, "workflow_state": run.serialize(), "next_timer_at": _next_timer(run),
              "updated_at": now, "version": dossier.version + 1}
    claimed = session.execute(_CLAIM, {"dossier_id": dossier.id, "seen_version": dossier.version, **values})
    if claimed.rowcount != 1:
        raise Conflict(CHANGED_MEANWHILE)
    _step_task_rows(dossier, run, was_ready, now)
    _insert_events(dossier, actor, now, events + [(kind, None, detail) for kind, detail in moved_events])
    mirror(dossier, values)


def _step_task_rows(dossier: Dossier, run: DossierWorkflow, was_ready: dict[str, str], now: datetime) -> None:
    ready = {task.engine_task_id: task.element_id for task in run.ready_user_tasks()}
    gone = [engine_task_id for engine_task_id in was_ready if engine_task_id not in ready]
    if gone:
        session.execute(update(TASKS).values(state="cancelled").where(
            TASKS.c.dossier_id == dossier.id, TASKS.c.engine_task_id.in_(gone), TASKS.c.state == "open"))
    definition = definition_of(dossier.procedure_version)
    new = {tid: element for tid, element in ready.items() if tid not in was_ready}
    rows = new_task_rows(definition, new, lambda elements: step_units(dossier, definition, elements), now)
    if rows:
        session.execute(_NEW_TASKS, [{**row, "dossier_id": dossier.id} for row in rows])


def _insert_events(dossier: Dossier, actor: User, at: datetime,
                   events: list[tuple[str, int | None, dict[str, Any]]]) -> None:
    session.execute(_NEW_EVENTS, [
        {"dossier_id": dossier.id, "kind": kind, "actor_id": actor.id, "at": at, "task_id": task_id,
         "detail": detail}
        for kind, task_id, detail in events])


def mirror(instance, values: dict[str, Any]) -> None:
    """Show on a loaded object what an explicit statement wrote, as if just loaded:
    the rest of the request reads the truth, and the unit of work has nothing to flush."""
    for name, value in values.items():
        set_committed_value(instance, name, value)


def _next_timer(run: DossierWorkflow) -> datetime | None:
    return None if run.is_completed else run.next_timer_at()


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
    new = {tid: element for tid, element in ready.items() if tid not in rows}
    for values in new_task_rows(definition, new, units_for, now, escalation_id, roles):
        session.add(Task(dossier=dossier, **values))


def new_task_rows(definition: ProcedureDefinition, new: dict[str, str],
                  units_for: Callable[[list[str]], dict[str, Unit]], now: datetime,
                  escalation_id: int | None = None, roles: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Column values of the rows of newly ready user tasks (``{engine task id: element id}``),
    their deadlines counted from ``now`` on the working-day calendar."""
    if not new:
        return []
    units = units_for(list(new.values()))
    calendar = work_calendar()
    rows = []
    for engine_task_id, element_id in new.items():
        spec = definition.user_tasks[element_id]
        due = calendar.due_at(now, spec.time_limit)
        rows.append({
            "engine_task_id": engine_task_id, "element_id": element_id, "name": spec.name,
            "role_code": (roles or {}).get(element_id, spec.role), "unit_id": units[element_id].id,
            "state": "open", "time_limit": str(spec.time_limit), "ready_at": now, "due_at": due,
            "warn_at": warning_time(calendar, now, spec.time_limit, due), "escalation_id": escalation_id,
        })
    return rows


def open_tasks(dossier: Dossier) -> list[Task]:
    if dossier.id is None:
        return []
    rows = session.scalars(select(Task).where(Task.dossier_id == dossier.id, Task.state == "open",
                                              Task.escalation_id.is_(None)))
    # Without autoflush the database may still say "open" for a task closed in this transaction.
    return [row for row in rows if row.state == "open"]


def _update_status(dossier: Dossier, run: DossierWorkflow, actor: User | None, now: datetime) -> None:
    changes, events = status_change(dossier, run, now, {})
    for name, value in changes.items():
        setattr(dossier, name, value)
    for kind, detail in events:
        record(dossier, kind, actor, now, **detail)


def status_change(dossier: Dossier, run: DossierWorkflow, now: datetime,
                  step_data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """What the workflow's move means for the dossier: new column values, and audit events.

    When the diagram sends the dossier back for supplement, the text fields of
    ``step_data`` (the form just submitted) say what is missing.
    """
    if run.is_completed:
        result = timeliness.classify(dossier.due_at, now) if dossier.due_at else None
        return ({"status": "ready_for_return", "finished_at": now, "timeliness": result},
                [("ready_for_return", {"timeliness": result})])
    if SUPPLEMENT_MESSAGE in run.waiting_messages() and dossier.status != "awaiting_supplement":
        note = "; ".join(v for v in step_data.values() if isinstance(v, str) and v)
        return ({"status": "awaiting_supplement", "supplement_note": note},
                [("supplement_requested", {"note": note, "by_step": True})])
    return {}, []
