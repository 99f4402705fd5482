"""Fixtures shared by the suite.

The database is the real one: SQLite by default, or the PostgreSQL given in
``TEST_DATABASE_URL`` (``make test`` runs the suite on both).  The schema is
created once per run through the Alembic migrations, and every test that uses
the ``app`` fixture starts with empty tables.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from app import create_app, db
from app.core import timetravel
from app.cli import _alembic
from tests.support.api_client import ApiClient


@pytest.fixture(scope="session")
def _app(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    application = create_app({
        "DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_FAST": True, "SECRET_KEY": "test-secret", "CLOCK_TRAVEL": True,
    })
    with application.app_context():
        from alembic import command

        _alembic(command.downgrade, "base")
        _alembic(command.upgrade, "head")
    return application


@pytest.fixture
def app(_app):
    """The application with an empty database and an app context pushed."""
    timetravel.enable(_app)  # a test may have built another app meanwhile
    with _app.app_context():
        yield _app
        db.session.remove()
        _empty_tables(_app)


def _empty_tables(application) -> None:
    engine = application.extensions["db_engine"]
    tables = [t.name for t in reversed(db.Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # tasks and escalations refer to each other: check foreign keys at commit
            connection.execute(text("PRAGMA defer_foreign_keys = ON"))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo(app):
    """The demo organisation, users and published procedures."""
    from app.demo import seed

    return seed()


@pytest.fixture
def api(client):
    return ApiClient(client)
