"""What the reports' API and pages share: reading a report's request, each report's rows, table and
file name (:data:`REPORTS`), and answering with a file."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from flask import Response
from marshmallow import ValidationError

from app.auth.services import field_errors
from app.core.errors import Invalid
from app.core.identity import current_user
from app.reports import exports, index766, services, tables
from app.reports.schemas import GroupedQuery
from app.reports.scope import FORMATS, Period, Scope, choice, period, scope_for

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ReportRequest:
    scope: Scope
    when: Period
    group_by: str
    format: str
    unit_code: str


def read_request(args: Mapping[str, str], groups: tuple[str, ...] = ("unit",)) -> ReportRequest:
    """The period, unit, grouping and format of a query string; 422 naming the parameter at fault,
    404 for a unit the caller may not see (as for an unknown one)."""
    try:
        query = GroupedQuery().load({key: value for key, value in args.items() if value != ""})
    except ValidationError as error:
        raise Invalid("Tham số chưa hợp lệ.", field_errors(
            {key: " ".join(texts) for key, texts in error.messages.items()})) from None
    group_by = choice(query["group_by"], groups, "group_by", groups[0])
    form = choice(query["format"], FORMATS, "format", "json")
    when = period(query["date_from"], query["date_to"])
    return ReportRequest(scope_for(current_user(), query["unit"]), when, group_by, form, query["unit"] or "")


def file_response(table: exports.Table, form: str, name: str, when: Period) -> Response:
    """The table as a CSV or XLSX download named after the report and its period."""
    write, mimetype, extension = exports.WRITERS[form]
    filename = _UNSAFE_FILENAME.sub("_", f"{name}-{when.first}-{when.last}.{extension}")
    response = Response(write(table), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@dataclass(frozen=True)
class Report:
    """One report as both the API and the pages give it: its rows, its table (the export and the
    page's table alike), and the name its files carry."""

    rows: Callable[[ReportRequest], list[Any]]
    table: Callable[[list[Any], ReportRequest], exports.Table]
    name: Callable[[ReportRequest], str]

    def file(self, asked: ReportRequest, rows: list[Any]) -> Response:
        return file_response(self.table(rows, asked), asked.format, self.name(asked), asked.when)


def _with_total(rows: list, asked: ReportRequest) -> exports.Table:
    return tables.timeliness_table(rows + [services.total_row(rows)] if rows else rows, asked.group_by)


REPORTS = {
    "timeliness": Report(lambda asked: services.timeliness(asked.scope, asked.when, asked.group_by), _with_total,
                         lambda asked: f"tien-do-{asked.group_by}"),
    "late": Report(lambda asked: services.late_steps(asked.scope, asked.when),
                   lambda rows, _asked: tables.late_table(rows), lambda _asked: "buoc-qua-han"),
    "days_saved": Report(lambda asked: services.days_saved(asked.scope, asked.when, asked.group_by),
                         lambda rows, asked: tables.days_table(rows, asked.group_by), lambda _asked: "ngay-tiet-kiem"),
    "satisfaction": Report(lambda asked: services.satisfaction(asked.scope, asked.when, asked.group_by),
                           lambda rows, asked: tables.satisfaction_table(rows, asked.group_by),
                           lambda _asked: "hai-long"),
    "index_766": Report(lambda asked: index766.indicators(asked.scope, asked.when),
                        lambda rows, _asked: tables.index_table(rows), lambda _asked: "chi-so-766"),
}
