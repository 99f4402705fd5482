"""Recording notifications and sending them by e-mail.

Notifications are rows first (shown in the web UI) and e-mails second: the
scheduler sends the unsent ones through SMTP when ``SMTP_HOST`` is set, so a
mail server that is down delays e-mail but never a dossier.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from sqlalchemy import select

from app import clock
from app.auth.models import Unit, User
from app.db import session
from app.dossiers.models import Dossier
from app.notifications.models import Notification
from app.settings import get_settings

BATCH = 100


def _add(kind: str, dossier: Dossier | None, subject: str, body: str, **recipient) -> Notification:
    notification = Notification(kind=kind, dossier_id=dossier.id if dossier else None, subject=subject,
                                body=body, created_at=clock.now(), **recipient)
    session.add(notification)
    return notification


def notify_user(user: User, dossier: Dossier | None, kind: str, subject: str, body: str) -> Notification:
    return _add(kind, dossier, subject, body, user_id=user.id, unit_id=user.unit_id, email=user.email)


def notify_unit(unit: Unit, dossier: Dossier | None, kind: str, subject: str, body: str) -> Notification:
    return _add(kind, dossier, subject, body, unit_id=unit.id)


def notify_citizen(dossier: Dossier, kind: str, subject: str, body: str) -> Notification:
    return _add(kind, dossier, subject, body, email=dossier.applicant_email or None)


def for_user(user: User, limit: int = 50) -> list[Notification]:
    """What the user was told, and what their unit was told, newest first."""
    query = (select(Notification)
             .where((Notification.user_id == user.id)
                    | ((Notification.user_id.is_(None)) & (Notification.unit_id == user.unit_id)))
             .order_by(Notification.created_at.desc()).limit(limit))
    return list(session.scalars(query))


def send_pending() -> int:
    """E-mail unsent notifications that have an address; returns how many went out."""
    settings = get_settings()
    if not settings.smtp_host:
        return 0
    pending = list(session.scalars(select(Notification).where(Notification.sent_at.is_(None),
                                                              Notification.email.is_not(None))
                                   .order_by(Notification.created_at).limit(BATCH)))
    if not pending:
        return 0
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        for notification in pending:
            smtp.send_message(_email(notification, settings.mail_from))
            notification.sent_at = clock.now()
    session.commit()
    return len(pending)


def _email(notification: Notification, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notification.email
    message["Subject"] = notification.subject
    message.set_content(notification.body)
    return message
