"""The checker the resilience tests end with finds a half-written dossier: a step's row out of
line with the engine, a completion missing from (or doubled in) the audit, an engine that did
not take the step recorded.  Without processes: each change is made by hand and rolled back."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.db import session
from app.dossiers.models import Dossier, DossierEvent
from app.tasks.models import Task
from tests.dossiers.test_dossiers_api import KHAI_SINH_CHECK
from tests.resilience.consistency import problems
from tests.support.api import complete, open_task, receive


@dataclass
class Walked:
    """A birth registration whose first step is done, and its engine state from before that step."""

    dossier: Dossier
    step: Task
    received_state: str


def _walked(api) -> Walked:
    code = receive(api, "dang-ky-khai-sinh")["code"]
    received_state = session.scalar(select(Dossier.workflow_state).where(Dossier.code == code))
    done = complete(api, code, "Task_kiem_tra_ho_so", "hotich.tanhoa", KHAI_SINH_CHECK)
    open_task(api, code, "Task_ky_giay_khai_sinh")
    return Walked(session.scalar(select(Dossier).where(Dossier.code == code)), session.get(Task, done["id"]),
                  received_state)


def test_a_whole_dossier_has_no_problems(api, demo):
    assert problems(_walked(api).dossier) == []


def test_a_step_row_reopened_behind_the_engine_is_found(api, demo):
    walked = _walked(api)
    walked.step.state = "open"
    session.flush()
    assert any("engine ready" in problem for problem in problems(walked.dossier))


def test_an_engine_that_lost_the_step_is_found(api, demo):
    walked = _walked(api)
    walked.dossier.workflow_state = walked.received_state
    session.flush()
    assert any("engine ready" in problem for problem in problems(walked.dossier))


def test_a_completion_missing_from_the_audit_or_doubled_is_found(api, demo):
    walked = _walked(api)
    dossier, step = walked.dossier, walked.step
    (event,) = session.scalars(select(DossierEvent).where(DossierEvent.task_id == step.id,
                                                          DossierEvent.kind == "task_completed"))
    event.kind = "note"
    session.flush()
    assert problems(dossier) == [f"task {step.id} completed 0 times in the audit"]
    session.add(DossierEvent(dossier_id=dossier.id, kind="task_completed", task_id=step.id, at=event.at, detail={}))
    session.add(DossierEvent(dossier_id=dossier.id, kind="task_completed", task_id=step.id, at=event.at, detail={}))
    event.kind = "task_completed"
    session.flush()
    assert problems(dossier) == [f"task {step.id} completed 3 times in the audit"]


def test_the_engine_must_have_the_data_of_the_step_recorded(api, demo):
    walked = _walked(api)
    walked.step.data = {**walked.step.data, "noi_sinh": "Nơi khác"}
    session.flush()
    assert any("sees otherwise" in problem for problem in problems(walked.dossier))
