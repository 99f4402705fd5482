"""The officers' inbox and completing a task."""
from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defaultload, joinedload

from app import clock
from app.auth.models import User
from app.core.errors import Conflict, Forbidden, Invalid, Locked, NotFound
from app.db import session
from app.dossiers import timeliness, workflow
from app.escalation import services as escalation_services
from app.procedures.services import definition_of
from app.tasks import forms
from app.dossiers.models import Dossier
from app.tasks.models import Task

#: Larger ids cannot be stored (and make the database driver fail), so no task has one.
MAX_ID = 2**31 - 1
CHANGED_MEANWHILE = workflow.CHANGED_MEANWHILE


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
_TASK = select(Task).where(Task.id == bindparam("task_id")).options(joinedload(Task.dossier).options(
    joinedload(Dossier.procedure_version), joinedload(Dossier.receiving_unit)))
_TASK_TO_COMPLETE = _TASK.options(defaultload(Task.dossier).undefer(Dossier.workflow_state))


def get(task_id: int, query=_TASK) -> Task:
    task = session.execute(query, {"task_id": task_id}).scalar_one_or_none() if 0 < task_id <= MAX_ID else None
    if task is None or task.dossier.sandbox:  # test runs have their own endpoints
        raise NotFound(f"Không tìm thấy công việc số {task_id}.")
    return task


def form_of(task: Task) -> list[forms.FormField]:
    """The task's form: from its procedure's diagram, or from the apology path's."""
    if task.escalation_id is not None:
        return escalation_services.step_form(task)
    definition = definition_of(task.dossier.procedure_version)
    return list(definition.user_tasks[task.element_id].form)


def check_can_complete(user: User, task: Task) -> None:
    """403 unless the user holds the task's role in the task's unit."""
    if task.role_code not in user.role_codes or task.unit_id != user.unit_id:
        raise Forbidden("Công việc này không thuộc vai trò hoặc đơn vị của bạn.")


def complete(actor: User, task_id: int, data: dict[str, Any]) -> Task:
    """Complete a task with its form data, in one transaction with the workflow.

    Exactly one of several concurrent completions succeeds: the others find
    the task done, or lose the optimistic lock on the dossier (409).
    """
    task = get(task_id, _TASK_TO_COMPLETE)
    check_can_complete(actor, task)
    _check_open(task)
    clean, errors = forms.validate(form_of(task), data if isinstance(data, dict) else {})
    if errors:
        raise Invalid("Biểu mẫu có trường chưa hợp lệ.",
                      [{"field": name, "message": message} for name, message in errors.items()])
    try:
        _record_completion(actor, task, clean)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(CHANGED_MEANWHILE) from None
    except Exception:
        session.rollback()  # a refused step leaves nothing half-written in the transaction
        raise
    return task


#: Closes a task unless already closed; the columns to set come with the parameters.
_TASKS = Task.__table__
_CLOSE = update(_TASKS).where(_TASKS.c.id == bindparam("task_id"), _TASKS.c.state == "open")


def _record_completion(actor: User, task: Task, clean: dict[str, Any]) -> None:
    """Advance the workflow and write the dossier, the task and the audit line (uncommitted)."""
    now, dossier = clock.now(), task.dossier
    run = workflow.load(dossier)
    was_ready = {ready.engine_task_id: ready.element_id for ready in run.ready_user_tasks()}
    if was_ready.pop(task.engine_task_id, None) is None:
        raise Conflict(CHANGED_MEANWHILE)   # a concurrent completion committed after we read the task
    workflow.complete(run, task, clean)
    done = {"state": "completed", "completed_at": now, "completed_by_id": actor.id, "assignee_id": actor.id,
            "data": clean, "timeliness": timeliness.classify(task.due_at, now)}
    started = {"status": "in_progress"} if dossier.status == "received" else {}
    event = ("task_completed", task.id,
             {"element_id": task.element_id, "name": task.name, "timeliness": done["timeliness"]})
    workflow.save_step(dossier, run, was_ready, actor, now, started, [event], step_data=clean)
    closed = session.execute(_CLOSE, {"task_id": task.id, **done})
    if closed.rowcount != 1:
        raise Conflict(CHANGED_MEANWHILE)
    workflow.mirror(task, done)


def _blocked_message(dossier: Dossier) -> str:
    blocking = escalation_services.open_escalations_of(dossier)
    labels = escalation_services.STATE_LABELS
    named = "; ".join(f"hồ sơ trễ hạn số {e.id} ({labels[e.state].lower()})" for e in blocking)
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
