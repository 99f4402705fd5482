"""Web pages of the apology gate: the late steps a user deals with, the page of
one escalation with the officer's explanation, the leader's review and
signature of the apology letter (or the head's decision), and notifications.

The rules are the services' (the same as the REST API's): these views only
decide which form to offer and put the services' messages beside the fields.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.auth.services import field_errors
from app.core.errors import AppError, Forbidden, Invalid
from app.core.web import MenuItem, errors_by_field
from app.core.identity import current_user, require
from app.db import session
from app.dossiers.models import Dossier
from app.escalation import services
from app.escalation.models import Escalation
from app.notifications.services import for_user
from app.tasks.models import Task
from app.tasks.services import check_can_complete

bp = Blueprint("escalation", __name__)
#: roles that neither process, lead nor oversee steps: no late steps of theirs to deal with
NOT_HANDLING_STEPS = frozenset({"receptionist", "analyst"})


def handles_steps(user: User) -> bool:
    """Officers (of any specialty), leaders, supervisors and admins."""
    return bool(user.role_codes - NOT_HANDLING_STEPS)


MENU = (MenuItem("escalation.index", "Trễ hạn", handles_steps, order=30),
        MenuItem("escalation.notifications", "Thông báo", order=50))

#: the step that moves an escalation on from each open state
STEP_OF_STATE = {"awaiting_explanation": services.EXPLAIN, "awaiting_signature": services.SIGN,
                 "escalated_to_head": services.DECIDE}
#: what the page calls each step (the templates need not know the BPMN ids)
STEP_NAMES = {services.EXPLAIN: "explain", services.SIGN: "sign", services.DECIDE: "decide"}
#: states in which the letter exists: issued for signature, or signed
LETTER_STATES = ("awaiting_signature", "signed")
STATE_TONES = {"awaiting_explanation": "danger", "awaiting_signature": "warn", "escalated_to_head": "danger",
               "signed": "ok", "decided": "ok"}
#: the list's filter: every open escalation (the default), all of them, or one state
STATE_FILTERS = [(services.OPEN, "Đang mở (chưa giải quyết xong)"), ("tat-ca", "Tất cả")] + list(
    services.STATE_LABELS.items())
PAGE = 50
NOTIFICATION_KINDS = {"deadline_near": "Sắp đến hạn", "escalated": "Trễ hạn", "letter_to_sign": "Thư chờ ký",
                      "letter_rejected": "Thư bị trả lại", "apology": "Thư xin lỗi công dân"}

bp.add_app_template_global(services.STATE_LABELS, "ESCALATION_STATE_LABELS")
bp.add_app_template_global(services.renewed_deadline, "renewed_deadline")
bp.add_app_template_global(STATE_TONES, "ESCALATION_STATE_TONES")


@bp.app_template_global()
def open_escalations(dossier: Dossier) -> list[Escalation]:
    """The escalations holding a dossier (none unless it is blocked): for the dossier banner."""
    return services.open_escalations_of(dossier) if dossier.blocked else []


@bp.app_template_global()
def late_step(escalation: Escalation) -> Task:
    """The late task an escalation is about."""
    return session.get(Task, escalation.task_id)


# --------------------------------------------------------------------------- the list


@bp.get("/tre-han")
@require()
def index():
    """The escalations of the user's unit (supervisors: all), oldest first; leaders' letters to sign on top."""
    user = current_user()
    state = request.args.get("trang-thai", services.OPEN)
    if state not in dict(STATE_FILTERS):
        state = services.OPEN
    page = max(request.args.get("trang", 1, type=int), 1)
    escalations = services.search(user, None if state == "tat-ca" else state, PAGE + 1, (page - 1) * PAGE)
    to_sign = services.search(user, "awaiting_signature") if user.has_role("leader") else []
    _load_late_steps(escalations + to_sign)
    return render_template("escalation/index.html", escalations=escalations[:PAGE], to_sign=to_sign, state=state,
                           state_filters=STATE_FILTERS, page=page, more=len(escalations) > PAGE)


def _load_late_steps(escalations: list[Escalation]) -> None:
    """Read the late tasks of a list in one query, so ``late_step`` finds them loaded."""
    ids = {escalation.task_id for escalation in escalations}
    if ids:
        session.scalars(select(Task).where(Task.id.in_(ids))).all()


# --------------------------------------------------------------------------- one escalation


def my_step(user: User, escalation: Escalation) -> str | None:
    """The element id of the step the user may do now on this escalation, if any."""
    element_id = STEP_OF_STATE.get(escalation.state)
    task = services.open_step(escalation, element_id) if element_id else None
    if task is None:
        return None
    try:
        check_can_complete(user, task)
    except Forbidden:
        return None
    return element_id


def _earliest_new_date(escalation: Escalation) -> date:
    """The first day the date picker offers: after today and after the old appointment."""
    today = clock.local(clock.now()).date()
    old = clock.local(escalation.old_due_at).date() if escalation.old_due_at else today
    return max(today, old) + timedelta(days=1)


def _page(escalation: Escalation, error: AppError | None = None, status: int = 200):
    task = late_step(escalation)
    step_due = escalation.step_due_at or task.due_at  # the step's deadline before the letter moved it
    late_by = (task.completed_at or clock.now()) - step_due
    return render_template(
        "escalation/detail.html", escalation=escalation, dossier=escalation.dossier, late=task, late_by=late_by,
        step_due=step_due,
        step=STEP_NAMES.get(my_step(current_user(), escalation)), has_letter=escalation.state in LETTER_STATES,
        earliest=_earliest_new_date(escalation), upload_mb=upload_limit_mb(),
        error=error, errors=errors_by_field(error) if error else {}, values=request.form if error else {},
    ), status


@bp.get("/tre-han/<int:escalation_id>")
@require()
def detail(escalation_id: int):
    return _page(services.get_for(current_user(), escalation_id))


@bp.get("/tre-han/<int:escalation_id>/thu-xin-loi.pdf")
@require()
def letter(escalation_id: int):
    """The apology letter: as issued for signature, or as signed."""
    escalation = services.get_for(current_user(), escalation_id)
    return Response(services.letter(escalation), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="thu-xin-loi-{escalation.id}.pdf"',
        "X-Content-Type-Options": "nosniff"})


# --------------------------------------------------------------------------- acting


def _explain(user: User, escalation_id: int) -> str:
    form = request.form
    services.explain(user, escalation_id, form.get("reason", ""), posted_date(form.get("new_due_date", "")))
    return "Đã gửi giải trình. Thư xin lỗi đã được lập và đang chờ lãnh đạo xem xét, ký số."


def posted_date(text: str) -> date | None:
    """A date input's ISO value; None when empty (the service then asks for one)."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        message = "Ngày không hợp lệ: chọn ngày theo dạng ngày/tháng/năm."
        raise Invalid(message, field_errors({"new_due_date": message})) from None


def _sign_with_pin(user: User, escalation_id: int) -> str:
    return _signed(services.sign_with_pin(user, escalation_id, request.form.get("pin", "")))


def upload_limit_mb() -> int:
    """The largest signed letter accepted: the API's limit, or the server's request limit if lower."""
    request_limit = current_app.config.get("MAX_CONTENT_LENGTH") or services.MAX_SIGNED_PDF
    return min(services.MAX_SIGNED_PDF, request_limit) // (1024 * 1024)


def _sign_with_upload(user: User, escalation_id: int) -> str:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("Chưa chọn tệp.", field_errors({"file": "Chọn tệp PDF thư xin lỗi đã ký số."}))
    signed = upload.read(services.MAX_SIGNED_PDF + 1)
    if len(signed) > services.MAX_SIGNED_PDF:
        raise Invalid("Tệp quá lớn.", field_errors({"file": f"Tối đa {upload_limit_mb()} MB."}))
    return _signed(services.sign_with_upload(user, escalation_id, signed))


def _signed(escalation: Escalation) -> str:
    return (f"Đã ký thư xin lỗi. Hồ sơ {escalation.dossier.code} được tiếp tục giải quyết, "
            f"hẹn trả kết quả mới: {clock.local(escalation.new_due_at):%d/%m/%Y}.")


def _reject(user: User, escalation_id: int) -> str:
    services.reject(user, escalation_id, request.form.get("note", ""))
    return "Đã trả lại giải trình; đơn vị cần giải trình lại."


def _decide(user: User, escalation_id: int) -> str:
    escalation = services.decide(user, escalation_id, request.form.get("decision", ""))
    return f"Đã ghi nhận quyết định xử lý. Hồ sơ {escalation.dossier.code} được tiếp tục giải quyết."


#: the forms of the page: slug in the URL → what it does, returning the message to flash
ACTIONS = {"giai-trinh": _explain, "ky-bang-pin": _sign_with_pin, "tai-len-thu-da-ky": _sign_with_upload,
           "tra-lai": _reject, "quyet-dinh": _decide}


@bp.post("/tre-han/<int:escalation_id>/<action>")
@require()
def act(escalation_id: int, action: str):
    handle = ACTIONS.get(action) or abort(404)
    escalation = services.get_for(current_user(), escalation_id)
    try:
        message = handle(current_user(), escalation_id)
    except AppError as error:
        session.rollback()  # nothing half-done is shown; the escalation is read again
        return _page(escalation, error, error.status)
    flash(message, "success")
    return redirect(url_for(".detail", escalation_id=escalation_id))


# --------------------------------------------------------------------------- notifications


@bp.get("/thong-bao")
@require()
def notifications():
    """What the user and the user's unit were told, newest first."""
    items = for_user(current_user())
    codes = {n.dossier_id: session.get(Dossier, n.dossier_id).code for n in items if n.dossier_id}
    return render_template("escalation/notifications.html", notifications=items, codes=codes,
                           kinds=NOTIFICATION_KINDS)
