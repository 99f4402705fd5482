"""Database plumbing: the declarative base, engine set-up and the session.

The same code runs on SQLite (the embedded default, in WAL mode) and on
PostgreSQL; ``DATABASE_URL`` chooses.  Times are stored as naive UTC in the
database (:class:`UTCDateTime`) so that ordering and indexes behave alike on
both, and come back as aware datetimes.
"""
from __future__ import annotations

import time
from contextvars import ContextVar
from datetime import timezone

from sqlalchemy import DateTime, MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC; naive input is refused."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


#: Set for requests and commands that will write; on SQLite their transaction
#: then starts with ``BEGIN IMMEDIATE`` so writers queue instead of failing
#: with "database is locked" when a read transaction tries to upgrade.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)

session_factory = sessionmaker(expire_on_commit=False)
#: The session used by services; one per thread (request), removed at teardown.
session = scoped_session(session_factory)


def make_engine(url: str) -> Engine:
    """Create the engine for ``url`` with the per-database settings we rely on.

    ``hide_parameters``: a database error's text (logged with its traceback) names the statement but
    not its values, which may be a password hash, a token's digest or a citizen's look-up secret."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, hide_parameters=True)
    _ping_when_idle(engine)
    return engine


#: a pooled connection unused this long is tested before it is handed out again
IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Test a connection only after it sat idle, when the server may have dropped it.

    ``pool_pre_ping`` would cost a round trip on every request; under load the
    connections are never idle, so they are never tested.  A dead one is replaced
    before the request uses it (SQLAlchemy retries a checkout refused with
    :class:`~sqlalchemy.exc.DisconnectionError`)."""
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _test_if_idle(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", time.monotonic()) < IDLE_PING_SECONDS:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:
            raise exc.DisconnectionError() from error


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own
        # transaction handling cannot do BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def bind(engine: Engine) -> None:
    """Point the shared session at ``engine``."""
    session.remove()
    session_factory.configure(bind=engine)
