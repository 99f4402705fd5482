"""REST API: deadlines and the administrator's calendar days ."""
from __future__ import annotations

from flask import Blueprint

from app import clock
from app.calendar import services
from app.calendar.schemas import CalendarDayInSchema, CalendarDaySchema, DueQuerySchema, DueSchema
from app.core.api import load_json, load_query
from app.core.identity import require
from app.core.openapi import operation



bp = Blueprint("calendar", __name__)

@bp.get("/calendar/due")
@require()
@operation(query=DueQuerySchema, response=DueSchema)
def due():
    """When a time limit started at ``start`` runs out, in working days or hours."""
    query = load_query(DueQuerySchema())
    start = query.get("start") or clock.now()
    return DueSchema().dump({"start": start, "limit": query["limit"], "due_at": services.due_at(start, query["limit"])})


@bp.post("/calendar/days")
@require("admin")
@operation(body=CalendarDayInSchema, response=CalendarDaySchema, status=201)
def set_day():
    """Declare a date a holiday or an official make-up working day (replaces an earlier entry)."""
    body = load_json(CalendarDayInSchema())
    return CalendarDaySchema().dump(services.set_day(body["date"], body["kind"], body["name"])), 201
