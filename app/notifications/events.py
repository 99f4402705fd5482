"""What the applicant and the units hear about their dossiers' events, written to the outbox.

The receivers of :data:`app.dossiers.signals.event_recorded` run inside the transaction that
records the event, so the messages exist exactly when the event does.  They must stay cheap
for the events nobody is told about (a step completed is one dictionary look-up): the hot
path of task completion announces its events here too.  Connected when this module is
imported, which :mod:`app.notifications` does, so the web, the CLI and the scheduler have them.
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select

from app.db import session
from app.dossiers.models import Dossier
from app.dossiers.signals import event_recorded
from app.notifications.outbox import tell_applicant, tell_unit
from app.notifications.templates import day
from app.tasks.models import Task

Detail = dict[str, Any]


def _submitted(dossier: Dossier, kind: str, detail: Detail) -> None:
    tell_applicant(dossier, kind)


def _received(dossier: Dossier, kind: str, detail: Detail) -> None:
    """At the counter, an incomplete dossier completed, or an online one accepted (``accepted`` is
    followed by ``received`` once the appointment is set, and says nothing of its own)."""
    tell_applicant(dossier, kind)


def _supplement(dossier: Dossier, kind: str, detail: Detail) -> None:
    """What is missing, and form 02; an online dossier not yet accepted is supplemented through its link."""
    tell_applicant(dossier, kind, attachments=[{"form": "supplement"}], note=detail.get("note") or "",
                   online=bool(detail.get("online")))


def _refused(dossier: Dossier, kind: str, detail: Detail) -> None:
    tell_applicant(dossier, kind, attachments=[{"form": "refusal"}], reason=detail.get("reason") or "")


def _apology(dossier: Dossier, kind: str, detail: Detail) -> None:
    """The signed letter goes with the new appointment."""
    tell_applicant(dossier, kind, template="apology", attachments=[{"escalation_id": detail["escalation_id"]}],
                   new_date=day(detail.get("new_due_at") or dossier.due_at), early=kind == "early_apology_signed")


def _ready(dossier: Dossier, kind: str, detail: Detail) -> None:
    tell_applicant(dossier, kind)


def _returned(dossier: Dossier, kind: str, detail: Detail) -> None:
    """Thanks, the postal tracking number when sent by post, and the invitation to rate."""
    tell_applicant(dossier, kind, by_post=dossier.return_method == "post",
                   tracking_number=detail.get("tracking_number") or dossier.tracking_number or "")


def _uncollected(dossier: Dossier, kind: str, detail: Detail) -> None:
    tell_applicant(dossier, kind, ready_since=day(dossier.finished_at))


def _step_late(dossier: Dossier, kind: str, detail: Detail) -> None:
    """Another step went late on a dossier already stopped: its unit is told (``escalated`` is told by
    the escalation itself, through :func:`app.notifications.services.notify_unit`)."""
    task = session.scalars(select(Task).where(Task.dossier_id == dossier.id, Task.element_id == detail.get("element_id"),
                                              Task.state == "open")).first()
    if task is not None:
        tell_unit(task.unit, dossier, kind, subject=f"Quá hạn: {task.name} — hồ sơ {dossier.code}",
                  body=f"Bước \"{task.name}\" của hồ sơ {dossier.code} đã quá hạn trong khi hồ sơ đang tạm dừng.")


#: the events someone outside the office is told about, and how
HANDLERS: dict[str, Callable[[Dossier, str, Detail], None]] = {
    "submitted": _submitted, "received": _received,
    "supplement_requested": _supplement, "refused": _refused,
    "apology_signed": _apology, "early_apology_signed": _apology,
    "ready_for_return": _ready, "returned": _returned, "uncollected_reminder": _uncollected,
    "step_late": _step_late,
}


@event_recorded.connect
def on_event(dossier: Dossier, kind: str, detail: Detail, **_: Any) -> None:
    handler = HANDLERS.get(kind)
    if handler is not None:
        handler(dossier, kind, detail or {})
