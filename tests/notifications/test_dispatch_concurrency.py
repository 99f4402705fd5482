"""Two dispatchers at once, each on its own connection as two scheduler processes would be: every
message reaches the SMTP server exactly once (run on SQLite and on PostgreSQL)."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.db import session
from app.notifications import dispatch as dispatcher
from app.notifications.models import OutboxMessage
from app.notifications.outbox import enqueue

MESSAGES = 40


@pytest.mark.commits
def test_two_dispatchers_send_each_message_once(app, smtp_server):
    for number in range(MESSAGES):
        enqueue("test", None, "email", f"nguoi{number}@example.vn", f"Thư số {number}", "Nội dung")
    session.commit()
    smtp_server.meet = 2  # each pass's first message waits for the other's: they overlap on any machine
    start, results, errors = threading.Barrier(2), [], []

    def run() -> None:
        try:
            with app.app_context():
                start.wait()
                results.append(dispatcher.dispatch(limit=3))
        except Exception as error:  # reported below, with the thread's own traceback lost otherwise
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    ids = Counter(str(mail["Message-ID"]) for _rcpt, mail in smtp_server.messages)
    assert len(ids) == MESSAGES and set(ids.values()) == {1}
    assert sum(result.sent for result in results) == MESSAGES
    assert all(result.sent for result in results), "both dispatchers took a share"
    session.remove()
    assert session.scalar(select(func.count()).where(OutboxMessage.state == "sent")) == MESSAGES
