"""``flask simulate``: the command line around :mod:`app.simulation.run`."""
from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app.auth.models import Unit
from app.db import session
from app.dossiers.models import Dossier
from app.simulation import shape
from app.simulation.behaviour import Rates
from app.simulation.run import Options, simulate

BAD_URL = ("Không dùng được địa chỉ cơ sở dữ liệu này (chỉ SQLite hoặc PostgreSQL): ghi dạng sqlite:///đường/dẫn/tệp.db hoặc "
           "postgresql://người_dùng:mật_khẩu@máy/tên_cơ_sở_dữ_liệu.")
UNREACHABLE = ("Không mở được cơ sở dữ liệu {url}: kiểm tra máy chủ đang chạy, tên người dùng, mật khẩu "
               "và thư mục của tệp.")
NOT_SIMULATED = ("Cơ sở dữ liệu {url} đã có {count} hồ sơ không phải của mô phỏng: không chạy mô phỏng trên "
                 "dữ liệu thật. Chọn một cơ sở dữ liệu trống (hoặc bỏ --database để tạo tệp SQLite mới).")


@click.command("simulate")
@click.option("--days", type=click.IntRange(min=1), default=22, show_default=True, help="Working days to simulate.")
@click.option("--per-day", type=click.IntRange(min=1), default=2100, show_default=True,
              help="Dossiers arriving each working day.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same run).")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day (default: the next working day).")
@click.option("--late-rate", type=click.FloatRange(0, 1), default=Rates.late, show_default=True,
              help="Share of steps an officer finishes after their deadline.")
@click.option("--database", default=None, help="Database URL (default: a new SQLite file under instance/).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes sharing the receiving units (PostgreSQL only).")
def simulate_command(days: int, per_day: int, seed: int, start: datetime | None, late_rate: float,
                     database: str | None, workers: int) -> None:
    """Simulate a period of Bắc Ninh's work through the real services and print the timeliness report."""
    url = database or _new_sqlite_file(Path(current_app.instance_path))
    if workers > 1 and not url.startswith("postgresql"):
        raise click.BadParameter("Chỉ chạy nhiều tiến trình (--workers) trên PostgreSQL; SQLite chỉ có một "
                                 "người ghi mỗi lúc.", param_hint="--workers")
    options = Options(days, per_day, seed, start.date() if start else None, Rates(late=late_rate))
    _use_database(current_app, url, _reachable(url))
    _migrate()
    run_in(current_app, options, _shown(url), workers)


def run_in(app: Flask, options: Options, database: str, workers: int = 1) -> dict:
    """Run the simulation in ``app``'s context (migrated), progress on stderr, report on stdout."""
    from app.core import timetravel
    from app.simulation.report import print_report
    from app.simulation.workers import run_in_workers

    _refuse_real_dossiers(database)
    progress = lambda message: click.echo(message, err=True)  # noqa: E731
    try:
        with _quiet_libraries():
            simulation, days, seconds = (run_in_workers(app, options, workers, progress) if workers > 1
                                         else simulate(options, progress))
        simulation.finish(days[-1])
    except RuntimeError as failed:  # a worker's failure, its traceback included
        raise click.ClickException(str(failed)) from None
    finally:
        timetravel.enable(app)   # the instance's own clock again, travelled or real
    return print_report(simulation, days, seconds, click.echo, database)


@contextlib.contextmanager
def _quiet_libraries():
    """Warnings only while the run lasts: the engine logs every state change of every task at INFO
    (several lines a step, hundreds of thousands in a month), which would bury the progress lines
    and cost more time than some of the steps themselves."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        root.setLevel(level)


def _new_sqlite_file(instance: Path) -> str:
    instance.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance / f'simulation-{datetime.now():%Y%m%d-%H%M%S}.db'}"


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _reachable(url: str) -> Engine:
    """An engine on ``url`` once the address reads and the database answers; a clear error, never a
    traceback, otherwise."""
    from app import db

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        backend = None
    if backend not in ("sqlite", "postgresql"):
        raise click.BadParameter(BAD_URL, param_hint="--database")
    engine = db.make_engine(url)
    try:
        with engine.connect():
            pass
    except SQLAlchemyError:
        engine.dispose()
        raise click.ClickException(UNREACHABLE.format(url=_shown(url))) from None
    return engine


def _use_database(app: Flask, url: str, engine: Engine) -> None:
    """Point this command's application at the simulation's database, its clock movable
    (``CLOCK_TRAVEL``). The process runs this one command; building a second application
    instead would import the factory, which registers this command: a cycle."""
    from app import db

    app.config.update(DATABASE_URL=url, CLOCK_TRAVEL=True)
    app.extensions["db_engine"] = engine
    db.bind(engine)


def _migrate() -> None:
    """``flask db upgrade`` on the simulation's database (the application in context)."""
    context = click.get_current_context()
    upgrade = current_app.cli.get_command(context, "db").get_command(context, "upgrade")
    context.invoke(upgrade, revision="head")


def _refuse_real_dossiers(url: str) -> None:
    """Never mix simulated dossiers with real ones: refuse a database that holds others."""
    count = session.scalar(select(func.count(Dossier.id)).join(Unit, Unit.id == Dossier.receiving_unit_id)
                           .where(~Unit.code.startswith(shape.PREFIX)))
    session.rollback()
    if count:
        raise click.ClickException(NOT_SIMULATED.format(url=url, count=count))
