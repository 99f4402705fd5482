"""Test runs: an analyst clicks through a procedure version on a sandbox dossier.

The sandbox dossier runs on the same engine, with the same deadlines and
form validation as a real one, but it is flagged ``sandbox``: it has a code
from its own counter (``THU-…``), and searches, inboxes, deadline sweeps,
the public look-up and registers leave it out.  Any open step can be done
by the analyst who started the run (no role check), and steps whose unit
kind cannot be resolved from the analyst's unit fall back to that unit, so
that a province analyst can try a commune procedure.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import delete, select

from app import clock
from app.auth.models import Unit, User
from app.auth.services import resolve_step_unit
from app.calendar.services import due_at
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.db import session
from app.dossiers import services as dossiers, timeliness, workflow
from app.dossiers.models import Dossier, DossierEvent
from app.engine import DossierWorkflow
from app.procedures.dialect import ProcedureDefinition
from app.procedures.models import ProcedureVersion
from app.procedures.services import definition_of, get_version
from app.tasks import forms
from app.tasks.models import Task

APPLICANT = "Hồ sơ chạy thử"


def start(actor: User, code: str, number: int) -> Dossier:
    """Start a sandbox dossier on any version (draft or published), received by the analyst's unit."""
    version = get_version(code, number)
    now = clock.now()
    dossier = Dossier(
        code=dossiers.next_sandbox_code(clock.local(now).date()), sandbox=True,
        procedure=version.procedure, procedure_version=version, receiving_unit=actor.unit,
        status="received", channel="counter", applicant_name=APPLICANT, received_at=now, clock_started_at=now,
        due_at=due_at(now, version.procedure.legal_limit), lookup_secret=secrets.token_hex(4),
        received_by=actor, updated_at=now,
    )
    session.add(dossier)
    workflow.record(dossier, "test_run_started", actor, now, version=number)
    _save(dossier, workflow.start(dossier), now)
    session.commit()
    return dossier


def get(actor: User, code: str) -> Dossier:
    """A test run of the caller's (an administrator sees everyone's)."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code, Dossier.sandbox.is_(True)))
    if dossier is None:
        raise NotFound(f"Không tìm thấy lần chạy thử '{code}'.")
    if dossier.received_by_id != actor.id and not actor.has_role("admin"):
        raise Forbidden("Lần chạy thử này do người khác tạo.")
    return dossier


def complete(actor: User, code: str, task_id: int, data: Any) -> Task:
    """Complete an open step of one's own test run with its form data (validated as usual)."""
    dossier = get(actor, code)
    task = session.scalar(select(Task).where(Task.id == task_id, Task.dossier_id == dossier.id))
    if task is None:
        raise NotFound(f"Lần chạy thử {code} không có bước số {task_id}.")
    if task.state != "open":
        raise Conflict("Bước này đã làm xong hoặc đã bị hủy.")
    clean, errors = forms.validate(step_form(dossier, task), data if isinstance(data, dict) else {})
    if errors:
        raise Invalid("Biểu mẫu có trường chưa hợp lệ.",
                      [{"field": name, "message": message} for name, message in errors.items()])
    now = clock.now()
    with session.no_autoflush:
        run = workflow.load(dossier)
        workflow.complete(run, task, clean)
        task.state, task.completed_at, task.completed_by_id, task.assignee_id = "completed", now, actor.id, actor.id
        task.data, task.timeliness = clean, timeliness.classify(task.due_at, now)
        dossier.status = "in_progress"
        workflow.record(dossier, "task_completed", actor, now, task=task, element_id=task.element_id,
                        name=task.name, timeliness=task.timeliness)
        _save(dossier, run, now)
    session.commit()
    return task


def remove(actor: User, code: str) -> None:
    """Delete a test run with its steps, history and engine state."""
    _delete(get(actor, code))
    session.commit()


def discard_runs_of(version: ProcedureVersion) -> None:
    """Delete (uncommitted) the test runs of a draft whose diagram is being replaced:
    their engine state names elements the new diagram may no longer have."""
    for dossier in session.scalars(select(Dossier).where(Dossier.procedure_version_id == version.id,
                                                         Dossier.sandbox.is_(True))):
        _delete(dossier)


def _delete(dossier: Dossier) -> None:
    session.execute(delete(DossierEvent).where(DossierEvent.dossier_id == dossier.id))
    session.execute(delete(Task).where(Task.dossier_id == dossier.id))
    session.expire(dossier)
    session.delete(dossier)


def steps(dossier: Dossier) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.dossier_id == dossier.id).order_by(Task.ready_at, Task.id)))


def step_form(dossier: Dossier, task: Task) -> list[forms.FormField]:
    return list(definition_of(dossier.procedure_version).user_tasks[task.element_id].form)


def _save(dossier: Dossier, run: DossierWorkflow, now: datetime) -> None:
    """Like :func:`app.dossiers.workflow.save`, but with the analyst's unit as fallback
    and without supplements or timers: a test run only walks the diagram."""
    dossier.workflow_state = run.serialize()
    definition = definition_of(dossier.procedure_version)
    workflow.sync_task_rows(dossier, run, definition, workflow.open_tasks(dossier), _units_for(dossier, definition), now)
    if run.is_completed:
        dossier.status, dossier.finished_at = "ready_for_return", now
        dossier.timeliness = timeliness.classify(dossier.due_at, now)
    dossier.updated_at = now


def _units_for(dossier: Dossier, definition: ProcedureDefinition) -> Callable[[list[str]], dict[str, Unit]]:
    def units(element_ids: list[str]) -> dict[str, Unit]:
        return {element_id: resolve_step_unit(dossier.receiving_unit, definition.user_tasks[element_id].unit)
                or dossier.receiving_unit for element_id in element_ids}
    return units
