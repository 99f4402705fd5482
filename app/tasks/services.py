"""The officers' inbox and completing a task."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import defaultload, joinedload

from app.auth.models import User
from app.core.errors import Conflict, Forbidden, Locked, NotFound
from app.db import session
from app.dossiers import workflow
from app.dossiers.models import Dossier
from app.dossiers.services import can_view
from app.escalation import services as escalation_services
from app.escalation.models import Escalation
from app.procedures.services import definition_of
from app.tasks import forms
from app.tasks.models import Task

NOT_YOURS = "Công việc này không thuộc vai trò hoặc đơn vị của bạn."
#: Larger ids cannot be stored (and make the database driver fail), so no task has one.
MAX_ID = 2**31 - 1


def inbox(user: User, limit: int = 200, offset: int = 0, all_roles: bool = False) -> list[Task]:
    """Open tasks of the user's roles in the user's unit, most urgent first;
    with ``all_roles``, those of every role (the unit's overview)."""
    query = (
        select(Task).options(joinedload(Task.dossier))
        .where(Task.state == "open", Task.unit_id == user.unit_id, Task.dossier.has(Dossier.sandbox.is_(False)))
        .order_by(Task.due_at, Task.id).limit(limit).offset(offset)
    )
    if not all_roles:
        query = query.where(Task.role_code.in_(user.role_codes))
    return list(session.scalars(query))


# Queries built once: a task with its dossier, and, to complete it (the hot
# path), with the dossier's engine state too.
# The procedure comes along for the step that changes the dossier's status, whose national
# portal message names it.
_TASK = select(Task).where(Task.id == bindparam("task_id")).options(joinedload(Task.dossier).options(
    joinedload(Dossier.procedure_version), joinedload(Dossier.receiving_unit), joinedload(Dossier.procedure)))
_TASK_TO_COMPLETE = _TASK.options(defaultload(Task.dossier).undefer(Dossier.workflow_state))


def _not_found(task_id: int) -> NotFound:
    return NotFound(f"Không tìm thấy công việc số {task_id}.")


def get(task_id: int, query=_TASK) -> Task:
    task = session.execute(query, {"task_id": task_id}).scalar_one_or_none() if 0 < task_id <= MAX_ID else None
    if task is None or task.dossier.sandbox:  # test runs have their own endpoints
        raise _not_found(task_id)
    return task


def get_for(user: User, task_id: int) -> Task:
    """The task if ``user`` may see its dossier; else answered exactly as an unknown id,
    so that ids (a plain sequence) confirm nothing of other units' work."""
    task = get(task_id)
    if not can_view(user, task.dossier):
        raise _not_found(task_id)
    return task


def form_of(task: Task) -> list[forms.FormField]:
    """The task's form: from its procedure's diagram, or from the apology path's."""
    if task.escalation_id is not None:
        return escalation_services.step_form(task)
    definition = definition_of(task.dossier.procedure_version)
    step = definition.user_tasks.get(task.element_id)   # a message wait has no form
    return list(step.form) if step is not None else []


def may_complete(user: User, task: Task) -> bool:
    """Whether the user holds the task's role in the task's unit."""
    return task.role_code in user.role_codes and task.unit_id == user.unit_id


def check_can_complete(user: User, task: Task) -> None:
    """403 unless the user holds the task's role in the task's unit."""
    if not may_complete(user, task):
        raise Forbidden(NOT_YOURS)


def _to_complete(actor: User, task_id: int) -> Task:
    """The task with its engine state, if ``actor`` may complete it; else 404 (as unknown) when
    they may not see its dossier, 403 when they may. Holding the role in the task's unit
    means seeing the dossier, so the hot path asks the database nothing more."""
    task = get(task_id, _TASK_TO_COMPLETE)
    if may_complete(actor, task):
        return task
    if can_view(actor, task.dossier):
        raise Forbidden(NOT_YOURS)
    raise _not_found(task_id)


def complete(actor: User, task_id: int, data: dict[str, Any]) -> Task:
    """Complete a task with its form data, in one transaction with the workflow.

    Exactly one of several concurrent completions succeeds: the others find
    the task done, or lose the optimistic lock on the dossier (409).
    """
    task = _to_complete(actor, task_id)
    _check_open(task)
    clean = forms.clean_or_refuse(form_of(task), data)
    with workflow.change():
        workflow.complete_step(actor, task, clean)
    return task


def apologize_early(actor: User, task_id: int, reason: str, new_due_date: date | None) -> Escalation:
    """An early apology for a step not yet late: only its role in its unit may ask (404 / 403 as
    for completing it); the rules of the letter are the apology path's."""
    task = _to_complete(actor, task_id)
    return escalation_services.apologize_early(actor, task, reason, new_due_date)


def _blocked_message(dossier: Dossier) -> str:
    """Which late step holds the dossier and what it waits for, named by the step, never by an
    escalation's number (which reads like a count)."""
    blocking = escalation_services.open_escalations_of(dossier)
    labels = escalation_services.STATE_LABELS
    named = "; ".join(f"bước “{session.get(Task, e.task_id).name}”: {labels[e.state].lower()}" for e in blocking)
    return (f"Hồ sơ {dossier.code} đang tạm dừng do có bước quá hạn ({named or 'đang xử lý'}): "
            "cần giải trình và thư xin lỗi được lãnh đạo ký số trước khi xử lý tiếp.")


def _check_open(task: Task) -> None:
    dossier = task.dossier
    if task.escalation_id is not None:
        raise Conflict("Việc này thuộc quy trình giải trình, xin lỗi: hãy làm trên trang hồ sơ trễ hạn "
                       f"(/api/v1/escalations/{task.escalation_id}).")
    if task.state != "open":
        raise Conflict("Công việc này đã được xử lý xong hoặc đã bị hủy.")
    if dossier.status == "blocked":
        raise Locked(_blocked_message(dossier))
    if dossier.status == "awaiting_supplement":
        raise Conflict(f"Hồ sơ {dossier.code} đang chờ công dân bổ sung giấy tờ.")
    if dossier.status not in ("received", "in_progress"):
        raise Conflict(f"Hồ sơ {dossier.code} không còn trong quá trình giải quyết.")
