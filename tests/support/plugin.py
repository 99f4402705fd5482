"""Every fixture the suite shares, loaded once from ``tests/conftest.py``.

The database is the real one: SQLite by default, or the PostgreSQL given in
``TEST_DATABASE_URL`` (``make test`` runs the suite on both).  Migrating the
schema and seeding the demo cost far more than any test, so both happen once
per run and are committed; each test then runs inside one outer transaction
on one connection, with the app's scoped session bound to that connection in
``create_savepoint`` mode: the services' own ``commit()`` only releases a
savepoint, and the outer transaction is rolled back when the test ends.

Markers (pytest.ini) change that where it cannot hold:

* ``commits`` (and ``browser``): the test runs on the engine itself, because
  other threads, processes or connections must see its writes; afterwards the
  tables are emptied and the demo seeded again.
* ``postgres``: skipped unless the database is PostgreSQL.
* ``unit``: no database, no Flask; such a test may not ask for ``app``.
* ``database`` is added here to every test that uses ``app``, so that the
  PostgreSQL pass of ``tests/support/suites.py`` runs only those.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import text

from app import clock, create_app, db
from app.cli import _alembic
from app.core import timetravel
from app.demo import seed
from app.settings import configure, get_settings
from tests.support.api import FRIDAY_10AM, complete_documents
from tests.support.api_client import ApiClient
from tests.support.escalation import APPLICANT
from tests.support.web import BIRTH_FORM, PASSWORD

#: What every test app shares; ``app_factory`` starts from it too.
TEST_CONFIG = {"TESTING": True, "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_FAST": True,
               "SECRET_KEY": "test-secret", "CLOCK_TRAVEL": True}
COMMITTING_MARKERS = ("commits", "browser")


# --------------------------------------------------------------------------- markers


def pytest_collection_modifyitems(config, items):
    """Mark the tests that use the database, and keep ``unit`` tests honest."""
    postgres = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
    for item in items:
        uses_app = "app" in item.fixturenames
        if uses_app:
            item.add_marker(pytest.mark.database)
        if uses_app and item.get_closest_marker("unit"):
            raise pytest.UsageError(f"{item.nodeid} is marked unit but uses the database (fixture 'app')")
        if item.get_closest_marker("postgres") and not postgres:
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only (TEST_DATABASE_URL)"))


# --------------------------------------------------------------------------- the application and its database


@dataclass(frozen=True)
class Seeded:
    app: Flask
    logins: list


@pytest.fixture(scope="session")
def _seeded(tmp_path_factory) -> Seeded:
    """The one application of the run: schema migrated, demo seeded and committed."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    files = tmp_path_factory.mktemp("files")  # uploaded files never land in the real instance/
    application = create_app({**TEST_CONFIG, "DATABASE_URL": url, "STORAGE_PATH": str(files)})
    with application.app_context():
        _alembic(command.downgrade, "base")
        _alembic(command.upgrade, "head")
    return Seeded(application, _seed_demo(application))


def _seed_demo(application: Flask) -> list:
    with application.app_context():
        logins = seed()
        db.session.commit()
        db.session.remove()
    return logins


def _bind(target, mode: str = "conditional_savepoint") -> None:
    """Point the app's session at ``target`` (an engine, or the test's connection)."""
    db.session.remove()
    db.session_factory.configure(bind=target, join_transaction_mode=mode)


@pytest.fixture
def app(_seeded, request):
    """The application with the demo and an app context pushed; what the test writes is rolled back."""
    application = _seeded.app
    timetravel.enable(application)  # a test may have built another app meanwhile
    configure(application.extensions["settings"])
    try:
        if any(request.node.get_closest_marker(name) for name in COMMITTING_MARKERS):
            yield from _committing(application)
        else:
            yield from _rolled_back(application)
    finally:
        # The travelled clock reads its offset from the database: left on, a pure test after this one
        # asking the time would open a transaction on the test database and keep it locked.
        clock.use_source(None)


def _rolled_back(application: Flask):
    engine = application.extensions["db_engine"]
    with engine.connect() as connection:
        outer = connection.begin()
        _bind(connection, "create_savepoint")
        application.extensions["test_connection"] = connection
        try:
            with application.app_context():
                yield application
        finally:
            del application.extensions["test_connection"]
            _bind(engine)
            outer.rollback()


def _committing(application: Flask):
    engine = application.extensions["db_engine"]
    _bind(engine)
    try:
        with application.app_context():
            yield application
    finally:
        db.session.remove()
        with engine.begin() as connection:
            _delete_everything(connection)
        _seed_demo(application)


def _delete_everything(connection) -> None:
    tables = [t.name for t in reversed(db.Base.metadata.sorted_tables)]
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return
    connection.execute(text("PRAGMA defer_foreign_keys = ON"))  # tasks and escalations refer to each other
    for table in tables:
        connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def empty_db(app):
    """No rows at all, not even the demo: deleted inside the test's transaction (or for real when it commits)."""
    db.session.remove()
    connection = app.extensions.get("test_connection")
    if connection is not None:
        _delete_everything(connection)
    else:
        with app.extensions["db_engine"].begin() as committed:
            _delete_everything(committed)
    return app


@pytest.fixture
def demo(app, _seeded) -> list:
    """The demo organisation, users and published procedures (seeded once); returns the demo logins."""
    return _seeded.logins


@pytest.fixture
def app_factory(app):
    """Build another app on the test's database (``app_factory(WTF_CSRF_ENABLED=True)``).

    Creating an app points the shared session at the new app's engine; this
    points it back at the test's connection, so the test still rolls back.
    """
    built: list[Flask] = []

    def build(**overrides) -> Flask:
        other = create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"], **overrides})
        built.append(other)
        connection = app.extensions.get("test_connection")
        _bind(connection, "create_savepoint") if connection is not None else _bind(app.extensions["db_engine"])
        timetravel.enable(app)
        configure(app.extensions["settings"])
        return other

    yield build
    for other in built:
        other.extensions["db_engine"].dispose()


@pytest.fixture
def override_settings(app):
    """Change settings for one test, as an installer would (``override_settings(smtp_port=2525)``);
    the app's own settings are back afterwards."""
    yield lambda **changes: configure(replace(get_settings(), **changes))
    configure(app.extensions["settings"])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client) -> ApiClient:
    """The REST API as the demo users, with real tokens."""
    return ApiClient(client)


@pytest.fixture
def csrf_client(app_factory, demo):
    """A test client of a second app on the same database, with CSRF protection on as in production."""
    return app_factory(WTF_CSRF_ENABLED=True).test_client()


# --------------------------------------------------------------------------- the clock


@pytest.fixture
def stopped_clock(app, monkeypatch):
    """The application clock stopped on Friday 3 October 2025, 10:00 in Hà Nội; call it to move it.

    Expected deadlines can then be worked out by hand from the working-day
    rules.  Tokens and sessions live on the real clock, so moving this one ends none.
    """
    now = {"value": FRIDAY_10AM}
    monkeypatch.setattr(clock, "now", lambda: now["value"])

    def move(moment: datetime) -> None:
        now["value"] = moment

    return move


@pytest.fixture
def travel_clock(app, api):
    """Move the stored clock as the admin does (``POST /admin/clock``), so every process sees it."""

    def move(moment: datetime) -> dict:
        response = api.post("/admin/clock", "admin", json={"now": moment.isoformat()})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return move


# --------------------------------------------------------------------------- the web


@pytest.fixture
def login(client, demo):
    """Sign ``username`` in on the shared test client (signing out whoever was in)."""

    def sign_in(username: str):
        client.post("/dang-xuat")
        response = client.post("/dang-nhap", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return client

    return sign_in


@pytest.fixture
def web_receive(client, login):
    """Receive a birth registration at Tân Hòa's counter on the web; returns its dossier code."""

    def received(**changes) -> str:
        login("motcua.tanhoa")
        response = client.post("/tiep-nhan", data={**BIRTH_FORM, **changes})
        assert response.status_code == 302, response.text
        return response.location.rsplit("/", 1)[1]

    return received


@pytest.fixture
def first_task(client, login):
    """Sign ``username`` in and return the id of the first task in their inbox."""

    def first(username: str) -> int:
        login(username)
        inbox = client.get("/cong-viec").text
        return int(re.search(r'href="/cong-viec/(\d+)"', inbox).group(1))

    return first


# --------------------------------------------------------------------------- deadlines and the apology gate


@pytest.fixture
def sweep(api):
    """One deadline sweep as the admin runs it; returns its counts."""

    def run() -> dict:
        response = api.post("/admin/scheduler/run", "admin")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return run


@pytest.fixture
def signing_demo(app, tmp_path):
    """The demo with its CA trusted and PIN-protected keys for the demo leaders."""
    seed(signing_folder=tmp_path)
    return tmp_path


@pytest.fixture
def late_dossier(api, signing_demo, travel_clock, sweep):
    """A birth registration whose first step went past its deadline and was swept."""
    received = api.post("/dossiers", "motcua.tanhoa", json={
        "procedure_code": "dang-ky-khai-sinh", "applicant": APPLICANT,
        "documents": complete_documents("dang-ky-khai-sinh", [])}).get_json()
    detail = api.get(f"/dossiers/{received['code']}", "hotich.tanhoa").get_json()
    (task,) = detail["open_tasks"]
    travel_clock(datetime.fromisoformat(task["due_at"]) + timedelta(minutes=30))
    assert sweep()["escalated"] == 1
    (escalation,) = api.get("/escalations", "chuyenvien.tanhoa").get_json()
    return {"code": received["code"], "task": task, "escalation": escalation, "detail": detail}
