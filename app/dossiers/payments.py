"""Fees collected for dossiers, each with a number from the receiving unit's receipt book.

A unit keeps one receipt book (quyển biên lai) a year: numbers start at 1 each year and are
taken from :class:`ReceiptSequence` by an upsert that locks the unit's row of the year until
the payment commits, so two counters, or a counter and the payment gateway's callback, never
share a number, and a transaction that fails gives its number back with everything else.

A receipt number reads ``<agency code>/<year>/<number on 7 digits>``, e.g.
``000.00.12.H37/2026/0000123``: the agency code and year are the book (printed as the
receipt's "Ký hiệu"), the last part its "Số". The agency code is unique across the country,
so the number is too (the column is unique). Units without one use their unit code.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app import clock
from app.auth.models import Unit, User
from app.auth.services import field_errors
from app.core.errors import Conflict, Invalid
from app.core.formats import format_money
from app.db import session
from app.dossiers import services, workflow
from app.dossiers.models import PAYMENT_METHODS, Dossier, Payment, ReceiptSequence

#: the largest amount one receipt takes, in đồng: the ``amount`` column is a 32-bit integer
MAX_AMOUNT = 2_000_000_000
NUMBER_DIGITS = 7
METHOD_LABELS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "online": "Thanh toán trực tuyến"}
#: a fee is taken from a dossier someone is dealing with: not one refused, nor one only recorded as
#: incomplete at the counter (it has no reception yet)
PAYABLE = ("submitted", "received", "in_progress", "awaiting_supplement", "blocked", "ready_for_return", "returned")


def record_payment(actor: User, code: str, amount: int, method: str, payer: str = "") -> Payment:
    """The counter took ``amount`` đồng for the dossier: a paid payment with the next receipt number
    of the receiving unit's book. Only a receptionist of that unit records it; ``payer`` defaults
    to the applicant."""
    dossier = services.at_counter_of(actor, code)
    _check(amount, method, payer)
    require_payable(dossier)
    now = clock.now()
    payment = Payment(dossier=dossier, unit_id=dossier.receiving_unit_id, amount=amount, method=method,
                      payer=(payer or "").strip() or dossier.applicant_name, state="pending", created_at=now,
                      recorded_by=actor)
    session.add(payment)
    mark_paid(payment, actor, now)
    workflow.commit()
    return payment


def _check(amount: object, method: str, payer: str) -> None:
    """422 naming each field at fault: a whole, positive amount of đồng, a known method, a payer's name
    that fits its column."""
    errors = {}
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT:
        errors["amount"] = f"Số tiền là số nguyên đồng, từ 1 đến {format_money(MAX_AMOUNT)}."
    if method not in PAYMENT_METHODS:
        errors["method"] = "Hình thức thu là 'cash' (tiền mặt), 'transfer' (chuyển khoản) hoặc 'online' (trực tuyến)."
    if len(payer or "") > 255:
        errors["payer"] = "Tên người nộp tiền tối đa 255 ký tự."
    if errors:
        raise Invalid("Thông tin khoản thu chưa hợp lệ.", field_errors(errors))


def require_payable(dossier: Dossier) -> None:
    """409 for a dossier no fee is taken for (refused, or not received at the counter)."""
    if dossier.status not in PAYABLE:
        raise Conflict(f"Hồ sơ {dossier.code} đang ở trạng thái '{services.STATUS_LABELS[dossier.status]}', "
                       "không thu phí, lệ phí.")


def mark_paid(payment: Payment, actor: User | None, now: datetime) -> None:
    """The money is in: the payment takes its receipt number and the dossier's history says so."""
    payment.state, payment.paid_at = "paid", now
    payment.receipt_number = next_receipt_number(payment.dossier.receiving_unit, now)
    workflow.record(payment.dossier, "payment_recorded", actor, now, receipt_number=payment.receipt_number,
                    amount=payment.amount, method=payment.method, payer=payment.payer)


def next_receipt_number(unit: Unit, at: datetime) -> str:
    """The next number of ``unit``'s receipt book of the year of ``at`` (local time), in this transaction."""
    year = clock.local(at).year
    number = services.next_number(ReceiptSequence, unit_id=unit.id, year=year)
    return f"{unit.agency_code or unit.code}/{year}/{number:0{NUMBER_DIGITS}d}"


def book_and_number(receipt_number: str) -> tuple[str, str]:
    """``("000.00.12.H37/2026", "0000123")``: the "Ký hiệu" and the "Số" printed on the receipt."""
    book, _, number = receipt_number.rpartition("/")
    return book, number


def payments_of(user: User, code: str) -> list[Payment]:
    """Every payment of a dossier the user may see (pending online ones too), oldest first."""
    dossier = services.get_for(user, code)
    return list(session.scalars(select(Payment).where(Payment.dossier_id == dossier.id).order_by(Payment.id)))


def latest_paid(dossier: Dossier) -> Payment | None:
    """The payment the fee receipt prints: the last one paid."""
    return session.scalar(select(Payment).where(Payment.dossier_id == dossier.id, Payment.state == "paid")
                          .order_by(Payment.paid_at.desc(), Payment.id.desc()).limit(1))
