"""``flask db backup``: a consistent copy of the database while the app keeps running.

Plain Python (no Flask) so that the command stays a thin shell around it. SQLite is
copied with the sqlite3 online backup API, which reads through SQLite's own locks and
so includes what sits in the WAL file; a plain ``cp`` of ``motcua.db`` could take
half a transaction and miss the WAL. PostgreSQL has ``pg_dump`` for that, which this
module only describes: the operator runs it with the server's own tools.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing as _closing  # sqlite3's own context manager never closes
from pathlib import Path

from sqlalchemy.engine import URL

#: Pages copied per step: small steps let the app's writers in between them.
PAGES_PER_STEP = 1024


class BackupError(Exception):
    """A backup that must not be written; the text is Vietnamese, for the operator."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def backup(url: URL, target: Path, force: bool = False) -> int:
    """Copy the database at ``url`` to ``target``; returns the size of the copy in bytes."""
    if url.get_backend_name() != "sqlite":
        raise BackupError(postgres_recipe(target), exit_code=2)
    source = _sqlite_file(url)
    _refuse_overwrite(target, force)
    _copy_online(source, target)
    _check_integrity(target)
    return target.stat().st_size


def _sqlite_file(url: URL) -> Path:
    """The database file; an in-memory database has nothing to back up."""
    if not url.database or url.database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ, không có tệp để sao lưu.")
    path = Path(url.database)
    if not path.is_file():
        raise BackupError(f"Không tìm thấy tệp cơ sở dữ liệu {path}.")
    return path


def _refuse_overwrite(target: Path, force: bool) -> None:
    """An old backup is worth more than a typo in the path: replace it only when asked."""
    if target.exists() and not force:
        raise BackupError(f"Tệp {target} đã có; dùng --force để ghi đè.")
    if target.is_dir():
        raise BackupError(f"{target} là một thư mục; hãy ghi rõ tên tệp sao lưu.")
    if not target.parent.is_dir():
        raise BackupError(f"Thư mục {target.parent} không tồn tại.")
    target.unlink(missing_ok=True)


def _copy_online(source: Path, target: Path) -> None:
    """sqlite3's backup API: a snapshot consistent with every committed transaction."""
    with _closing(sqlite3.connect(source, timeout=30)) as reader, _closing(sqlite3.connect(target)) as writer:
        reader.backup(writer, pages=PAGES_PER_STEP)


def _check_integrity(target: Path) -> None:
    """Prove the copy readable before anyone relies on it; a bad copy is deleted."""
    with _closing(sqlite3.connect(target)) as copy:
        verdict = copy.execute("PRAGMA integrity_check").fetchall()
    if verdict != [("ok",)]:
        target.unlink(missing_ok=True)
        raise BackupError(f"Bản sao không qua được kiểm tra toàn vẹn ({verdict[:3]}); đã xoá.")


def postgres_recipe(target: Path) -> str:
    """What to run on PostgreSQL instead: pg_dump reads one snapshot while the app writes.

    ``${DATABASE_URL/+psycopg/}`` turns SQLAlchemy's URL into libpq's without printing
    the password here."""
    return (
        "Cơ sở dữ liệu là PostgreSQL: lệnh này không sao lưu, hãy dùng công cụ của PostgreSQL "
        "(không có gì được ghi).\n"
        f"  Sao lưu:   pg_dump --format=custom --file={target} \"${{DATABASE_URL/+psycopg/}}\"\n"
        f"  Khôi phục: pg_restore --clean --if-exists --no-owner --dbname=\"${{DATABASE_URL/+psycopg/}}\" {target}\n"
        "Kho tệp (STORAGE_PATH) không nằm trong bản sao lưu: sao lưu nó riêng (rsync), trừ khi dùng S3."
    )


def storage_note(backend: str, storage_path: Path) -> str:
    """The uploaded files live outside the database; say where they must be saved."""
    if backend == "s3":
        return "Tệp đính kèm nằm trong S3, không nằm trong bản sao lưu này."
    return f"Tệp đính kèm ({storage_path}) KHÔNG nằm trong bản sao lưu: sao lưu kèm, ví dụ rsync -a {storage_path}/ …"
