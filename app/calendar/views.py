"""The administrators' calendar page: a year month by month, its overrides, and the banner
that warns them when this year's or next year's schedule is not confirmed."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app import clock
from app.calendar import services
from app.calendar.schemas import EARLIEST, LATEST
from app.calendar.workdays import (LOCAL_HOLIDAY, LOCAL_WORKDAY, MAKE_UP, PUBLIC_HOLIDAY, SUBSTITUTE,
                                   WEEKEND)
from app.core.errors import AppError, Invalid
from app.core.identity import current_user, require
from app.core.web import MenuItem, errors_by_field

bp = Blueprint("calendar", __name__)
MENU = (MenuItem("calendar.year", "Lịch làm việc", ("admin",), order=80),)
#: the legend of the page, in the order shown; the key is also the day's CSS class
LEGEND = ((PUBLIC_HOLIDAY, "Ngày lễ, Tết"), (SUBSTITUTE, "Nghỉ bù, nghỉ hoán đổi"),
          (MAKE_UP, "Làm việc bù"), (LOCAL_HOLIDAY, "Nghỉ (điều chỉnh tại đây)"),
          (LOCAL_WORKDAY, "Làm việc (điều chỉnh tại đây)"), (WEEKEND, "Thứ Bảy, Chủ nhật"))
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


@bp.app_context_processor
def _calendar_banner() -> dict:
    """The years an administrator should confirm, read from the last stored check."""
    user = current_user()
    if user is None or not user.has_role("admin"):
        return {}
    return {"calendar_years_to_confirm": services.years_needing_attention()}


def _year() -> int:
    """The ``nam`` of the query string (this year by default); 422 naming it when out of range."""
    text = request.args.get("nam", "")
    if not text:
        return clock.now().year
    if not text.isdigit() or not EARLIEST.year <= int(text) < LATEST.year:
        message = "Năm (nam) viết bằng số, từ 2000 đến 2099."
        raise Invalid(message, [{"field": "nam", "message": message}])
    return int(text)


def _page(year: int, error: AppError | None = None, status: int = 200):
    rows = services.work_calendar().overrides
    return render_template(
        "calendar/year.html", year=year, months=services.year_months(year), legend=LEGEND, weekdays=WEEKDAYS,
        overrides=sorted((day, kind, name) for day, (kind, name) in rows.items() if day.year == year),
        needs_confirmation=year in services.years_needing_attention(), error=error,
        errors=errors_by_field(error) if error else {}, values=request.form,
    ), status


@bp.get("/lich")
@require("admin")
def year():
    return _page(_year())


@bp.post("/lich/ngay")
@require("admin")
def add_day():
    try:
        day, kind, name = services.read_override(request.form)
    except Invalid as error:
        return _page(_year(), error, 422)
    services.set_day(day, kind, name)
    flash(f"Đã lưu điều chỉnh ngày {day:%d/%m/%Y}.", "success")
    return redirect(url_for("calendar.year", nam=day.year))


@bp.post("/lich/ngay/<day>/xoa")
@require("admin")
def remove_day(day: str):
    try:
        services.remove_day(services.read_override({"date": day, "kind": "holiday"})[0])
    except AppError as error:
        flash(error.errors[0]["message"] if error.errors else error.detail, "error")
        return redirect(url_for("calendar.year"))
    flash(f"Đã bỏ điều chỉnh ngày {day}.", "success")
    return redirect(url_for("calendar.year", nam=day[:4]))


@bp.post("/lich/<int:year>/xac-nhan")
@require("admin")
def confirm(year: int):
    if not EARLIEST.year <= year < LATEST.year:
        message = "Năm xác nhận phải từ 2000 đến 2099."
        raise Invalid(message, [{"field": "year", "message": message}])
    services.confirm_year(year, current_user().username)
    flash(f"Đã xác nhận lịch năm {year} khớp với thông báo của Chính phủ.", "success")
    return redirect(url_for("calendar.year", nam=year))
