"""Pages: the home dashboard of each role, the reports with their charts and exports, and the
register (form 06) exported or printed in the background."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, redirect, render_template, request, url_for

from sqlalchemy import select

from app import clock
from app.auth.models import Unit
from app.core.errors import Invalid, NotFound
from app.core.identity import current_user, require
from app.core.web import MenuItem, errors_by_field
from app.db import session
from app.dossiers import downloads, forms_print
from app.reports import charts, dashboard, index766, jobs, services, tables
from app.reports.exports import COUNT, MOMENT, NUMBER, RATE
from app.reports.scope import GROUPS, OVERSEERS, REPORT_ROLES, Period, period, scope_for, subtree_ids
from app.reports.web import REPORTS, file_response, read_request

bp = Blueprint("reports", __name__)
MENU = (MenuItem("reports.timeliness", "Báo cáo", REPORT_ROLES, order=60),)
TWO_WAYS = ("unit", "procedure")
#: the reports' pages, for the tabs every report page shows
PAGES = (("reports.timeliness", "Tiến độ giải quyết"), ("reports.late", "Bước quá hạn"),
         ("reports.days_saved", "Thời gian giải quyết"), ("reports.satisfaction", "Mức độ hài lòng"),
         ("reports.index_766", "Chỉ số 766"))


@bp.app_template_global()
def report_cell(kind: str, value) -> str:
    """A table cell as the page shows it (the XLSX keeps the raw value with a number format)."""
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == RATE:
        return charts.percent_text(value)
    if kind == MOMENT:
        return f"{clock.local(value):%d/%m/%Y %H:%M}"
    if kind == COUNT:
        return f"{value:,}".replace(",", ".")
    if kind == NUMBER:
        return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return str(value)


@bp.app_template_global()
def unit_options(units) -> list[tuple[str, str]]:
    return [(unit.code, unit.name) for unit in units]


@bp.app_template_global()
def group_options(groups) -> list[tuple[str, str]]:
    return [(group, tables.GROUP_TITLES[group]) for group in groups]


# --- home ----------------------------------------------------------------------------------------


@bp.get("/")
def home():
    """The signed-in user's dashboard; for anyone else the public portal, since most who type
    the centre's address are citizens (the portal links to the staff's sign-in)."""
    user = current_user()
    if user is None:
        return redirect(url_for("citizens.catalogue_page"))
    moment = dashboard.Moment(clock.now())
    overseer = user.has_role("supervisor", "leader")
    return render_template("reports/dashboard.html", sections=dashboard.sections(user, moment),
                           unit_lines=dashboard.unit_lines(user, moment) if overseer else None,
                           supervisor=user.has_role("supervisor"))


@bp.get("/tong-quan/<name>")
@require()
def count_list(name: str):
    """The list behind a count of the dashboard: the same condition, its first rows."""
    kind = name
    if kind not in dashboard.LISTS:
        raise NotFound("Không có danh sách này.")
    reach = _reach(kind, request.args.get("unit", ""), request.args.get("role", ""))
    moment = dashboard.Moment(clock.now())
    return render_template("reports/list.html", kind=kind, found=dashboard.LISTS[kind],
                           total=dashboard.count(kind, reach, moment), rows=dashboard.rows(kind, reach, moment),
                           limit=dashboard.LIST_LIMIT)


def _reach(kind: str, unit_code: str, role: str) -> dashboard.Reach:
    """A unit's line of the supervisor's table (one unit, checked against the caller's subtree), or
    the caller's own section: an officer's roles, or the whole unit for reception and leaders."""
    user = current_user()
    if unit_code:
        scope = scope_for(user, unit_code)
        return dashboard.Reach((scope.unit.id,))
    return dashboard.reach_of(user, role if role in dashboard.SECTIONS else _default_role(user, kind))


def _default_role(user, kind: str) -> str:
    roles = [role for role in ("officer", "receptionist", "leader") if kind in dashboard.SECTIONS[role]]
    return next((role for role in roles if role != "officer" and user.has_role(role)), "officer")


def _explained(view):
    """A report page's bad parameter answers the page with what is wrong, field by field (422)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except Invalid as error:
            return render_template("reports/invalid.html", error=error, pages=PAGES), 422
    return wrapper


# --- reports -------------------------------------------------------------------------------------


def _page(template: str, asked, table, **extra) -> str:
    return render_template(f"reports/{template}.html", asked=asked, table=table, pages=PAGES,
                           units=_units(), groups=extra.pop("groups", ()), **extra)


def _units():
    """The units the caller may choose, by name."""
    user = current_user()
    query = select(Unit).order_by(Unit.name)
    if not user.has_role(*OVERSEERS):
        query = query.where(Unit.id.in_(subtree_ids(user.unit)))
    return list(session.scalars(query))


@bp.get("/bao-cao/tien-do")
@require(*REPORT_ROLES)
@_explained
def timeliness():
    asked = read_request(request.args, GROUPS)
    report = REPORTS["timeliness"]
    rows = report.rows(asked)
    if asked.format != "json":
        return report.file(asked, rows)
    table = report.table(rows, asked)
    months = rows if asked.group_by == "month" else services.timeliness(asked.scope, asked.when, "month")
    chart = charts.bars("Tỉ lệ đúng hạn theo tháng", [
        charts.Bar(row.name, row.on_time_rate or 0, charts.percent_text(row.on_time_rate)) for row in months],
        maximum=1.0, tone="good")
    return _page("report", asked, table, groups=GROUPS, title="Tiến độ giải quyết hồ sơ", charts=[chart],
                 endpoint="reports.timeliness")


@bp.get("/bao-cao/qua-han")
@require(*REPORT_ROLES)
@_explained
def late():
    asked = read_request(request.args)
    rows = REPORTS["late"].rows(asked)
    if asked.format != "json":
        return REPORTS["late"].file(asked, rows)
    chart = charts.bars("Số bước quá hạn theo đơn vị", [
        charts.Bar(name, count, str(count)) for name, count in services.late_steps_by_unit(rows)], tone="bad")
    return _page("report", asked, REPORTS["late"].table(rows, asked), title="Bước xử lý quá hạn", charts=[chart],
                 endpoint="reports.late")


@bp.get("/bao-cao/thoi-gian")
@require(*REPORT_ROLES)
@_explained
def days_saved():
    asked = read_request(request.args, TWO_WAYS)
    report = REPORTS["days_saved"]
    rows = report.rows(asked)
    if asked.format != "json":
        return report.file(asked, rows)
    table = report.table(rows, asked)
    return _page("report", asked, table, groups=TWO_WAYS, title="Thời gian giải quyết và số ngày tiết kiệm",
                 charts=[], endpoint="reports.days_saved")


@bp.get("/bao-cao/hai-long")
@require(*REPORT_ROLES)
@_explained
def satisfaction():
    asked = read_request(request.args, TWO_WAYS)
    rows = REPORTS["satisfaction"].rows(asked)
    if asked.format != "json":
        return REPORTS["satisfaction"].file(asked, rows)
    chart = charts.bars("Tỉ lệ hài lòng (3–4 điểm) trên số đã đánh giá", [
        charts.Bar(row.name, row.satisfied_rate or 0, charts.percent_text(row.satisfied_rate)) for row in rows],
        maximum=1.0, tone="good")
    return _page("report", asked, REPORTS["satisfaction"].table(rows, asked), groups=TWO_WAYS,
                 title="Mức độ hài lòng", charts=[chart], endpoint="reports.satisfaction")


@bp.get("/bao-cao/chi-so-766")
@require(*REPORT_ROLES)
@_explained
def index_766():
    asked = read_request(request.args)
    found = REPORTS["index_766"].rows(asked)
    if asked.format != "json":
        return REPORTS["index_766"].file(asked, found)
    points, max_points = index766.totals(found)
    chart = charts.bars("Điểm từng chỉ tiêu so với điểm tối đa", [
        charts.Bar(f"{row.definition.code} {row.definition.name}", (row.points or 0) / row.definition.max_points,
                   f"{report_cell(NUMBER, row.points)} / {row.definition.max_points:g}") for row in found],
        maximum=1.0, tone="neutral")
    return _page("index766", asked, REPORTS["index_766"].table(found, asked), indicators=found, points=points,
                 max_points=max_points, title="Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg)",
                 charts=[chart], endpoint="reports.index_766")


# --- the register (form 06): exports and the background print ------------------------------------


@bp.get("/don-vi/so-theo-doi/xuat")
@require()
def register_export():
    """Form 06 of one's own unit as CSV or XLSX (any length of the print's limits)."""
    first, last = downloads.load_period(request.args)
    form = forms_print.register_form(current_user().unit, first, last, max_rows=jobs.MAX_BACKGROUND_ROWS)
    kind = request.args.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        raise Invalid("Tham số 'format' không hợp lệ.", [{"field": "format", "message": "Chọn csv hoặc xlsx."}])
    return file_response(tables.register_table(form.rows), kind, f"so-theo-doi-{current_user().unit.code}",
                         Period(first, last))


@bp.post("/don-vi/so-theo-doi/in-nen")
@require()
def register_queue():
    """Queue a long register to print in the background and show its progress."""
    try:
        when = period(*downloads.load_period(request.form))
        job = jobs.queue_register(current_user(), current_user().unit, when.first, when.last)
    except Invalid as error:
        return render_template("dossiers/register.html", values=request.form, error=error,
                               errors=errors_by_field(error)), 422
    return redirect(url_for(".register_job", job_id=job.id))


@bp.get("/don-vi/so-theo-doi/in-nen/<int:job_id>")
@require()
def register_job(job_id: int):
    job = jobs.job_for(current_user(), job_id)
    return render_template("reports/register_job.html", job=job, status=jobs.status(job))


@bp.get("/don-vi/so-theo-doi/in-nen/<int:job_id>/trang-thai")
@require()
def register_job_status(job_id: int):
    """The progress bar's source: a small JSON the page's script polls."""
    status = jobs.status(jobs.job_for(current_user(), job_id))
    return {"state": status.state, "label": status.label, "percent": status.percent, "rows": status.rows,
            "error": status.error, "download": url_for(".register_download", job_id=job_id) if status.ready else None}


@bp.get("/don-vi/so-theo-doi/in-nen/<int:job_id>/tai-ve")
@require()
def register_download(job_id: int):
    job, pdf = jobs.download(current_user(), job_id)
    return downloads.pdf_response(pdf, f"{job.unit.code}-so-theo-doi-{job.date_from}-{job.date_to}")

