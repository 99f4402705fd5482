"""Migration 0013 fills the reports' rows from the dossiers already there, as the events would have."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.api import ok
from tests.support.fees import ready_for_return

pytestmark = pytest.mark.usefixtures("stopped_clock")
DAYS = ("days_taken", "legal_days", "days_saved")   # left empty by the migration (README, Reports)


def _rows():
    from app.db import session
    from app.reports.models import ReportFact, StepCount

    session.rollback()
    facts = [{column: getattr(fact, column) for column in ReportFact.__table__.c.keys() if column not in DAYS}
             for fact in session.scalars(select(ReportFact).order_by(ReportFact.dossier_id))]
    counts = sorted((row.grain, row.start, row.user_id, row.unit_id, row.early, row.on_time, row.late)
                    for row in session.scalars(select(StepCount)))
    session.remove()   # no transaction left open: the migration takes SQLite's write lock
    return facts, counts


@pytest.mark.commits
def test_0013_fills_facts_and_counters_as_the_events_did(app, api, demo):
    from alembic import command

    from app.cli import _alembic

    receipt = ready_for_return(api)
    ok(api.post(f"/public/dossiers/{receipt['code']}/rating",
                json={"secret": receipt["lookup_secret"], "score": 2, "comment": ""}), 201)
    kept = _rows()
    assert len(kept[0]) == 1 and kept[0][0]["outcome"] == "on_time" and kept[0][0]["rating"] == 2 and kept[1]
    _alembic(command.downgrade, "0012")
    _alembic(command.upgrade, "head")
    assert _rows() == kept
