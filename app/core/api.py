"""The REST API v1 blueprint: authentication, role checks, request parsing,
problem+json errors, and the schema parts every domain's ``schemas.py`` shares.

Domain modules add their routes to :data:`api` in their own ``api.py``.
"""
from __future__ import annotations

import json
import math
from functools import wraps
from typing import Any, Callable, ClassVar

from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields
from marshmallow import validate as validators
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app import clock
from app.auth.models import User
from app.auth.services import user_for_token
from app.core.errors import AppError, Conflict, Forbidden, Invalid, Unauthorized
from app.db import session

api = Blueprint("api", __name__, url_prefix="/api/v1")
PROBLEM_JSON = "application/problem+json"
#: Deeper JSON than this is refused: no form or catalogue entry needs it.
MAX_JSON_DEPTH = 32


def problem_response(error: AppError, headers: dict[str, str] | None = None):
    response = jsonify(error.to_problem())
    response.status_code = error.status
    response.content_type = PROBLEM_JSON
    response.headers.update(headers or {})
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


@api.errorhandler(AppError)
def _app_error(error: AppError):
    return problem_response(error)


@api.errorhandler(ValidationError)
def _validation_error(error: ValidationError):
    return problem_response(Invalid("Dữ liệu gửi lên chưa hợp lệ.", _flatten(error.messages)))


@api.errorhandler(IntegrityError)
@api.errorhandler(StaleDataError)
def _concurrent_change(_error: Exception):
    """A concurrent request took a unique key between our check and our insert,
    or changed the dossier under us (its optimistic lock)."""
    session.rollback()
    return problem_response(Conflict("Dữ liệu vừa được người khác thay đổi. Vui lòng tải lại và thử lại."))


@api.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    problem = AppError(error.description or error.name)
    problem.status, problem.title = error.code or 500, error.name
    allow = dict(error.get_headers()).get("Allow")
    return problem_response(problem, {"Allow": allow} if allow else None)


@api.app_errorhandler(404)
@api.app_errorhandler(405)
@api.app_errorhandler(500)
def _error_outside_views(error: HTTPException):
    """Unknown URLs, wrong methods and crashes under /api/ answer problem+json too.

    Handlers registered for these codes take precedence over handlers for a
    class, so elsewhere the error is passed on to the application's general
    HTTPException handler (the web UI's error pages), or left as it is.
    """
    if request.path.startswith("/api/"):
        return _http_error(error)
    general = current_app.error_handler_spec[None][None].get(HTTPException)
    return general(error) if general else error


def _flatten(messages, prefix: str = "") -> list[dict[str, str]]:
    """marshmallow's nested messages as a flat list of {field, message};
    a nested object's own error (``_schema``) is named after the object."""
    flat = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix and key != "_schema" else prefix or str(key)
            flat.extend(_flatten(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat.append({"field": prefix or "_schema", "message": " ".join(messages)})
    else:
        for item in messages:
            flat.extend(_flatten(item, prefix))
    return flat


# --------------------------------------------------------------------------- authentication


def current_user() -> User:
    return g.api_user


def optional_user() -> User | None:
    """The caller, or None when the request carries no Authorization header.

    A header that is present but wrong is a 401, never an anonymous call.
    """
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        raise Unauthorized("Token không hợp lệ hoặc đã hết hạn: đăng nhập lại để lấy token mới.")
    return user


def authenticated(*roles: str) -> Callable:
    """Require a bearer token; with ``roles``, one of them too (else 403).

    The roles are kept on the view as ``required_roles`` for the OpenAPI document.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = optional_user()
            if user is None:
                raise Unauthorized("Cần đăng nhập: gửi header Authorization: Bearer <token>.")
            if roles and not user.has_role(*roles):
                raise Forbidden(f"Cần một trong các vai trò: {', '.join(roles)}.")
            g.api_user = user
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


# --------------------------------------------------------------------------- request parsing


@api.before_request
def _check_url_text():
    check_text(request.view_args or {}, "_path")
    check_text(request.args.to_dict(), "_query")


def load_json(schema: Schema) -> dict:
    """The request's JSON body validated by ``schema`` (422 with the fields at fault).

    An empty body counts as ``{}``, so the schema names the missing fields.
    """
    data = request.get_data(cache=True)
    body = parse_json(data) if data else {}
    if not isinstance(body, dict):
        raise Invalid("Nội dung yêu cầu phải là một đối tượng JSON.", [{"field": "_body", "message": "JSON object expected"}])
    return schema.load(body)


def parse_json(data: str | bytes, where: str = "_body") -> Any:
    """JSON, strictly: no NaN or Infinity, no NUL or lone surrogates, bounded depth
    (else 422 naming ``where``)."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        raise Invalid("Nội dung gửi lên không phải JSON hợp lệ.", [{"field": where, "message": "invalid JSON"}]) from None
    check_text(value, where)
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("number out of range")
    return number


def check_text(value: Any, where: str) -> None:
    """422 if any string in ``value`` holds a NUL or cannot be stored as UTF-8,
    or if it nests deeper than :data:`MAX_JSON_DEPTH`."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise Invalid("Dữ liệu lồng nhau quá sâu.", [{"field": where, "message": "nested too deeply"}])
        if isinstance(item, dict):
            stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            stack.extend((part, depth + 1) for part in item)
        elif isinstance(item, str) and not _storable(item):
            raise Invalid("Dữ liệu có ký tự không hợp lệ.", [{"field": where, "message": "invalid character"}])


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def load_query(schema: Schema) -> dict:
    """The query string validated by ``schema``; empty parameters count as absent."""
    return schema.load({key: value for key, value in request.args.items() if value != ""})


# --------------------------------------------------------------------------- shared schema parts


class LocalDateTime(fields.AwareDateTime):
    """An aware datetime shown in the server's zone (ISO 8601 with offset);
    naive input is read as local time."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=clock.LOCAL_TZ, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return clock.local(value).isoformat() if value is not None else None


class OutputSchema(Schema):
    """A response schema; ``derived`` computes values the object has no attribute for,
    so that they can still be declared as typed fields (and documented as such)."""

    derived: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    def get_attribute(self, obj, attr, default):
        if attr in self.derived:
            return self.derived[attr](obj)
        return super().get_attribute(obj, attr, default)


class QuerySchema(Schema):
    """Query-string parameters: unknown ones (cache busters…) are ignored."""

    class Meta:
        unknown = EXCLUDE


class PageQuery(QuerySchema):
    limit = fields.Integer(load_default=50, validate=validators.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validators.Range(0, 10**9))


def bounded(max_length: int, required: bool = False, validate: Callable | None = None, **kwargs) -> fields.String:
    """A string field bounded by its database column (PostgreSQL refuses longer ones);
    a required one may not be empty either."""
    length = validators.Length(int(required), max_length)
    return fields.String(required=required, validate=[length, validate] if validate else length, **kwargs)
