"""The office's work over real HTTP, and what the tests count afterwards.

A :class:`Ledger` keeps every change a server acknowledged (a 2xx answer): those must all be in
the database afterwards, whatever was killed meanwhile.  A request whose connection broke (its
worker killed) is not acknowledged: it may or may not have happened, and is only counted.
"""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from sqlalchemy import func, select, update

from app import clock
from app.auth.models import User
from app.db import session
from app.dossiers.models import Dossier, Payment
from app.escalation.sweep import RUNNING
from app.notifications.models import OutboxMessage
from app.tasks.models import Task
from tests.dossiers.test_dossiers_api import KHAI_SINH_CHECK
from tests.resilience.http import HttpApi
from tests.support.api import APPLICANT, DOCUMENTS, complete_documents

BIRTH = "dang-ky-khai-sinh"
#: the cheapest procedure to receive: one step, then the leader's signature
CERTIFIED_COPY = "chung-thuc-ban-sao"
RECEPTIONIST, OFFICER = "motcua.tanhoa", "hotich.tanhoa"


#: an applicant who gave neither e-mail nor phone: told nothing (the portal still hears of the dossier)
UNREACHABLE = {**APPLICANT, "email": "", "phone": ""}


def reception(procedure_code: str = BIRTH, applicant: dict = APPLICANT) -> dict:
    """The body of a complete dossier (the catalogue read once, then the test's read ends)."""
    body = {"procedure_code": procedure_code, "applicant": applicant,
            "documents": complete_documents(procedure_code, DOCUMENTS)}
    session.remove()
    return body


def one_address_per_office(engine) -> None:
    """Only the leaders keep an e-mail address: a unit is told of each late step by one mail, not
    one per officer, so that a sweep of hundreds of steps stays cheap on a 2-core machine."""
    with engine.begin() as connection:
        connection.execute(update(User).where(~User.username.like("lanhdao.%")).values(email=None))


@dataclass
class Ledger:
    """Changes acknowledged by a server, and requests whose answer was lost with their process."""

    codes: list[str] = field(default_factory=list)
    completed: dict[int, dict] = field(default_factory=dict)
    receipts: list[str] = field(default_factory=list)
    broken: int = 0
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self) -> int:
        return len(self.codes) + len(self.completed) + len(self.receipts)

    def expect(self, response: requests.Response | None, status: int) -> dict | None:
        """The answer's JSON if it has ``status``; anything else is noted (``None``: connection lost)."""
        with self.lock:
            if response is None:
                self.broken += 1
            elif response.status_code != status:
                self.unexpected.append(f"{response.request.method} {response.url}: {response.status_code} "
                                       f"{response.text[:300]}")
        return response.json() if response is not None and response.status_code == status else None


#: what a request meets when its worker dies before or while answering (a timeout is not among them:
#: a request that hangs fails the test)
BROKEN = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


def attempt(call) -> requests.Response | None:
    """The response, or None when the connection broke (the server or its worker was killed)."""
    try:
        return call()
    except BROKEN:
        return None


def one_dossier(http: HttpApi, ledger: Ledger, body: dict, complete: bool = True, pay: bool = False) -> None:
    """Receive a dossier; then pay its fee, and complete its first step, as the counter and the officer do."""
    receipt = ledger.expect(attempt(lambda: http.post("/dossiers", RECEPTIONIST, json=body)), 201)
    if receipt is None:
        return
    with ledger.lock:
        ledger.codes.append(receipt["code"])
    if pay:
        paid = ledger.expect(attempt(lambda: http.post(f"/dossiers/{receipt['code']}/payments", RECEPTIONIST,
                                                       json={"amount": 8000, "method": "cash"})), 201)
        if paid is not None:
            with ledger.lock:
                ledger.receipts.append(paid["receipt_number"])
    if complete:
        complete_first_step(http, ledger, receipt["code"])


def complete_first_step(http: HttpApi, ledger: Ledger, code: str) -> None:
    detail = ledger.expect(attempt(lambda: http.get(f"/dossiers/{code}", OFFICER)), 200)
    if detail is None:
        return
    (task,) = detail["open_tasks"]
    data = {**KHAI_SINH_CHECK, "noi_sinh": f"Trạm y tế hồ sơ {code}"}
    done = ledger.expect(attempt(lambda: http.post(f"/tasks/{task['id']}/complete", OFFICER, json={"data": data})), 200)
    if done is not None:
        with ledger.lock:
            ledger.completed[task["id"]] = data


def receive_many(http: HttpApi, ledger: Ledger, count: int, clients: int = 4, **options) -> None:
    """``count`` dossiers received by ``clients`` concurrent clients (see :func:`one_dossier`)."""
    body = reception(options.pop("procedure_code", BIRTH), options.pop("applicant", APPLICANT))
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda _n: one_dossier(http, ledger, body, **options), range(count)))


def keep_working(http: HttpApi, ledger: Ledger, stop: threading.Event, clients: int = 4) -> list[threading.Thread]:
    """``clients`` threads receiving dossiers and completing their first step until ``stop`` is set."""
    body = reception()

    def client() -> None:
        try:
            while not stop.is_set():
                one_dossier(http, ledger, body)
        except Exception as error:  # noqa: BLE001  (reported by the test, which asserts none)
            with ledger.lock:
                ledger.unexpected.append(f"client stopped: {error!r}")

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def move_clock(http: HttpApi, days: int) -> None:
    """Move the stored application clock, as the admin does: every process reads it from the database."""
    target = clock.now() + timedelta(days=days)
    session.remove()
    answer = http.post("/admin/clock", "admin", json={"now": target.isoformat()})
    assert answer.status_code == 200, answer.text


# --------------------------------------------------------------------------- what the database says


def scalar(query):
    """One value read afresh (the test's read ends at once: it never holds a lock the processes need)."""
    session.remove()
    value = session.scalar(query)
    session.remove()
    return value


def late_unescalated() -> int:
    """Open steps past their deadline that no sweep has escalated yet."""
    return scalar(select(func.count()).select_from(Task).join(Dossier, Task.dossier_id == Dossier.id).where(
        Task.state == "open", Task.escalation_id.is_(None), Task.escalated_at.is_(None),
        Task.due_at < clock.now(), Dossier.status.in_(RUNNING)))


def open_steps() -> list[int]:
    """Ids of the open steps of the dossiers' own workflows."""
    session.remove()
    ids = list(session.scalars(select(Task.id).where(Task.state == "open", Task.escalation_id.is_(None))))
    session.remove()
    return ids


def pending_messages() -> int:
    return scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "pending"))


def in_flight(pid: int) -> set[str]:
    """Keys of the messages a dead process held leases on: it may have sent them without recording it,
    so they alone may reach their receiver twice (with the same Message-ID or Idempotency-Key)."""
    session.remove()
    keys = set(session.scalars(select(OutboxMessage.key).where(OutboxMessage.state == "pending",
                                                               OutboxMessage.lease_owner.like(f"%:{pid}:%"))))
    session.remove()
    return keys


def sent_keys(channel: str) -> tuple[set[str], Counter]:
    """(keys of the channel's messages the database says were sent, count of those in any other state)."""
    session.remove()
    rows = session.execute(select(OutboxMessage.key, OutboxMessage.state).where(OutboxMessage.channel == channel)).all()
    session.remove()
    return {key for key, state in rows if state == "sent"}, Counter(state for _key, state in rows if state != "sent")


def message_key(mail) -> str:
    """The outbox key of a mail: the left part of its Message-ID (app/notifications/channels.py)."""
    return str(mail["Message-ID"]).strip("<>").split("@")[0]


def mail_keys(inbox) -> Counter:
    """How often the SMTP server accepted each outbox message."""
    return Counter(message_key(mail) for _rcpt, mail in inbox.messages)


def receipt_numbers() -> list[str]:
    session.remove()
    numbers = list(session.scalars(select(Payment.receipt_number).where(Payment.receipt_number.is_not(None))))
    session.remove()
    return numbers
