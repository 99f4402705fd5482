"""Query strings and answers of the reports API (CONTRACT.md §2.1)."""
from __future__ import annotations

from marshmallow import fields

from app.core.api import LocalDateTime, OutputSchema, QuerySchema

_DATE_ERRORS = {"invalid": "Ngày viết dạng YYYY-MM-DD."}


class ReportQuery(QuerySchema):
    """``from`` and ``to`` (both included; default: this month to today), the unit subtree, the format.
    ``group_by`` and ``format`` are read as text and checked by the view, which names them in a 422."""

    date_from = fields.Date(data_key="from", load_default=None, error_messages=_DATE_ERRORS,
                            metadata={"description": "Từ ngày (YYYY-MM-DD); mặc định ngày đầu tháng."})
    date_to = fields.Date(data_key="to", load_default=None, error_messages=_DATE_ERRORS,
                          metadata={"description": "Đến ngày (YYYY-MM-DD), tính cả ngày này; mặc định hôm nay."})
    unit = fields.String(load_default=None, metadata={
        "description": "Mã đơn vị: chỉ tính đơn vị này và các đơn vị trực thuộc (trong phạm vi được xem)."})
    format = fields.String(load_default=None, metadata={"description": "json (mặc định), csv hoặc xlsx."})


class GroupedQuery(ReportQuery):
    group_by = fields.String(load_default=None, metadata={"description": "unit (mặc định), procedure, officer, month."})


class TwoWayQuery(ReportQuery):
    group_by = fields.String(load_default=None, metadata={"description": "unit (mặc định) hoặc procedure."})


class TimelinessRowSchema(OutputSchema):
    derived = {"on_time_rate": lambda row: row.on_time_rate}

    key = fields.String()
    name = fields.String()
    received = fields.Integer()
    done_early = fields.Integer()
    done_on_time = fields.Integer()
    done_late = fields.Integer()
    open_on_time = fields.Integer()
    open_late = fields.Integer()
    refused = fields.Integer(metadata={"description": "Từ chối sau khi đã tiếp nhận: không tính vào tỉ lệ."})
    on_time_rate = fields.Float(allow_none=True, metadata={"description": "Tỉ lệ (0–1); null khi không có hồ sơ."})


class LateStepSchema(OutputSchema):
    dossier_code = fields.String()
    procedure_code = fields.String()
    step = fields.String()
    unit_code = fields.String()
    unit_name = fields.String()
    assignee = fields.String(allow_none=True)
    due_at = LocalDateTime()
    completed_at = LocalDateTime(allow_none=True)
    late_by_hours = fields.Float()
    escalation_state = fields.String(allow_none=True)
    reason = fields.String()


class DaysRowSchema(OutputSchema):
    key = fields.String()
    name = fields.String()
    finished = fields.Integer()
    early = fields.Integer()
    average_days = fields.Float(allow_none=True)
    average_legal_days = fields.Float(allow_none=True)
    days_saved = fields.Float()


class SatisfactionRowSchema(OutputSchema):
    derived = {
        "very_satisfied": lambda row: row.scores.get(4, 0), "satisfied": lambda row: row.scores.get(3, 0),
        "not_yet_satisfied": lambda row: row.scores.get(2, 0), "dissatisfied": lambda row: row.scores.get(1, 0),
        "satisfied_rate": lambda row: row.satisfied_rate,
    }

    key = fields.String()
    name = fields.String()
    finished = fields.Integer()
    rated = fields.Integer()
    very_satisfied = fields.Integer()
    satisfied = fields.Integer()
    not_yet_satisfied = fields.Integer()
    dissatisfied = fields.Integer()
    satisfied_rate = fields.Float(allow_none=True)


class IndicatorSchema(OutputSchema):
    derived = {
        "code": lambda row: row.definition.code, "name": lambda row: row.definition.name,
        "formula": lambda row: row.definition.formula, "max_points": lambda row: row.definition.max_points,
        "threshold": lambda row: row.definition.threshold, "rate": lambda row: row.rate,
        "points": lambda row: row.points,
    }

    code = fields.String()
    name = fields.String()
    formula = fields.String()
    numerator = fields.Integer()
    denominator = fields.Integer()
    rate = fields.Float(allow_none=True)
    threshold = fields.Float()
    points = fields.Float(allow_none=True)
    max_points = fields.Float()


class IndexSchema(OutputSchema):
    indicators = fields.List(fields.Nested(IndicatorSchema))
    points = fields.Float()
    max_points = fields.Float()
