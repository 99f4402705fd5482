"""The two questions a load balancer (or systemd, or an orchestrator) asks a process.

- ``GET /healthz``: is the process up? It never touches the database, so an
  outage of the database does not get every app process restarted, which would
  mend nothing and lose the requests in flight.
- ``GET /readyz``: can it serve? The database answers, and its schema is at the
  head of ``migrations/``: a process started against an unreachable database,
  or before ``flask db upgrade`` ran, is taken out of rotation (503) instead of
  answering its users with errors. Whatever goes wrong, the answer is a 503
  naming it in Vietnamese, never a 500.

Neither knows who is asking: both are among the identity's anonymous endpoints
(so a probe never keeps a browser session alive nor reads a user), they are
GETs (no CSRF check), no rate limit is put on them, and they carry the security
headers like every response. ``Cache-Control: no-store`` keeps a proxy from
answering a probe with an old verdict.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import AppError
from app.core.handlers import problem_response

#: the Alembic scripts; ``flask db upgrade`` (app/cli.py) runs them too
MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"
UNREACHABLE = "Không kết nối được tới cơ sở dữ liệu: máy chủ này chưa thể phục vụ."
PENDING = ("Lược đồ cơ sở dữ liệu chưa được cập nhật: đang ở phiên bản {current}, cần phiên bản {expected}. "
           "Chạy `flask db upgrade`.")
NONE = "(chưa có)"
NO_STORE = {"Cache-Control": "no-store"}

bp = Blueprint("health", __name__)


class NotReady(AppError):
    """503: this process cannot serve yet; the revisions, when known, go along for the operator."""

    status, title = 503, "Service Unavailable"

    def __init__(self, detail: str, **revisions: tuple[str, ...]):
        super().__init__(detail)
        self.revisions = revisions

    def to_problem(self) -> dict[str, Any]:
        return super().to_problem() | self.revisions


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz() -> Response:
    """Up: answered without the database."""
    return _ok({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """Ready: the database answers and its schema is at the head of the migrations."""
    try:
        current = current_revisions(current_app.extensions["db_engine"])
    except SQLAlchemyError:
        current_app.logger.warning("readyz: the database does not answer", exc_info=True)
        return problem_response(NotReady(UNREACHABLE), NO_STORE)
    expected = head_revisions()
    if current != expected:
        detail = PENDING.format(current=_names(current), expected=_names(expected))
        return problem_response(NotReady(detail, current=current, expected=expected), NO_STORE)
    return _ok({"status": "ok", "revision": current})


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The revisions recorded in the database's ``alembic_version`` (none before the first migration).

    A connection of the process's own engine, not the request's session: the
    question is whether this process reaches its database."""
    with engine.connect() as connection:
        return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


@lru_cache(maxsize=1)
def head_revisions() -> tuple[str, ...]:
    """The head(s) of ``migrations/``: the scripts do not change while the process runs."""
    return tuple(sorted(ScriptDirectory(str(MIGRATIONS)).get_heads()))


def _names(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) or NONE


def _ok(body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.headers.update(NO_STORE)
    return response
