"""Form 06 for a long period, printed in the background (issue #12, item 4).

A request never waits for a long register: the page queues a :class:`ReportJob` row and shows a
progress bar. A scheduler (``flask scheduler run``; any number of them, on any machine) claims
queued jobs with a compare-and-swap on their state and a lease, prints the PDF and keeps it in the
file store (``app/core/storage.py``), so whichever gunicorn worker answers the download finds it.
A scheduler killed mid-print leaves a lease that runs out; the job is then claimed again.

WeasyPrint lays a document out in one call that cannot report its progress, so the progress shown
while it works is an estimate from the rows to print and the measured cost of a row (README,
Performance: 3.8 s for 500 rows); it never reaches 100 % before the file exists.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update

from app import clock
from app.auth.models import Unit, User
from app.auth.services import field_errors
from app.core.errors import Conflict, Invalid, NotFound
from app.core.storage import store_for
from app.db import session
from app.dossiers import forms_print
from app.reports.models import ReportJob
from app.settings import get_settings

log = logging.getLogger("motcua.reports")

KIND_REGISTER = "register_pdf"
#: the longest register printed in the background (the page refuses more, naming ``to``)
MAX_BACKGROUND_ROWS = 20000
#: a claimed job not finished after this long is taken again (its scheduler died)
LEASE = timedelta(minutes=30)
#: the cost of a row of form 06, for the estimate shown while WeasyPrint lays the register out
SECONDS_PER_ROW = 0.008
_STATE_LABELS = {"queued": "Đang chờ in", "running": "Đang in", "done": "Đã in xong", "failed": "Không in được"}


def queue_register(user: User, unit: Unit, first: date, last: date) -> ReportJob:
    """A register of ``unit`` (the user's own) to print; 422 naming the field when the period is wrong."""
    if (last - first).days >= forms_print.MAX_REGISTER_DAYS:
        raise Invalid("Khoảng thời gian chưa hợp lệ.", field_errors(
            {"to": f"Mỗi lần in tối đa {forms_print.MAX_REGISTER_DAYS} ngày."}))
    now = clock.now()
    job = ReportJob(kind=KIND_REGISTER, unit_id=unit.id, requested_by_id=user.id, date_from=first, date_to=last,
                    state="queued", done=0, total=0, error="", created_at=now)
    session.add(job)
    session.commit()
    return job


def job_for(user: User, job_id: int) -> ReportJob:
    """The user's own job; any other is unknown to them (404)."""
    job = session.get(ReportJob, job_id)
    if job is None or job.requested_by_id != user.id:
        raise NotFound(f"Không tìm thấy yêu cầu in số {job_id}.")
    return job


@dataclass(frozen=True)
class Status:
    id: int
    state: str
    label: str
    percent: int
    rows: int
    error: str
    ready: bool


def status(job: ReportJob, now: datetime | None = None) -> Status:
    return Status(job.id, job.state, _STATE_LABELS[job.state], percent(job, now or clock.real_now()),
                  job.total, job.error, job.state == "done")


def percent(job: ReportJob, now: datetime) -> int:
    """0 while queued, 100 once the file exists; in between, rows read (10 %) then the layout's estimate."""
    if job.state == "done":
        return 100
    if job.state != "running" or not job.total or job.lease_until is None:
        return 0
    elapsed = (now - (job.lease_until - LEASE)).total_seconds()
    return int(min(95, 10 + 85 * elapsed / (job.total * SECONDS_PER_ROW)))


def download(user: User, job_id: int) -> tuple[ReportJob, bytes]:
    """The printed register; 409 while it is not ready."""
    job = job_for(user, job_id)
    if job.state != "done" or not job.file_key:
        raise Conflict("Sổ theo dõi chưa in xong.")
    return job, store_for(get_settings()).get(job.file_key)


# --- the scheduler's side ------------------------------------------------------------------------


def run_pending(limit: int = 5) -> int:
    """Print up to ``limit`` queued jobs (or jobs whose lease ran out); how many were printed."""
    printed = 0
    for job_id in list(session.scalars(_claimable(clock.real_now()).limit(limit))):
        if _claim(job_id):
            printed += _print(job_id)
    return printed


def _claimable(now: datetime):
    return (select(ReportJob.id).where(or_(ReportJob.state == "queued",
                                           (ReportJob.state == "running") & (ReportJob.lease_until < now)))
            .order_by(ReportJob.created_at, ReportJob.id))


def _claim(job_id: int) -> bool:
    """Take the job if nobody took it meanwhile (a compare-and-swap on its state and lease)."""
    now = clock.real_now()
    taken = session.execute(
        update(ReportJob).where(ReportJob.id == job_id, or_(
            ReportJob.state == "queued", (ReportJob.state == "running") & (ReportJob.lease_until < now)))
        .values(state="running", lease_until=now + LEASE).execution_options(synchronize_session=False))
    session.commit()
    return taken.rowcount == 1


def _print(job_id: int) -> int:
    job = session.get(ReportJob, job_id)
    session.refresh(job)
    try:
        form = forms_print.register_form(job.unit, job.date_from, job.date_to, max_rows=MAX_BACKGROUND_ROWS)
        job.total = len(form.rows)
        session.commit()
        job.file_key = store_for(get_settings()).put(forms_print.render("register", form))
        job.state, job.done = "done", job.total
    except Exception as error:  # noqa: BLE001 — any failure is the job's recorded outcome, never the scheduler's end
        session.rollback()
        log.exception("report job %s failed", job_id)
        job = session.get(ReportJob, job_id)
        job.state, job.error = "failed", _failure_text(error)
    job.finished_at = clock.real_now()
    session.commit()
    return int(job.state == "done")


def _failure_text(error: Exception) -> str:
    """What the user reads: the service's own Vietnamese message, never Python's."""
    detail = getattr(error, "detail", None)
    return detail if isinstance(detail, str) else "Lỗi khi in sổ theo dõi; hãy thử lại hoặc báo quản trị viên."
