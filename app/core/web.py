"""Registration of the server-rendered web UI, and what its views share:
the signed-in user, the role check, navigation, formatting filters, error
pages and the npm assets served from ``node_modules``.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path, PurePosixPath
from typing import Callable

from flask import (Flask, Response, abort, redirect, render_template, request, send_from_directory, session,
                   url_for)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app import clock
from app.auth.models import User
from app.core.errors import AppError
from app.db import session as db_session
from app.dossiers.services import STATUS_LABELS
from app.dossiers.timeliness import LABELS as TIMELINESS_LABELS

NODE_MODULES = Path(__file__).parents[2] / "node_modules"
VENDOR_PACKAGES = ("bpmn-js", "swagger-ui-dist")  # the modeler is bundled into static/vendor-build/
SOON = timedelta(hours=24)
API_PREFIX = "/api/"
WEB_ERROR_CODES = (404, 405, 500)

#: roles that neither process, lead nor oversee steps: no late steps of theirs to deal with
NOT_HANDLING_STEPS = frozenset({"receptionist", "analyst"})


def handles_steps(user: User) -> bool:
    """Officers (of any specialty), leaders, supervisors and admins."""
    return bool(user.role_codes - NOT_HANDLING_STEPS)


#: endpoint, label, who sees it: roles (empty: every signed-in user) or a test of the user
NAV = (
    ("dossiers.reception", "Tiếp nhận hồ sơ", ("receptionist",)),
    ("tasks.inbox", "Hộp công việc", ()),
    ("escalation.index", "Trễ hạn", handles_steps),
    ("dossiers.search", "Tra cứu hồ sơ", ()),
    ("escalation.notifications", "Thông báo", ()),
    ("procedures.modeler_new", "Soạn quy trình", ("analyst", "admin")),
)
PUBLIC_NAV = (("procedures.catalogue", "Thủ tục hành chính"),)

ERROR_TITLES = {
    400: "Yêu cầu không hợp lệ", 403: "Không có quyền truy cập", 404: "Không tìm thấy trang",
    405: "Thao tác không được hỗ trợ", 409: "Xung đột dữ liệu", 413: "Tệp quá lớn", 422: "Dữ liệu chưa hợp lệ",
    423: "Hồ sơ đang tạm dừng", 429: "Tạm khóa do thử quá nhiều lần", 500: "Lỗi hệ thống",
}
ERROR_DETAILS = {
    400: "Yêu cầu gửi lên không hợp lệ.",
    403: "Bạn không có quyền xem trang này hoặc thực hiện thao tác này.",
    404: "Trang hoặc dữ liệu bạn tìm không tồn tại.",
    405: "Thao tác này không được hỗ trợ tại địa chỉ này.",
    413: "Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép.",
    500: "Đã có lỗi xảy ra trong hệ thống. Vui lòng thử lại sau.",
}
CSRF_DETAIL = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại."


def current_user() -> User | None:
    """The user signed in to this browser session, or None.

    Not cached on ``g``: the session's identity map already answers repeated calls.
    """
    user_id = session.get("user_id")
    user = db_session.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.active else None


def login_required(*roles: str) -> Callable:
    """Sign-in required; with ``roles``, one of them too (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and not user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def errors_by_field(error: AppError) -> dict[str, str]:
    """The ``{field: message}`` of an error's ``errors`` list (element problems ignored)."""
    return {item["field"]: item["message"] for item in error.errors or [] if "field" in item}


def bpmn_response(xml: str) -> Response:
    """A procedure's BPMN for the diagram viewer to fetch; never run as a document."""
    response = Response(xml, mimetype="application/xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def register_web(app: Flask) -> None:
    """Register the web blueprints of every domain."""
    from app.auth.views import bp as auth_bp
    from app.dossiers.views import bp as dossiers_bp
    from app.escalation.views import bp as escalation_bp
    from app.procedures.views import bp as procedures_bp
    from app.tasks.views import bp as tasks_bp

    for blueprint in (auth_bp, dossiers_bp, tasks_bp, escalation_bp, procedures_bp):
        app.register_blueprint(blueprint)
    app.add_url_rule("/static/vendor/<path:filename>", "vendor", _vendor)
    app.context_processor(_template_context)
    app.jinja_env.filters.update(dt=format_datetime, money=format_money, limit=format_limit, field_id=field_id,
                                 duration=format_duration, age=format_age)
    app.jinja_env.globals.update(due_state=due_state, STATUS_LABELS=STATUS_LABELS,
                                 TIMELINESS_LABELS=TIMELINESS_LABELS)
    _register_error_pages(app)


def _register_error_pages(app: Flask) -> None:
    """Vietnamese pages for the web; problem+json stays the answer under /api/.

    Handlers for single codes win over handlers for a class, so the codes the
    API registers for itself (404, 405, 500 outside its views) are taken over
    here too, and answered as the API would for its paths.
    """
    app.register_error_handler(AppError, _app_error_page)
    app.register_error_handler(CSRFError, _csrf_error_page)
    app.register_error_handler(HTTPException, _http_error_page)
    for code in WEB_ERROR_CODES:
        app.register_error_handler(code, _http_error_page)


def _vendor(filename: str):
    """Serve a file of an allowed npm package; no ``..`` may lead to another one."""
    parts = PurePosixPath(filename).parts
    if not parts or parts[0] not in VENDOR_PACKAGES or ".." in parts:
        abort(404)
    return send_from_directory(NODE_MODULES, filename, max_age=86400)


def _sees(user: User | None, who: tuple[str, ...] | Callable[[User], bool]) -> bool:
    if user is None:
        return False
    return who(user) if callable(who) else not who or user.has_role(*who)


def _template_context() -> dict:
    user = current_user()
    nav = [(endpoint, label) for endpoint, label, who in NAV if _sees(user, who)]
    return {"current_user": user, "nav": nav + list(PUBLIC_NAV)}


def _error_page(status: int, detail: str):
    title = ERROR_TITLES.get(status, ERROR_TITLES[400])
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def _app_error_page(error: AppError):
    # The api blueprint's own handler answers errors raised in its views first.
    return _error_page(error.status, error.detail)


def _csrf_error_page(_error: CSRFError):
    return _error_page(400, CSRF_DETAIL)


def _http_error_page(error: HTTPException):
    if request.path.startswith(API_PREFIX):
        return _api_problem(error)
    status = error.code or 500
    return _error_page(status, ERROR_DETAILS.get(status, error.description or ""))


def _api_problem(error: HTTPException):
    from app.core.api import problem_response

    problem = AppError(error.description or error.name)
    problem.status, problem.title = error.code or 500, error.name
    allow = dict(error.get_headers()).get("Allow")
    return problem_response(problem, {"Allow": allow} if allow else None)


def format_datetime(moment: datetime | str | None) -> str:
    """"dd/mm/yyyy HH:MM" in Asia/Ho_Chi_Minh (ISO text too, as audit details keep it); empty for None."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return clock.local(moment).strftime("%d/%m/%Y %H:%M")


def format_money(amount: int | None) -> str:
    """Vietnamese style: 200.000 đ; "Miễn phí" for nothing."""
    return f"{amount:,} đ".replace(",", ".") if amount else "Miễn phí"


def format_limit(limit: str) -> str:
    """A time limit as people say it: "3d" → "3 ngày làm việc", "0d" → "Trong ngày"."""
    amount, unit = limit[:-1], limit[-1:]
    if amount in ("0", ""):
        return "Trong ngày"
    return f"{amount.replace('.', ',')} {'ngày' if unit == 'd' else 'giờ'} làm việc"


def format_duration(span: timedelta) -> str:
    """A length of time as people say it: "45 phút", "5 giờ 10 phút", "2 ngày 3 giờ"."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} ngày" + (f" {hours} giờ" if hours else "")
    if hours:
        return f"{hours} giờ" + (f" {minutes} phút" if minutes else "")
    return f"{minutes} phút"


def format_age(moment: datetime) -> str:
    """How long ago ``moment`` was, as :func:`format_duration` says it."""
    return format_duration(clock.now() - moment)


def field_id(name: str) -> str:
    """A form field's name as an HTML id: ``documents[0].copies`` → ``documents-0-copies``."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


def due_state(due_at: datetime | None) -> str | None:
    """"late" past the deadline, "soon" within 24 hours, else None."""
    if due_at is None:
        return None
    left = due_at - clock.now()
    if left < timedelta(0):
        return "late"
    return "soon" if left <= SOON else None
