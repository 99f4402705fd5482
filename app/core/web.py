"""What the server-rendered pages share: the navigation each module
contributes, the formatting filters (written in :mod:`app.core.formats`), and
the npm assets served from ``node_modules``. Who is signed in comes from :mod:`app.core.identity`;
errors become pages in :mod:`app.core.handlers`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable

from flask import Flask, Response, abort, current_app, send_from_directory

from app.auth.models import User
from app.core.formats import (due_state, field_id, format_age, format_datetime, format_duration, format_limit,
                              format_money, format_size)
from app.core.errors import AppError
from app.core.identity import current_user

NODE_MODULES = Path(__file__).parents[2] / "node_modules"
VENDOR_PACKAGES = ("bpmn-js", "swagger-ui-dist")  # the modeler is bundled into static/vendor-build/


@dataclass(frozen=True)
class MenuItem:
    """An entry of the top navigation, contributed by the module that owns the page.

    ``who``: roles (empty: every signed-in user), a test of the user, or
    ``None`` for everybody, signed in or not. Items show in ``order``.
    """

    endpoint: str
    label: str
    who: tuple[str, ...] | Callable[[User], bool] | None = ()
    order: int = 50


def errors_by_field(error: AppError) -> dict[str, str]:
    """The ``{field: message}`` of an error's ``errors`` list (element problems ignored)."""
    return {item["field"]: item["message"] for item in error.errors or [] if "field" in item}


def bpmn_response(xml: str) -> Response:
    """A procedure's BPMN for the diagram viewer to fetch; never run as a document."""
    response = Response(xml, mimetype="application/xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask, menu: Iterable[MenuItem]) -> None:
    """Filters, globals and the navigation of the pages; the npm assets' route."""
    app.extensions["menu"] = sorted(menu, key=lambda item: item.order)
    app.add_url_rule("/static/vendor/<path:filename>", "vendor", _vendor)
    app.context_processor(_template_context)
    app.jinja_env.filters.update(dt=format_datetime, money=format_money, limit=format_limit, field_id=field_id,
                                 duration=format_duration, age=format_age,
                                 filesize=format_size)
    app.jinja_env.globals.update(due_state=due_state)


def _vendor(filename: str):
    """Serve a file of an allowed npm package; no ``..`` may lead to another one."""
    parts = PurePosixPath(filename).parts
    if not parts or parts[0] not in VENDOR_PACKAGES or ".." in parts:
        abort(404)
    return send_from_directory(NODE_MODULES, filename, max_age=86400)


def _sees(user: User | None, who) -> bool:
    if who is None:
        return True
    if user is None:
        return False
    return who(user) if callable(who) else not who or user.has_role(*who)


def _template_context() -> dict:
    user = current_user()
    menu = current_app.extensions["menu"]
    return {"current_user": user, "nav": [(item.endpoint, item.label) for item in menu if _sees(user, item.who)]}

