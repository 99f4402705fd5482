"""Escalating late steps and the apology path that unblocks the dossier.

The path is a BPMN process shipped in ``bpmn/system/`` and run by the same
engine as procedures: its user tasks (explain, sign; or, at level 2, the head
of the centre's decision) become ordinary task rows of the responsible unit.
"""
from __future__ import annotations

import functools
import hashlib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import clock, engine
from app.auth.models import Unit, User
from app.auth.services import field_errors
from app.calendar.services import work_calendar
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.db import session
from app.dossiers import workflow
from app.dossiers.models import Dossier
from app.dossiers.services import can_view as can_view_dossier
from app.escalation.letter import render_letter
from app.escalation.models import OPEN_STATES, Escalation
from app.notifications.services import notify_citizen, notify_unit
from app.procedures.dialect import ProcedureDefinition
from app.signing import services as signing
from app.tasks.models import Task

SYSTEM_BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "system"
APOLOGY, HEAD_DECISION = "apology", "head-decision"
EXPLAIN, SIGN, DECIDE = "Task_giai_trinh", "Task_ky_thu", "Task_quyet_dinh"
#: the largest signed letter accepted (a one-page A4 letter with its signature is a few hundred kB)
MAX_SIGNED_PDF = 10 * 1024 * 1024
#: the ``state`` filter of :func:`search` that selects every open escalation
OPEN = "open"
#: a step whose deadline a letter moved is warned this long before its new deadline
WARN_BEFORE = timedelta(hours=24)


@functools.cache
def _system_process(name: str) -> tuple[ProcedureDefinition, tuple]:
    """A system process's definition and engine arguments, read once per process
    (the engine's cache is keyed by the diagram's digest, as procedure versions are)."""
    xml = (SYSTEM_BPMN / f"{name}.bpmn").read_bytes()
    definition = engine.compile_procedure(xml)
    key = ("system", name, hashlib.sha256(xml).hexdigest())
    return definition, (key, definition.normalized_xml, definition.process_id)


def _open_steps(escalation: Escalation) -> list[Task]:
    rows = session.scalars(select(Task).where(Task.escalation_id == escalation.id, Task.state == "open"))
    return [row for row in rows if row.state == "open"]  # not closed earlier in this transaction


def _late_task(escalation: Escalation) -> Task:
    return session.get(Task, escalation.task_id)


def _process_of(escalation: Escalation) -> str:
    return APOLOGY if escalation.level == 1 else HEAD_DECISION


# --------------------------------------------------------------------------- opening


def head_unit(unit: Unit) -> Unit:
    """The one-stop centre at the top of the unit's tree: where the head sits."""
    ancestors = unit.ancestors()
    return ancestors[-1] if ancestors else unit


def escalate(task: Task, now: datetime) -> Escalation | None:
    """Block the dossier of a late task and start its apology path (in the caller's transaction).

    A dossier already blocked is not escalated twice; a dossier late again
    after its one re-appointment goes to the head of the centre (level 2).
    """
    dossier = task.dossier
    task.escalated_at = now
    task.warned_at = task.warned_at or now
    if dossier.status == "blocked":
        workflow.record(dossier, "step_late", None, now, task=task, element_id=task.element_id, name=task.name)
        return None
    early = next((found for found in open_escalations_of(dossier) if found.early), None)
    if early is not None:
        early.early = False  # its letter, not yet signed, becomes the gate: nothing is asked twice
        return _block(early, task, now)
    level = 2 if dossier.reappointed_at is not None else 1
    responsible = task.unit if level == 1 else head_unit(dossier.receiving_unit)
    escalation = _open(task, level=level, responsible_unit=responsible, created_at=now,
                       state="awaiting_explanation" if level == 1 else "escalated_to_head")
    return _block(escalation, task, now)


def _open(task: Task, **values: Any) -> Escalation:
    """A new escalation about ``task``, its system process started (its first step's row added)."""
    escalation = Escalation(dossier=task.dossier, task_id=task.id, old_due_at=task.dossier.due_at,
                            step_due_at=task.due_at, engine_state="", **values)
    session.add(escalation)
    session.flush()
    _advance(escalation, None, values["created_at"], start=True)
    return escalation


def _block(escalation: Escalation, task: Task, now: datetime) -> Escalation:
    """Stop the dossier behind a late step, record why and tell the responsible unit."""
    dossier, responsible = escalation.dossier, escalation.responsible_unit
    dossier.status, dossier.updated_at = "blocked", now
    workflow.record(dossier, "escalated", None, now, task=task, escalation_id=escalation.id, level=escalation.level,
                    element_id=task.element_id, name=task.name, responsible_unit=responsible.code)
    notify_unit(responsible, dossier, "escalated",
                f"Hồ sơ {dossier.code} bị tạm dừng: bước \"{task.name}\" quá hạn",
                _escalation_message(escalation, task))
    return escalation


def _escalation_message(escalation: Escalation, task: Task) -> str:
    if escalation.level == 2:
        return (f"Hồ sơ {escalation.dossier.code} trễ hạn lần thứ hai sau khi đã hẹn lại. "
                "Lãnh đạo Trung tâm cần ghi nhận quyết định xử lý.")
    return (f"Bước \"{task.name}\" của hồ sơ {escalation.dossier.code} đã quá hạn. Đơn vị cần giải trình, "
            "đề xuất ngày hẹn mới và trình lãnh đạo ký thư xin lỗi công dân; hồ sơ tạm dừng cho đến khi thư được ký.")


def _advance(escalation: Escalation, step: tuple[Task, dict[str, Any]] | None, now: datetime,
             start: bool = False) -> None:
    """Start or move the escalation's process and bring its task rows in line (guarded:
    a diagram that cannot go on is a 422 naming the element)."""
    definition, args = _system_process(_process_of(escalation))
    run = workflow.start_process(args) if start else workflow.restore_process(args, escalation.engine_state)
    if step is not None:
        workflow.complete(run, *step)
    workflow.save_side_process(escalation, run, definition, [] if start else _open_steps(escalation),
                               _staffing(escalation), now)


def _staffing(escalation: Escalation) -> workflow.Staffing:
    """Every step is the responsible unit's; the explanation is written by the late step's role."""
    unit = escalation.responsible_unit
    return workflow.Staffing(lambda elements: {element: unit for element in elements},
                             escalation_id=escalation.id, roles={EXPLAIN: _late_task(escalation).role_code})


# --------------------------------------------------------------------------- reading


def get(escalation_id: int) -> Escalation:
    escalation = session.get(Escalation, escalation_id) if 0 < escalation_id < 2**31 else None
    if escalation is None:
        raise _not_found(escalation_id)
    return escalation


def _not_found(escalation_id: int) -> NotFound:
    return NotFound(f"Không tìm thấy hồ sơ trễ hạn số {escalation_id}.")


def can_view(user: User, escalation: Escalation) -> bool:
    return escalation.responsible_unit_id == user.unit_id or can_view_dossier(user, escalation.dossier)


def get_for(user: User, escalation_id: int) -> Escalation:
    """The escalation if ``user`` may see it; else answered exactly as an unknown id, so that
    nothing (not even its state) is told about another unit's late dossier."""
    escalation = get(escalation_id)
    if not can_view(user, escalation):
        raise _not_found(escalation_id)
    return escalation


def search(user: User, state: str | None = None, limit: int = 100, offset: int = 0) -> list[Escalation]:
    """Escalations the user deals with: their unit's, or all for supervisors and admins;
    ``state`` is one of STATES, or OPEN for those still holding their dossier."""
    query = select(Escalation).options(joinedload(Escalation.dossier), joinedload(Escalation.responsible_unit))
    if not user.has_role("supervisor", "admin"):
        query = query.where(Escalation.responsible_unit_id == user.unit_id)
    if state == OPEN:
        query = query.where(Escalation.state.in_(OPEN_STATES))
    elif state:
        query = query.where(Escalation.state == state)
    return list(session.scalars(query.order_by(Escalation.created_at).limit(limit).offset(offset)))


def open_step(escalation: Escalation, element_id: str) -> Task | None:
    return session.scalar(select(Task).where(Task.escalation_id == escalation.id, Task.state == "open",
                                             Task.element_id == element_id))


def _step_definition(element_id: str):
    """The diagram's description of a step of the apology path or of the head's decision."""
    definition, _ = _system_process(HEAD_DECISION if element_id == DECIDE else APOLOGY)
    return definition.user_tasks[element_id]


def step_form(task: Task) -> list:
    """The form of a step of the apology path (``task.escalation_id`` set), from its system process."""
    return list(_step_definition(task.element_id).form)


def step_role(escalation: Escalation, element_id: str) -> str:
    """Who does a step, whether or not it is open now: the explanation falls to the late
    step's role; the diagram names the others."""
    return _late_task(escalation).role_code if element_id == EXPLAIN else _step_definition(element_id).role


def may_do(user: User, escalation: Escalation, element_id: str) -> bool:
    """Whether ``user`` holds the step's role in the responsible unit, whatever the state."""
    return user.unit_id == escalation.responsible_unit_id and user.has_role(step_role(escalation, element_id))


def letter(escalation: Escalation) -> bytes:
    """The letter: signed once signed, else as issued for signature."""
    pdf = escalation.signed_pdf or escalation.letter_pdf
    if pdf is None:
        raise Conflict("Thư xin lỗi chưa được lập: đơn vị chịu trách nhiệm chưa giải trình.")
    return pdf


# --------------------------------------------------------------------------- acting


def _step_for(actor: User, escalation: Escalation, element_id: str, state: str) -> Task:
    """The open step ``element_id``, if ``actor`` may do it now: 403 for anyone but the step's
    role in the responsible unit, whatever the state; only then 409 if it is not open now.

    The explanation is written by whoever holds the late step's role in the
    responsible unit; signing needs a leader of that unit.
    """
    if not may_do(actor, escalation, element_id):
        raise Forbidden("Chỉ người có vai trò phù hợp của đơn vị chịu trách nhiệm mới làm được việc này.")
    task = open_step(escalation, element_id)
    if escalation.state != state or task is None:
        raise Conflict(f"Hồ sơ trễ hạn đang ở trạng thái '{STATE_LABELS[escalation.state]}'.")
    return task


def _complete_step(actor: User, escalation: Escalation, task: Task, data: dict[str, Any], now: datetime) -> None:
    _advance(escalation, (task, data), now)
    task.state, task.completed_at, task.completed_by_id, task.assignee_id, task.data = (
        "completed", now, actor.id, actor.id, data)


def explain(actor: User, escalation_id: int, reason: str, new_due_date: date | None) -> Escalation:
    """The responsible officer explains the delay and proposes the new appointment."""
    escalation = get_for(actor, escalation_id)
    task = _step_for(actor, escalation, EXPLAIN, "awaiting_explanation")
    return _explained(actor, escalation, task, reason, new_due_date, clock.now())


def apologize_early(actor: User, late_soon: Task, reason: str, new_due_date: date | None) -> Escalation:
    """Before ``late_soon`` is late, its officer explains the coming delay and proposes the new
    appointment: the apology path starts with its explanation given, so the leader signs the
    same letter (form 04) in the same way; nothing blocks.  The caller checked that ``actor``
    holds the step's role in its unit."""
    now = clock.now()
    _check_early(late_soon, now)
    escalation = _open(late_soon, level=1, early=True, responsible_unit=late_soon.unit, created_at=now,
                       state="awaiting_explanation")
    workflow.record(late_soon.dossier, "early_apology", actor, now, task=late_soon, escalation_id=escalation.id,
                    element_id=late_soon.element_id, name=late_soon.name)
    return _explained(actor, escalation, open_step(escalation, EXPLAIN), reason, new_due_date, now)


def _check_early(task: Task, now: datetime) -> None:
    problem = early_refusal(task, now)
    if problem:
        raise Conflict(problem)


def early_refusal(task: Task, now: datetime) -> str | None:
    """Why an early apology cannot be asked for this step now (the 409's words), or None."""
    dossier = task.dossier
    if task.state != "open" or task.escalation_id is not None:
        return "Bước này không còn mở (hoặc thuộc quy trình giải trình): không xin lỗi sớm được."
    if dossier.status == "blocked":
        return (f"Hồ sơ {dossier.code} đang tạm dừng do có bước quá hạn: cần giải trình trên trang "
                "hồ sơ trễ hạn, không xin lỗi sớm được nữa.")
    if dossier.status not in ("received", "in_progress"):
        return f"Hồ sơ {dossier.code} không ở trong quá trình giải quyết."
    if now >= task.due_at:
        return (f"Bước \"{task.name}\" đã quá hạn (hạn {clock.local(task.due_at):%H:%M %d/%m/%Y}): "
                "không còn xin lỗi sớm được; hồ sơ sẽ tạm dừng cho đến khi thư xin lỗi được ký.")
    if dossier.reappointed_at is not None:
        return f"Hồ sơ {dossier.code} đã được hẹn lại một lần: không được hẹn lại lần nữa."
    if open_escalations_of(dossier):
        return f"Hồ sơ {dossier.code} đã có thư xin lỗi đang chờ xử lý."
    return None


def _explanation(old_due_at: datetime | None, reason: str, new_due_date: date | None,
                 now: datetime) -> tuple[str, datetime]:
    """The explanation's reason and new appointment, checked; 422 naming the field otherwise."""
    new_due_at = _check_new_date(old_due_at, new_due_date, now)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise Invalid("Cần giải trình rõ lý do chậm trễ.", field_errors({"reason": "Ghi rõ lý do (ít nhất 10 ký tự)."}))
    return reason, new_due_at


def _explained(actor: User, escalation: Escalation, task: Task, reason: str, new_due_date: date | None,
               now: datetime) -> Escalation:
    """Complete the explanation step, issue the letter and hand it to the leader (committed)."""
    reason, new_due_at = _explanation(escalation.old_due_at, reason, new_due_date, now)
    _complete_step(actor, escalation, task, {"ly_do_cham": reason, "ngay_hen_moi": new_due_at.date().isoformat()}, now)
    escalation.reason, escalation.new_due_at = reason, new_due_at
    escalation.explained_by_id, escalation.explained_at = actor.id, now
    escalation.letter_pdf = render_letter(escalation)
    escalation.state = "awaiting_signature"
    workflow.record(escalation.dossier, "delay_explained", actor, now, escalation_id=escalation.id,
                    reason=reason, new_due_at=new_due_at.isoformat())
    notify_unit(escalation.responsible_unit, escalation.dossier, "letter_to_sign",
                f"Thư xin lỗi hồ sơ {escalation.dossier.code} chờ ký",
                "Đơn vị đã giải trình; thư xin lỗi công dân đang chờ lãnh đạo xem xét, ký số.")
    workflow.commit()
    return escalation


def _check_new_date(old_due_at: datetime | None, new_due_date: date | None, now: datetime) -> datetime:
    """A working day after today and after the old appointment; 422 otherwise."""
    calendar = work_calendar()
    old = clock.local(old_due_at).date() if old_due_at else now.date()
    problem = None
    if new_due_date is None:
        problem = "Cần chọn ngày hẹn trả kết quả mới."
    elif new_due_date <= clock.local(now).date():
        problem = "Ngày hẹn mới phải sau ngày hôm nay."
    elif new_due_date <= old:
        problem = f"Ngày hẹn mới phải sau ngày hẹn cũ ({old:%d/%m/%Y})."
    elif not calendar.is_working_day(new_due_date):
        name = calendar.day_name(new_due_date) or "ngày nghỉ cuối tuần"
        problem = f"Ngày {new_due_date:%d/%m/%Y} không phải ngày làm việc ({name})."
    if problem:
        raise Invalid(problem, field_errors({"new_due_date": problem}))
    closing = calendar.office.closing_time
    return datetime.combine(new_due_date, time(closing.hour, closing.minute), tzinfo=clock.LOCAL_TZ)


def reject(actor: User, escalation_id: int, note: str) -> Escalation:
    """The leader sends the explanation back; the officer explains again."""
    escalation = get_for(actor, escalation_id)
    task = _step_for(actor, escalation, SIGN, "awaiting_signature")
    note = (note or "").strip()
    if not note:
        raise Invalid("Cần ghi lý do trả lại.", field_errors({"note": "Ghi rõ cần giải trình lại điều gì."}))
    now = clock.now()
    _complete_step(actor, escalation, task, {"quyet_dinh": "tra_lai", "ghi_chu_lanh_dao": note}, now)
    escalation.state, escalation.note, escalation.letter_pdf = "awaiting_explanation", note, None
    workflow.record(escalation.dossier, "letter_rejected", actor, now, escalation_id=escalation.id, note=note)
    notify_unit(escalation.responsible_unit, escalation.dossier, "letter_rejected",
                f"Thư xin lỗi hồ sơ {escalation.dossier.code} bị trả lại", f"Lãnh đạo trả lại: {note}")
    workflow.commit()
    return escalation


def sign_with_pin(actor: User, escalation_id: int, pin: str) -> Escalation:
    escalation = get_for(actor, escalation_id)
    _step_for(actor, escalation, SIGN, "awaiting_signature")
    signed = signing.sign_with_pin(actor, escalation.letter_pdf, pin, clock.now())
    return _accept_signature(actor, escalation, signed)


def sign_with_upload(actor: User, escalation_id: int, signed: bytes) -> Escalation:
    escalation = get_for(actor, escalation_id)
    _step_for(actor, escalation, SIGN, "awaiting_signature")
    return _accept_signature(actor, escalation, signed)


def _accept_signature(actor: User, escalation: Escalation, signed: bytes) -> Escalation:
    """Verify, keep the signed letter, move the appointment once, unblock the dossier."""
    verified = signing.verify(signed, escalation.letter_pdf, escalation.responsible_unit)
    now = clock.now()
    task = open_step(escalation, SIGN)
    _complete_step(actor, escalation, task, {"quyet_dinh": "ky", "ghi_chu_lanh_dao": ""}, now)
    escalation.signed_pdf, escalation.signed_by_id, escalation.signed_at = signed, actor.id, verified.signed_at
    escalation.state = "signed"
    dossier = escalation.dossier
    _reappoint(escalation, now)
    detail = {"escalation_id": escalation.id, "signer": verified.signer_subject,
              "new_due_at": escalation.new_due_at.isoformat()}
    if escalation.early:  # the dossier was never stopped
        workflow.record(dossier, "early_apology_signed", actor, now, **detail)
    else:
        _unblock(dossier, actor, now, "apology_signed", **detail)
    notify_citizen(dossier, "apology",
                   f"Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {dossier.code}",
                   f"Hồ sơ {dossier.code} của Ông/Bà {_delay_words(escalation)}. {escalation.responsible_unit.name} "
                   f"xin lỗi và hẹn trả kết quả vào ngày {clock.local(escalation.new_due_at):%d/%m/%Y}.")
    workflow.commit()
    return escalation


def _delay_words(escalation: Escalation) -> str:
    return "không kịp trả kết quả đúng hẹn" if escalation.early else "chậm so với hẹn"


def _reappoint(escalation: Escalation, now: datetime) -> None:
    """Move the appointment (the one re-appointment); a step not yet late (the early path)
    has its deadline moved too, so that it is shown, warned and, late after all, escalated
    (to the head) against the new date.  A step already late keeps its deadline: it was
    late, and stays so on the control slip and in reports (see :func:`renewed_deadline`)."""
    dossier, new_due_at = escalation.dossier, escalation.new_due_at
    dossier.due_at, dossier.reappointed_at = new_due_at, now
    step = _late_task(escalation)
    if step.state == "open" and now < step.due_at < new_due_at:
        workflow.record(dossier, "step_reappointed", None, now, task=step, escalation_id=escalation.id,
                        old_due_at=step.due_at.isoformat(), new_due_at=new_due_at.isoformat())
        step.due_at, step.warn_at, step.warned_at = new_due_at, max(now, new_due_at - WARN_BEFORE), None


def renewed_deadline(task: Task) -> datetime | None:
    """For a step that went late and was then covered by a signed letter: the new appointment,
    by which it must now be done (its own deadline, passed, is kept as the record)."""
    reappointed = task.dossier.reappointed_at
    if task.state != "open" or task.escalated_at is None or reappointed is None:
        return None
    return task.dossier.due_at if task.escalated_at <= reappointed else None


def decide(actor: User, escalation_id: int, decision: str) -> Escalation:
    """Level 2: the head of the centre records a decision; the dossier goes on."""
    escalation = get_for(actor, escalation_id)
    task = _step_for(actor, escalation, DECIDE, "escalated_to_head")
    decision = (decision or "").strip()
    if len(decision) < 10:
        raise Invalid("Cần ghi rõ quyết định xử lý.", field_errors({"decision": "Ghi rõ quyết định (ít nhất 10 ký tự)."}))
    now = clock.now()
    _complete_step(actor, escalation, task, {"noi_dung_quyet_dinh": decision}, now)
    escalation.state, escalation.note = "decided", decision
    escalation.decided_by_id, escalation.decided_at = actor.id, now
    _unblock(escalation.dossier, actor, now, "head_decided", escalation_id=escalation.id, decision=decision)
    workflow.commit()
    return escalation


def _unblock(dossier: Dossier, actor: User, now: datetime, kind: str, **detail: Any) -> None:
    dossier.status, dossier.updated_at = "in_progress", now
    workflow.record(dossier, kind, actor, now, **detail)


def open_escalations_of(dossier: Dossier) -> list[Escalation]:
    return list(session.scalars(select(Escalation).where(Escalation.dossier_id == dossier.id,
                                                         Escalation.state.in_(OPEN_STATES))))


STATE_LABELS = {
    "awaiting_explanation": "Chờ giải trình", "awaiting_signature": "Chờ lãnh đạo ký",
    "signed": "Đã ký thư xin lỗi", "escalated_to_head": "Chuyển lãnh đạo Trung tâm", "decided": "Đã có quyết định",
}
