"""Một cửa điện tử: the electronic one-stop shop.

:func:`create_app` is the application factory used by ``wsgi.py``, the
``flask`` command and the tests.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

from app import db, models  # noqa: F401  (maps every table)
from app.config import load_config
from app.core import timetravel

csrf = CSRFProtect()


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application; ``overrides`` replace configuration (tests)."""
    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.config.update(load_config(Path(app.instance_path)))
    app.config.update(overrides or {})
    app.extensions["db_engine"] = engine = db.make_engine(app.config["DATABASE_URL"])
    db.bind(engine)
    if app.config.get("PASSWORD_HASH_FAST"):
        from app.auth.services import use_fast_password_hashing

        use_fast_password_hashing()
    csrf.init_app(app)
    timetravel.enable(app)
    _register_request_hooks(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _declare_write_intent():
        db.write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    # A request is a unit of work: its session (and any transaction, with its
    # SQLite write lock) ends with it, even inside a longer app context.
    @app.teardown_request
    @app.teardown_appcontext
    def _remove_session(_exc):
        db.session.remove()


def _register_blueprints(app: Flask) -> None:
    from app.core.api import api
    from app.core.openapi import docs
    from app.core.web import register_web

    # The domain modules add their routes to the api blueprint when imported.
    from app.auth import api as _auth_api  # noqa: F401
    from app.calendar import api as _calendar_api  # noqa: F401
    from app.core import admin_api as _admin_api  # noqa: F401
    from app.dossiers import api as _dossiers_api  # noqa: F401
    from app.escalation import api as _escalation_api  # noqa: F401
    from app.procedures import api as _procedures_api  # noqa: F401
    from app.signing import api as _signing_api  # noqa: F401
    from app.tasks import api as _tasks_api  # noqa: F401

    csrf.exempt(api)
    app.register_blueprint(api)
    app.register_blueprint(docs)
    register_web(app)


def _register_commands(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)
