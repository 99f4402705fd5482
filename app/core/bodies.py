"""Strict request bodies: the size is checked before any view runs, and the API
takes only the media types it can read.

Why a WSGI middleware as well as a hook: a chunked body (``Transfer-Encoding:
chunked``) has no length to compare with ``MAX_CONTENT_LENGTH``, and werkzeug
would stop reading it at the limit and hand the view a cut body (reported as
"invalid JSON", or a form missing its last fields). So the middleware reads such
a body up to one byte past the limit, before Flask sees the request, and passes
it on with its real ``Content-Length``; the hook then refuses what is too large
with 413, whatever the path, and never lets a view see part of a body.

A chunked body can only be read safely when the server has decoded it and marks
the end of the stream (``wsgi.input_terminated``: werkzeug's server and gunicorn
do); otherwise the answer is 411, not an empty body.

Under ``/api/`` a request with a body must say it is JSON (``application/json``,
or ``application/…+json``), else 415: text or a form posted by mistake is
refused instead of being parsed as JSON by chance. A view whose
:class:`~app.core.openapi.Operation` declares ``multipart`` takes
``multipart/form-data`` too (file uploads).
"""
from __future__ import annotations

from io import BytesIO
from typing import Any, BinaryIO, Callable, Iterable

from flask import Flask, current_app, request
from werkzeug.exceptions import LengthRequired, RequestEntityTooLarge, UnsupportedMediaType

from app.core.formats import format_size as size_text
from app.core.identity import is_api_request

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON, MULTIPART = "application/json", "multipart/form-data"
#: what the middleware found, for the hook to answer (an environ key)
STATE = "motcua.body"
TOO_LARGE, UNTERMINATED = "too-large", "unterminated"
READ_SIZE = 64 * 1024

LENGTH_REQUIRED_TEXT = "Yêu cầu có nội dung phải cho biết độ dài (header Content-Length)."


def init_app(app: Flask) -> None:
    """Read chunked bodies in a middleware, and check every body before other hooks run.

    The hook goes first (even before the CSRF check), so that a body too large
    is a 413 and not a form without its CSRF token.
    """
    app.wsgi_app = ChunkedBodyReader(app.wsgi_app, app)
    app.before_request_funcs.setdefault(None, []).insert(0, check_body)


class ChunkedBodyReader:
    """WSGI middleware: a chunked body becomes a body with a ``Content-Length``,
    read up to one byte past the application's ``MAX_CONTENT_LENGTH``."""

    def __init__(self, wsgi_app: Callable, app: Flask):
        self.wsgi_app, self.app = wsgi_app, app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() and limit is not None:
            _read_chunked(environ, limit)
        return self.wsgi_app(environ, start_response)


def _read_chunked(environ: dict[str, Any], limit: int) -> None:
    if not environ.get("wsgi.input_terminated"):
        environ[STATE] = UNTERMINATED
        return
    body = read_at_most(environ["wsgi.input"], limit + 1)
    if len(body) > limit:
        environ[STATE], body = TOO_LARGE, b""
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = BytesIO(body), str(len(body))
    del environ["HTTP_TRANSFER_ENCODING"]


def read_at_most(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``: fewer only when it ends first."""
    chunks, total = [], 0
    while total < size:
        chunk = stream.read(min(READ_SIZE, size - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def check_body() -> None:
    """411, 413 or 415 before the view runs (and before it can read part of a body)."""
    state = request.environ.get(STATE)
    if state == UNTERMINATED:
        raise LengthRequired(LENGTH_REQUIRED_TEXT)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if state == TOO_LARGE or (limit is not None and (request.content_length or 0) > limit):
        raise RequestEntityTooLarge(too_large_text(limit))
    if _needs_json() and request.routing_exception is None:
        _check_media_type(_accepted_types())


def _needs_json() -> bool:
    return is_api_request() and request.method in BODY_METHODS and bool(request.content_length)


def _accepted_types() -> tuple[str, ...]:
    view = current_app.view_functions.get(request.endpoint or "")
    takes_files = getattr(getattr(view, "operation", None), "multipart", False)
    return (JSON, MULTIPART) if takes_files else (JSON,)


def _check_media_type(accepted: tuple[str, ...]) -> None:
    mimetype = request.mimetype
    if mimetype in accepted or (mimetype.startswith("application/") and mimetype.endswith("+json")):
        return
    sent = f"«{mimetype}»" if mimetype else "không rõ (thiếu header Content-Type)"
    raise UnsupportedMediaType(f"Kiểu nội dung gửi lên {sent} không được nhận tại địa chỉ này; "
                               f"hãy gửi {' hoặc '.join(accepted)} (header Content-Type).")


def too_large_text(limit: int | None) -> str:
    """The 413 detail, naming the limit as people say it."""
    return f"Dữ liệu gửi lên vượt quá dung lượng cho phép ({size_text(limit or 0)})."
