"""The REST API v1 blueprint: authentication, role checks and problem+json errors.

Domain modules add their routes to :data:`api` in their own ``api.py``.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from app.auth.models import User
from app.auth.services import user_for_token
from app.core.errors import AppError, Forbidden, Invalid, Unauthorized

api = Blueprint("api", __name__, url_prefix="/api/v1")
PROBLEM_JSON = "application/problem+json"


def problem_response(error: AppError):
    response = jsonify(error.to_problem())
    response.status_code = error.status
    response.content_type = PROBLEM_JSON
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


@api.errorhandler(AppError)
def _app_error(error: AppError):
    return problem_response(error)


@api.errorhandler(ValidationError)
def _validation_error(error: ValidationError):
    return problem_response(Invalid("Dữ liệu gửi lên chưa hợp lệ.", _flatten(error.messages)))


@api.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    problem = AppError(error.description or error.name)
    problem.status, problem.title = error.code or 500, error.name
    return problem_response(problem)


def _flatten(messages, prefix: str = "") -> list[dict[str, str]]:
    """marshmallow's nested messages as a flat list of {field, message}."""
    flat = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.extend(_flatten(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat.append({"field": prefix or "_schema", "message": " ".join(messages)})
    else:
        for item in messages:
            flat.extend(_flatten(item, prefix))
    return flat


def current_user() -> User:
    return g.api_user


def authenticated(*roles: str) -> Callable:
    """Require a bearer token; with ``roles``, one of them too (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
            if user is None:
                raise Unauthorized("Cần đăng nhập: gửi header Authorization: Bearer <token>.")
            if roles and not user.has_role(*roles):
                raise Forbidden(f"Cần một trong các vai trò: {', '.join(roles)}.")
            g.api_user = user
            return view(*args, **kwargs)

        return wrapper

    return decorator


def load_json(schema: Schema) -> dict:
    """The request's JSON body validated by ``schema`` (422 with the fields at fault)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("Nội dung yêu cầu phải là một đối tượng JSON.", [{"field": "_body", "message": "JSON object expected"}])
    return schema.load(body)
