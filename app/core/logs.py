"""Logs an operator can search: one line per event, a request id on every line of a request.

Every request gets an id: the caller's ``X-Request-ID`` when it is sane (at most 64 characters
of ``[A-Za-z0-9._-]``, so a proxy's or a load balancer's id carries through), else a new random
one. It goes back in the ``X-Request-ID`` response header and into every line logged while the
request is handled, so a user's complaint ("mã yêu cầu …"), nginx's line and ours meet.

One access line closes each request: method, path, status, duration, the user's id and the
request id. The path is written without its query string: a citizen's look-up link carries its
secret there (``/tra-cuu/<code>?s=…``), and no query, header, cookie, body or token is ever
logged. Werkzeug's own request line (the development server's) would print the query, so it is
dropped: ours replaces it.

``LOG_FORMAT=json`` writes JSON lines on stderr (production: a collector reads them as they are);
the default ``text`` is for people reading a terminal (``make run``, the tests). A traceback
goes into the line's own ``exception`` field, never into a response (app/core/handlers.py).
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
access_log = logging.getLogger("app.access")
#: the application's and the scheduler's loggers, written from INFO up
OUR_LOGGERS = ("app", "motcua")
#: the attributes every LogRecord has; anything else was passed in ``extra`` and is the line's own field
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
#: werkzeug's request line (127.0.0.1 - - [date] "GET /tra-cuu/…?s=… HTTP/1.1" 200 -): it carries the query
_WERKZEUG_REQUEST_LINE = re.compile(r'\S+ - - \[[^\]]*\] "')


def init_app(app: Flask, log_format: str = "text") -> None:
    """Configure the process's logging, then give each request its id and its access line."""
    configure(log_format)
    app.logger.handlers.clear()  # Flask's own stderr handler would write each line twice
    app.before_request(_start)
    app.after_request(_finish)


def configure(log_format: str) -> None:
    """One handler on the root logger, for the app, the scheduler and the libraries alike.

    Idempotent: tests build many apps in one process, and the last format asked for wins."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, StderrHandler)), None) or StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT))
    if handler not in root.handlers:
        root.addHandler(handler)
    for ours in OUR_LOGGERS:  # the libraries keep Python's WARNING: their INFO lines are theirs to debug
        if logging.getLogger(ours).level in (logging.NOTSET, logging.WARNING):
            logging.getLogger(ours).setLevel(logging.INFO)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, _WithoutRequestLine) for f in werkzeug.filters):
        werkzeug.addFilter(_WithoutRequestLine())


def request_id() -> str | None:
    """This request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


def sane_id(value: str | None) -> str:
    """The caller's id if it is one we can repeat safely in a header and a log; else a new one."""
    return value if value and SANE_ID.fullmatch(value) else uuid.uuid4().hex


# --------------------------------------------------------------------------- per request


def _start() -> None:
    g.request_id = sane_id(request.headers.get(HEADER))
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    """Hand the id back and write the access line; an answer made before :func:`_start` ran
    (a hook ahead of it refused the request) gets an id all the same."""
    if "request_id" not in g:
        _start()
    response.headers[HEADER] = g.request_id
    elapsed = (time.perf_counter() - g.request_started) * 1000
    user = g.get("user")
    fields = {"method": request.method, "path": request.path, "status": response.status_code,
              "duration_ms": round(elapsed, 2), "user_id": getattr(user, "id", None)}
    access_log.info("%s %s %s %.1f ms user=%s", fields["method"], fields["path"], fields["status"], elapsed,
                    fields["user_id"] or "-", extra=fields)
    return response


# --------------------------------------------------------------------------- handler and formats


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when the line is written (a test runner swaps it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class _WithoutRequestLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno != logging.INFO or not _WERKZEUG_REQUEST_LINE.match(record.getMessage())


class TextFormatter(logging.Formatter):
    """The text line, with the request's id (``-`` outside a request).  Logging is synchronous:
    the line is formatted in the thread, and so the request, that wrote it."""

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id() or "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, the fields passed
    in ``extra``, and the traceback, if any, in ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": _utc(record.created), "level": record.levelname, "logger": record.name,
                "message": record.getMessage(), "request_id": request_id()}
        line.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _utc(created: float) -> str:
    return datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="milliseconds")
