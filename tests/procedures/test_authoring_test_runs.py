"""Test runs: a sandbox dossier on a draft, clicked through both ways of the
gateway, with its path and due dates — and invisible everywhere else."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import session
from app.dossiers.models import Dossier, DossierSequence
from app.escalation.models import Escalation
from app.escalation.sweep import sweep
from app.tasks.models import Task
from tests.support.api import at, iso, ok, problem, receive
from tests.support.procedures import CAMUNDA, CODE, LOOK_UP

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00


def start(api, number: int = 1, user: str = "phantich") -> dict:
    return ok(api.post(f"/procedures/{CODE}/versions/{number}/test-runs", user), 201)


def complete(api, run: dict, element_id: str, data: dict, user: str = "phantich"):
    step = next(s for s in run["open_steps"] if s["element_id"] == element_id)
    return api.post(f"/test-runs/{run['code']}/tasks/{step['task_id']}/complete", user, json={"data": data})


def test_test_run_through_the_signing_branch(api, draft, stopped_clock):
    run = start(api)
    assert run["code"] == "THU-251003-0001" and (run["version"], run["version_status"]) == (1, "draft")
    assert (run["receiving_unit"], run["status"], run["path"]) == ("TINH-HB", "received", [])
    assert run["due_at"] == iso("2025-10-06 17:00")      # 1 working day, counted from the next one
    [look_up] = run["open_steps"]
    assert (look_up["element_id"], look_up["role"], look_up["unit_code"]) == ("Task_tra_cuu_so", "civil_status_officer", "TINH-HB")
    assert look_up["due_at"] == iso("2025-10-03 13:30")                 # 2h across the lunch break
    assert {f["id"] for f in look_up["form"]} >= {"loai_trich_luc", "so_ban", "co_trong_so"}

    invalid = problem(complete(api, run, "Task_tra_cuu_so", {"so_ban": 99}), 422)["errors"]
    assert {e["field"] for e in invalid} >= {"so_ban", "loai_trich_luc"}

    stopped_clock(at("2025-10-03 11:00"))
    run = ok(complete(api, run, "Task_tra_cuu_so", LOOK_UP))
    [done] = run["path"]
    assert (done["element_id"], done["timeliness"], done["data"]["so_ban"]) == ("Task_tra_cuu_so", "on_time", 2)
    [sign] = run["open_steps"]
    assert (sign["element_id"], sign["role"], sign["due_at"]) == ("Task_ky_trich_luc", "leader", iso("2025-10-03 16:30"))

    run = ok(complete(api, run, "Task_ky_trich_luc", {"so_trich_luc": "12/TLKS"}))
    assert [s["element_id"] for s in run["path"]] == ["Task_tra_cuu_so", "Task_ky_trich_luc"]
    assert run["open_steps"] == [] and run["completed"] and run["status"] == "ready_for_return"
    assert ok(api.get(f"/test-runs/{run['code']}", "phantich")) == run


def test_test_run_through_the_other_branch_on_a_published_version(api, draft):
    ok(api.post(f"/procedures/{CODE}/versions/1/publish", "phantich"))
    run = start(api)
    run = ok(complete(api, run, "Task_tra_cuu_so", {**LOOK_UP, "co_trong_so": False}))
    assert [s["element_id"] for s in run["open_steps"]] == ["Task_tra_loi"]
    assert run["open_steps"][0]["due_at"] == iso("2025-10-03 11:00") and run["version_status"] == "published"
    run = ok(complete(api, run, "Task_tra_loi", {"ly_do": "Không có trong sổ"}))
    assert [s["element_id"] for s in run["path"]] == ["Task_tra_cuu_so", "Task_tra_loi"] and run["completed"]


def test_test_runs_are_invisible_to_searches_inboxes_sweeps_and_lookups(api, draft, stopped_clock):
    run = start(api)
    code = run["code"]
    assert ok(api.get("/dossiers", "giamsat", query_string={"q": code})) == []
    assert all(d["code"] != code for d in ok(api.get("/dossiers", "giamsat")))
    problem(api.get(f"/dossiers/{code}", "giamsat"), 404)
    secret = session.scalar(select(Dossier.lookup_secret).where(Dossier.code == code))
    problem(api.get(f"/public/dossiers/{code}", query_string={"secret": secret}), 404)
    for user in ("giamsat", "admin"):      # staff of the analyst's unit, every role of the unit
        assert ok(api.get("/tasks", user, query_string={"mine": "false"})) == []

    stopped_clock(at("2025-10-20 10:00"))                                   # far past every deadline
    assert sweep().as_dict() == {"warned": 0, "escalated": 0, "timers": 0}
    assert session.scalar(select(func.count(Escalation.id))) == 0
    task = session.scalar(select(Task).join(Dossier).where(Dossier.code == code))
    assert (task.warned_at, task.escalated_at) == (None, None)


def test_test_runs_never_consume_real_dossier_numbers(api, draft):
    ok(api.post(f"/procedures/{CODE}/versions/1/publish", "phantich"))
    assert [start(api)["code"], start(api)["code"]] == ["THU-251003-0001", "THU-251003-0002"]
    assert receive(api, CODE)["code"].endswith("-251003-0001")
    real = session.scalars(select(DossierSequence.agency_code)).all()
    assert "THU" in real and len(real) == 2


def test_only_the_analyst_who_started_it_works_on_a_test_run(api, draft):
    run = start(api)
    problem(api.get(f"/test-runs/{run['code']}", "chuyenvien.tanhoa"), 403)       # not an author
    ok(api.get(f"/test-runs/{run['code']}", "admin"))
    problem(api.post(f"/procedures/{CODE}/versions/1/test-runs", "motcua.tanhoa"), 403)
    problem(api.post(f"/procedures/{CODE}/versions/7/test-runs", "phantich"), 404)
    problem(api.get("/test-runs/THU-251003-9999", "phantich"), 404)
    step = run["open_steps"][0]["task_id"]
    problem(api.post(f"/tasks/{step}/complete", "hotich.tanhoa", json={"data": LOOK_UP}), 404)  # test runs only
    problem(api.post(f"/test-runs/{run['code']}/tasks/999/complete", "phantich", json={"data": {}}), 404)
    ok(complete(api, run, "Task_tra_cuu_so", LOOK_UP))
    problem(api.post(f"/test-runs/{run['code']}/tasks/{step}/complete", "phantich", json={"data": LOOK_UP}), 409)


def test_deleting_a_test_run_removes_it_entirely(api, draft):
    run = start(api)
    ok(complete(api, run, "Task_tra_cuu_so", LOOK_UP))
    assert api.call("DELETE", f"/test-runs/{run['code']}", "phantich").status_code == 204
    problem(api.get(f"/test-runs/{run['code']}", "phantich"), 404)
    problem(api.call("DELETE", f"/test-runs/{run['code']}", "phantich"), 404)
    assert session.scalar(select(func.count(Dossier.id))) == 0
    assert session.scalar(select(func.count(Task.id))) == 0
    assert ok(api.get(f"/procedures/{CODE}/versions", "phantich"))[0]["status"] == "draft"


def test_replacing_a_draft_discards_its_test_runs(api, draft):
    run = start(api)
    ok(api.put(f"/procedures/{CODE}/versions/1", "phantich",
               json={"bpmn_xml": CAMUNDA.replace('value="2h"', 'value="1h"'), "forms": {}}))
    problem(api.get(f"/test-runs/{run['code']}", "phantich"), 404)
    assert start(api)["open_steps"][0]["time_limit"] == "1h"
