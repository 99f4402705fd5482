"""REST API for administrators: moving the application clock on demo and test instances."""
from __future__ import annotations

from flask import Blueprint
from marshmallow import Schema

from app.core import timetravel
from app.core.api import LocalDateTime, load_json
from app.core.identity import require
from app.core.openapi import operation

class ClockSchema(Schema):
    now = LocalDateTime(required=True)


bp = Blueprint("admin", __name__)


@bp.post("/admin/clock")
@require("admin")
@operation(body=ClockSchema, response=ClockSchema, errors=(404,))
def move_clock():
    """Move the application clock (only on instances started with CLOCK_TRAVEL=1; else 404).
    Every process of the instance sees the new time."""
    timetravel.require_travel()
    body = load_json(ClockSchema())
    return ClockSchema().dump({"now": timetravel.set_now(body["now"])})
