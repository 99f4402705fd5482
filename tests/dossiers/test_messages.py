"""Named messages from other systems: a dossier waiting at a receive task or catch event
shows what it waits for, and the message (with its payload as workflow data) moves it on."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app import clock
from tests.engine.test_corpus import upload
from tests.support.api import dossier, ok, problem, receive

CORPUS = Path(__file__).parents[1] / "engine" / "corpus"
MESSAGE = "tra_loi_lien_thong"


def _waiting_dossier(api, case: str = "camunda-message-payload-gateway") -> str:
    ok(upload(api, CORPUS / f"{case}.bpmn"), 201)
    ok(api.post(f"/procedures/{case}/versions/1/publish", "phantich"))
    return receive(api, case)["code"]


def _steps(api, code: str) -> list[dict]:
    return ok(api.get(f"/dossiers/{code}/tasks", "chuyenvien.tanhoa"))


def test_a_wait_is_a_waiting_row_with_the_elements_deadline_and_no_inbox_entry(api, demo):
    code = _waiting_dossier(api)
    [wait] = _steps(api, code)
    assert (wait["state"], wait["element_id"], wait["data"], wait["time_limit"]) == (
        "waiting", "Event_cho", {"message": MESSAGE}, "3d")
    assert dossier(api, code)["open_tasks"] == []
    assert all(t["dossier_code"] != code for t in ok(api.get("/tasks?mine=0", "chuyenvien.tanhoa")))


def test_the_message_closes_the_wait_and_its_payload_chooses_the_branch(api, demo):
    code = _waiting_dossier(api)
    body = ok(api.post(f"/dossiers/{code}/messages/{MESSAGE}", "motcua.tanhoa",
                       json={"payload": {"ket_qua": "dong_y"}}))
    assert [t["element_id"] for t in body["open_tasks"]] == ["Task_ky"]
    wait = next(t for t in _steps(api, code) if t["element_id"] == "Event_cho")
    assert wait["state"] == "completed" and wait["completed_by"] == "motcua.tanhoa"


def test_a_message_not_awaited_is_409_naming_it(api, demo):
    code = _waiting_dossier(api)
    body = problem(api.post(f"/dossiers/{code}/messages/khac", "motcua.tanhoa", json={"payload": {}}), 409)
    assert "'khac'" in body["detail"]
    ok(api.post(f"/dossiers/{code}/messages/{MESSAGE}", "motcua.tanhoa", json={"payload": {"ket_qua": "tu_choi"}}))
    assert dossier(api, code)["status"] == "ready_for_return"
    problem(api.post(f"/dossiers/{code}/messages/{MESSAGE}", "motcua.tanhoa", json={"payload": {}}), 409)


def test_a_payload_that_is_not_plain_data_is_422_naming_the_field(api, demo):
    code = _waiting_dossier(api)
    for payload in ({"ds": [1, 2]}, {"_noi_bo": 1}, {"x": "a" * 2001}, {f"k{i}": i for i in range(51)}, []):
        body = problem(api.post(f"/dossiers/{code}/messages/{MESSAGE}", "motcua.tanhoa", json={"payload": payload}),
                       422)
        assert "payload" in str(body["errors"]), payload
    assert _steps(api, code)[0]["state"] == "waiting"


def test_the_dossier_page_shows_what_it_waits_for_and_when_late(api, demo, client, login, travel_clock):
    code = _waiting_dossier(api)
    login("motcua.tanhoa")
    block = _wait_block(client.get(f"/ho-so/{code}").text)
    assert block.startswith(f" {MESSAGE} — hạn") and "Quá hạn" not in block
    travel_clock(clock.now() + timedelta(days=30))
    assert "Quá hạn" in _wait_block(client.get(f"/ho-so/{code}").text)


def _wait_block(page: str) -> str:
    return page.split("Đang chờ:</strong>", 1)[1].split("</div>", 1)[0]
