"""The engine's state and everything written with it: the one persistence module.

Services run the engine only through this module, and every call goes
through :func:`guard`: a diagram that cannot go on is the request's 422
naming the element, never a 500.  Everything a move of the engine writes is
written here, inside the transaction that changes the dossier: the engine
state (of the dossier, or of its apology path), task rows, the dossier's
status and the audit trail, under one conflict policy (:func:`change`): a
unique key taken meanwhile, a version moved under the optimistic lock or a
lost compare-and-swap are all the same 409, ``CHANGED_MEANWHILE``.

Which task rows to cancel and which to create is decided once, by the pure
:func:`plan`; two appliers carry it out:

- the Core applier, for the hot path (an officer completing a step,
  :func:`complete_step`): explicit statements built once, the first of them
  the compare-and-swap on the dossier's ``version``, no object loading
  beyond what the caller already holds;
- the ORM applier (reception, supplements, timers, test runs, the apology
  path): the unit of work, whose version counter on the dossier's mapper
  makes the same lock.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.auth.models import Unit, User
from app.auth.services import resolve_step_unit
from app.calendar.services import work_calendar
from app.calendar.workdays import warning_time
from app.core.errors import CHANGED_MEANWHILE, Conflict, Invalid
from app.db import insert_new, session
from app.dossiers import auditchain, signals, timeliness
from app.dossiers.models import Dossier, DossierEvent
from app.engine import DossierWorkflow, EngineError
from app.procedures.dialect import ProcedureDefinition
from app.procedures.services import definition_of
from app.tasks.models import Task

SUPPLEMENT_MESSAGE = DossierWorkflow.SUPPLEMENT_MESSAGE
#: (kind, task id, detail) of an audit line written by the hot path
Event = tuple[str, int | None, dict[str, Any]]


# --------------------------------------------------------------------------- the engine, guarded


def guard(action: Callable[[], Any]) -> Any:
    """Run an engine action; a failure of the diagram is the request's 422 naming the element, not a 500."""
    try:
        return action()
    except EngineError as error:
        raise Invalid(f"Quy trình không chạy tiếp được: {error}",
                      [{"element_id": error.element_id, "line": None, "message": str(error)}]) from None


def _engine_args(dossier: Dossier) -> tuple:
    version = dossier.procedure_version
    return (version.id, version.digest), definition_of(version).normalized_xml, version.process_id


def start_process(engine_args: tuple) -> DossierWorkflow:
    """Start a process: ``engine_args`` are (cache key, normalized XML, process id)."""
    return guard(lambda: DossierWorkflow.start(*engine_args, data={}))


def restore_process(engine_args: tuple, state: str) -> DossierWorkflow:
    return guard(lambda: DossierWorkflow.restore(*engine_args, state))


def start(dossier: Dossier) -> DossierWorkflow:
    return start_process(_engine_args(dossier))


def load(dossier: Dossier) -> DossierWorkflow:
    return restore_process(_engine_args(dossier), dossier.workflow_state)


def complete(run: DossierWorkflow, task: Task, data: dict[str, Any]) -> None:
    guard(lambda: run.complete(task.engine_task_id, data))


def send_supplement_message(run: DossierWorkflow) -> None:
    guard(lambda: run.send_message(SUPPLEMENT_MESSAGE))


def deliver_message(run: DossierWorkflow, name: str, payload: dict[str, Any]) -> None:
    """Deliver a named message from another system; its payload becomes workflow data."""
    guard(lambda: run.send_message(name, payload))


def fire_timers(run: DossierWorkflow) -> None:
    """Let the due BPMN timers fire and the workflow run on."""
    guard(run.refresh_timers)


# --------------------------------------------------------------------------- the conflict policy


def changed_meanwhile() -> Conflict:
    """The one 409 of a change that lost a race."""
    return Conflict(CHANGED_MEANWHILE)


@contextmanager
def change() -> Iterator[None]:
    """One change, committed at the end of the block; nothing half-written stays in the session.

    A race lost at any point of it (a unique key taken meanwhile, a version
    moved under the ORM's lock, a compare-and-swap that found no row) is
    :func:`changed_meanwhile`; any other failure is raised as it is.
    """
    try:
        yield
        session.commit()
    except (IntegrityError, StaleDataError):
        session.rollback()
        raise changed_meanwhile() from None
    except BaseException:
        session.rollback()
        raise


def commit() -> None:
    """Commit what the caller changed, under the conflict policy of :func:`change`."""
    with change():
        pass


def commit_new() -> None:
    """Commit a dossier just made: its new rows by explicit INSERTs (:func:`app.db.insert_new`),
    under the conflict policy of :func:`change`."""
    with change():
        insert_new()


def _swap(statement, params: dict[str, Any]) -> None:
    """Run a compare-and-swap; no row changed means someone else won."""
    if _run(statement, params).rowcount != 1:
        raise changed_meanwhile()


def _run(statement, params: Any):
    """A statement of the step's own, on the transaction's connection: the session's path adds
    nothing to a plain table statement but its cost."""
    return session.connection().execute(statement, params)


# --------------------------------------------------------------------------- the plan


def plan(ready: Mapping[str, str], open_rows: Collection[str]) -> tuple[list[str], dict[str, str]]:
    """Bring task rows in line with the engine: (open rows to cancel, ready tasks needing a row).

    ``ready`` maps the engine's ready user tasks to their element ids;
    ``open_rows`` holds the engine task ids of the rows still open.  A row
    whose task the engine no longer offers is cancelled (another branch won,
    a message arrived); a ready task without a row gets one.
    """
    cancel = [engine_task_id for engine_task_id in open_rows if engine_task_id not in ready]
    create = {engine_task_id: element for engine_task_id, element in ready.items() if engine_task_id not in open_rows}
    return cancel, create


def _ready(run: DossierWorkflow) -> dict[str, str]:
    return {task.engine_task_id: task.element_id for task in run.ready_user_tasks()}


@dataclass(frozen=True)
class Staffing:
    """Who does the new steps: each element's unit, and the role where it is not the diagram's
    (the apology path's explanation is written by the late step's role)."""

    units_for: Callable[[list[str]], dict[str, Unit]]
    escalation_id: int | None = None
    roles: Mapping[str, str] = field(default_factory=dict)


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


def _diagram_staffing(dossier: Dossier, definition: ProcedureDefinition) -> Staffing:
    return Staffing(lambda elements: step_units(dossier, definition, elements))


def new_task_rows(definition: ProcedureDefinition, create: dict[str, str], staffing: Staffing,
                  now: datetime) -> list[dict[str, Any]]:
    """Column values of the rows of newly ready user tasks (``{engine task id: element id}``),
    their deadlines counted from ``now`` on the working-day calendar."""
    if not create:
        return []
    units = staffing.units_for(list(create.values()))
    calendar = work_calendar()
    rows = []
    for engine_task_id, element_id in create.items():
        spec = definition.user_tasks[element_id]
        due = calendar.due_at(now, spec.time_limit)
        rows.append({
            "engine_task_id": engine_task_id, "element_id": element_id, "name": spec.name,
            "role_code": staffing.roles.get(element_id, spec.role), "unit_id": units[element_id].id,
            "state": "open", "time_limit": str(spec.time_limit), "ready_at": now, "due_at": due,
            "warn_at": warning_time(calendar, now, spec.time_limit, due), "escalation_id": staffing.escalation_id,
        })
    return rows


def _waiting(run: DossierWorkflow, definition: ProcedureDefinition) -> dict[str, str]:
    """The engine's message waits the diagram declared (the supplement wait has no row)."""
    return {task.engine_task_id: task.element_id for task in run.waiting_message_tasks()
            if task.element_id in definition.message_waits}


def new_wait_rows(dossier: Dossier, definition: ProcedureDefinition, create: dict[str, str],
                  now: datetime) -> list[dict[str, Any]]:
    """Rows of new message waits: state ``waiting`` (no inbox, no sweep sees them), held by the
    receiving unit, due after the element's timeLimit; ``data`` names the message awaited."""
    calendar = work_calendar()
    rows = []
    for engine_task_id, element_id in create.items():
        spec = definition.message_waits[element_id]
        rows.append({
            "engine_task_id": engine_task_id, "element_id": element_id, "name": spec.name, "role_code": "",
            "unit_id": dossier.receiving_unit.id, "state": "waiting", "time_limit": str(spec.time_limit),
            "ready_at": now, "due_at": calendar.due_at(now, spec.time_limit), "data": {"message": spec.message},
        })
    return rows


def waiting_rows(dossier: Dossier) -> list[Task]:
    """The dossier's message waits still unanswered."""
    rows = session.scalars(select(Task).where(Task.dossier_id == dossier.id, Task.state == "waiting"))
    return [row for row in rows if row.state == "waiting"]   # not closed earlier in this transaction


# --------------------------------------------------------------------------- the Core applier (hot path)

# Built once, on the tables (plain SQL, no ORM bookkeeping); the columns to
# set come with the parameters.  Building a statement costs more than running it.
DOSSIERS, TASKS = Dossier.__table__, Task.__table__
#: the optimistic lock as a compare-and-swap; it also writes the engine state and the status
_CLAIM = update(DOSSIERS).where(DOSSIERS.c.id == bindparam("dossier_id"),
                                DOSSIERS.c.version == bindparam("seen_version"))
#: closes a task unless already closed
_CLOSE = update(TASKS).where(TASKS.c.id == bindparam("task_id"), TASKS.c.state == "open")
_CANCEL = update(TASKS).values(state="cancelled").where(
    TASKS.c.dossier_id == bindparam("of_dossier"), TASKS.c.state == "open",
    TASKS.c.engine_task_id.in_(bindparam("cancel", expanding=True)))
_CANCEL_WAITS = update(TASKS).values(state="cancelled").where(
    TASKS.c.dossier_id == bindparam("of_dossier"), TASKS.c.state == "waiting",
    TASKS.c.engine_task_id.in_(bindparam("cancel", expanding=True)))
_WAITING = select(TASKS.c.engine_task_id).where(TASKS.c.dossier_id == bindparam("of_dossier"),
                                                TASKS.c.state == "waiting")
_NEW_TASKS = insert(TASKS)
_NEW_EVENTS = insert(DossierEvent.__table__)


def complete_step(actor: User, task: Task, data: dict[str, Any], staffing: Staffing | None = None) -> None:
    """Complete a task with clean form data and write the step (uncommitted; see :func:`change`).

    The loaded objects are kept in line with what was written (see :func:`mirror`).
    ``staffing`` overrides the diagram's units (test runs fall back on the analyst's).
    """
    now, dossier = clock.now(), task.dossier
    run = load(dossier)
    was_ready = _ready(run)
    if was_ready.pop(task.engine_task_id, None) is None:
        raise changed_meanwhile()   # a concurrent completion committed after we read the task
    complete(run, task, data)
    done = {"state": "completed", "completed_at": now, "completed_by_id": actor.id, "assignee_id": actor.id,
            "data": data, "timeliness": timeliness.classify(task.due_at, now)}
    started = {"status": "in_progress"} if dossier.status == "received" else {}
    event = ("task_completed", task.id, {"element_id": task.element_id, "name": task.name,
                                         "timeliness": done["timeliness"]})
    save_step(dossier, run, was_ready, actor, now, started, [event], data, staffing)
    _swap(_CLOSE, {"task_id": task.id, **done})
    mirror(task, done)


def save_step(dossier: Dossier, run: DossierWorkflow, was_ready: dict[str, str], actor: User, now: datetime,
              changes: dict[str, Any], events: list[Event], step_data: dict[str, Any],
              staffing: Staffing | None = None) -> None:
    """Persist a step of an existing dossier with explicit statements.

    ``was_ready`` holds the user tasks that were ready before the step, other
    than the one completed; their rows are the dossier's open ones.  The
    dossier's row is updated only if its ``version`` is still the one read,
    else 409: of two officers racing, one wins.  ``changes`` and ``events``
    are the caller's own, joined with the status the workflow's move implies;
    ``step_data``, the form just submitted, may say what a supplement request is about.
    """
    moved, moved_events = status_change(dossier, run, now, step_data)
    events = events + [(kind, None, detail) for kind, detail in moved_events]
    event_rows, head = _chained_events(dossier, actor, now, events)
    values = {**changes, **moved, "workflow_state": run.serialize(), "next_timer_at": _next_timer(run),
              "updated_at": now, "version": dossier.version + 1, "audit_head": head}
    _swap(_CLAIM, {"dossier_id": dossier.id, "seen_version": dossier.version, **values})
    definition = definition_of(dossier.procedure_version)
    cancel, create = plan(_ready(run), was_ready)
    _apply_core(dossier, cancel, new_task_rows(definition, create, staffing or _diagram_staffing(dossier, definition), now))
    _apply_core_waits(dossier, run, definition, now)
    _insert_events(dossier, actor, now, event_rows, events)
    mirror(dossier, values)


def _apply_core(dossier: Dossier, cancel: list[str], rows: list[dict[str, Any]]) -> None:
    if cancel:
        _run(_CANCEL, {"of_dossier": dossier.id, "cancel": cancel})
    if rows:
        _run(_NEW_TASKS, [{**row, "dossier_id": dossier.id} for row in rows])


def _apply_core_waits(dossier: Dossier, run: DossierWorkflow, definition: ProcedureDefinition,
                      now: datetime) -> None:
    """A step may reach a message wait (a new row) or end one on another branch (cancelled)."""
    if not definition.message_waits:
        return
    had = set(session.scalars(_WAITING, {"of_dossier": dossier.id}))
    cancel, create = plan(_waiting(run, definition), had)
    if cancel:
        session.execute(_CANCEL_WAITS, {"of_dossier": dossier.id, "cancel": cancel})
    rows = new_wait_rows(dossier, definition, create, now)
    if rows:
        session.execute(_NEW_TASKS, [{**row, "dossier_id": dossier.id} for row in rows])


def _chained_events(dossier: Dossier, actor: User, at: datetime,
                    events: list[Event]) -> tuple[list[dict[str, Any]], str | None]:
    """The rows of the step's audit events, each chained to the one before from the loaded
    dossier's head, and the new head: it goes into the compare-and-swap, so two racing
    writers cannot both extend the chain from the same head."""
    rows, head = [], dossier.audit_head
    for kind, task_id, detail in events:
        prev = head or auditchain.GENESIS
        head = auditchain.seal(prev, dossier.code, kind, actor.id, task_id, at, detail)
        rows.append({"dossier_id": dossier.id, "kind": kind, "actor_id": actor.id, "at": at, "task_id": task_id,
                     "detail": detail, "prev_hash": prev, "hash": head})
    return rows, head


def _insert_events(dossier: Dossier, actor: User, at: datetime, rows: list[dict[str, Any]],
                   events: list[Event]) -> None:
    if rows:
        _run(_NEW_EVENTS, rows)
    for kind, _task_id, detail in events:
        _announce(dossier, kind, detail, actor, at)


def mirror(instance, values: dict[str, Any]) -> None:
    """Show on a loaded object what an explicit statement wrote, as if just loaded:
    the rest of the request reads the truth, and the unit of work has nothing to flush."""
    for name, value in values.items():
        set_committed_value(instance, name, value)


# --------------------------------------------------------------------------- the ORM applier


def save(dossier: Dossier, run: DossierWorkflow, actor: User | None, now: datetime,
         staffing: Staffing | None = None) -> None:
    """Persist the engine state and bring task rows and status in line with it (unit of work).

    ``staffing`` overrides the diagram's units (test runs fall back on the analyst's).
    """
    definition = definition_of(dossier.procedure_version)
    dossier.workflow_state = run.serialize()
    _apply_orm(dossier, run, definition, open_tasks(dossier), staffing or _diagram_staffing(dossier, definition), now)
    _apply_orm_waits(dossier, run, definition, now)
    _update_status(dossier, run, actor, now)
    dossier.next_timer_at = _next_timer(run)
    dossier.updated_at = now


def save_side_process(escalation, run: DossierWorkflow, definition: ProcedureDefinition, open_rows: list[Task],
                      staffing: Staffing, now: datetime) -> None:
    """Persist a system process run beside a dossier (the apology path): its engine state on
    the escalation, its user tasks as task rows of the escalation's dossier."""
    escalation.engine_state = run.serialize()
    _apply_orm(escalation.dossier, run, definition, open_rows, staffing, now)


def _apply_orm(dossier: Dossier, run: DossierWorkflow, definition: ProcedureDefinition, open_rows: list[Task],
               staffing: Staffing, now: datetime) -> None:
    rows = {row.engine_task_id: row for row in open_rows}
    cancel, create = plan(_ready(run), rows)
    for engine_task_id in cancel:
        rows[engine_task_id].state = "cancelled"
    for values in new_task_rows(definition, create, staffing, now):
        session.add(Task(dossier=dossier, **values))


def _apply_orm_waits(dossier: Dossier, run: DossierWorkflow, definition: ProcedureDefinition,
                     now: datetime) -> None:
    """Waits the engine dropped are cancelled (the caller closes the one a message answered)."""
    rows = {row.engine_task_id: row for row in waiting_rows(dossier)} if dossier.id is not None else {}
    cancel, create = plan(_waiting(run, definition), rows)
    for engine_task_id in cancel:
        rows[engine_task_id].state = "cancelled"
    for values in new_wait_rows(dossier, definition, create, now):
        session.add(Task(dossier=dossier, **values))


def record(dossier: Dossier, kind: str, actor: User | None, at: datetime,
           task: Task | None = None, **detail: Any) -> None:
    """Append a line to the dossier's audit trail, chained to the dossier's head.

    Moving the head makes the dossier dirty, so its version moves at the flush: of two
    transactions extending one chain, the second is a 409 under :func:`change`, never a fork.
    """
    actor_id, task_id = actor.id if actor else None, task.id if task is not None else None
    prev = dossier.audit_head or auditchain.GENESIS
    dossier.audit_head = auditchain.seal(prev, dossier.code, kind, actor_id, task_id, at, detail)
    session.add(DossierEvent(dossier=dossier, kind=kind, actor_id=actor_id, at=at, detail=detail, task_id=task_id,
                             prev_hash=prev, hash=dossier.audit_head))
    _announce(dossier, kind, detail, actor, at)


def _announce(dossier: Dossier, kind: str, detail: dict[str, Any], actor: User | None, at: datetime) -> None:
    """Tell the receivers of :data:`signals.event_recorded`, in this transaction (sandbox runs are nobody's news)."""
    if not dossier.sandbox:
        signals.event_recorded.send(dossier, kind=kind, detail=detail, actor=actor, at=at)


def open_tasks(dossier: Dossier) -> list[Task]:
    """The open rows of the dossier's own workflow (not those of its apology path)."""
    if dossier.id is None:
        return []
    rows = session.scalars(select(Task).where(Task.dossier_id == dossier.id, Task.state == "open",
                                              Task.escalation_id.is_(None)))
    # Without autoflush the database may still say "open" for a task closed in this transaction.
    return [row for row in rows if row.state == "open"]


# --------------------------------------------------------------------------- what a move means


def _next_timer(run: DossierWorkflow) -> datetime | None:
    return None if run.is_completed else run.next_timer_at()


def _update_status(dossier: Dossier, run: DossierWorkflow, actor: User | None, now: datetime) -> None:
    changes, events = status_change(dossier, run, now, {})
    for name, value in changes.items():
        setattr(dossier, name, value)
    for kind, detail in events:
        record(dossier, kind, actor, now, **detail)


def dossier_timeliness(dossier: Dossier, finished_at: datetime) -> str | None:
    """How the dossier finished: a dossier that needed an apology letter (its appointment was
    moved, early or after the fact) is late whatever its new appointment (DOMAIN.md, Timeliness)."""
    if dossier.due_at is None:
        return None
    if dossier.reappointed_at is not None:
        return timeliness.LATE
    return timeliness.classify(dossier.due_at, finished_at)


def status_change(dossier: Dossier, run: DossierWorkflow, now: datetime,
                  step_data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """What the workflow's move means for the dossier: new column values, and audit events.

    When the diagram sends the dossier back for supplement, the text fields of
    ``step_data`` (the form just submitted) say what is missing.
    """
    if run.is_completed:
        result = dossier_timeliness(dossier, now)
        return ({"status": "ready_for_return", "finished_at": now, "timeliness": result},
                [("ready_for_return", {"timeliness": result})])
    if SUPPLEMENT_MESSAGE in run.waiting_messages() and dossier.status != "awaiting_supplement":
        note = "; ".join(v for v in step_data.values() if isinstance(v, str) and v)
        return ({"status": "awaiting_supplement", "supplement_note": note},
                [("supplement_requested", {"note": note, "by_step": True})])
    return {}, []
