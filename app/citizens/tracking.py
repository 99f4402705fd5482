"""What the public look-up page tells the holder of a dossier's code and secret, in a citizen's words.

The page behind the receipt's QR code is read on a phone by someone who does not know the
workflow's vocabulary: where the dossier is (a few stages), each step with the unit doing it and
whether it was on time, the appointment, the apology letter if one was signed, the result files.
Nothing personal is said beyond a masked name: whoever finds a receipt on the floor learns no more
than the code already tells.

Plain Python (no Flask).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import undefer

from app import clock
from app.db import session
from app.dossiers import files, services, timeliness
from app.dossiers.models import Dossier, DossierFile
from app.escalation.models import Escalation
from app.tasks.models import Task

#: the stages a citizen follows, in order
STAGES = ("Nộp hồ sơ", "Tiếp nhận", "Giải quyết", "Có kết quả", "Trả kết quả")
#: status → the stage reached (index in :data:`STAGES`)
STAGE_OF = {"submitted": 0, "awaiting_documents": 0, "received": 1, "in_progress": 2, "awaiting_supplement": 2,
            "blocked": 2, "ready_for_return": 3, "returned": 4, "refused": 1}
#: status → what it means for the citizen
SAYS = {
    "submitted": "Hồ sơ đã được gửi trực tuyến, đang chờ Bộ phận Một cửa kiểm tra và tiếp nhận.",
    "received": "Hồ sơ đã được tiếp nhận và chuyển đến cán bộ giải quyết.",
    "in_progress": "Hồ sơ đang được giải quyết.",
    "awaiting_supplement": "Hồ sơ cần bổ sung giấy tờ; thời hạn giải quyết tạm dừng và được tính lại khi nhận đủ.",
    "blocked": "Hồ sơ đã quá hạn ở một bước giải quyết; cơ quan giải quyết sẽ gửi thư xin lỗi và hẹn lại ngày trả "
               "kết quả.",
    "ready_for_return": "Đã có kết quả. Mời bạn đến nơi nộp hồ sơ để nhận kết quả.",
    "returned": "Kết quả đã được trả.",
    "refused": "Hồ sơ không được tiếp nhận, giải quyết.",
    "awaiting_documents": "Hồ sơ chưa đủ giấy tờ nên chưa được tiếp nhận; mời bạn nộp bổ sung tại Bộ phận Một cửa.",
}
ONLINE_SUPPLEMENT = ("Bộ phận Một cửa đề nghị bổ sung giấy tờ trước khi tiếp nhận hồ sơ. Bạn gửi tệp bổ sung ngay "
                     "trên trang này; hồ sơ chưa tính thời hạn giải quyết.")


@dataclass(frozen=True)
class Step:
    """One step as the citizen sees it: what, where, and how it went against its deadline."""

    name: str
    unit: str
    done: bool
    due_at: datetime
    completed_at: datetime | None
    #: early / on_time / late once done; while open, "late" past its deadline, else None
    timeliness: str | None


def stage(dossier: Dossier) -> int:
    """The index in :data:`STAGES` the dossier has reached (an online one asked to supplement is not received)."""
    return 0 if awaits_online_supplement(dossier) else STAGE_OF.get(dossier.status, 0)


def says(dossier: Dossier) -> str:
    """The dossier's state in a sentence a citizen understands."""
    if awaits_online_supplement(dossier):
        return ONLINE_SUPPLEMENT
    return SAYS.get(dossier.status, "")


def awaits_online_supplement(dossier: Dossier) -> bool:
    """Asked for files before acceptance: the citizen answers on the look-up page itself."""
    return dossier.status == "awaiting_supplement" and services.before_acceptance(dossier)


def steps(dossier: Dossier) -> list[Step]:
    """The dossier's own steps, oldest first (not the apology path's internal ones, nor cancelled ones)."""
    query = (select(Task).where(Task.dossier_id == dossier.id, Task.escalation_id.is_(None),
                                Task.state.in_(("open", "waiting", "completed")))
             .order_by(Task.ready_at, Task.id))
    return [_step(task, clock.now()) for task in session.scalars(query)]


def _step(task: Task, now: datetime) -> Step:
    done = task.state == "completed"
    late = timeliness.LATE if not done and timeliness.is_overdue(task.due_at, now) else None
    return Step(task.name, task.unit.name, done, task.due_at, task.completed_at,
                task.timeliness if done else late)


def signed_letters(dossier: Dossier) -> list[Escalation]:
    """The apology letters signed for this dossier, the citizen's to read."""
    query = (select(Escalation).where(Escalation.dossier_id == dossier.id, Escalation.signed_at.is_not(None))
             .order_by(Escalation.signed_at))
    return list(session.scalars(query))


def signed_letter(dossier: Dossier, escalation_id: int) -> bytes | None:
    """The signed PDF of one of this dossier's letters; None for any other id, signed or not."""
    query = (select(Escalation).options(undefer(Escalation.signed_pdf))
             .where(Escalation.id == escalation_id, Escalation.dossier_id == dossier.id))
    escalation = session.scalar(query)
    return escalation.signed_pdf if escalation is not None else None


def result_files(dossier: Dossier) -> list[DossierFile]:
    """The electronic result, once the dossier has one to hand back (FILES decides when)."""
    return [file for file in files.citizen_files(dossier) if file.kind == "result"]
