"""REST API: the reports of CONTRACT.md §2.1, each as JSON, CSV or XLSX (``format``)."""
from __future__ import annotations

from flask import Blueprint, request

from app.core.identity import require
from app.core.openapi import operation
from app.reports import index766
from app.reports.schemas import (
    DaysRowSchema, GroupedQuery, IndexSchema, LateStepSchema, ReportQuery, SatisfactionRowSchema,
    TimelinessRowSchema, TwoWayQuery,
)
from app.reports.scope import GROUPS, REPORT_ROLES
from app.reports.web import REPORTS, read_request

bp = Blueprint("reports", __name__)
TWO_WAYS = ("unit", "procedure")
_FILES = (200, 404, 422)


@bp.get("/reports/timeliness")
@require(*REPORT_ROLES)
@operation(query=GroupedQuery, response=TimelinessRowSchema, many=True, errors=(404,))
def timeliness():
    """Early, on-time and late dossiers by unit, procedure, month or officer (officers: their steps)."""
    asked = read_request(request.args, GROUPS)
    rows = REPORTS["timeliness"].rows(asked)
    if asked.format != "json":
        return REPORTS["timeliness"].file(asked, rows)
    return TimelinessRowSchema(many=True).dump(rows)


@bp.get("/reports/late")
@require(*REPORT_ROLES)
@operation(query=ReportQuery, response=LateStepSchema, many=True, errors=(404,))
def late():
    """Steps due in the period and done after their deadline or still open past it, oldest deadline first."""
    asked = read_request(request.args)
    rows = REPORTS["late"].rows(asked)
    if asked.format != "json":
        return REPORTS["late"].file(asked, rows)
    return LateStepSchema(many=True).dump(rows)


@bp.get("/reports/days-saved")
@require(*REPORT_ROLES)
@operation(query=TwoWayQuery, response=DaysRowSchema, many=True, errors=(404,))
def days_saved():
    """Average working days taken against the legal limit, and the working days saved."""
    asked = read_request(request.args, TWO_WAYS)
    rows = REPORTS["days_saved"].rows(asked)
    if asked.format != "json":
        return REPORTS["days_saved"].file(asked, rows)
    return DaysRowSchema(many=True).dump(rows)


@bp.get("/reports/satisfaction")
@require(*REPORT_ROLES)
@operation(query=TwoWayQuery, response=SatisfactionRowSchema, many=True, errors=(404,))
def satisfaction():
    """Ratings of the dossiers finished in the period (satisfied: 3 or 4)."""
    asked = read_request(request.args, TWO_WAYS)
    rows = REPORTS["satisfaction"].rows(asked)
    if asked.format != "json":
        return REPORTS["satisfaction"].file(asked, rows)
    return SatisfactionRowSchema(many=True).dump(rows)


@bp.get("/reports/index-766")
@require(*REPORT_ROLES)
@operation(query=ReportQuery, response=IndexSchema, errors=(404,))
def index_766():
    """The Decision 766 indicators 2.1, 3.3, 3.6, 4.1, 4.2 and 5.4, with their formulas and points."""
    asked = read_request(request.args)
    found = REPORTS["index_766"].rows(asked)
    if asked.format != "json":
        return REPORTS["index_766"].file(asked, found)
    points, max_points = index766.totals(found)
    return IndexSchema().dump({"indicators": found, "points": points, "max_points": max_points})
