"""Dossiers synchronised to the National Public Service Portal through the outbox.

Every status change (:mod:`app.notifications.national` says which events are) becomes one
``national`` outbox message in the transaction of its event, keyed
``national:<dossier code>:<n>`` with ``n`` counting the dossier's messages from 1: the key is
the ``Idempotency-Key`` the portal sees, the same however often a message is sent again.

The portal must hear a dossier's changes in order, so the dispatcher claims a dossier's message
only when every earlier one of the same dossier is sent (:func:`in_order`): an earlier one
waiting, held or failed holds the later ones back, and at most one message of a dossier is ever
claimed at a time, whatever the number of dispatchers.  A failed message is the dead letter an
administrator sees (``/quan-tri/dong-bo``) and puts back in line (:func:`retry`).

Plain Python (no Flask): the receiver runs in whatever process records the event.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import bindparam, case, exists, func, or_, select, update
from sqlalchemy.orm import aliased, contains_eager

from app import clock
from app.core.errors import Conflict, Invalid, NotFound
from app.db import session
from app.dossiers.models import Dossier, DossierFile
from app.dossiers.signals import event_recorded
from app.escalation.models import Escalation
from app.notifications import national
from app.notifications.models import OUTBOX_STATES, OutboxMessage
from app.notifications.outbox import enqueue
from app.settings import get_settings

NATIONAL = "national"
RECIPIENT = "Cổng Dịch vụ công quốc gia"
#: where the citizen holding the secret downloads a file (app/dossiers/api.py, under /api/v1)
FILE_PATH = "/api/v1/dossiers/{code}/files/{file_id}"
#: the dead letters first, then what waits, then what went
STATE_ORDER = ("failed", "held", "pending", "sent")
PAGE_SIZE = 50


# --------------------------------------------------------------------------- written with the event


@event_recorded.connect
def on_event(dossier: Dossier, kind: str, detail: dict[str, Any] | None = None, at: datetime | None = None,
             **_: Any) -> None:
    """One message per status change; other events cost one set look-up (a step's completion is hot)."""
    if kind not in national.EVENTS:
        return
    detail = detail or {}
    status = national.status_for(kind, detail, dossier.status)
    if status is not None:
        write(dossier, kind, change(dossier, kind, detail, status, at or clock.now()))


def change(dossier: Dossier, kind: str, detail: dict[str, Any], status: int, at: datetime) -> national.Change:
    """The status and what the event adds: a re-appointment's old and new appointment."""
    if kind not in national.REAPPOINTMENTS:
        return national.Change(status, at, national.note_of(kind, detail))
    escalation_id = detail.get("escalation_id")
    escalation = session.get(Escalation, escalation_id) if escalation_id else None
    return national.Change(status, at, old_due_at=escalation.old_due_at if escalation else None,
                           new_due_at=dossier.due_at)


def write(dossier: Dossier, kind: str, moved: national.Change) -> None:
    """Add the message to the event's transaction, keyed by the dossier's next number."""
    sequence = next_sequence(dossier)
    body = national.message(facts(dossier, moved.status), moved, sequence)
    subject = f"{dossier.code}: {moved.status} — {national.STATUS_NAMES[moved.status]}"
    enqueue(kind, dossier, NATIONAL, RECIPIENT, subject, json.dumps(body, ensure_ascii=False),
            key=key_of(dossier.code, sequence))


def key_of(code: str, sequence: int) -> str:
    return f"{NATIONAL}:{code}:{sequence}"


def next_sequence(dossier: Dossier) -> int:
    """1 + the dossier's national messages, stored or still unflushed in this transaction (a new
    dossier has no id yet; one request may write two, e.g. status 4 then 9)."""
    unsaved = sum(1 for row in session.new
                  if isinstance(row, OutboxMessage) and row.channel == NATIONAL and row.dossier is dossier)
    if dossier.id is None:
        return unsaved + 1
    stored = session.connection().execute(_STORED, {"dossier_id": dossier.id}).scalar_one()
    return stored + unsaved + 1


#: built once, run on the connection: the ORM's statement path cost more than the count itself
_STORED = (select(func.count()).select_from(OutboxMessage)
           .where(OutboxMessage.dossier_id == bindparam("dossier_id"), OutboxMessage.channel == NATIONAL))


def facts(dossier: Dossier, status: int) -> national.Facts:
    unit = dossier.receiving_unit
    return national.Facts(
        code=dossier.code, procedure_code=dossier.procedure.code, procedure_name=dossier.procedure.name,
        agency_code=unit.agency_code or unit.code, agency_name=unit.name, channel=dossier.channel,
        return_method=dossier.return_method, applicant_name=dossier.applicant_name,
        applicant_id_number=dossier.applicant_id_number or "", applicant_phone=dossier.applicant_phone or "",
        applicant_email=dossier.applicant_email or "", applicant_address=dossier.applicant_address or "",
        submitted_at=dossier.submitted_at, received_at=dossier.received_at,
        accepted=dossier.clock_started_at is not None, due_at=dossier.due_at,
        finished_at=dossier.finished_at, returned_at=dossier.returned_at,
        result_files=result_files(dossier) if status in (national.FINISHED, national.RETURNED) else ())


def result_files(dossier: Dossier) -> tuple[national.ResultFile, ...]:
    """The electronic results, with the address the citizen's secret opens (as written: what this
    transaction has not flushed yet is not among them)."""
    rows = session.connection().execute(_RESULT_FILES, {"dossier_id": dossier.id})
    return tuple(national.ResultFile(name, sha256, download_url(dossier, file_id)) for file_id, name, sha256 in rows)


#: every finished and returned dossier's message asks it
_RESULT_FILES = (select(DossierFile.id, DossierFile.name, DossierFile.sha256)
                 .where(DossierFile.dossier_id == bindparam("dossier_id"), DossierFile.kind == "result")
                 .order_by(DossierFile.id))


def download_url(dossier: Dossier, file_id: int) -> str:
    path = FILE_PATH.format(code=quote(dossier.code, safe=""), file_id=file_id)
    return f"{get_settings().public_base_url.rstrip('/')}{path}?{urlencode({'secret': dossier.lookup_secret})}"


# --------------------------------------------------------------------------- sent in order


def in_order():
    """The dispatcher's claim condition: a national message goes only when every earlier message of
    its dossier was sent, so a dossier has at most one message claimable at a time."""
    earlier = aliased(OutboxMessage)
    waiting = (exists().where(earlier.dossier_id == OutboxMessage.dossier_id, earlier.channel == NATIONAL,
                              earlier.id < OutboxMessage.id, earlier.state != "sent")
               .correlate(OutboxMessage))
    return or_(OutboxMessage.channel != NATIONAL, ~waiting)


# --------------------------------------------------------------------------- the dead letters


def check_state(state: str | None) -> str | None:
    if state and state not in OUTBOX_STATES:
        raise Invalid("Trạng thái không hợp lệ.", [{"field": "state", "message": "Chọn: failed, held, pending hoặc sent."}])
    return state or None


def listing(state: str | None = None, offset: int = 0, limit: int = PAGE_SIZE) -> list[OutboxMessage]:
    """Failed first, then held, pending, sent; a dossier's messages together, in their order."""
    return list(session.scalars(_messages(check_state(state)).offset(offset).limit(limit)))


def _messages(state: str | None):
    rank = case({name: index for index, name in enumerate(STATE_ORDER)}, value=OutboxMessage.state)
    query = (select(OutboxMessage).join(OutboxMessage.dossier).options(contains_eager(OutboxMessage.dossier))
             .where(OutboxMessage.channel == NATIONAL).order_by(rank, Dossier.code, OutboxMessage.id))
    return query.where(OutboxMessage.state == state) if state else query


def counts() -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.state, func.count()).where(OutboxMessage.channel == NATIONAL)
                           .group_by(OutboxMessage.state))
    return {state: 0 for state in STATE_ORDER} | {state: count for state, count in rows}


def get(message_id: int) -> OutboxMessage:
    row = session.get(OutboxMessage, message_id)
    if row is None or row.channel != NATIONAL:
        raise NotFound(f"Không có tin đồng bộ số {message_id}.")
    return row


def retry(message_id: int) -> OutboxMessage:
    """A failed message back in line, due now, with a full set of attempts (409 for any other state)."""
    row = get(message_id)
    if row.state != "failed":
        raise Conflict(f"Chỉ gửi lại được tin đã hỏng; tin số {message_id} đang ở trạng thái "
                       f"\"{STATE_LABELS.get(row.state, row.state)}\".")
    _requeue(OutboxMessage.id == row.id)
    session.refresh(row)
    return row


def retry_failed() -> int:
    """Every failed national message back in line; returns how many."""
    return _requeue(OutboxMessage.channel == NATIONAL)


def _requeue(which) -> int:
    done = session.execute(update(OutboxMessage).where(which, OutboxMessage.state == "failed")
                           .values(state="pending", attempts=0, next_attempt_at=clock.real_now(), lease_owner=None,
                                   lease_until=None).execution_options(synchronize_session=False))
    session.commit()
    return done.rowcount


def payload(row: OutboxMessage) -> dict[str, Any]:
    """The record sent (for the preview); an unreadable body shows as empty rather than failing the page."""
    try:
        return json.loads(row.body_text)["data"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return {}


STATE_LABELS = {"failed": "Hỏng (chờ quản trị gửi lại)", "held": "Chưa cấu hình NATIONAL_PORTAL_URL",
                "pending": "Đang chờ gửi", "sent": "Đã gửi"}
