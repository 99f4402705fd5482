"""``flask db backup``: an online copy of SQLite that a restore can start from, and on
PostgreSQL the pg_dump recipe instead of a copy."""
from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import text

from app import db

COUNTS = "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM units)"
#: a PostgreSQL nobody listens to: the command must answer without connecting
POSTGRES_URL = "postgresql+psycopg://motcua:bi-mat@127.0.0.1:1/motcua"


@pytest.fixture
def sqlite_app(app, demo):
    """The SQLite backup copies a file; a PostgreSQL test database has none."""
    if app.extensions["db_engine"].dialect.name != "sqlite":
        pytest.skip("the online backup is SQLite's; PostgreSQL is backed up with pg_dump (see README, Backups)")
    return app


def _backup(app, *args):
    """Run the command in ``app``'s own context (click would reuse whichever context is pushed)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["db", "backup", *map(str, args)])


def _counts(path):
    with closing(sqlite3.connect(path)) as copy:
        return copy.execute(COUNTS).fetchone()


def _committed_counts(app):
    """Read by a connection of its own (stdlib sqlite3: a plain read, no write lock to wait for)."""
    return _counts(app.extensions["db_engine"].url.database)


def test_backup_while_a_write_is_open_holds_the_committed_rows(sqlite_app, tmp_path):
    committed = _committed_counts(sqlite_app)
    db.session.execute(text("UPDATE users SET full_name = 'chưa cam kết'"))
    db.session.flush()  # the test's connection now holds an uncommitted write

    result = _backup(sqlite_app, tmp_path / "copy.db")

    assert result.exit_code == 0, result.output
    assert _counts(tmp_path / "copy.db") == committed
    assert committed[0] > 1 and committed[1] > 1
    with closing(sqlite3.connect(tmp_path / "copy.db")) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("SELECT count(*) FROM users WHERE full_name = 'chưa cam kết'").fetchone() == (0,)
    assert "copy.db" in result.output and "byte" in result.output
    assert "KHÔNG nằm trong bản sao lưu" in result.output  # the folder store must be saved beside it


def test_an_existing_file_is_kept_unless_forced(sqlite_app, tmp_path):
    target = tmp_path / "old.db"
    target.write_bytes(b"an older backup")

    refused = _backup(sqlite_app, target)

    assert refused.exit_code == 1
    assert "--force" in refused.output
    assert target.read_bytes() == b"an older backup"
    assert _backup(sqlite_app, target, "--force").exit_code == 0
    assert _counts(target) == _committed_counts(sqlite_app)


def test_a_restored_copy_starts_the_app_with_its_rows(sqlite_app, app_factory, tmp_path):
    assert _backup(sqlite_app, tmp_path / "backup.db").exit_code == 0
    restored = tmp_path / "restored" / "motcua.db"
    restored.parent.mkdir()
    shutil.copyfile(tmp_path / "backup.db", restored)  # the restore: stop, copy over, start

    other = app_factory(DATABASE_URL=f"sqlite:///{restored}")

    assert other.test_client().get("/readyz").status_code == 200  # reachable, schema at the head
    with other.extensions["db_engine"].connect() as connection:
        assert tuple(connection.execute(text(COUNTS)).one()) == _committed_counts(sqlite_app)


def test_postgresql_gets_the_recipe_and_nothing_is_written(app_factory, tmp_path):
    other = app_factory(DATABASE_URL=POSTGRES_URL)

    result = _backup(other, tmp_path / "dump.pgc")

    assert result.exit_code == 2, result.output
    assert f"pg_dump --format=custom --file={tmp_path / 'dump.pgc'}" in result.output
    assert "pg_restore --clean --if-exists --no-owner" in result.output
    assert "bi-mat" not in result.output
    assert list(tmp_path.iterdir()) == []
