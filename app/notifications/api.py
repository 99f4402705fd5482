"""REST API for administrators: the national portal's synchronisation messages, and retrying the failed ones."""
from __future__ import annotations

from flask import Blueprint
from marshmallow import fields, validate

from app.core.api import LocalDateTime, OutputSchema, PageQuery, load_query
from app.core.identity import require
from app.core.openapi import operation
from app.notifications import sync
from app.notifications.models import OUTBOX_STATES

bp = Blueprint("notifications", __name__)


class NationalSyncQuerySchema(PageQuery):
    state = fields.String(validate=validate.OneOf(OUTBOX_STATES), metadata={
        "description": "failed (hỏng, chờ gửi lại), held (chưa cấu hình NATIONAL_PORTAL_URL), pending, sent"})


class NationalMessageSchema(OutputSchema):
    """One status message to the national portal, as sent (``payload``: the DongBoHoSoMC record)."""

    id = fields.Integer()
    key = fields.String(metadata={"description": "Idempotency-Key: national:<mã hồ sơ>:<số thứ tự>"})
    dossier_code = fields.String()
    event = fields.String()
    national_status = fields.Integer(allow_none=True)
    state = fields.String()
    attempts = fields.Integer()
    last_error = fields.String()
    created_at = LocalDateTime()
    next_attempt_at = LocalDateTime()
    sent_at = LocalDateTime(allow_none=True)
    payload = fields.Dict()

    derived = {"dossier_code": lambda row: row.dossier.code if row.dossier is not None else None,
               "national_status": lambda row: sync.payload(row).get("TrangThaiHoSo"),
               "payload": sync.payload}


@bp.get("/admin/national-sync")
@require("admin")
@operation(query=NationalSyncQuerySchema, response=NationalMessageSchema, many=True)
def national_sync():
    """The messages to the national portal: failed first, then held, pending and sent; a dossier's in their order."""
    query = load_query(NationalSyncQuerySchema())
    rows = sync.listing(query.get("state"), query["offset"], query["limit"])
    return NationalMessageSchema(many=True).dump(rows)


@bp.post("/admin/national-sync/<int:message_id>/retry")
@require("admin")
@operation(response=NationalMessageSchema, errors=(404, 409))
def retry_national(message_id: int):
    """Put a failed message back in line, due now (409 unless it failed): the dossier's later messages follow it."""
    return NationalMessageSchema().dump(sync.retry(message_id))
