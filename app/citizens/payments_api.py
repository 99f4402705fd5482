"""REST API of online payment: the citizen's start (a redirect to the gateway) and the gateway's
signed callback. A blueprint of its own, nested in the citizens' API blueprint (app/citizens/api.py)."""
from __future__ import annotations

from flask import Blueprint, request
from marshmallow import INCLUDE, Schema, fields

from app.citizens import payments
from app.core import limits
from app.core.api import bounded, load_json, parse_json
from app.core.errors import Invalid
from app.core.openapi import operation
from app.dossiers.schemas import PaymentSchema

bp = Blueprint("payments", __name__)


class StartSchema(Schema):
    secret = bounded(64, required=True, metadata={"description": "Mã tra cứu in trên giấy tiếp nhận."})


class RedirectSchema(Schema):
    redirect_url = fields.String(metadata={"description": "Địa chỉ cổng thanh toán (đã ký) để chuyển người nộp đến."})


class CallbackSchema(Schema):
    """What the gateway posts (JSON); any other field it adds is signed and kept in the signature's text."""

    class Meta:
        unknown = INCLUDE

    merchant_code = fields.String(required=True)
    order_id = fields.String(required=True)
    amount = fields.String(required=True, metadata={"description": "Số tiền (đồng), như trong lệnh thanh toán."})
    transaction_id = fields.String(required=True, metadata={"description": "Mã giao dịch của cổng thanh toán."})
    result_code = fields.String(required=True, metadata={"description": "00: thành công; mã khác: không thành công."})
    signature = fields.String(required=True, metadata={
        "description": "HMAC-SHA256 (hex) bằng khóa bí mật chung, trên các trường khác sắp theo tên, dạng a=1&b=2."})


@bp.post("/public/dossiers/<code>/payments")
@limits.public("RATE_LIMIT_LOOKUP")
@operation(body=StartSchema, response=RedirectSchema, status=201, errors=(404, 409, 429))
def start(code: str):
    """Pay the procedure's fee online: a new order, and the signed address of the payment gateway
    to send the citizen to. A wrong secret is a 404 like an unknown code; 409 when the procedure
    has no fee ("thủ tục không thu phí"), the fee is paid already, or no gateway is connected."""
    secret = load_json(StartSchema())["secret"]
    return {"redirect_url": payments.start_online_payment(code, secret)}, 201


@bp.post("/public/payments/callback")
@operation(body=CallbackSchema, response=PaymentSchema, errors=(403, 404, 409))
def callback():
    """The payment gateway's server-to-server notification of an order's result (JSON).

    Believed only with a valid ``signature``: otherwise 403 and nothing changes. 404 for an
    unknown order; 409 for a callback repeated (the order is no longer pending, or the transaction
    id is known): it changes nothing; 422 for an amount other than the order's. A paid order
    gets its receipt number from the receiving unit's receipt book.
    """
    return PaymentSchema().dump(payments.handle_callback(_plain_fields()))


def _plain_fields() -> dict[str, str]:
    """The callback's fields as the texts that were signed; a value that is a list or an object is a 422."""
    body = parse_json(request.get_data()) if request.get_data() else {}
    if not isinstance(body, dict):
        raise Invalid("Nội dung yêu cầu phải là một đối tượng JSON.", [{"field": "_body", "message": "JSON object"}])
    nested = [name for name, value in body.items() if isinstance(value, (dict, list))]
    if nested:
        raise Invalid("Các trường phải là giá trị đơn.", [{"field": name, "message": "giá trị đơn"} for name in nested])
    return {name: _text(value) for name, value in body.items()}


def _text(value) -> str:
    """A JSON value as the gateway wrote it in the signed text: true → "true", null → ""."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
