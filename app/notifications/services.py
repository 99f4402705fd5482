"""Recording notifications: the in-app rows, and the e-mails to units written beside them.

Notifications are rows first (shown in the web UI); what must leave the system is an
outbox row in the same transaction (:mod:`app.notifications.outbox`), sent by the
dispatcher, so a mail server that is down delays e-mail but never a dossier.  The
citizen's messages follow the dossier's events (:mod:`app.notifications.events`).
"""
from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.auth.models import Unit, User
from app.db import session
from app.dossiers.models import Dossier
from app.notifications.models import Notification
from app.notifications.outbox import tell_unit


def _add(kind: str, dossier: Dossier | None, subject: str, body: str, **recipient) -> Notification:
    notification = Notification(kind=kind, dossier_id=dossier.id if dossier else None, subject=subject,
                                body=body, created_at=clock.now(), **recipient)
    session.add(notification)
    return notification


def notify_user(user: User, dossier: Dossier | None, kind: str, subject: str, body: str) -> Notification:
    """In the application only: its one caller tells the user's unit too, whose e-mail reaches the user."""
    return _add(kind, dossier, subject, body, user_id=user.id, unit_id=user.unit_id, email=user.email)


def notify_unit(unit: Unit, dossier: Dossier | None, kind: str, subject: str, body: str) -> Notification:
    """In the application, and by e-mail to the unit's active users who have an address."""
    notification = _add(kind, dossier, subject, body, unit_id=unit.id)
    tell_unit(unit, dossier, kind, notification, subject=subject, body=body)
    return notification


def notify_citizen(dossier: Dossier, kind: str, subject: str, body: str) -> Notification:
    """In the application only: the applicant's e-mail and SMS follow the dossier's event (events.py)."""
    return _add(kind, dossier, subject, body, email=dossier.applicant_email or None)


def for_user(user: User, limit: int = 50) -> list[Notification]:
    """What the user was told, and what their unit was told, newest first."""
    query = (select(Notification)
             .where((Notification.user_id == user.id)
                    | ((Notification.user_id.is_(None)) & (Notification.unit_id == user.unit_id)))
             .order_by(Notification.created_at.desc()).limit(limit))
    return list(session.scalars(query))
