"""The ``flask`` commands: schema migrations, users, procedures and the demo."""
from __future__ import annotations

import contextlib
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup

from app.core.errors import AppError
from app.core.health import MIGRATIONS


db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
users_cli = AppGroup("users", help="User accounts.")
procedures_cli = AppGroup("procedures", help="Administrative procedures.")
files_cli = AppGroup("files", help="The file store of uploaded files and results.")


def _alembic(action, *args, **kwargs) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with current_app.extensions["db_engine"].connect() as connection:
        with _sqlite_foreign_keys_off(connection), connection.begin():
            config.attributes["connection"] = connection
            action(config, *args, **kwargs)
            _check_foreign_keys(connection)


@contextlib.contextmanager
def _sqlite_foreign_keys_off(connection):
    """SQLite migrations alter a table by copying it and dropping the old one; with
    foreign keys on, that drop would delete (ON DELETE CASCADE) or refuse to delete
    the rows that refer to it. SQLite takes the switch only outside a transaction."""
    raw = connection.connection.driver_connection if connection.dialect.name == "sqlite" else None
    if raw is not None:
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection) -> None:
    """Refuse (roll back) a SQLite migration that left a row pointing nowhere."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise click.ClickException(f"migration left broken references: {broken[:5]}")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or update the schema of DATABASE_URL."""
    _alembic(command.upgrade, revision)
    click.echo("Cơ sở dữ liệu đã được cập nhật.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    _alembic(command.downgrade, revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the models (for developers)."""
    _alembic(command.revision, message=message, autogenerate=True)


@db_cli.command("current")
def db_current() -> None:
    _alembic(command.current)


@db_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def db_backup(path: Path, force: bool) -> None:
    """Copy the SQLite database to PATH while the app runs (on PostgreSQL: print the pg_dump recipe, exit 2)."""
    from app.backup import BackupError, backup, storage_note
    from app.settings import get_settings

    try:
        size = backup(current_app.extensions["db_engine"].url, path, force)
    except BackupError as error:
        click.echo(str(error), err=True)
        raise SystemExit(error.exit_code) from None
    settings = get_settings()
    size_text = f"{size:,}".replace(",", ".")  # Vietnamese groups thousands with dots
    click.echo(f"Đã sao lưu cơ sở dữ liệu ({size_text} byte, đã kiểm tra toàn vẹn) vào {path}.")
    click.echo(storage_note(settings.storage_backend, settings.storage_path))


def _fail(error: AppError) -> None:
    details = "".join(f"\n  - {_describe(e)}" for e in (error.errors or []))
    raise click.ClickException(f"{error.detail}{details}")


def _describe(item: dict) -> str:
    where = item.get("field") or item.get("element_id") or ""
    line = f" (dòng {item['line']})" if item.get("line") else ""
    return f"{where}{line}: {item.get('message')}" if where else str(item.get("message"))


@users_cli.command("create-admin")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--full-name", default="Quản trị hệ thống")
def create_admin(username: str, password: str, full_name: str) -> None:
    """Create the first administrator (and the root unit and base roles if missing)."""
    from app.auth.bootstrap import create_admin as make_admin

    try:
        make_admin(username, password, full_name)
    except AppError as error:
        _fail(error)
    click.echo(f"Đã tạo quản trị viên '{username}'.")


@procedures_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish the imported version at once.")
def import_procedures(files: tuple[Path, ...], publish: bool) -> None:
    """Import BPMN files (with their <code>.json catalogue and form files beside them)."""
    from app.procedures.services import import_file

    for path in files:
        try:
            version = import_file(None, path, publish_it=publish)
        except AppError as error:
            _fail(error)
        click.echo(f"{path.name}: thủ tục {version.procedure.code}, phiên bản {version.number} ({version.status}).")


@click.command("seed-demo")
def seed_demo() -> None:
    """Create the demo province, users for every role and publish the demo procedures."""
    from app.demo import seed

    logins = seed(progress=click.echo, signing_folder=Path(current_app.instance_path) / "demo-signing")
    click.echo("\nTài khoản demo (tên đăng nhập / mật khẩu — vai trò, đơn vị):")
    for username, password, description in logins:
        click.echo(f"  {username:<14} / {password}  — {description}")




scheduler_cli = AppGroup("scheduler", help="The deadline scheduler.")
calendar_cli = AppGroup("calendar", help="The working-day calendar.")


@calendar_cli.command("check")
def calendar_check() -> None:
    """Check this year's and next year's schedule; exit 1 when one must be confirmed by an admin.

    The scheduler runs the same check once a day; the admins' banner reads its result.
    """
    from scheduler import check_calendar

    line, attention = check_calendar(current_app)
    click.echo(line)
    if attention:
        raise SystemExit(1)
clock_cli = AppGroup("clock", help="The application clock (demo and test instances).")


@scheduler_cli.command("tick")
def scheduler_tick() -> None:
    """Run one deadline sweep now."""
    from scheduler import tick

    click.echo(tick(current_app))


@scheduler_cli.command("run")
@click.option("--interval", type=int, default=None, help="Seconds between sweeps (default SCHEDULER_INTERVAL_SECONDS).")
def scheduler_run(interval: int | None) -> None:
    """Sweep deadlines for ever, every INTERVAL seconds (APScheduler is the ticker)."""
    from scheduler import run

    run(current_app._get_current_object(), interval)


outbox_cli = AppGroup("outbox", help="The outbox of e-mails and SMS.")
dispatcher_cli = AppGroup("dispatcher", help="The outbox dispatcher.")


@outbox_cli.command("dispatch")
def outbox_dispatch() -> None:
    """Send what is due now, once (held messages of a channel configured since go too)."""
    from scheduler import dispatch_outbox

    click.echo(dispatch_outbox(current_app, release_held=True))


@outbox_cli.command("release")
def outbox_release() -> None:
    """Put back in line the held messages whose channel (SMTP_HOST, SMS_GATEWAY_URL) is now configured."""
    from app.notifications.dispatch import release

    click.echo(f"Đã đưa lại {release()} tin vào hàng chờ gửi.")


@dispatcher_cli.command("run")
@click.option("--interval", type=float, default=None, help="Seconds between passes (default 5).")
def dispatcher_run(interval: float | None) -> None:
    """Send the outbox for ever, a pass every INTERVAL seconds (as the scheduler does beside its sweeps)."""
    import logging

    from scheduler import DISPATCH_INTERVAL_SECONDS, run_dispatcher

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        run_dispatcher(current_app._get_current_object(), interval or DISPATCH_INTERVAL_SECONDS)


@clock_cli.command("set")
@click.argument("moment")
def clock_set(moment: str) -> None:
    """Move the clock to MOMENT (ISO 8601, e.g. 2026-03-05T16:00); needs CLOCK_TRAVEL=1."""
    from datetime import datetime

    from app.core import timetravel

    if not current_app.config["CLOCK_TRAVEL"]:
        raise click.ClickException("Chỉ đổi được đồng hồ khi khởi động với CLOCK_TRAVEL=1 (demo, kiểm thử).")
    try:
        target = datetime.fromisoformat(moment)
    except ValueError:
        raise click.ClickException("Thời điểm viết dạng ISO 8601, ví dụ 2026-03-05T16:00.") from None
    try:
        click.echo(f"Đồng hồ ứng dụng: {timetravel.set_now(target).isoformat()}")
    except AppError as error:
        _fail(error)


@clock_cli.command("show")
def clock_show() -> None:
    from app import clock

    click.echo(clock.now().isoformat())


@files_cli.command("gc")
@click.option("--older-than-minutes", type=click.IntRange(min=0), default=60, show_default=True,
              help="Grace period: a blob younger than this may belong to a request not yet committed.")
def files_gc(older_than_minutes: int) -> None:
    """Delete the stored blobs no file row names (left by a process killed before committing)."""
    from datetime import timedelta

    from app.dossiers.files import collect_garbage

    removed = collect_garbage(timedelta(minutes=older_than_minutes))
    click.echo(f"Đã xoá {removed} tệp mồ côi (không hồ sơ nào dùng) khỏi kho lưu trữ.")


def register_commands(app: Flask) -> None:
    from app.dossiers.audit_commands import audit_cli
    from app.simulation.command import simulate_command

    for group in (db_cli, users_cli, procedures_cli, seed_demo, scheduler_cli, calendar_cli, clock_cli, outbox_cli,
                  dispatcher_cli, files_cli, audit_cli, simulate_command):
        app.cli.add_command(group)
