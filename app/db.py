"""Database plumbing: the declarative base, engine set-up and the session.

The same code runs on SQLite (the embedded default, in WAL mode) and on
PostgreSQL; ``DATABASE_URL`` chooses.  Times are stored as naive UTC in the
database (:class:`UTCDateTime`) so that ordering and indexes behave alike on
both, and come back as aware datetimes.
"""
from __future__ import annotations

import functools
import time
from contextvars import ContextVar
from datetime import timezone
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event, exc, insert, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import MANYTOONE, DeclarativeBase, Session, make_transient_to_detached, scoped_session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
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


# --------------------------------------------------------------------------- new rows without the unit of work


def insert_new() -> None:
    """Write the session's new objects with one INSERT each, in table order, and keep them in the
    session as persistent rows, as a flush would.

    For a handful of new rows the unit of work costs more than the rows: it sorts mappers and
    their relationships, tracks each attribute's history and plans per-mapper actions, about
    0.3 ms of CPU per object, half a reception.  Here each row's foreign keys are copied from the
    rows it points to (written before it: tables are taken in dependency order), the columns it
    was given are inserted, and what the database filled in (ids, defaults) comes back by
    RETURNING.  Changes to rows already persistent are left to the commit's flush.  Mappers this
    cannot write (inheritance, several tables) fall back to a flush."""
    current = session()
    rows = list(current.new)
    if not rows:
        return
    order = _table_order()
    if not all(_plain(inspect(row).mapper, order) for row in rows):
        current.flush()
        return
    rows.sort(key=lambda row: order[inspect(row).mapper.local_table])
    connection = current.connection()
    for row in rows:
        _insert(connection, row)
    _attach(current, rows)


@functools.cache
def _table_order() -> dict:
    """Each table's place in dependency order (the models are all imported before any request)."""
    return {table: index for index, table in enumerate(Base.metadata.sorted_tables)}


def _plain(mapper, order: dict) -> bool:
    return mapper.inherits is None and len(mapper.tables) == 1 and mapper.local_table in order


def _insert(connection, row) -> None:
    state = inspect(row)
    mapper, given = state.mapper, state.dict
    _copy_foreign_keys(mapper, row, given)
    # None is left out, as the unit of work leaves it out: the column's default, or NULL
    values = {prop.columns[0].key: given[prop.key] for prop in mapper.column_attrs if given.get(prop.key) is not None}
    table = mapper.local_table
    statement, missing = _insert_returning(table, frozenset(values))
    returned = connection.execute(statement, values).one()
    for column, value in zip(missing, returned):
        set_committed_value(row, mapper.get_property_by_column(column).key, value)


def _copy_foreign_keys(mapper, row, given: dict) -> None:
    """A many-to-one given as an object: its key, now that its row is written, into ours."""
    for relationship in mapper.relationships:
        target = given.get(relationship.key)
        if relationship.direction is not MANYTOONE or target is None:
            continue
        target_mapper = inspect(target).mapper
        for local, remote in relationship.local_remote_pairs:
            setattr(row, mapper.get_property_by_column(local).key,
                    getattr(target, target_mapper.get_property_by_column(remote).key))


_INSERTS: dict[tuple, Any] = {}


def _insert_returning(table, keys: frozenset) -> tuple[Any, list]:
    """INSERT of these columns returning the others (and which), built once per table and set of columns."""
    built = _INSERTS.get((table, keys))
    if built is None:
        missing = [column for column in table.c if column.key not in keys]
        built = _INSERTS[(table, keys)] = (insert(table).returning(*missing), missing)
    return built


def _attach(current: Session, rows: list) -> None:
    """The written objects become persistent in the session, their values its committed state."""
    for row in rows:
        if row in current:
            current.expunge(row)
    for row in rows:
        make_transient_to_detached(row)
    for row in rows:
        current.add(row)
