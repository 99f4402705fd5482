"""The deadline scheduler process.

APScheduler is only the ticker: every interval it runs one sweep
(``app.escalation.sweep``) and sends pending e-mails.  Deadlines live in
indexed columns of the database, never in the scheduler, so any number of
scheduler processes may run and a restarted one loses nothing.
"""
from __future__ import annotations

import logging

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


def run(app: Flask, interval: int | None = None) -> None:
    """Tick every ``interval`` seconds (default: the SCHEDULER_INTERVAL_SECONDS setting) until stopped."""
    settings = get_settings()
    interval = interval or settings.scheduler_interval_seconds
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    scheduler = BlockingScheduler(timezone=settings.timezone)
    scheduler.add_job(lambda: log.info(tick(app)), "interval", seconds=interval, max_instances=1,
                      coalesce=True, id="deadline-sweep", name="quét hạn xử lý")
    log.info("Bộ lập lịch chạy mỗi %s giây. Ctrl+C để dừng.", interval)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
