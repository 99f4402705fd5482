"""REST API: officers' inboxes and completing tasks ."""
from __future__ import annotations

from flask import Blueprint

from app.core.api import load_json, load_query
from app.core.identity import current_user, require
from app.core.openapi import operation
from app.escalation.schemas import EscalationSchema, ExplanationSchema
from app.tasks import services
from app.tasks.schemas import CompleteSchema, TaskQuerySchema, TaskSchema

# Schemas are built once: building one costs more than using it.
_QUERY, _COMPLETE, _TASK, _TASKS = TaskQuerySchema(), CompleteSchema(), TaskSchema(), TaskSchema(many=True)
_EXPLANATION, _ESCALATION = ExplanationSchema(), EscalationSchema()

bp = Blueprint("tasks", __name__)


@bp.get("/tasks")
@require()
@operation(query=TaskQuerySchema, response=TaskSchema, many=True)
def list_tasks():
    """Open tasks in the caller's unit, most urgent first: by default only the caller's roles (the inbox)."""
    query = load_query(_QUERY)
    tasks = services.inbox(current_user(), query["limit"], query["offset"], all_roles=not query["mine"])
    return _TASKS.dump(tasks)


@bp.get("/tasks/<int:task_id>")
@require()
@operation(response=TaskSchema, errors=(404,))
def get_task(task_id: int):
    """One task, for staff who may see its dossier."""
    return _TASK.dump(services.get_for(current_user(), task_id))


@bp.post("/tasks/<int:task_id>/complete")
@require()
@operation(body=CompleteSchema, response=TaskSchema, errors=(404, 409, 423))
def complete_task(task_id: int):
    """Complete a task with its form data; the workflow moves on.

    404 when the caller may not see the task's dossier (as for an unknown id); 403 when
    they see it but do not hold the task's role in the task's unit; then 409 when the
    task is already done or the dossier changed meanwhile; 422 with the form's
    field errors; 423 while the dossier is blocked by a late step.
    """
    body = load_json(_COMPLETE)
    return _TASK.dump(services.complete(current_user(), task_id, body["data"]))


@bp.post("/tasks/<int:task_id>/early-apology")
@require()
@operation(body=ExplanationSchema, response=EscalationSchema, status=201, errors=(404, 409))
def early_apology(task_id: int):
    """Before the step is late, its officer explains the coming delay and proposes a new appointment
    (a working day after today and after the current one); the apology letter (form 04) is issued for
    the unit's leader to sign with ``POST /escalations/{id}/signature``. Once signed the appointment
    and the step's deadline move (the one re-appointment) and nothing blocks. 409 when the step is
    already late, the dossier stopped, already re-appointed or with a letter pending."""
    body = load_json(_EXPLANATION)
    escalation = services.apologize_early(current_user(), task_id, body["reason"], body["new_due_date"])
    return _ESCALATION.dump(escalation), 201
