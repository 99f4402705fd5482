"""Web pages of the processing officers: the inbox and the task form."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app import clock
from app.core.errors import AppError
from app.core.web import MenuItem, errors_by_field
from app.core.identity import current_user, require
from app.db import session
from app.dossiers.services import tasks_of
from app.escalation.models import Escalation
from app.escalation.services import early_refusal, open_escalations_of, step_form
from app.escalation.views import posted_date
from app.tasks import services
from app.tasks.forms import TODAY, FormField
from app.tasks.models import Task

bp = Blueprint("tasks", __name__)
MENU = (MenuItem("tasks.inbox", "Hộp công việc", order=20),)
NOTE_WORDS = ("ý kiến", "ghi chú", "lý do", "nội dung", "mô tả", "nhận xét")
LONG_TEXT = 255


@bp.app_template_global()
def long_text(field: FormField) -> bool:
    """A string field shown as a textarea: a long limit, or notes without a limit."""
    if field.type != "string":
        return False
    if field.maxlength is not None:
        return field.maxlength > LONG_TEXT
    return any(word in field.label.lower() for word in NOTE_WORDS)


@bp.app_template_global()
def form_date_bound(bound: str | None) -> str | None:
    """A date field's bound as the date input's min/max: ``today`` is the application clock's date."""
    return clock.local(clock.now()).date().isoformat() if bound == TODAY else bound


@bp.get("/cong-viec")
@require()
def inbox():
    tasks = services.inbox(current_user())
    return render_template("tasks/inbox.html", tasks=tasks, holding=_holding(tasks))


def _holding(tasks: list[Task]) -> dict[int, Escalation]:
    """For each blocked dossier of the inbox, the escalation that holds it (one query per dossier)."""
    blocked = {task.dossier_id: task.dossier for task in tasks if task.dossier.blocked and not task.escalation_id}
    escalations = {dossier_id: open_escalations_of(dossier) for dossier_id, dossier in blocked.items()}
    return {dossier_id: found[0] for dossier_id, found in escalations.items() if found}


def _apology_step(task: Task):
    """The steps of the apology path are done on the escalation's page, not with a task form."""
    return redirect(url_for("escalation.detail", escalation_id=task.escalation_id))


def _form_of(step: Task) -> list[FormField]:
    """A step's form: the procedure's, or for a step of the apology path its system process's."""
    return step_form(step) if step.escalation_id else services.form_of(step)


def _task_page(task: Task, error: AppError | None = None, status: int = 200, early: bool = False):
    """The task's page; ``early``: what was posted is the early apology's, kept in its form."""
    mine = services.may_complete(current_user(), task)
    fields, steps = services.form_of(task), tasks_of(task.dossier)
    defaults = {f.id: str(f.default).lower() if f.type == "boolean" else f.default
                for f in fields if f.default is not None}
    posted = request.method == "POST"
    return render_template(
        "tasks/task.html", task=task, dossier=task.dossier, fields=fields, not_mine=None if mine else services.NOT_YOURS,
        steps=steps, step_forms={step.id: _form_of(step) for step in steps}, error=error,
        errors=errors_by_field(error) if error else {}, values=request.form if posted and not early else defaults,
        early_values=request.form if early else {}, early_error=early, **_letters(task, mine),
    ), status


def _letters(task: Task, mine: bool) -> dict:
    """What the page says of apology letters: the one holding a blocked dossier (its form is replaced
    by a link to the explanation), an early letter waiting, or the offer of one to the step's officer."""
    pending = open_escalations_of(task.dossier) if not task.escalation_id else []
    holder = next((found for found in pending if not found.early), None) if task.dossier.blocked else None
    return {"holder": holder, "pending_early": next((found for found in pending if found.early), None),
            "early_offer": mine and early_refusal(task, clock.now()) is None}


@bp.get("/cong-viec/<int:task_id>")
@require()
def task(task_id: int):
    task = services.get_for(current_user(), task_id)
    return _apology_step(task) if task.escalation_id else _task_page(task)


@bp.post("/cong-viec/<int:task_id>")
@require()
def complete(task_id: int):
    task = services.get_for(current_user(), task_id)
    if task.escalation_id:
        return _apology_step(task)
    try:
        services.complete(current_user(), task_id, request.form.to_dict())
    except AppError as error:
        return _task_page(task, error, error.status)
    flash(f"Đã hoàn thành bước “{task.name}” của hồ sơ {task.dossier.code}.", "success")
    return redirect(url_for(".inbox"))


@bp.post("/cong-viec/<int:task_id>/xin-loi-som")
@require()
def early_apology(task_id: int):
    """The early apology: the letter is issued and the officer lands on its page, where the leader signs."""
    task = services.get_for(current_user(), task_id)
    form = request.form
    try:
        escalation = services.apologize_early(current_user(), task_id, form.get("reason", ""),
                                              posted_date(form.get("new_due_date", "")))
    except AppError as error:
        session.rollback()  # nothing half-done is shown
        return _task_page(task, error, error.status, early=True)
    flash("Đã lập thư xin lỗi sớm (Mẫu 04) và trình lãnh đạo ký số; hồ sơ vẫn được giải quyết bình thường.", "success")
    return redirect(url_for("escalation.detail", escalation_id=escalation.id))
