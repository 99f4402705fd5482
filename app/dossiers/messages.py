"""Named messages from other systems (inter-agency replies) delivered to a waiting dossier.

A diagram's receive task or message catch event waits as a ``waiting`` task row
with a deadline; the message arrives through the API, closes that row, and its
payload becomes workflow data, as a completed form's would.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.core.errors import Conflict, Forbidden
from app.db import session
from app.dossiers import workflow
from app.dossiers.models import Dossier
from app.dossiers.services import get_for
from app.tasks.models import Task


def deliver(actor: User, code: str, name: str, payload: dict[str, Any]) -> Dossier:
    """Deliver message ``name`` to dossier ``code``: 404 unseen, 403 not involved, 409 not awaited."""
    dossier = _for_sender(actor, code)
    wait = _awaited(dossier, name)
    now = clock.now()
    run = workflow.load(dossier)
    workflow.deliver_message(run, name, payload)
    wait.state, wait.completed_at, wait.completed_by_id = "completed", now, actor.id
    wait.data = {"message": name, "payload": payload}
    workflow.record(dossier, "message_received", actor, now, task=wait, message=name)
    workflow.save(dossier, run, actor, now)
    workflow.commit()
    return dossier


def _for_sender(actor: User, code: str) -> Dossier:
    """Who may deliver: staff of the receiving unit or of a unit holding an open step, and admins;
    others who see the dossier get 403 (those who do not, 404, before any state is told)."""
    dossier = get_for(actor, code)
    if actor.has_role("admin") or dossier.receiving_unit_id == actor.unit_id or _has_open_step(dossier, actor):
        return dossier
    raise Forbidden("Chỉ cán bộ của đơn vị tiếp nhận hoặc đơn vị đang xử lý hồ sơ mới gửi được thông điệp.")


def _has_open_step(dossier: Dossier, actor: User) -> bool:
    return session.scalar(select(Task.id).where(Task.dossier_id == dossier.id, Task.state == "open",
                                                Task.unit_id == actor.unit_id).limit(1)) is not None


def _awaited(dossier: Dossier, name: str) -> Task:
    for row in workflow.waiting_rows(dossier):
        if (row.data or {}).get("message") == name:
            return row
    raise Conflict(f"Hồ sơ {dossier.code} không chờ thông điệp '{name}'.")
