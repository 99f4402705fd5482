"""Errors the services raise; the API turns them into problem+json (RFC 9457)
and the web views into messages on the page.

``detail`` is written for the person at the counter, in Vietnamese.
"""
from __future__ import annotations

from typing import Any

#: The one answer to a change that lost a race (a unique key taken meanwhile, a
#: version moved under the optimistic lock): the handlers and the services say the same.
CHANGED_MEANWHILE = "Dữ liệu vừa được người khác thay đổi. Vui lòng tải lại và thử lại."


class AppError(Exception):
    status = 400
    title = "Bad Request"

    def __init__(self, detail: str, errors: Any = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def to_problem(self) -> dict[str, Any]:
        problem = {
            "type": f"https://motcua.local/problems/{self.title.lower().replace(' ', '-')}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            problem["errors"] = self.errors
        return problem


class Unauthorized(AppError):
    status, title = 401, "Unauthorized"


class Forbidden(AppError):
    status, title = 403, "Forbidden"


class NotFound(AppError):
    status, title = 404, "Not Found"


class Conflict(AppError):
    status, title = 409, "Conflict"


class Invalid(AppError):
    """422: the request is understood but its content is wrong; ``errors`` says where."""

    status, title = 422, "Unprocessable Content"


class TooLarge(AppError):
    """413: an uploaded file, or all the files of one dossier, over the limit; ``errors`` names the file."""

    status, title = 413, "Content Too Large"


class UnsupportedType(AppError):
    """415: a file whose content is not of a type accepted (whatever its name or declared type says)."""

    status, title = 415, "Unsupported Media Type"


class Locked(AppError):
    """423: the dossier is blocked by a late step until the apology is signed."""

    status, title = 423, "Locked"


class TooManyAttempts(AppError):
    """429: too many tries (wrong PINs, passwords, look-ups); ``retry_after`` seconds to wait."""

    status, title = 429, "Too Many Requests"

    def __init__(self, detail: str, retry_after: int | None = None):
        super().__init__(detail, headers={"Retry-After": str(max(int(retry_after), 1))} if retry_after else None)


def flatten_messages(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """marshmallow's nested messages as a flat list of {field, message};
    a nested object's own error (``_schema``) is named after the object."""
    flat = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix and key != "_schema" else prefix or str(key)
            flat.extend(flatten_messages(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat.append({"field": prefix or "_schema", "message": " ".join(messages)})
    else:
        for item in messages:
            flat.extend(flatten_messages(item, prefix))
    return flat
