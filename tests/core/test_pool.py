"""Pooled PostgreSQL connections: tested after sitting idle, never on every request."""
import os

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from app import db

pytestmark = [pytest.mark.postgres, pytest.mark.database]


@pytest.fixture
def engine():
    engine = db.make_engine(os.environ["TEST_DATABASE_URL"])
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _statements(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_connection_dropped_while_idle_is_replaced_before_use(engine, monkeypatch):
    dead = _backend_pid(engine)
    killer = create_engine(os.environ["TEST_DATABASE_URL"], poolclass=NullPool)
    with killer.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    assert _backend_pid(engine) != dead


def test_a_connection_in_steady_use_is_not_pinged(engine):
    _backend_pid(engine)
    seen = _statements(engine)
    for _ in range(3):
        _backend_pid(engine)
    assert seen == ["SELECT pg_backend_pid()"] * 3
