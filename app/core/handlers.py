"""The one set of error handlers: every error becomes problem+json under
``/api/`` and a Vietnamese page elsewhere, whoever raised it.

Only public Flask API is used: a handler per exception class, the most
specific class winning. Python's own exception text never reaches the caller;
a crash is logged and answered with a fixed sentence.
"""
from __future__ import annotations

from flask import Flask, Response, jsonify, render_template
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core import identity
from app.core.errors import CHANGED_MEANWHILE, AppError, Conflict, Invalid, flatten_messages
from app.db import session

PROBLEM_JSON = "application/problem+json"
CSRF_DETAIL = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại."

TITLES = {
    400: "Yêu cầu không hợp lệ", 401: "Chưa đăng nhập", 403: "Không có quyền truy cập",
    404: "Không tìm thấy trang", 405: "Thao tác không được hỗ trợ", 409: "Xung đột dữ liệu",
    413: "Nội dung quá lớn", 415: "Kiểu nội dung không được hỗ trợ", 422: "Dữ liệu chưa hợp lệ",
    423: "Hồ sơ đang tạm dừng", 429: "Quá nhiều yêu cầu", 500: "Lỗi hệ thống",
}
#: what werkzeug's exceptions say, in Vietnamese (their English text never reaches a user)
DETAILS = {
    400: "Yêu cầu gửi lên không hợp lệ.",
    401: "Cần đăng nhập để thực hiện thao tác này.",
    403: "Bạn không có quyền xem trang này hoặc thực hiện thao tác này.",
    404: "Trang hoặc dữ liệu bạn tìm không tồn tại.",
    405: "Thao tác này không được hỗ trợ tại địa chỉ này.",
    413: "Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép.",
    415: "Kiểu nội dung gửi lên không được hỗ trợ: hãy gửi JSON (Content-Type: application/json).",
    429: "Bạn đã thử quá nhiều lần. Vui lòng chờ một lát rồi thử lại.",
    500: "Đã có lỗi xảy ra trong hệ thống. Vui lòng thử lại sau.",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(AppError, _app_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(IntegrityError, _concurrent_change)
    app.register_error_handler(StaleDataError, _concurrent_change)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)


def answer(error: AppError, headers: dict[str, str] | None = None):
    """The error as problem+json (API) or as a page (web)."""
    if identity.is_api_request():
        return problem_response(error, headers)
    title = TITLES.get(error.status, TITLES[400])
    page = render_template("errors/error.html", status=error.status, title=title, detail=error.detail)
    return page, error.status, headers or {}


def problem_response(error: AppError, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(error.to_problem())
    response.status_code = error.status
    response.content_type = PROBLEM_JSON
    response.headers.update(headers or {})
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _app_error(error: AppError):
    return answer(error, error.headers)


def _validation_error(error: ValidationError):
    return answer(Invalid("Dữ liệu gửi lên chưa hợp lệ.", flatten_messages(error.messages)))


def _concurrent_change(_error: Exception):
    """A concurrent request took a unique key between our check and our insert,
    or changed the dossier under us (its optimistic lock): the one conflict policy."""
    session.rollback()
    return answer(Conflict(CHANGED_MEANWHILE))


def _csrf_error(_error: CSRFError):
    error = AppError(CSRF_DETAIL)
    error.status, error.title = 403 if identity.is_api_request() else 400, "CSRF"
    return answer(error)


def _http_error(error: HTTPException):
    status = error.code or 500
    if isinstance(error, InternalServerError):
        session.rollback()
    problem = AppError(_detail(error, status))
    problem.status, problem.title = status, error.name
    headers = {key: value for key, value in error.get_headers() if key in ("Allow", "Retry-After")}
    return answer(problem, headers)


def _detail(error: HTTPException, status: int) -> str:
    """Our own Vietnamese description when the raiser gave one, else the fixed text."""
    description = error.description or ""
    ours = description and description != type(error).description and status != 500
    return description if ours else DETAILS.get(status, TITLES.get(status, DETAILS[400]))
