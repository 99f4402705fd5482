"""The OpenAPI 3 document of the REST API and its browsable docs.

The document is generated, never written by hand, so it cannot drift from
the code: the paths come from the URL map, each view's :func:`operation`
names its marshmallow schemas (turned into JSON Schema by apispec's
MarshmallowPlugin), its docstring gives the summary (first line) and the
description, and :func:`app.core.identity.require` tells who may call it.

``GET /api/v1/openapi.json`` serves the document; ``GET /api/docs`` (the
:data:`docs` blueprint) serves Swagger UI from the npm assets under
``/static/vendor/swagger-ui-dist/``.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any, Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app, jsonify, render_template
from marshmallow import Schema, fields

from app import clock
from app.core.api import API_NAME
from app.core.handlers import PROBLEM_JSON

#: the document, nested in /api/v1
bp = Blueprint("openapi", __name__)
#: the browsable page
docs = Blueprint("api_docs", __name__)

_PATH_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_STATUS_TEXT = {
    200: "OK", 201: "Đã tạo", 204: "Đã xóa", 401: "Chưa đăng nhập hoặc token sai", 403: "Không có quyền",
    404: "Không tìm thấy", 409: "Xung đột trạng thái", 422: "Dữ liệu không hợp lệ",
    413: "Nội dung gửi lên quá lớn", 423: "Hồ sơ đang bị khóa do quá hạn", 429: "Quá nhiều lần thử, chờ Retry-After",
    415: "Kiểu nội dung không được hỗ trợ (Content-Type)",
}


@dataclass(frozen=True)
class Operation:
    """What a view takes and gives, for the document."""

    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    errors: tuple[int, ...] = ()
    #: the body may also be multipart/form-data: True, the JSON body's fields as parts with a ``file``
    #: part (a diagram); a dict, the JSON Schema of the parts of an upload (JSON parts are text)
    multipart: bool | dict[str, Any] = False
    #: callable without a token too (the view then decides)
    optional_auth: bool = False
    #: what a success answers; anything but JSON is a file (e.g. "application/pdf")
    media_type: str = "application/json"


def operation(**declaration: Any) -> Callable:
    """Declare a view's schemas and error statuses (see :class:`Operation`)."""

    def decorator(view):
        view.operation = Operation(**declaration)
        return view

    return decorator


class ProblemSchema(Schema):
    """An error, RFC 9457."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Dict(), metadata={
        "description": "Lỗi theo trường ({field, message}) hoặc theo phần tử BPMN ({element_id, line, message})."})


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3 document of this API."""
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build_spec(current_app)
    return jsonify(current_app.extensions["openapi"])


@docs.get("/api/docs")
def browsable_docs():
    return render_template("api/docs.html")


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="Một cửa điện tử — REST API", version="1", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Lỗi trả về dạng application/problem+json (RFC 9457). "
                             f"Thời gian theo ISO 8601 có múi giờ ({clock.LOCAL_TZ.key})."},
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=ProblemSchema)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith(f"{API_NAME}."):
            view = app.view_functions[rule.endpoint]
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            spec.path(path=_PATH_ARGUMENT.sub(r"{\g<name>}", rule.rule),
                      operations={m.lower(): _operation(view, rule.rule, m.lower()) for m in methods})
    return spec.to_dict()


def _operation(view: Callable, rule: str, method: str) -> dict[str, Any]:
    declared: Operation = getattr(view, "operation", Operation())
    roles = getattr(view, "required_roles", None)
    summary, _, description = (inspect.getdoc(view) or view.__name__).partition("\n")
    if roles:
        description = f"Vai trò: {', '.join(roles)}.\n\n{description}"
    result: dict[str, Any] = {
        "summary": summary, "description": description.strip(), "tags": [view.__module__.split(".")[-2]],
        "operationId": view.__name__, "parameters": _parameters(rule, declared),
        "responses": _responses(declared, authenticated=roles is not None or declared.optional_auth),
    }
    if declared.optional_auth:
        result["security"] = [{"bearerAuth": []}, {}]
    else:
        result["security"] = [{"bearerAuth": []}] if roles is not None else []
    if declared.body is not None or declared.multipart:
        result["requestBody"] = _request_body(declared, required=method != "patch")
    return result


def _parameters(rule: str, declared: Operation) -> list[dict[str, Any]]:
    parameters = [
        {"in": "path", "name": match["name"], "required": True,
         "schema": {"type": "integer" if match["converter"] == "int" else "string"}}
        for match in _PATH_ARGUMENT.finditer(rule)
    ]
    if declared.query is not None:
        parameters.append({"in": "query", "schema": declared.query})
    return parameters


def _request_body(declared: Operation, required: bool) -> dict[str, Any]:
    """A PATCH may send nothing (nothing changes); other bodies are required."""
    content: dict[str, Any] = {"application/json": {"schema": declared.body}} if declared.body else {}
    if isinstance(declared.multipart, dict):
        content["multipart/form-data"] = {"schema": declared.multipart}
    elif declared.multipart:
        content["multipart/form-data"] = {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
            "additionalProperties": {"type": "string"},
            "description": "Các trường như phần JSON; trường có giá trị là đối tượng hay danh sách "
                           "(fee, documents, forms) gửi dạng văn bản JSON; tệp BPMN ở phần 'file', "
                           "tệp JSON Schema của biểu mẫu ở các phần 'forms'.",
        }}
    return {"required": required, "content": content}


def _responses(declared: Operation, authenticated: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "object"}
    if declared.media_type != "application/json":
        body = {"type": "string", "format": "binary"}
    elif declared.response is not None:
        body = declared.response(many=declared.many)
    success: dict[str, Any] = {"description": _STATUS_TEXT[declared.status]}
    if declared.status != 204:
        success["content"] = {declared.media_type: {"schema": body}}
    responses: dict[str, Any] = {str(declared.status): success}
    errors = set(declared.errors) | {401}  # a wrong or revoked token is refused wherever it is sent
    if authenticated:
        errors.add(403)
    if declared.body is not None or declared.query is not None or declared.multipart:
        errors.add(422)
    errors |= {413, 415} if declared.body is not None or declared.multipart else set()  # app/core/bodies.py
    for status in sorted(errors):
        responses[str(status)] = {"description": _STATUS_TEXT[status],
                                  "content": {PROBLEM_JSON: {"schema": ProblemSchema}}}
    return responses
