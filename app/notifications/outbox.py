"""The transactional outbox: a message to send is a row written with the event that causes it.

Nothing here talks to a mail server or an SMS gateway: the rows are added to the caller's
transaction, so a message exists exactly when its event does (a refused or rolled-back
request leaves no mail behind), and the dispatcher (:mod:`app.notifications.dispatch`)
sends them later, as often as it takes.  Plain Python, no Flask: services, the sweep and
the receivers of dossier events call it.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from app import clock
from app.auth.models import Unit, User
from app.db import session
from app.dossiers.models import Dossier
from app.notifications import templates
from app.notifications.models import Notification, OutboxMessage

STATE_LABELS = {"pending": "Đang chờ gửi", "sent": "Đã gửi", "failed": "Gửi không được", "held": "Chưa cấu hình kênh gửi"}
CHANNEL_LABELS = {"email": "Thư điện tử", "sms": "Tin nhắn SMS", "national": "Cổng DVC quốc gia"}
_PHONE_NOISE = re.compile(r"[\s.()-]")


#: a message of a dossier already written (the common case: a step, a payment, the sweep)
_NEW_MESSAGE = insert(OutboxMessage.__table__)


def enqueue(event: str, dossier: Dossier | None, channel: str, recipient: str, subject: str, text: str,
            html: str = "", attachments: list[dict[str, Any]] | None = None,
            notification: Notification | None = None, key: str | None = None) -> None:
    """Add one message to the current transaction, due now (real clock); ``key`` (the idempotency
    key) is random unless the channel's receiver recognises messages by a key of its own.

    The row is inserted at once when what it names is already written: going through the unit
    of work would make the commit's flush sort the loaded dossier and its relations, which cost
    a step's completion more than the rest of its writes; on the connection, so that it does not
    flush the caller's pending changes first either (they are flushed at the commit, once).  A
    dossier being received is written by that flush anyway, and its messages with it."""
    values = dict(key=key or uuid.uuid4().hex, event=event, channel=channel, recipient=recipient.strip(),
                  subject=subject[:500], body_text=text, body_html=html, attachments=list(attachments or []),
                  state="pending", attempts=0, created_at=clock.now(), next_attempt_at=clock.real_now(),
                  last_error="")
    if _written(dossier) and _written(notification):
        session.connection().execute(_NEW_MESSAGE, {**values, "dossier_id": dossier and dossier.id,
                                                    "notification_id": notification and notification.id})
    else:
        session.add(OutboxMessage(dossier=dossier, notification=notification, **values))


def _written(row: Any) -> bool:
    """Nothing, or a row that has its id."""
    return row is None or row.id is not None


def tell_applicant(dossier: Dossier, event: str, *, template: str | None = None,
                   attachments: list[dict[str, Any]] | None = None, **context: Any) -> None:
    """An e-mail if the applicant gave an address, an SMS if they gave a phone; nothing otherwise.

    ``template`` names the words when several events share them (``accepted`` says what ``received`` says).
    """
    email, phone = (dossier.applicant_email or "").strip(), phone_number(dossier.applicant_phone)
    if not (email or phone):
        return
    words = templates.render(template or event, **templates.applicant_context(dossier), **context)
    if email:
        enqueue(event, dossier, "email", email, words.subject, words.text, words.html, attachments)
    if phone:
        enqueue(event, dossier, "sms", phone, "", words.sms)


def tell_unit(unit: Unit, dossier: Dossier | None, event: str, notification: Notification | None = None,
              **context: Any) -> None:
    """An e-mail to each active user of ``unit`` who has an address (``context``: subject, body)."""
    addresses = unit_addresses(unit)
    if not addresses:
        return
    words = templates.render("unit_notice", unit=unit.name, link=templates.staff_link(dossier),
                             code=dossier.code if dossier is not None else "", **context)
    for address in addresses:
        enqueue(event, dossier, "email", address, words.subject, words.text, words.html, notification=notification)


def unit_addresses(unit: Unit) -> list[str]:
    query = (select(User.email).where(User.unit_id == unit.id, User.active.is_(True), User.email.is_not(None),
                                      User.email != "").order_by(User.id))
    return list(dict.fromkeys(address.strip() for address in session.scalars(query) if address.strip()))


def phone_number(phone: str | None) -> str:
    """The phone as a gateway takes it: digits (and a leading +), without the spaces, dots and dashes people type."""
    return _PHONE_NOISE.sub("", phone or "")


def of_dossier(dossier: Dossier) -> list[OutboxMessage]:
    """Every message about the dossier, oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.dossier_id == dossier.id).order_by(OutboxMessage.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Shown:
    """A message as the dossier page lists it: in Vietnamese, the address half hidden."""

    created_at: datetime
    event: str
    subject: str
    channel: str
    recipient: str
    state: str
    state_label: str
    attempts: int
    sent_at: datetime | None
    last_error: str


def listing(dossier: Dossier) -> list[Shown]:
    return [Shown(row.created_at, row.event, row.subject, CHANNEL_LABELS.get(row.channel, row.channel),
                  shown_recipient(row), row.state, STATE_LABELS.get(row.state, row.state), row.attempts, row.sent_at,
                  row.last_error) for row in of_dossier(dossier)]


def shown_recipient(row: OutboxMessage) -> str:
    """A person's address half hidden; the national portal is no one's secret."""
    return row.recipient if row.channel == "national" else mask(row.recipient)


def mask(recipient: str) -> str:
    """Enough to recognise an address or a phone, not to copy it off a screen: ``tu***@example.vn``, ``0912***111``."""
    name, at, domain = recipient.partition("@")
    if at:
        return f"{name[:2]}***@{domain}"
    return f"{recipient[:4]}***{recipient[-3:]}" if len(recipient) > 7 else "***"
