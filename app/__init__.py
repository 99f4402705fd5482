"""Một cửa điện tử: the electronic one-stop shop.

:func:`create_app` is the application factory used by ``wsgi.py``, the
``flask`` command and the tests. The domains are listed once, in
:data:`MODULES`: each may have an ``api.py`` (a blueprint nested under
``/api/v1``) and a ``views.py`` (the pages' blueprint and its ``MENU``), found
here by name so that the core never imports a domain.
"""
from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

from app import db, models  # noqa: F401  (maps every table)
from app.auth.identity import LOADERS
from app.auth.services import use_fast_password_hashing
from app.config import flask_config, load_settings
from app.core import bodies, handlers, headers, health, identity, limits, logs, metrics, openapi, timetravel, web
from app.core.api import API_PREFIX, make_api
from app.settings import configure

#: the domains, in the order their menu items and routes are registered
MODULES = ("auth", "calendar", "procedures", "dossiers", "tasks", "escalation", "signing", "notifications",
           "citizens", "admin", "reports")

csrf = CSRFProtect()
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application; ``overrides`` replace configuration (tests)."""
    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    settings = app.extensions["settings"] = configure(load_settings(Path(app.instance_path), overrides))
    app.config.update(flask_config(settings))
    app.config.update(overrides or {})
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # pages are checked below, the API by the identity
    app.extensions["db_engine"] = engine = db.make_engine(app.config["DATABASE_URL"])
    db.bind(engine)
    if app.config.get("PASSWORD_HASH_FAST"):
        use_fast_password_hashing()
    logs.init_app(app, settings.log_format)  # first: every later hook logs with the request's id
    metrics.init_app(app)
    csrf.init_app(app)
    timetravel.enable(app)
    headers.init_app(app)
    bodies.init_app(app)
    handlers.init_app(app)
    limits.init_app(app)
    _register_request_hooks(app)
    identity.init_app(app, LOADERS)
    health.init_app(app)
    _register_modules(app)
    _register_commands(app)
    return app


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _declare_write_intent():
        db.write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.before_request
    def _protect_forms():
        """Every form post of the pages carries the CSRF token; the API checks its own callers."""
        if request.method in _UNSAFE and not request.path.startswith(API_PREFIX) and _csrf_enabled(app):
            csrf.protect()

    # A request is a unit of work: its session (and any transaction, with its
    # SQLite write lock) ends with it, even inside a longer app context.
    @app.teardown_request
    @app.teardown_appcontext
    def _remove_session(_exc):
        db.session.remove()


def _csrf_enabled(app: Flask) -> bool:
    return app.config.get("WTF_CSRF_ENABLED", True)


def _register_modules(app: Flask) -> None:
    """Each domain's API blueprint under /api/v1, its pages' blueprint, and its menu."""
    apis = [openapi.bp] + [module.bp for module in _layer("api")]
    pages = _layer("views")
    app.register_blueprint(make_api(apis))
    app.register_blueprint(openapi.docs)
    for module in pages:
        app.register_blueprint(module.bp)
    web.init_app(app, [item for module in pages for item in getattr(module, "MENU", ())])


def _layer(name: str) -> list[ModuleType]:
    """The ``name`` module (api, views) of every domain that has one."""
    found = (f"app.{domain}.{name}" for domain in MODULES)
    return [importlib.import_module(path) for path in found if importlib.util.find_spec(path) is not None]


def _register_commands(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)
