"""The deadline scheduler process.

APScheduler is only the ticker: every interval it runs one sweep
(``app.escalation.sweep``); every few seconds the outbox dispatcher sends the e-mails
and SMS waiting (``app.notifications.dispatch``: leased, so several schedulers never
send one twice, and a killed one loses nothing); once a day (and at start) it
checks the working-day calendar of this year and the next (``check_calendar``).  Deadlines live in
indexed columns of the database, never in the scheduler, so any number of
scheduler processes may run and a restarted one loses nothing.
"""
from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app.settings import get_settings

log = logging.getLogger("motcua.scheduler")


#: seconds between two passes of the outbox dispatcher
DISPATCH_INTERVAL_SECONDS = 5


def tick(app: Flask) -> str:
    """One sweep, then one pass of the outbox (what the sweep wrote goes out at once); a line for the log."""
    from app.dossiers.uncollected import remind as remind_uncollected
    from app.escalation.sweep import sweep

    with app.app_context():
        result = sweep()
        remind_uncollected()  # results ready and not collected after UNCOLLECTED_AFTER_DAYS days
    return (f"Đã nhắc {result.warned} việc sắp đến hạn, chuyển xử lý {result.escalated} việc quá hạn. "
            + dispatch_outbox(app))


def dispatch_outbox(app: Flask, release_held: bool = False) -> str:
    """One pass of the outbox dispatcher; ``release_held`` first sends again what waited for a channel."""
    from app.notifications.dispatch import dispatch

    with app.app_context():
        return dispatch(release_held=release_held).line()


def print_reports(app: Flask) -> str:
    """Print the registers queued for the background (app/reports/jobs.py); a line for the log."""
    from app.reports.jobs import run_pending

    with app.app_context():
        printed = run_pending()
    return f"Đã in {printed} sổ theo dõi ở chế độ nền." if printed else ""


def _log_line(line: str) -> None:
    if line:
        log.info(line)


def run_dispatcher(app: Flask, interval: float = DISPATCH_INTERVAL_SECONDS, passes: int | None = None) -> None:
    """Pass over the outbox every ``interval`` seconds (``passes`` times, or until stopped)."""
    import time

    line = dispatch_outbox(app, release_held=True)
    log.info(line)
    done = 1
    while passes is None or done < passes:
        time.sleep(interval)
        log.info(dispatch_outbox(app))
        done += 1


def check_calendar(app: Flask) -> tuple[str, list[int]]:
    """Check and store this year's and next year's schedule; returns a line and the years to confirm."""
    from app.calendar.services import check_years, years_needing_attention

    with app.app_context():
        checks = [(row.year, row.estimated, row.confirmed_days) for row in check_years()]
        attention = years_needing_attention()
    lines = [f"Năm {year}: {'ngày âm lịch do gói dữ liệu ước tính' if estimated else 'ngày âm lịch đã xác nhận'}, "
             f"{confirmed} ngày theo thông báo hoặc điều chỉnh" for year, estimated, confirmed in checks]
    lines.append(f"Cần quản trị viên đối chiếu và xác nhận lịch năm {', '.join(map(str, attention))}."
                 if attention else "Lịch các năm này đã được xác nhận.")
    return "\n".join(lines), attention


def run(app: Flask, interval: int | None = None) -> None:
    """Tick every ``interval`` seconds (default: the SCHEDULER_INTERVAL_SECONDS setting) until stopped."""
    settings = get_settings()
    interval = interval or settings.scheduler_interval_seconds
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    scheduler = BlockingScheduler(timezone=settings.timezone)
    scheduler.add_job(lambda: log.info(tick(app)), "interval", seconds=interval, max_instances=1,
                      coalesce=True, id="deadline-sweep", name="quét hạn xử lý")
    scheduler.add_job(lambda: log.info(dispatch_outbox(app)), "interval", seconds=DISPATCH_INTERVAL_SECONDS,
                      max_instances=1, coalesce=True, id="outbox-dispatch", name="gửi hộp thư đi")
    scheduler.add_job(lambda: _log_line(print_reports(app)), "interval", seconds=DISPATCH_INTERVAL_SECONDS,
                      max_instances=1, coalesce=True, id="report-jobs", name="in báo cáo ở chế độ nền")
    log.info(dispatch_outbox(app, release_held=True))
    scheduler.add_job(lambda: log.info(check_calendar(app)[0]), "interval", days=1, max_instances=1,
                      coalesce=True, id="calendar-check", name="kiểm tra lịch làm việc",
                      next_run_time=datetime.now(settings.timezone))
    log.info("Bộ lập lịch chạy mỗi %s giây. Ctrl+C để dừng.", interval)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
