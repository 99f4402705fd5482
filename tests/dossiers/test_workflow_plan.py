"""The plan that brings task rows in line with the engine's ready user tasks (pure)."""
from __future__ import annotations

from app.dossiers.workflow import plan


def test_nothing_to_do_when_rows_and_engine_agree():
    assert plan({"a": "Task_A", "b": "Task_B"}, {"a", "b"}) == ([], {})


def test_a_newly_ready_task_gets_a_row_with_its_element():
    assert plan({"a": "Task_A", "b": "Task_B"}, {"a"}) == ([], {"b": "Task_B"})


def test_an_open_row_the_engine_no_longer_offers_is_cancelled():
    assert plan({"a": "Task_A"}, {"a", "gone"}) == (["gone"], {})


def test_a_step_that_moves_on_cancels_and_creates_at_once():
    cancel, create = plan({"c": "Task_C", "d": "Task_D"}, ["a", "b", "c"])
    assert cancel == ["a", "b"]
    assert create == {"d": "Task_D"}


def test_the_same_element_ready_again_is_a_new_row():
    """A loop back to an element is a new engine task: the old row goes, a new one comes."""
    assert plan({"second": "Task_A"}, {"first"}) == (["first"], {"second": "Task_A"})


def test_open_rows_may_be_given_as_a_mapping_of_rows():
    assert plan({}, {"a": object()}) == (["a"], {})


def test_a_dossier_that_needed_an_apology_finishes_late_whatever_its_new_appointment():
    """DOMAIN.md, Timeliness: the letter moves the appointment, not the record."""
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace

    from app.dossiers.workflow import dossier_timeliness

    due = datetime(2026, 12, 10, 10, 0, tzinfo=timezone.utc)
    plain = SimpleNamespace(due_at=due, reappointed_at=None)
    apologised = SimpleNamespace(due_at=due, reappointed_at=due - timedelta(days=3))
    assert dossier_timeliness(plain, due - timedelta(days=2)) == "early"
    assert dossier_timeliness(apologised, due - timedelta(days=2)) == "late"
    assert dossier_timeliness(SimpleNamespace(due_at=None, reappointed_at=None), due) is None
