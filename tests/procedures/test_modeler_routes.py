"""The modeler page, and the REST API as the page calls it: with the session cookie
(and, where the test turns CSRF protection on, the page's token in ``X-CSRFToken``)."""
from __future__ import annotations

import json
import re

import pytest

from app.core.errors import NotFound
from app.procedures.services import get_procedure
from tests.support.api import ok, problem
from tests.support.procedures import with_step
from tests.support.web import PASSWORD

CODE = "xac-nhan-cu-tru-thu"
CATALOGUE = {"code": CODE, "name": "Xác nhận thông tin cư trú (thử)", "field": "Cư trú",
             "level": "commune", "legal_limit": "3d", "fee": {"amount": 0, "description": ""},
             "documents": [{"name": "Tờ khai thay đổi thông tin cư trú", "copies": 2, "required": True}],
             "effective_from": None, "effective_to": None}
DRAFT = f"/api/v1/procedures/{CODE}/versions/1"


def page_data(response) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="modeler-data">(.*?)</script>',
                                response.text, re.S).group(1))


def meta_token(client, page: str = "/thu-tuc/soan") -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(page).text).group(1)


def save_new(client, xml: str, **catalogue):
    """What the page sends for a new procedure."""
    body = {**CATALOGUE, **catalogue, "new_procedure": True, "bpmn_xml": xml, "forms": {}}
    return client.post("/api/v1/procedures", json=body)


def save_draft(client, xml: str, **catalogue):
    """What the page sends over the draft it edits: the catalogue without the code, and the diagram."""
    fields = {key: value for key, value in {**CATALOGUE, **catalogue}.items() if key != "code"}
    return client.put(DRAFT, json={**fields, "bpmn_xml": xml, "forms": {}})


def check(client, xml: str, **fields):
    return client.post("/api/v1/procedures/check", json={"bpmn_xml": xml, "forms": {}, **fields})


# --------------------------------------------------------------------------- the page


def test_a_new_procedure_starts_from_the_template(analyst):
    response = analyst.get("/thu-tuc/soan")
    assert response.status_code == 200 and "Soạn thủ tục mới" in response.text
    data = page_data(response)
    assert "Task_xu_ly" in data["bpmn_xml"] and "BPMNShape" in data["bpmn_xml"]
    assert data["version"] is None and data["urls"] == {"api": "/api/v1", "pages": "/thu-tuc"}
    roles = ok(analyst.get(data["urls"]["api"] + "/roles"))  # the role dropdown, with the cookie alone
    assert "officer" in {role["code"] for role in roles}


def test_an_existing_procedure_opens_its_latest_version(analyst):
    data = page_data(analyst.get("/thu-tuc/dang-ky-khai-sinh/soan"))
    assert data["catalogue"]["code"] == "dang-ky-khai-sinh"
    assert {"name", "copies", "required"} <= data["catalogue"]["documents"][0].keys()
    assert (data["version"]["code"], data["version"]["status"]) == ("dang-ky-khai-sinh", "published")
    assert "<bpmn:definitions" in data["bpmn_xml"]


def test_only_analysts_open_the_modeler_and_call_its_api(login, new_diagram):
    client = login("motcua.tanhoa")
    assert client.get("/thu-tuc/soan").status_code == 403
    assert problem(check(client, with_step(new_diagram)), 403)["detail"]
    assert problem(save_new(client, with_step(new_diagram)), 403)
    client.post("/dang-xuat")
    assert problem(check(client, with_step(new_diagram)), 401)  # the session ended: the page says so


# --------------------------------------------------------------------------- check, save, publish


def test_check_names_the_task_without_role_or_time_limit(analyst, new_diagram):
    answer = ok(check(analyst, new_diagram))
    assert answer["errors"] and {e["element_id"] for e in answer["errors"]} == {"Task_xu_ly"}
    assert all(e["line"] for e in answer["errors"])
    assert {w["element_id"] for w in answer["warnings"]} <= {"Task_xu_ly"}  # e.g. a step without a form


def test_check_passes_a_complete_diagram_and_refuses_a_wrong_legal_limit(analyst, new_diagram):
    assert ok(check(analyst, with_step(new_diagram), legal_limit="3d"))["errors"] == []
    too_short = ok(check(analyst, with_step(new_diagram, limit="4d"), legal_limit="3d"))
    assert [e["element_id"] for e in too_short["errors"]] == ["Process_moi"]
    wrong = problem(check(analyst, with_step(new_diagram), legal_limit="ba ngày"), 422)
    assert [e["field"] for e in wrong["errors"]] == ["legal_limit"]


def test_a_saved_draft_is_published(analyst, new_diagram):
    saved = ok(save_new(analyst, with_step(new_diagram)), 201)
    assert (saved["code"], saved["version"], saved["status"]) == (CODE, 1, "draft")
    assert get_procedure(CODE).documents == CATALOGUE["documents"]
    assert ok(analyst.post(f"{DRAFT}/publish"))["status"] == "published"
    assert problem(analyst.post(f"{DRAFT}/publish"), 409)
    assert "Xác nhận thông tin cư trú (thử)" in analyst.get("/thu-tuc").text
    assert analyst.get(f"/thu-tuc/{CODE}/soan").status_code == 200


def test_an_invalid_draft_is_not_stored(analyst, new_diagram):
    refused = problem(save_new(analyst, with_step(new_diagram, role="khong-co", limit=None)), 422)
    assert {e["element_id"] for e in refused["errors"]} == {"Task_xu_ly"}
    assert all(e["line"] and e["message"] for e in refused["errors"])
    assert analyst.get(f"/thu-tuc/{CODE}/soan").status_code == 404


def test_saving_again_updates_the_draft_and_its_catalogue(analyst, new_diagram):
    ok(save_new(analyst, with_step(new_diagram)), 201)
    again = ok(save_draft(analyst, with_step(new_diagram, limit="3d"), name="Tên mới", effective_from="2025-01-01"))
    assert (again["version"], again["status"]) == (1, "draft")
    procedure = get_procedure(CODE)
    assert procedure.name == "Tên mới" and procedure.effective_from.isoformat() == "2025-01-01"
    assert 'value="3d"' in procedure.latest_version().bpmn_xml
    ok(analyst.post(f"{DRAFT}/publish"))
    assert problem(save_draft(analyst, with_step(new_diagram)), 409)
    second = ok(analyst.post("/api/v1/procedures", json={**CATALOGUE, "bpmn_xml": with_step(new_diagram)}), 201)
    assert second["version"] == 2


def test_a_longer_legal_limit_saved_with_the_diagram_lets_it_pass(analyst, new_diagram):
    ok(save_new(analyst, with_step(new_diagram), legal_limit="2d"), 201)
    assert problem(save_draft(analyst, with_step(new_diagram, limit="4d"), legal_limit="2d"), 422)
    ok(save_draft(analyst, with_step(new_diagram, limit="4d"), legal_limit="5d"))
    assert get_procedure(CODE).legal_limit == "5d"


def test_a_refused_diagram_leaves_the_catalogue_as_it_was(analyst, new_diagram):
    ok(save_new(analyst, with_step(new_diagram)), 201)
    refused = problem(save_draft(analyst, with_step(new_diagram, role="khong-co"), name="Tên mới"), 422)
    assert refused["errors"][0]["element_id"] == "Task_xu_ly"
    procedure = get_procedure(CODE)
    assert procedure.name == CATALOGUE["name"] and "khong-co" not in procedure.latest_version().bpmn_xml


def test_the_code_of_a_draft_cannot_change(analyst, new_diagram):
    ok(save_new(analyst, with_step(new_diagram)), 201)
    body = {"code": "ma-khac", "bpmn_xml": with_step(new_diagram), "forms": {}}
    assert [e["field"] for e in problem(analyst.put(DRAFT, json=body), 422)["errors"]] == ["code"]
    assert get_procedure(CODE).code == CODE


def test_a_new_procedure_cannot_take_an_existing_code(analyst, new_diagram):
    refused = problem(save_new(analyst, with_step(new_diagram), code="dang-ky-khai-sinh"), 409)
    assert refused["errors"][0]["field"] == "code"
    procedure = get_procedure("dang-ky-khai-sinh")
    assert procedure.name == "Đăng ký khai sinh" and len(procedure.versions) == 1


def test_a_test_run_walks_the_saved_draft(analyst, new_diagram):
    ok(save_new(analyst, with_step(new_diagram)), 201)
    run = ok(analyst.post(f"{DRAFT}/test-runs"), 201)
    assert run["code"].startswith("THU-") and run["due_at"] and run["path"] == []
    [step] = run["open_steps"]
    assert step["element_id"] == "Task_xu_ly" and step["due_at"] and step["time_limit"] == "2d"
    complete = f"/api/v1/test-runs/{run['code']}/tasks/{step['task_id']}/complete"
    done = ok(analyst.post(complete, json={"data": {}}))
    assert done["completed"] is True and [s["element_id"] for s in done["path"]] == ["Task_xu_ly"]
    assert analyst.delete(f"/api/v1/test-runs/{run['code']}").status_code == 204
    assert problem(analyst.post(complete, json={"data": {}}), 404)


# --------------------------------------------------------------------------- CSRF, as in production


@pytest.fixture
def csrf_analyst(csrf_client):
    """The analyst signed in through the login form of an app with CSRF protection on."""
    page = csrf_client.get("/dang-nhap").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed_in = csrf_client.post("/dang-nhap", data={"username": "phantich", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    return csrf_client


def test_a_cookie_call_that_changes_something_needs_the_page_s_csrf_token(csrf_analyst, new_diagram):
    refused = problem(save_new(csrf_analyst, with_step(new_diagram)), 403)
    assert refused["title"] == "CSRF" and refused["detail"]
    headers = {"X-CSRFToken": "sai"}
    assert problem(csrf_analyst.post("/api/v1/procedures", json={}, headers=headers), 403)["title"] == "CSRF"
    with pytest.raises(NotFound):
        get_procedure(CODE)

    headers = {"X-CSRFToken": meta_token(csrf_analyst)}
    body = {**CATALOGUE, "new_procedure": True, "bpmn_xml": with_step(new_diagram), "forms": {}}
    assert ok(csrf_analyst.post("/api/v1/procedures", json=body, headers=headers), 201)["version"] == 1
    assert ok(csrf_analyst.post(f"{DRAFT}/publish", headers=headers))["status"] == "published"
    assert ok(csrf_analyst.get("/api/v1/roles"))  # reading needs no token


def test_a_bearer_token_needs_no_csrf_header(csrf_client, new_diagram):
    token = ok(csrf_client.post("/api/v1/auth/token", json={"username": "phantich", "password": PASSWORD}))["token"]
    body = {**CATALOGUE, "new_procedure": True, "bpmn_xml": with_step(new_diagram), "forms": {}}
    saved = csrf_client.post("/api/v1/procedures", json=body, headers={"Authorization": f"Bearer {token}"})
    assert ok(saved, 201)["code"] == CODE
