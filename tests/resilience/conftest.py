"""Fixtures of the tests with real processes: the fleet of processes, the mail server and the
national portal on loopback, and the environment every process of the instance shares."""
from __future__ import annotations

import asyncio
import threading
from email import message_from_bytes

import pytest

from app.db import session, write_intent
from tests.resilience.work import message_key
from tests.support import mailbox, nationalgate
from tests.support.plugin import TEST_CONFIG
from tests.support.processes import Fleet


class Catcher(mailbox.Inbox):
    """An SMTP server that can hold one message's DATA until released: the dispatcher sending it
    is then caught mid-send, its message received but not yet acknowledged."""

    def __init__(self):
        super().__init__()
        self.hold_next, self.holding, self.release = threading.Event(), threading.Event(), threading.Event()
        self.held = ""

    async def handle_DATA(self, server, session, envelope):
        if self.hold_next.is_set():
            self.hold_next.clear()
            self.held = message_key(message_from_bytes(envelope.content))
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mail():
    """The SMTP server the instance sends to; ``mail.messages`` is what it accepted."""
    inbox = Catcher()
    controller, inbox.port = mailbox.start(inbox)
    yield inbox
    inbox.release.set()
    controller.stop()


@pytest.fixture
def portal():
    """The national portal stand-in; ``portal.keys()`` are the Idempotency-Keys it accepted."""
    gate = nationalgate.start()
    yield gate
    nationalgate.stop(gate)


@pytest.fixture
def fleet(app, demo, mail, portal, tmp_path):
    """Processes of one instance on the test's database, with the clock shared through the
    database (CLOCK_TRAVEL=1 stores its offset there, so every process reads the same time);
    all are stopped at the end and their logs printed (pytest shows them when the test fails).

    The test itself only reads: on SQLite its transactions must not take the write lock
    (``BEGIN IMMEDIATE``, the default outside requests) from the processes under test."""
    settings = app.extensions["settings"]
    env = {"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": TEST_CONFIG["SECRET_KEY"], "CLOCK_TRAVEL": "1",
           "STORAGE_PATH": str(settings.storage_path), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mail.port),
           "NATIONAL_PORTAL_URL": portal.url, "NATIONAL_PORTAL_TIMEOUT_SECONDS": "5",
           "SCHEDULER_INTERVAL_SECONDS": "1", "PYTHONUNBUFFERED": "1"}
    processes = Fleet(env, tmp_path)
    reading = write_intent.set(False)
    session.remove()
    try:
        yield processes
    finally:
        print(processes.stop_all())
        session.remove()
        write_intent.reset(reading)
