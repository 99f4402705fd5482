"""The REST API v1: the ``/api/v1`` blueprint every domain's API nests in,
request parsing, and the schema parts every domain's ``schemas.py`` shares.

Each domain has its own blueprint in its ``api.py``; :func:`make_api` builds
the parent for one application and nests them, so that their routes share
the prefix and the checks of the URL text.
"""
from __future__ import annotations

import json
import math
from typing import Any, Callable, ClassVar, Iterable

from flask import Blueprint, request
from marshmallow import EXCLUDE, Schema, fields
from marshmallow import validate as validators

from app import clock
from app.core import messages  # noqa: F401  (Vietnamese validation messages, before any schema)
from app.core.errors import Invalid

API_NAME, API_PREFIX = "api", "/api/v1"
#: Deeper JSON than this is refused: no form or catalogue entry needs it.
MAX_JSON_DEPTH = 32


def make_api(children: Iterable[Blueprint]) -> Blueprint:
    """The ``/api/v1`` blueprint of one application, with the domains' blueprints in it.

    Built anew per application: a blueprint that has been registered can take no
    more children, and tests build several applications.
    """
    api = Blueprint(API_NAME, __name__, url_prefix=API_PREFIX)
    api.before_request(_check_url_text)
    for child in children:
        api.register_blueprint(child)
    return api


# --------------------------------------------------------------------------- request parsing


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

    #: the instance's zone when the value is read (TIMEZONE is applied after the schemas are built)
    default_timezone = property(lambda self: clock.LOCAL_TZ, lambda self, _ignored: None)

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
