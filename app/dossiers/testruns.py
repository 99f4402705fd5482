"""Test runs: an analyst clicks through a procedure version on a sandbox dossier.

The sandbox dossier is a dossier: received like one (:func:`app.dossiers.services.new_dossier`),
its steps completed and written like a real one's (:mod:`app.dossiers.workflow`), with the
same deadlines and form validation.  It is flagged ``sandbox``: it has a code from its own
counter (``THU-…``), and searches, inboxes, deadline sweeps, the public look-up and
registers leave it out.  Any open step can be done by the analyst who started the run (no
role check), and steps whose unit kind cannot be resolved from the analyst's unit fall back
to that unit, so that a province analyst can try a commune procedure.

It lives with the dossiers, above the procedures: replacing a draft's diagram
(:func:`app.procedures.services.update_draft`) tells it through
``procedures.services.DRAFT_REPLACED`` to discard the draft's runs.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from app import clock
from app.auth.models import Unit, User
from app.auth.services import resolve_step_unit
from app.core.errors import Conflict, NotFound
from app.db import session
from app.dossiers import services as dossiers, workflow
from app.dossiers.models import Dossier, DossierEvent
from app.procedures import services as procedures
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
    dossier = dossiers.new_dossier(dossiers.next_sandbox_code(clock.local(now).date()), version, actor.unit, actor,
                                   now, sandbox=True, channel="counter", applicant_name=APPLICANT)
    session.add(dossier)
    workflow.record(dossier, "test_run_started", actor, now, version=number)
    workflow.save(dossier, workflow.start(dossier), actor, now, _staffing(dossier))
    workflow.commit()
    return dossier


def get(actor: User, code: str) -> Dossier:
    """A test run of the caller's (an administrator sees everyone's); another analyst's
    is answered exactly as an unknown code."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code, Dossier.sandbox.is_(True)))
    if dossier is None or (dossier.received_by_id != actor.id and not actor.has_role("admin")):
        raise NotFound(f"Không tìm thấy lần chạy thử '{code}'.")
    return dossier


def complete(actor: User, code: str, task_id: int, data: Any) -> Task:
    """Complete an open step of one's own test run with its form data (validated as usual)."""
    dossier = get(actor, code)
    task = session.scalar(select(Task).where(Task.id == task_id, Task.dossier_id == dossier.id))
    if task is None:
        raise NotFound(f"Lần chạy thử {code} không có bước số {task_id}.")
    if task.state != "open":
        raise Conflict("Bước này đã làm xong hoặc đã bị hủy.")
    clean = forms.clean_or_refuse(step_form(dossier, task), data)
    with workflow.change():
        workflow.complete_step(actor, task, clean, _staffing(dossier))
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


procedures.DRAFT_REPLACED.append(discard_runs_of)


def _delete(dossier: Dossier) -> None:
    session.execute(delete(DossierEvent).where(DossierEvent.dossier_id == dossier.id))
    session.execute(delete(Task).where(Task.dossier_id == dossier.id))
    session.expire(dossier)
    session.delete(dossier)


def steps(dossier: Dossier) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.dossier_id == dossier.id).order_by(Task.ready_at, Task.id)))


def step_form(dossier: Dossier, task: Task) -> list[forms.FormField]:
    return list(definition_of(dossier.procedure_version).user_tasks[task.element_id].form)


def _staffing(dossier: Dossier) -> workflow.Staffing:
    """The diagram's units where the analyst's unit has them, else the analyst's unit itself."""
    definition = definition_of(dossier.procedure_version)
    return workflow.Staffing(lambda elements: _units(dossier, definition, elements))


def _units(dossier: Dossier, definition: ProcedureDefinition, element_ids: list[str]) -> dict[str, Unit]:
    home = dossier.receiving_unit
    return {element_id: resolve_step_unit(home, definition.user_tasks[element_id].unit) or home
            for element_id in element_ids}
