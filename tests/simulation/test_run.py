"""A tiny simulated period through the real services: what it leaves in the database is the
product's own doing (reception, steps, the sweep, the apology path, the report)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.auth.models import Unit
from app.db import session
from app.dossiers.models import Dossier
from app.escalation.models import Escalation
from app.simulation.behaviour import Rates
from app.simulation.command import run_in
from app.simulation.run import Options
from app.tasks.models import Task

pytestmark = pytest.mark.commits
#: two days of 20 dossiers, a step in eight late: enough for the sweep to stop a few and their letters to be signed
TINY = Options(days=2, per_day=20, seed=3, rates=Rates(late=0.12))


def test_a_tiny_period_runs_through_the_real_services(app, capsys):
    """One run (the province is built once per test, which costs more than the period), four checks."""
    result = run_in(app, TINY, "thử nghiệm")
    output = capsys.readouterr()
    _every_level_receives_and_steps_are_completed_through_the_engine(result)
    _late_steps_are_escalated_by_the_sweep_and_their_letters_signed(result)
    _the_reports_totals_are_the_dossiers_finished(result)
    _the_last_line_is_the_figures_as_json_and_progress_goes_to_stderr(result, output)


@pytest.mark.postgres
def test_two_workers_share_the_units_and_keep_the_clock_in_step(app, capsys):
    """On PostgreSQL, two processes: every unit's dossiers followed by one of them, one sweep for both."""
    result = run_in(app, TINY, "thử nghiệm", workers=2)
    output = capsys.readouterr()
    _every_level_receives_and_steps_are_completed_through_the_engine(result)
    _late_steps_are_escalated_by_the_sweep_and_their_letters_signed(result)
    _the_reports_totals_are_the_dossiers_finished(result)
    _the_last_line_is_the_figures_as_json_and_progress_goes_to_stderr(result, output)
    assert result["tally"]["sweeps"] == TINY.days * 10  # 08:00 to 17:00 each day, once, not once a worker


def _count(query) -> int:
    return session.scalar(query)


def _every_level_receives_and_steps_are_completed_through_the_engine(result):
    levels = dict(session.execute(select(Unit.kind, func.count(Dossier.id)).join(
        Unit, Unit.id == Dossier.receiving_unit_id).where(Dossier.received_at.is_not(None)).group_by(Unit.kind)).all())
    assert levels.get("department", 0) > 0 and levels.get("district", 0) > 0 and levels.get("commune", 0) > 0
    completed = _count(select(func.count(Task.id)).where(Task.state == "completed", Task.escalation_id.is_(None)))
    assert completed == result["tally"]["steps"] > 0
    assert _count(select(func.count(Dossier.id)).where(Dossier.status == "returned")) == result["tally"]["returned"] > 0


def _late_steps_are_escalated_by_the_sweep_and_their_letters_signed(result):
    signed = session.scalars(select(Escalation).where(Escalation.state == "signed")).all()
    assert result["tally"]["escalated"] >= 1 and len(signed) == result["apologies_signed"] >= 1
    assert all(escalation.signed_pdf and escalation.signed_by.has_role("leader") for escalation in signed)
    assert all(session.get(Task, escalation.task_id).escalated_at is not None for escalation in signed)


def _the_reports_totals_are_the_dossiers_finished(result):
    total = result["report"]["total"]
    finished = _count(select(func.count(Dossier.id)).where(Dossier.timeliness.is_not(None)))
    refused = _count(select(func.count(Dossier.id)).where(Dossier.status == "refused", Dossier.received_at.is_not(None),
                                                          Dossier.clock_started_at.is_not(None)))
    assert total["done_early"] + total["done_on_time"] + total["done_late"] == finished > 0
    assert total["refused"] == refused
    assert total["received"] == result["tally"]["received"]
    assert sum(result["report"][level]["received"] for level in ("province", "district", "commune")) == total["received"]


def _the_last_line_is_the_figures_as_json_and_progress_goes_to_stderr(result, output):
    assert json.loads(output.out.strip().splitlines()[-1]) == json.loads(json.dumps(result, ensure_ascii=False))
    assert "Ngày 2/2" in output.err and "hồ sơ/giây" in output.err
