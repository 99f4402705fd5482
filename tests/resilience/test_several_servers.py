"""Several servers, one database: two gunicorn app servers and two schedulers (each sweeping
deadlines and dispatching the outbox) against one PostgreSQL, the mail server and the national
portal on loopback.  Every late step is escalated once, every mail and sync message sent once,
no dossier code or receipt number given twice, and officers racing through both servers on one
step lose nothing: one wins, the others are told 409, and engine, rows and audit agree.

PostgreSQL only: SQLite is one file on one machine, never shared by several servers.
"""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from app.db import session
from app.dossiers.models import DossierEvent
from app.escalation.models import Escalation
from app.tasks.models import Task
from tests.dossiers.test_dossiers_api import KHAI_SINH_CHECK
from tests.resilience import work
from tests.resilience.consistency import problems_everywhere
from tests.resilience.http import HttpApi
from tests.support.concurrency import run_together
from tests.support.processes import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.commits, pytest.mark.processes]

DOSSIERS, RACED, RACERS = 30, 4, 8
#: how long the sweeps and the outbox may take to settle before the test fails instead of hanging
SETTLE_SECONDS = 90


#: seconds the mail server and the portal take per message, as over a network: the two
#: schedulers' dispatchers then overlap, each pass finding the other's work in progress
LATENCY = 0.02


def test_two_servers_and_two_schedulers_share_one_database(fleet, mail, portal):
    mail.delay = portal.delay = LATENCY
    servers = [fleet.gunicorn(f"web{number}", workers=2) for number in (1, 2)]
    for number in (1, 2):
        fleet.flask(f"scheduler{number}", "scheduler", "run", "--interval", "1")
    http = HttpApi(*(server.url for server in servers))
    ledger = work.Ledger()
    work.receive_many(http, ledger, DOSSIERS, complete=False, pay=True)
    assert ledger.unexpected == [] and ledger.broken == 0
    races = [race(http, code) for code in ledger.codes[:RACED]]

    late = work.open_steps()
    work.move_clock(http, days=60)
    wait_until(lambda: work.late_unescalated() == 0 and work.pending_messages() == 0, SETTLE_SECONDS,
               "both schedulers to escalate every late step and send every message")

    assert_numbers_unique(ledger)
    assert_escalated_once(late)
    assert_sent_once(mail, portal)
    assert_races_lost_nothing(races)
    assert problems_everywhere() == []


def race(http: HttpApi, code: str) -> dict[int, tuple[int, dict]]:
    """``RACERS`` officers complete the dossier's first step at once, alternating between the two
    servers, each with a birthplace of its own; returns {racer: (status, data sent)}."""
    (task,) = http.get(f"/dossiers/{code}", work.OFFICER).json()["open_tasks"]
    start, results, turn = threading.Barrier(RACERS), {}, iter(range(RACERS))
    lock = threading.Lock()

    def officer() -> None:
        with lock:
            racer = next(turn)
        data = {**KHAI_SINH_CHECK, "noi_sinh": f"Trạm y tế số {racer}"}
        start.wait()
        answer = http.post(f"/tasks/{task['id']}/complete", work.OFFICER, json={"data": data}, server=racer % 2)
        results[racer] = (answer.status_code, data)

    run_together(officer, RACERS)
    return {"task_id": task["id"], **results}


def assert_numbers_unique(ledger: work.Ledger) -> None:
    assert len(ledger.codes) == DOSSIERS and len(set(ledger.codes)) == DOSSIERS
    assert len(ledger.receipts) == DOSSIERS and len(set(ledger.receipts)) == DOSSIERS
    assert sorted(work.receipt_numbers()) == sorted(ledger.receipts)


def assert_escalated_once(late: list[int]) -> None:
    """One escalation row and one ``escalated`` event per late step, none for anything else."""
    assert late, "the clock moved past open steps"
    session.remove()
    escalations = Counter(session.scalars(select(Escalation.task_id)))
    events = Counter(session.scalars(select(DossierEvent.task_id).where(DossierEvent.kind == "escalated")))
    still_open = set(session.scalars(select(Task.id).where(Task.id.in_(late), Task.escalated_at.is_(None))))
    session.remove()
    assert still_open == set()
    assert escalations == Counter(late) and events == Counter(late)


def assert_sent_once(mail, portal) -> None:
    """What the mail server and the portal accepted is what the outbox says it sent, each once."""
    for channel, received in (("email", work.mail_keys(mail)), ("national", Counter(portal.keys()))):
        sent, unsent = work.sent_keys(channel)
        assert sent and not unsent, (channel, unsent)
        assert set(received) == sent and set(received.values()) == {1}, channel


def assert_races_lost_nothing(races: list[dict]) -> None:
    """Of each race one officer won; the step's row holds the winner's data (the engine's is
    checked by :func:`problems_everywhere`), and the audit counts one completion."""
    session.remove()
    for result in races:
        task_id = result.pop("task_id")
        statuses = sorted(status for status, _data in result.values())
        assert statuses == [200] + [409] * (RACERS - 1), statuses
        (winner,) = [data for status, data in result.values() if status == 200]
        assert session.get(Task, task_id).data["noi_sinh"] == winner["noi_sinh"]
    session.remove()
