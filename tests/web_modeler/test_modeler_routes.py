"""The modeler page and its session-authenticated JSON routes: check, save a draft, publish."""
from __future__ import annotations

import json
import re

from app.procedures.services import get_procedure
from tests.web.test_web_auth import csrf_client  # noqa: F401  (fixture: an app with CSRF protection on)
from tests.web_modeler.conftest import with_step

CATALOGUE = {"code": "xac-nhan-cu-tru-thu", "name": "Xác nhận thông tin cư trú (thử)", "field": "Cư trú",
             "level": "commune", "legal_limit": "3d", "fee": {"amount": 0, "description": ""},
             "documents": [{"name": "Tờ khai thay đổi thông tin cư trú", "copies": 2, "required": True}], "effective_from": "", "effective_to": ""}


def post(client, url: str, xml: str, **catalogue):
    return client.post(url, json={"catalogue": {**CATALOGUE, **catalogue}, "bpmn_xml": xml, "forms": {}})


def page_data(response) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="modeler-data">(.*?)</script>',
                                response.text, re.S).group(1))


def test_a_new_procedure_starts_from_the_template(analyst):
    response = analyst.get("/thu-tuc/soan")
    assert response.status_code == 200 and "Soạn thủ tục mới" in response.text
    data = page_data(response)
    assert "Task_xu_ly" in data["bpmn_xml"] and "BPMNShape" in data["bpmn_xml"]
    assert data["version"] is None
    assert {"code": "officer"} in [{"code": role["code"]} for role in analyst.get(data["urls"]["roles"]).json]


def test_an_existing_procedure_opens_its_latest_version(analyst):
    data = page_data(analyst.get("/thu-tuc/dang-ky-khai-sinh/soan"))
    assert data["catalogue"]["code"] == "dang-ky-khai-sinh"
    assert {"name", "copies", "required"} <= data["catalogue"]["documents"][0].keys()
    assert data["version"]["status"] == "published" and "<bpmn:definitions" in data["bpmn_xml"]


def test_only_analysts_open_the_modeler(sign_in):
    client = sign_in("motcua.tanhoa")
    assert client.get("/thu-tuc/soan").status_code == 403
    assert client.post("/thu-tuc/soan/kiem-tra", json={}).status_code == 403


def test_check_names_the_task_without_role_or_time_limit(analyst, new_diagram):
    answer = post(analyst, "/thu-tuc/soan/kiem-tra", new_diagram)
    assert answer.status_code == 200
    assert answer.json["errors"] and {e["element_id"] for e in answer.json["errors"]} == {"Task_xu_ly"}
    assert all(e["line"] for e in answer.json["errors"])
    assert {w["element_id"] for w in answer.json["warnings"]} <= {"Task_xu_ly"}  # e.g. a step without a form


def test_check_passes_a_complete_diagram_and_reports_a_wrong_legal_limit(analyst, new_diagram):
    assert post(analyst, "/thu-tuc/soan/kiem-tra", with_step(new_diagram)).json["errors"] == []
    wrong = post(analyst, "/thu-tuc/soan/kiem-tra", with_step(new_diagram), legal_limit="ba ngày")
    assert [e["field"] for e in wrong.json["errors"]] == ["legal_limit"]


def test_a_saved_draft_is_published(analyst, new_diagram):
    saved = post(analyst, "/thu-tuc/soan/luu", with_step(new_diagram))
    assert saved.status_code == 201
    assert saved.json["status"] == "draft" and saved.json["version"] == 1
    assert saved.json["edit_url"] == "/thu-tuc/xac-nhan-cu-tru-thu/soan"
    assert get_procedure(CATALOGUE["code"]).documents == CATALOGUE["documents"]
    published = analyst.post(saved.json["publish_url"])
    assert published.status_code == 200 and published.json["status"] == "published"
    assert analyst.post(saved.json["publish_url"]).status_code == 409
    assert "Xác nhận thông tin cư trú (thử)" in analyst.get("/thu-tuc").text


def test_an_invalid_draft_is_not_stored(analyst, new_diagram):
    refused = post(analyst, "/thu-tuc/soan/luu", with_step(new_diagram, role="khong-co", limit=None))
    assert refused.status_code == 422
    assert {e["element_id"] for e in refused.json["errors"]} == {"Task_xu_ly"}
    assert analyst.get("/thu-tuc/xac-nhan-cu-tru-thu/soan").status_code == 404


def test_the_json_routes_need_the_csrf_header(csrf_client, new_diagram):  # noqa: F811
    page = csrf_client.get("/dang-nhap").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    csrf_client.post("/dang-nhap", data={"username": "phantich", "password": "demo12345", "csrf_token": token})
    body = {"catalogue": CATALOGUE, "bpmn_xml": with_step(new_diagram)}
    assert csrf_client.post("/thu-tuc/soan/kiem-tra", json=body).status_code == 400
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', csrf_client.get("/thu-tuc/soan").text).group(1)
    answer = csrf_client.post("/thu-tuc/soan/kiem-tra", json=body, headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.json["errors"] == []


def test_saving_again_updates_the_draft_and_its_catalogue(analyst, new_diagram):
    saved = post(analyst, "/thu-tuc/soan/luu", with_step(new_diagram)).json
    again = post(analyst, saved["save_url"], with_step(new_diagram, limit="3d"), name="Tên mới")
    assert again.status_code == 200 and again.json["version"] == 1 and again.json["status"] == "draft"
    procedure = get_procedure(CATALOGUE["code"])
    assert procedure.name == "Tên mới" and 'value="3d"' in procedure.latest_version().bpmn_xml
    analyst.post(saved["publish_url"])
    assert post(analyst, saved["save_url"], with_step(new_diagram)).status_code == 409
    assert post(analyst, saved["new_draft_url"], with_step(new_diagram)).json["version"] == 2


def test_a_refused_diagram_leaves_the_catalogue_as_it_was(analyst, new_diagram):
    saved = post(analyst, "/thu-tuc/soan/luu", with_step(new_diagram)).json
    refused = post(analyst, saved["save_url"], with_step(new_diagram, role="khong-co"), name="Tên mới")
    assert refused.status_code == 422
    procedure = get_procedure(CATALOGUE["code"])
    assert procedure.name == CATALOGUE["name"] and 'khong-co' not in procedure.latest_version().bpmn_xml


def test_a_new_procedure_cannot_take_an_existing_code(analyst, new_diagram):
    refused = post(analyst, "/thu-tuc/soan/luu", with_step(new_diagram), code="dang-ky-khai-sinh")
    assert refused.status_code == 409 and refused.json["errors"][0]["field"] == "code"
    assert get_procedure("dang-ky-khai-sinh").name == "Đăng ký khai sinh"


def test_a_test_run_walks_the_saved_draft(analyst, new_diagram):
    saved = post(analyst, "/thu-tuc/soan/luu", with_step(new_diagram)).json
    run = analyst.post(saved["test_run_url"])
    assert run.status_code == 201 and run.json["code"].startswith("THU-")
    assert run.json["due_at"] and run.json["path"] == []
    [step] = run.json["open_steps"]
    assert step["element_id"] == "Task_xu_ly" and step["due_at"] and step["time_limit"] == "2d"
    done = analyst.post(step["complete_url"], json={"data": {}})
    assert done.status_code == 200 and done.json["completed"] is True
    assert [s["element_id"] for s in done.json["path"]] == ["Task_xu_ly"]
    assert analyst.post(done.json["delete_url"]).status_code == 200
    assert analyst.post(step["complete_url"], json={"data": {}}).status_code == 404
