"""The printed forms of a dossier (01–05, fee receipt) and a unit's register (06).

Turns database rows into the dataclasses of the standalone :mod:`printing`
package and renders them, from plain arguments and the settings: no Flask, so
the same code serves the pages, the API, the escalation's letters and a plain
test (the HTTP side, responses and query strings, is in :mod:`app.dossiers.downloads`).
Which forms a dossier has depends on what happened to it: the supplement
request only once one was asked for, the refusal only once refused.  The
apology (04) is the letter the escalation process issued (and, once signed,
the signed PDF): it is served as kept, never re-rendered.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

import printing
from app import clock
from app.auth.models import Unit, User
from app.auth.services import field_errors
from app.core.errors import Conflict, Invalid, NotFound
from app.core.formats import format_limit
from app.db import session
from app.dossiers import codes, payments
from app.dossiers.models import Dossier, DossierEvent
from app.dossiers.services import OVERSEERS, awaiting_acceptance, tasks_of
from app.dossiers.timeliness import LABELS as TIMELINESS_LABELS
from app.escalation.models import Escalation
from app.settings import get_settings
from app.tasks.models import Task
from printing import models as M

_PROVINCE_PREFIX = re.compile(r"^(?:(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+)?(?:tỉnh|thành phố|TP\.?)\s+",
                              re.IGNORECASE)
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)\s*$")

#: A register covers at most a year, and at most this many dossiers: a longer
#: one would hold the renderer (and the HTTP worker) for more than a few seconds.
MAX_REGISTER_DAYS = 366
MAX_REGISTER_ROWS = 1000


# --- what every form of a dossier shares ------------------------------------------------------

def place_name(unit: Unit) -> str:
    """The place of the date line: the nearest province's name without "UBND tỉnh" and the like,
    nor a trailing remark ("UBND tỉnh Hòa Bình (demo)" → "Hòa Bình"); empty without a province."""
    province = next((u for u in [unit, *unit.ancestors()] if u.kind == "province"), None)
    if province is None:
        return ""
    return _PROVINCE_PREFIX.sub("", _PARENTHETICAL.sub("", province.name.strip()))


def issuer_of(unit: Unit) -> M.Issuer:
    return M.Issuer(unit.name, unit.parent.name if unit.parent else "", place_name(unit))


def legal_deadline_text(limit: str) -> str:
    """"3d" → "03 ngày làm việc", "4h" → "04 giờ làm việc", "0d" → "Trong ngày"
    (administrative documents write small counts with a leading zero)."""
    return re.sub(r"^(\d)(?= )", r"0\1", format_limit(limit))


def common_fields(dossier: Dossier, issued_at: datetime | None) -> dict:
    """Issuer, date, code (barcode), lookup URL (QR), applicant and procedure."""
    return dict(
        issuer=issuer_of(dossier.receiving_unit), issued_at=issued_at, dossier_code=dossier.code,
        lookup_url=printing.lookup_url(get_settings().public_base_url, dossier.code, dossier.lookup_secret),
        applicant=M.Applicant(dossier.applicant_name, dossier.applicant_address, dossier.applicant_phone,
                              dossier.applicant_email, dossier.applicant_id_number),
        procedure_name=dossier.procedure.name)


def _person(user: User | None) -> M.Person:
    return M.Person(user.full_name, user.title or "") if user else M.Person()


def _last_event(dossier: Dossier, kind: str) -> DossierEvent | None:
    return next((event for event in reversed(dossier.events) if event.kind == kind), None)


def _signer(event: DossierEvent | None, officer: User | None) -> M.Person:
    """Who did what the form records, else the officer printing it (e.g. an online dossier)."""
    return _person(event.actor if event and event.actor else officer)


# --- one builder per form ---------------------------------------------------------------------

def _receipt(dossier: Dossier, officer: User | None) -> M.Receipt:
    entry = register_entry(dossier)
    return M.Receipt(
        **common_fields(dossier, dossier.received_at), documents=[(d.name, d.copies) for d in dossier.documents],
        legal_deadline=legal_deadline_text(dossier.procedure.legal_limit), received_at=dossier.received_at,
        due_at=dossier.due_at, return_place=f"Bộ phận Một cửa {dossier.receiving_unit.name}",
        receiver=_person(dossier.received_by or officer), number=codes.receipt_number(entry),
        register_book=codes.register_book(clock.local(dossier.received_at).year), register_entry=str(entry))


def register_entry(dossier: Dossier) -> int:
    """The dossier's rank in its unit's register of the year: the dossiers the unit received
    that year up to it, in order of reception (those only recorded as incomplete, or refused at
    the counter, were never received and take no entry; completed, they take the next one)."""
    year = datetime(clock.local(dossier.received_at).year, 1, 1, tzinfo=clock.LOCAL_TZ)
    before = (Dossier.received_at < dossier.received_at) | (
        (Dossier.received_at == dossier.received_at) & (Dossier.id <= dossier.id))
    return session.scalar(select(func.count(Dossier.id)).where(
        Dossier.receiving_unit_id == dossier.receiving_unit_id, Dossier.sandbox.is_(dossier.sandbox),
        Dossier.clock_started_at.is_not(None), Dossier.received_at >= year, before))


def _supplement(dossier: Dossier, officer: User | None) -> M.Supplement:
    asked = _last_event(dossier, "supplement_requested")
    requirements = [item.strip() for item in re.split(r"[;\n]", dossier.supplement_note or "") if item.strip()]
    return M.Supplement(**common_fields(dossier, asked.at if asked else None), requirements=requirements,
                        officer=_signer(asked, officer))


def _refusal(dossier: Dossier, officer: User | None) -> M.Refusal:
    return M.Refusal(**common_fields(dossier, dossier.finished_at), reason=dossier.refusal_reason,
                     received_at=dossier.received_at, receiver=_signer(_last_event(dossier, "refused"), officer))


def _control_slip(dossier: Dossier, officer: User | None) -> M.ControlSlip:
    tasks = tasks_of(dossier)
    home = dossier.receiving_unit.name
    others = dict.fromkeys(task.unit.name for task in tasks if task.unit.name != home)
    return M.ControlSlip(**common_fields(dossier, clock.now()), handling_unit=home,
                         receipt_number=codes.receipt_number(register_entry(dossier)),
                         coordinating_units="; ".join(others), steps=_steps(dossier, tasks))


def _steps(dossier: Dossier, tasks: list[Task]) -> list[M.Step]:
    """A row per step, in the order they became ready.  A step was handed over by whoever
    finished the step that made it ready: the one before it that finished last by then
    (parallel branches share it); the first steps, by the receiving officer at reception."""
    steps = []
    for index, task in enumerate(tasks):
        previous = max((other for other in tasks[:index] if other.completed_at is not None
                        and other.completed_at <= task.ready_at), key=lambda other: other.completed_at, default=None)
        handed_by, handed_at = ((previous.completed_by, previous.completed_at) if previous
                                else (dossier.received_by, dossier.received_at))
        steps.append(M.Step(task.unit.name, _name(handed_by), handed_at, _name(task.completed_by or task.assignee),
                            task.ready_at, task.timeliness or "", task.name))
    return steps


def _name(user: User | None) -> str:
    return user.full_name if user else ""


def _fee_receipt(dossier: Dossier, officer: User | None) -> M.FeeReceipt:
    """The receipt of the last fee paid: printed after the money is taken, with its number from the
    unit's book, the amount in figures and words, how and by whom it was paid."""
    payment = payments.latest_paid(dossier)
    series, number = payments.book_and_number(payment.receipt_number)
    item = M.FeeItem(dossier.procedure.fee_description or dossier.procedure.name, payment.amount)
    return M.FeeReceipt(**common_fields(dossier, payment.paid_at), items=[item], series=series, number=number,
                        payment_method=payments.METHOD_LABELS[payment.method], payer_name=payment.payer,
                        collector=_person(payment.recorded_by or officer))


@dataclass(frozen=True)
class _Form:
    """How to build a form, and whether the dossier has it yet (else ``not_yet`` says why)."""

    build: Callable[[Dossier, User | None], M.DossierForm] | None
    applies: Callable[[Dossier], bool] = lambda dossier: True
    not_yet: str = ""
    #: forms kept as issued (the apology letter, signed) are served, not rendered again
    stored: Callable[[Dossier], bytes | None] | None = None


def _latest_letter(dossier: Dossier) -> bytes | None:
    """The newest apology letter of the dossier: signed once signed, else as issued."""
    letters = session.execute(
        select(Escalation.signed_pdf, Escalation.letter_pdf).where(
            Escalation.dossier_id == dossier.id,
            Escalation.signed_pdf.is_not(None) | Escalation.letter_pdf.is_not(None))
        .order_by(Escalation.created_at.desc()).limit(1)).first()
    return (letters.signed_pdf or letters.letter_pdf) if letters else None


def _asked_to_supplement(dossier: Dossier) -> bool:
    return (dossier.status in ("awaiting_supplement", "awaiting_documents")
            or _last_event(dossier, "supplement_requested") is not None)


def _received(dossier: Dossier) -> bool:
    """Whether the dossier was ever received: one incomplete at the counter, or refused there,
    never was, and has no receipt, steps or fee to print."""
    return dossier.clock_started_at is not None


NOT_RECEIVED = "Hồ sơ chưa được tiếp nhận (chưa đủ giấy tờ hoặc đã bị từ chối tại quầy)."
FORMS = {
    "receipt": _Form(_receipt, _received, NOT_RECEIVED),
    "supplement": _Form(_supplement, _asked_to_supplement, "Hồ sơ chưa có yêu cầu bổ sung."),
    "refusal": _Form(_refusal, lambda dossier: dossier.status == "refused", "Hồ sơ không bị từ chối."),
    "apology": _Form(None, lambda dossier: _latest_letter(dossier) is not None, "Hồ sơ chưa có thư xin lỗi.",
                     stored=lambda dossier: _latest_letter(dossier)),
    "control-slip": _Form(_control_slip, _received, NOT_RECEIVED),
    "fee-receipt": _Form(_fee_receipt, lambda dossier: payments.latest_paid(dossier) is not None,
                         "Chưa ghi nhận khoản thu phí, lệ phí nào của hồ sơ: biên lai được in sau khi thu tiền."),
}


def applicable_forms(dossier: Dossier) -> list[printing.FormSpec]:
    """The forms this dossier can be printed on now, in the order of the circular."""
    return [printing.FORMS[name] for name, form in FORMS.items() if form.applies(dossier)]


def form_pdf(dossier: Dossier, form: str, officer: User | None) -> bytes:
    """``form`` of ``dossier`` as PDF; 404 for an unknown form, 409 when the dossier has none yet."""
    spec = FORMS.get(form)
    if spec is None:
        raise NotFound(f"Không có mẫu phiếu '{form}'.")
    if not spec.applies(dossier):
        raise Conflict(spec.not_yet)
    if spec.stored is not None:
        return spec.stored(dossier)
    return render(form, spec.build(dossier, officer))


def render(form: str, data: M.DossierForm | M.Register) -> bytes:
    """``form`` as PDF, its times in the instance's zone (every form of the application is printed here)."""
    return printing.render_pdf(form, data, get_settings().timezone)


# --- the register of a unit (form 06) ---------------------------------------------------------

def can_print_register(user: User, unit: Unit) -> bool:
    return user.unit_id == unit.id or user.has_role(*OVERSEERS)


def register_pdf(unit: Unit, date_from: date, date_to: date) -> bytes:
    """Form 06: the dossiers ``unit`` received from ``date_from`` to ``date_to`` (local days), in order."""
    return render("register", register_form(unit, date_from, date_to))


def register_form(unit: Unit, date_from: date, date_to: date, max_rows: int | None = None) -> M.Register:
    """Form 06's data, at most ``max_rows`` (default MAX_REGISTER_ROWS) dossiers; longer registers
    are printed in the background (app/reports/jobs.py)."""
    max_rows = max_rows or MAX_REGISTER_ROWS
    if date_from > date_to:
        raise _invalid_period("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    if (date_to - date_from).days >= MAX_REGISTER_DAYS:
        raise _invalid_period(f"Mỗi lần in tối đa {MAX_REGISTER_DAYS} ngày.")
    start, end = (datetime.combine(day, time.min, clock.LOCAL_TZ) for day in (date_from, date_to + timedelta(days=1)))
    in_period = ((Dossier.receiving_unit_id == unit.id) & Dossier.sandbox.is_(False)
                 & (Dossier.received_at >= start) & (Dossier.received_at < end) & ~awaiting_acceptance())
    count = session.scalar(select(func.count(Dossier.id)).where(in_period))
    if count > max_rows:
        raise _invalid_period(f"Khoảng này có {count} hồ sơ, quá {max_rows} hồ sơ của một lần in: "
                              "hãy chọn khoảng ngắn hơn.")
    dossiers = session.scalars(select(Dossier).options(selectinload(Dossier.procedure)).where(in_period)
                               .order_by(Dossier.received_at, Dossier.id))
    first_steps = _first_steps(in_period)
    return M.Register(
        issuer=issuer_of(unit), issued_at=clock.now(), period_from=date_from, period_to=date_to,
        rows=[_register_row(dossier, first_steps.get(dossier.id)) for dossier in dossiers])


def _invalid_period(problem: str) -> Invalid:
    return Invalid("Khoảng thời gian chưa hợp lệ.", field_errors({"to": problem}))


def _first_steps(in_period) -> dict[int, Task]:
    """The first step of each dossier of the period: where it was sent to be handled, and when."""
    tasks = session.scalars(select(Task).join(Dossier, Task.dossier_id == Dossier.id).where(in_period)
                            .options(selectinload(Task.unit)).order_by(Task.ready_at.desc(), Task.id.desc()))
    return {task.dossier_id: task for task in tasks}


def _register_row(dossier: Dossier, first_step: Task | None) -> M.RegisterRow:
    refused = dossier.status == "refused"
    return M.RegisterRow(
        dossier.code, dossier.procedure.name, 1, dossier.applicant_name,
        ", ".join(part for part in (dossier.applicant_address, dossier.applicant_phone) if part),
        first_step.unit.name if first_step else "", dossier.received_at, dossier.due_at,
        first_step.ready_at if first_step else None, None if refused else dossier.finished_at, dossier.returned_at,
        "Từ chối" if refused else TIMELINESS_LABELS.get(dossier.timeliness, ""))
