"""The deadline scheduler process.

APScheduler is only the ticker: every interval it runs one sweep
(``app.escalation.sweep``) and sends pending e-mails; once a day (and at start) it
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


def tick(app: Flask) -> str:
    """One sweep and one e-mail batch; returns a line for the log."""
    from app.escalation.sweep import sweep
    from app.notifications.services import send_pending

    with app.app_context():
        result = sweep()
        try:
            sent = send_pending()
        except OSError as error:  # the mail server is down: e-mail later, deadlines now
            log.warning("SMTP: %s", error)
            sent = 0
    return f"Đã nhắc {result.warned} việc sắp đến hạn, chuyển xử lý {result.escalated} việc quá hạn, gửi {sent} thư."


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
    scheduler.add_job(lambda: log.info(check_calendar(app)[0]), "interval", days=1, max_instances=1,
                      coalesce=True, id="calendar-check", name="kiểm tra lịch làm việc",
                      next_run_time=datetime.now(settings.timezone))
    log.info("Bộ lập lịch chạy mỗi %s giây. Ctrl+C để dừng.", interval)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
