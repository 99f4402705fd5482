"""Online payment of a dossier's fee through a payment gateway (redirect, then signed callback).

The shape is the one of the national payment platform and of the Vietnamese gateways it
connects (a redirect with the order in the query string; a server-to-server notification
posted as an HTML form), with one shared secret (``PAYMENT_GATEWAY_SECRET``):

* **signature**: HMAC-SHA256 with the secret over the *canonical string* of the fields: every
  field but ``signature``, sorted by name, written ``name=value`` (values as they are, not
  URL-encoded) and joined with ``&``; sent as 64 lower-case hex digits.
* **redirect** (:func:`start_online_payment`): ``PAYMENT_GATEWAY_URL?merchant_code=…&order_id=…
  &amount=…&currency=VND&order_info=…&return_url=…&signature=…``; ``amount`` is the procedure's
  fee in whole đồng; ``return_url`` is ``<PUBLIC_BASE_URL>/thanh-toan/ket-qua``, where the
  gateway sends the citizen's browser back with ``order_id`` (that page only reads our own state).
* **callback** (:func:`handle_callback`, ``POST /api/v1/public/payments/callback``, form-encoded
  or JSON): ``merchant_code``, ``order_id``, ``amount``, ``transaction_id``, ``result_code``
  (``00`` paid, anything else failed), any other field the gateway adds, and ``signature`` over
  all of them. Only a valid signature changes anything: a wrong or missing one is a 403 (the
  caller is not the gateway). Then the order must exist (404), still be pending (else 409: a
  replayed or late callback changes nothing), its transaction id be new (409) and its amount the
  order's (422). A paid order takes the next number of the receiving unit's receipt book.

**Demo gateway**: an instance started with ``CLOCK_TRAVEL=1`` (demo and tests) and no
``PAYMENT_GATEWAY_URL`` sends citizens to its own page ``/thanh-toan/cong-thu-nghiem``, which
"pays" by making the same signed callback with a key derived from ``SECRET_KEY``
(:func:`demo_pay`). A production instance (no ``CLOCK_TRAVEL``) never has it.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlencode

from sqlalchemy import select

from app import clock
from app.auth.services import field_errors
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.db import session
from app.dossiers import payments, services, workflow
from app.dossiers.models import Dossier, Payment
from app.settings import get_settings

PAID = "00"
#: what the redirect to the gateway carries, all signed
REDIRECT_FIELDS = ("merchant_code", "order_id", "amount", "currency", "order_info", "return_url", "signature")
CALLBACK_FIELDS = ("merchant_code", "order_id", "amount", "transaction_id", "result_code", "signature")
RETURN_PATH = "/thanh-toan/ket-qua"
DEMO_GATEWAY_PATH = "/thanh-toan/cong-thu-nghiem"
NO_FEE = "Thủ tục không thu phí, lệ phí: không cần thanh toán."


def canonical(fields: Mapping[str, str]) -> str:
    """The signed text: every field but the signature, sorted by name, ``name=value`` joined by ``&``."""
    return "&".join(f"{name}={fields[name]}" for name in sorted(fields) if name != "signature")


def sign(fields: Mapping[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), canonical(fields).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Gateway:
    url: str
    secret: str
    merchant_code: str


def gateway() -> Gateway | None:
    """The gateway configured, else the demo gateway on a demo instance, else none."""
    settings = get_settings()
    if settings.payment_gateway_url and settings.payment_gateway_secret:
        return Gateway(settings.payment_gateway_url, settings.payment_gateway_secret, settings.payment_merchant_code)
    if settings.clock_travel and not settings.payment_gateway_url:
        demo_secret = hmac.new(settings.secret_key.encode(), b"demo-payment-gateway", hashlib.sha256).hexdigest()
        return Gateway(settings.public_base_url.rstrip("/") + DEMO_GATEWAY_PATH, demo_secret,
                       settings.payment_merchant_code)
    return None


def _signature_holds(fields: Mapping[str, str]) -> bool:
    """Constant-time comparison, so that timing says nothing of the right signature; with no
    gateway (hence no secret) anyone could sign, so nothing is believed."""
    connected = gateway()
    if connected is None:
        return False
    return hmac.compare_digest(sign(fields, connected.secret), str(fields.get("signature", "")).lower())


# --- the redirect -----------------------------------------------------------------------------------


def online_payment_refusal(dossier: Dossier) -> str | None:
    """Why the dossier cannot be paid online now (None: it can): what the look-up page asks before
    offering the "pay online" link."""
    if not dossier.procedure.fee_amount:
        return NO_FEE
    if gateway() is None:
        return "Đơn vị chưa kết nối cổng thanh toán trực tuyến; vui lòng nộp phí tại Bộ phận Một cửa."
    if dossier.status not in payments.PAYABLE:
        return f"Hồ sơ đang ở trạng thái '{services.STATUS_LABELS[dossier.status]}', không thu phí, lệ phí."
    if payments.latest_paid(dossier) is not None:
        return "Hồ sơ đã nộp phí, lệ phí."
    return None


def start_online_payment(code: str, secret: str) -> str:
    """A new pending order for the procedure's fee, and the signed address of the gateway to send
    the citizen to; the same 404 as the look-up for a wrong secret, 409 when there is nothing to pay."""
    dossier = services.lookup(code, secret)
    refusal = online_payment_refusal(dossier)
    if refusal:
        raise Conflict(refusal)
    payment = Payment(dossier=dossier, unit_id=dossier.receiving_unit_id, amount=dossier.procedure.fee_amount,
                      method="online", payer=dossier.applicant_name, state="pending", created_at=clock.now(),
                      gateway_order_id=secrets.token_hex(16))
    session.add(payment)
    workflow.commit()
    return redirect_url(payment)


def redirect_url(payment: Payment) -> str:
    connected = gateway()
    fields = {"merchant_code": connected.merchant_code, "order_id": payment.gateway_order_id,
              "amount": str(payment.amount), "currency": "VND",
              "order_info": f"Phi, le phi ho so {payment.dossier.code}",
              "return_url": get_settings().public_base_url.rstrip("/") + RETURN_PATH}
    fields["signature"] = sign(fields, connected.secret)
    return f"{connected.url}?{urlencode(fields)}"


# --- the callback -----------------------------------------------------------------------------------


def handle_callback(fields: Mapping[str, str]) -> Payment:
    """The gateway's word on an order, believed only when signed; nothing changes on any refusal."""
    fields = {str(name): str(value) for name, value in fields.items()}
    _require_fields(fields)
    if not _signature_holds(fields):
        raise Forbidden("Chữ ký của cổng thanh toán không hợp lệ.",
                        field_errors({"signature": "Chữ ký HMAC-SHA256 không khớp với nội dung."}))
    payment = _pending_order(fields)
    _check_order(payment, fields)
    payment.gateway_transaction_id = fields["transaction_id"]
    if fields["result_code"] == PAID:
        payments.mark_paid(payment, None, clock.now())
    else:
        payment.state = "failed"
    workflow.commit()
    return payment


def _require_fields(fields: Mapping[str, str]) -> None:
    missing = {name: "Thiếu trường này." for name in CALLBACK_FIELDS if not fields.get(name)}
    if missing:
        raise Invalid("Thông báo của cổng thanh toán thiếu thông tin.", field_errors(missing))


def _pending_order(fields: Mapping[str, str]) -> Payment:
    """The order, locked until commit so that two deliveries of one callback are handled one after the other."""
    query = select(Payment).where(Payment.gateway_order_id == fields["order_id"])
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    payment = session.scalar(query)
    if payment is None:
        raise NotFound(f"Không có giao dịch '{fields['order_id']}'.")
    if payment.state != "pending":
        raise Conflict("Giao dịch này đã được xử lý; thông báo lặp lại không được ghi nhận.")
    return payment


def _check_order(payment: Payment, fields: Mapping[str, str]) -> None:
    """The callback speaks of this very order: our merchant, its amount, a transaction never seen."""
    seen = session.scalar(select(Payment.id).where(Payment.gateway_transaction_id == fields["transaction_id"]))
    if seen is not None:
        raise Conflict("Mã giao dịch này đã được ghi nhận; thông báo lặp lại không được ghi nhận.")
    if fields["merchant_code"] != gateway().merchant_code:
        raise Invalid("Thông báo không dành cho đơn vị này.", field_errors({"merchant_code": "Sai mã đơn vị."}))
    if fields["amount"] != str(payment.amount):
        raise Invalid("Số tiền không khớp với giao dịch.",
                      field_errors({"amount": f"Giao dịch {payment.gateway_order_id} là {payment.amount} đồng."}))


def order(order_id: str) -> Payment:
    """The order the browser comes back with from the gateway; 404 for one we never made."""
    payment = session.scalar(select(Payment).where(Payment.gateway_order_id == order_id)) if order_id else None
    if payment is None:
        raise NotFound("Không tìm thấy giao dịch thanh toán.")
    return payment


# --- the demo gateway -------------------------------------------------------------------------------


def demo_order(fields: Mapping[str, str]) -> Payment:
    """The order the demo gateway's page is asked to pay: only on a demo instance, only as we signed it."""
    if not get_settings().clock_travel or get_settings().payment_gateway_url:
        raise NotFound("Không có cổng thanh toán thử nghiệm.")
    if not _signature_holds(fields):
        raise Forbidden("Chữ ký của lệnh thanh toán không hợp lệ.", field_errors({"signature": "Sai chữ ký."}))
    return order(fields.get("order_id", ""))


def demo_pay(fields: Mapping[str, str], result_code: str) -> Payment:
    """The demo gateway's "pay" (``00``) or "cancel" button: the signed callback a real gateway would send."""
    payment = demo_order(fields)
    callback = {"merchant_code": gateway().merchant_code, "order_id": payment.gateway_order_id,
                "amount": str(payment.amount), "transaction_id": "DEMO" + secrets.token_hex(8).upper(),
                "result_code": PAID if result_code == PAID else "24"}
    return handle_callback({**callback, "signature": sign(callback, gateway().secret)})
