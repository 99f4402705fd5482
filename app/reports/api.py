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


def _answer(name: str, asked, schema: type):
    """A report's rows as JSON, or as the file the request asked for (CSV, XLSX, PDF)."""
    rows = REPORTS[name].rows(asked)
    if asked.format != "json":
        return REPORTS[name].file(asked, rows)
    return schema(many=True).dump(rows)


@bp.get("/reports/timeliness")
@require(*REPORT_ROLES)
@operation(query=GroupedQuery, response=TimelinessRowSchema, many=True, errors=(404,))
def timeliness():
    """Early, on-time and late dossiers by unit, procedure, month or officer (officers: their steps)."""
    return _answer("timeliness", read_request(request.args, GROUPS), TimelinessRowSchema)


@bp.get("/reports/late")
@require(*REPORT_ROLES)
@operation(query=ReportQuery, response=LateStepSchema, many=True, errors=(404,))
def late():
    """Steps due in the period and done after their deadline or still open past it, oldest deadline first."""
    return _answer("late", read_request(request.args), LateStepSchema)


@bp.get("/reports/days-saved")
@require(*REPORT_ROLES)
@operation(query=TwoWayQuery, response=DaysRowSchema, many=True, errors=(404,))
def days_saved():
    """Average working days taken against the legal limit, and the working days saved."""
    return _answer("days_saved", read_request(request.args, TWO_WAYS), DaysRowSchema)


@bp.get("/reports/satisfaction")
@require(*REPORT_ROLES)
@operation(query=TwoWayQuery, response=SatisfactionRowSchema, many=True, errors=(404,))
def satisfaction():
    """Ratings of the dossiers finished in the period (satisfied: 3 or 4)."""
    return _answer("satisfaction", read_request(request.args, TWO_WAYS), SatisfactionRowSchema)


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
