"""Sweeps are idempotent, in threads and in separate scheduler processes."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import session
from app.escalation.models import Escalation
from app.escalation.sweep import sweep as run_sweep
from tests.support.concurrency import run_together
from tests.support.api import complete_documents
from tests.support.escalation import APPLICANT

ROOT = Path(__file__).resolve().parents[2]


def _late_dossiers(api, travel_clock, count: int) -> None:
    due = None
    for _ in range(count):
        received = api.post("/dossiers", "motcua.tanhoa", json={
            "procedure_code": "chung-thuc-ban-sao", "applicant": APPLICANT,
            "documents": complete_documents("chung-thuc-ban-sao", [])}).get_json()
        (task,) = api.get(f"/dossiers/{received['code']}", "chuyenvien.tanhoa").get_json()["open_tasks"]
        due = max(due or task["due_at"], task["due_at"])
    travel_clock(datetime.fromisoformat(due) + timedelta(hours=1))


def _escalations() -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Escalation))


@pytest.mark.commits  # threads, each on its own connection
def test_sweeps_in_parallel_threads_escalate_each_late_task_once(app, api, demo, travel_clock):
    _late_dossiers(api, travel_clock, 6)
    totals, barrier = [], threading.Barrier(4)

    def worker():
        with app.app_context():
            barrier.wait()
            totals.append(run_sweep().escalated)
            session.remove()

    run_together(worker, 4)
    assert sorted(totals, reverse=True)[0] >= 1 and sum(totals) == 6
    assert _escalations() == 6


@pytest.mark.commits  # scheduler processes
def test_sweeps_in_parallel_scheduler_processes(app, api, demo, travel_clock):
    _late_dossiers(api, travel_clock, 4)
    session.remove()
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "CLOCK_TRAVEL": "1",
           "SECRET_KEY": app.config["SECRET_KEY"]}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "tick"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs
    assert _escalations() == 4
