"""Request and response bodies of the escalations API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app import clock
from app.core.api import LocalDateTime, OutputSchema, PageQuery, bounded
from app.escalation.models import STATES
from app.escalation.services import STATE_LABELS


class EscalationQuerySchema(PageQuery):
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))


class EscalationSchema(OutputSchema):
    derived = {
        "dossier_code": lambda e: e.dossier.code,
        "responsible_unit": lambda e: e.responsible_unit.code,
        "state_label": lambda e: STATE_LABELS[e.state],
        "age_hours": lambda e: round((clock.now() - e.created_at).total_seconds() / 3600, 1),
        "has_letter": lambda e: e.explained_at is not None and e.state in ("awaiting_signature", "signed"),
        "signed_by": lambda e: e.signed_by.username if e.signed_by else None,
    }

    id = fields.Integer()
    dossier_code = fields.String()
    task_id = fields.Integer()
    level = fields.Integer()
    early = fields.Boolean(metadata={
        "description": "Xin lỗi sớm: thư lập trước khi bước quá hạn; hồ sơ không tạm dừng."})
    state = fields.String()
    state_label = fields.String()
    responsible_unit = fields.String()
    created_at = LocalDateTime()
    age_hours = fields.Float()
    old_due_at = LocalDateTime(allow_none=True)
    step_due_at = LocalDateTime(allow_none=True, metadata={
        "description": "Hạn của bước khi mở hồ sơ trễ hạn (thư đã ký dời hạn của bước sang ngày hẹn mới)."})
    new_due_at = LocalDateTime(allow_none=True)
    reason = fields.String()
    note = fields.String()
    has_letter = fields.Boolean()
    signed_at = LocalDateTime(allow_none=True)
    signed_by = fields.String(allow_none=True)


class ExplanationSchema(Schema):
    reason = bounded(2000, required=True)
    new_due_date = fields.Date(required=True)


class PinSchema(Schema):
    pin = bounded(64, required=True)


class NoteSchema(Schema):
    note = bounded(2000, required=True)


class DecisionSchema(Schema):
    decision = bounded(2000, required=True)


class SweepSchema(OutputSchema):
    warned = fields.Integer()
    escalated = fields.Integer()
    timers = fields.Integer()
