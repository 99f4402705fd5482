"""Pooled PostgreSQL connections: tested after sitting idle, never on every request."""
import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
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


def _kill(pid: int) -> None:
    """End a backend from a connection of another engine (the pool would hand out the victim itself)."""
    killer = create_engine(os.environ["TEST_DATABASE_URL"], poolclass=NullPool)
    with killer.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(engine, monkeypatch):
    dead = _backend_pid(engine)
    _kill(dead)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    assert _backend_pid(engine) != dead


def test_a_connection_in_steady_use_is_not_pinged(engine):
    """Within the idle time nothing is sent before the request's own statement: a backend that died
    meanwhile is found by that statement (with a ping on every checkout it would have been replaced)."""
    _kill(_backend_pid(engine))
    with pytest.raises(OperationalError):
        _backend_pid(engine)
    assert _backend_pid(engine) > 0   # the pool replaced it after the failure
