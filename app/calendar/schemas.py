"""Request and response bodies of the working-day calendar API."""
from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate

from app import clock
from app.calendar.workdays import LimitError, parse_limit
from app.core.api import LocalDateTime, QuerySchema, bounded

#: Deadlines are computed for dates the holiday tables and datetime can handle.
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=clock.LOCAL_TZ), datetime(2100, 1, 1, tzinfo=clock.LOCAL_TZ)


def _valid_limit(value: str) -> None:
    try:
        parse_limit(value)
    except LimitError:
        raise ValidationError("Thời hạn có dạng 3d (ngày làm việc), 4h (giờ làm việc) hoặc 0.5d.") from None


def _valid_start(value: datetime) -> None:
    if not EARLIEST <= value < LATEST:
        raise ValidationError("Thời điểm bắt đầu phải trong khoảng năm 2000–2099.")


class DueQuerySchema(QuerySchema):
    start = LocalDateTime(validate=_valid_start, metadata={"description": "Mặc định: bây giờ."})
    limit = bounded(16, required=True, validate=_valid_limit, metadata={"example": "3d"})


class DueSchema(Schema):
    start = LocalDateTime()
    limit = fields.String()
    due_at = LocalDateTime()


class CalendarDayInSchema(Schema):
    date = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["holiday", "workday"]))
    name = bounded(255, load_default="")


class CalendarDaySchema(Schema):
    date = fields.Date(attribute="day")
    kind = fields.String()
    name = fields.String()
