"""Dying processes lose nothing.  Under load over real HTTP, ``kill -9``: a gunicorn worker; then a
scheduler in the middle of a sweep of a few hundred late steps; then an outbox dispatcher in the
middle of sending a mail; and, on SQLite, the whole server (master and workers) mid-write.

Afterwards every change a server acknowledged is in the database, no dossier is half-written
(engine state, task rows and audit agree: :mod:`tests.resilience.consistency`), the killed
scheduler's sweep is finished by another and the killed dispatcher's lease runs out
(``OUTBOX_LEASE_SECONDS``) so another sends its message, every message reaches its receiver at
least once and never twice except one a killed process held, and SQLite's integrity check passes.
"""
from __future__ import annotations

import os
import signal
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select, text

from app import claims
from app.db import session
from app.dossiers.models import Dossier
from app.escalation.models import Escalation
from app.tasks.models import Task
from tests.resilience import work
from tests.resilience.consistency import problems_everywhere
from tests.resilience.http import HttpApi
from tests.support.processes import Fleet, Process, wait_until

pytestmark = [pytest.mark.commits, pytest.mark.processes]

#: the sweep claims BATCH late steps per transaction: with more, a sweep is caught between two
LATE_STEPS = claims.BATCH + 40
#: acknowledged changes to wait for before a kill, and again after it (the server recovered)
ACKS = 15
#: seconds a dispatcher holds a claimed message: the killed one's message goes again this soon
LEASE_SECONDS = "2"
SETTLE_SECONDS = 120


def test_killed_processes_lose_nothing(app, fleet, mail, portal):
    fleet.env.update(OUTBOX_LEASE_SECONDS=LEASE_SECONDS, NATIONAL_PORTAL_TIMEOUT_SECONDS="1")  # a send < a lease
    work.one_address_per_office(app.extensions["db_engine"])
    web = fleet.gunicorn("web", workers=2)
    http = HttpApi(web.url)
    for user in (work.RECEPTIONIST, work.OFFICER, "admin"):
        http.token(user)
    ledger, in_flight = work.Ledger(), set()

    under_load(http, ledger, lambda: os.kill(web.children()[0], signal.SIGKILL))
    late = kill_a_scheduler_mid_sweep(fleet, http, ledger, in_flight)
    held = kill_a_dispatcher_mid_send(fleet, http, ledger, mail, in_flight)
    sqlite = app.extensions["db_engine"].dialect.name == "sqlite"
    if sqlite:
        under_load(http, ledger, web.kill_group)

    assert ledger.unexpected == []
    assert_acknowledged_changes_kept(ledger)
    assert problems_everywhere() == []
    assert escalations() == Counter(late)
    assert_each_message_sent(mail, portal, in_flight)
    assert held in in_flight
    if sqlite:
        assert scalar_sql("PRAGMA integrity_check") == "ok"


def under_load(http: HttpApi, ledger: work.Ledger, kill) -> None:
    """Clients receive dossiers and complete their first step; ``kill`` strikes once ACKS changes are
    acknowledged, and the load goes on until ACKS more are (or, the whole server killed, stops)."""
    stop = threading.Event()
    clients = work.keep_working(http, ledger, stop, clients=3)
    try:
        wait_until(lambda: ledger.acknowledged() >= ACKS, SETTLE_SECONDS, "the first acknowledged changes")
        before = ledger.acknowledged()
        kill()
        wait_until(lambda: ledger.acknowledged() >= before + ACKS or ledger.broken > 10, SETTLE_SECONDS,
                   "changes acknowledged after the kill")
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=120)


def kill_a_scheduler_mid_sweep(fleet: Fleet, http: HttpApi, ledger: work.Ledger, in_flight: set) -> list[int]:
    """LATE_STEPS steps go late at once; the first scheduler (already sending the outbox while the
    dossiers arrive) is killed once some, not all, are escalated; a second one finishes.  Returns
    the late steps."""
    first = fleet.flask("scheduler1", "scheduler", "run", "--interval", "1")
    missing = LATE_STEPS - len(work.open_steps())
    work.receive_many(http, ledger, max(missing, 0), complete=False, applicant=work.UNREACHABLE,
                      procedure_code=work.CERTIFIED_COPY)
    late = work.open_steps()
    work.move_clock(http, days=60)
    wait_until(lambda: 0 < escalations_done() < len(late), SETTLE_SECONDS, "the first scheduler to be mid-sweep",
               every=0.01)
    killed(first, in_flight)
    assert 0 < escalations_done() < len(late), "killed in the middle of the sweep"
    second = fleet.flask("scheduler2", "scheduler", "run", "--interval", "1")
    settle("the second scheduler to finish the sweep and send its messages")
    fleet.stop(second)
    return late


def kill_a_dispatcher_mid_send(fleet: Fleet, http: HttpApi, ledger: work.Ledger, mail, in_flight: set) -> str:
    """A few new dossiers' mails wait; the mail server holds the first one's DATA and its dispatcher
    is killed then; once its lease runs out another dispatcher sends it.  Returns its key."""
    work.receive_many(http, ledger, 4, complete=False)
    mail.hold_next.set()
    first = fleet.flask("dispatcher1", "dispatcher", "run", "--interval", "0.5")
    wait_until(mail.holding.is_set, SETTLE_SECONDS, "the first dispatcher to be mid-send")
    killed(first, in_flight)
    mail.release.set()
    second = fleet.flask("dispatcher2", "dispatcher", "run", "--interval", "0.5")
    settle("the second dispatcher to send what the first held")
    fleet.stop(second)
    return mail.held


def killed(process: Process, in_flight: set) -> None:
    """``kill -9`` the process; what it held leases on may reach its receiver twice."""
    process.kill_group()
    in_flight |= work.in_flight(process.pid)


def settle(what: str) -> None:
    wait_until(lambda: work.late_unescalated() == 0 and work.pending_messages() == 0, SETTLE_SECONDS, what)


# --------------------------------------------------------------------------- what must hold


def assert_acknowledged_changes_kept(ledger: work.Ledger) -> None:
    """Every reception and every completion a server answered 2xx is in the database."""
    session.remove()
    codes = set(session.scalars(select(Dossier.code)))
    steps = {task.id: task for task in session.scalars(select(Task).where(Task.id.in_(ledger.completed)))}
    session.remove()
    assert set(ledger.codes) <= codes and len(set(ledger.codes)) == len(ledger.codes)
    assert {task_id: (steps[task_id].state, steps[task_id].data["noi_sinh"]) for task_id in ledger.completed} == \
        {task_id: ("completed", data["noi_sinh"]) for task_id, data in ledger.completed.items()}


def assert_each_message_sent(mail, portal, in_flight: set) -> None:
    """Every message is sent, and received at least once; twice only if a killed process held it."""
    for channel, received in (("email", work.mail_keys(mail)), ("national", Counter(portal.keys()))):
        sent, unsent = work.sent_keys(channel)
        assert sent and not unsent, (channel, unsent)
        assert set(received) == sent, channel
        assert {key for key, times in received.items() if times > 1} <= in_flight, channel
        assert max(received.values()) <= 2, channel


def escalations() -> Counter:
    session.remove()
    counted = Counter(session.scalars(select(Escalation.task_id)))
    session.remove()
    return counted


def escalations_done() -> int:
    return work.scalar(select(func.count()).select_from(Escalation))


def scalar_sql(statement: str):
    return work.scalar(text(statement))
