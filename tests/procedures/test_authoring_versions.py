"""Drafts are editable, published versions are not; retiring; the catalogue's
in-force flag; editing catalogue fields; diffs between versions."""
from __future__ import annotations

import pytest

from tests.support.api import APPLICANT, DOCUMENTS, error_fields, ok, problem, receive
from tests.support.procedures import CAMUNDA, CODE, upload

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

SHORTER = CAMUNDA.replace('value="0.5d"', 'value="4h"')


def versions(api) -> list[tuple[int, str]]:
    return [(v["version"], v["status"]) for v in ok(api.get(f"/procedures/{CODE}/versions", "phantich"))]


def put(api, number: int, xml: str, user: str = "phantich"):
    return api.put(f"/procedures/{CODE}/versions/{number}", user, json={"bpmn_xml": xml, "forms": {}})


def publish(api, number: int) -> dict:
    return ok(api.post(f"/procedures/{CODE}/versions/{number}/publish", "phantich"))


def steps(api) -> dict[str, dict]:
    return {t["element_id"]: t for t in ok(api.get(f"/procedures/{CODE}", "phantich"))["user_tasks"]}


def test_a_draft_is_replaced_and_a_published_version_is_not(api, draft):
    saved = ok(put(api, 1, SHORTER))
    assert (saved["version"], saved["status"], saved["warnings"]) == (1, "draft", [])
    assert steps(api)["Task_ky_trich_luc"]["time_limit"] == "4h"
    bad = CAMUNDA.replace('candidateGroups="leader"', 'candidateGroups="chu_tich"')
    assert problem(put(api, 1, bad), 422)["errors"][0]["element_id"] == "Task_ky_trich_luc"
    assert steps(api)["Task_ky_trich_luc"]["time_limit"] == "4h"       # the refused diagram left no trace

    publish(api, 1)
    problem(put(api, 1, CAMUNDA), 409)
    problem(put(api, 2, CAMUNDA), 404)
    problem(put(api, 1, CAMUNDA, user="chuyenvien.tanhoa"), 403)
    assert steps(api)["Task_ky_trich_luc"]["time_limit"] == "4h"


def test_versions_list_who_did_what_when(api, draft):
    publish(api, 1)
    ok(upload(api, SHORTER, user="admin"), 201)
    publish(api, 2)
    listed = ok(api.get(f"/procedures/{CODE}/versions", "chuyenvien.tanhoa"))
    first, second = listed
    assert (first["status"], first["created_by"], first["published_by"], first["retired_by"]) == (
        "retired", "phantich", "phantich", "phantich")
    assert first["published_at"] and first["retired_at"] and first["created_at"]
    assert (second["status"], second["created_by"], second["published_by"], second["retired_at"]) == (
        "published", "admin", "phantich", None)


def test_retired_version_takes_no_new_dossiers_and_running_ones_go_on(api, draft):
    publish(api, 1)
    running = receive(api, CODE)["code"]
    problem(api.post(f"/procedures/{CODE}/versions/1/retire", "chuyenvien.tanhoa"), 403)
    retired = ok(api.post(f"/procedures/{CODE}/versions/1/retire", "phantich"))
    assert (retired["status"], retired["retired_by"]) == ("retired", "phantich")
    problem(api.post(f"/procedures/{CODE}/versions/1/retire", "phantich"), 409)
    problem(api.post("/dossiers", "motcua.tanhoa", json={
        "procedure_code": CODE, "applicant": APPLICANT, "documents": DOCUMENTS}), 422)
    listed = {p["code"]: p for p in ok(api.get("/procedures", "motcua.tanhoa"))}[CODE]
    assert listed["in_force"] is False and "công bố" in listed["not_in_force_reason"]
    task = next(t for t in ok(api.get(f"/dossiers/{running}", "giamsat"))["open_tasks"])
    ok(api.post(f"/tasks/{task['id']}/complete", "hotich.tanhoa", json={"data": {
        "loai_trich_luc": "khai_sinh", "so_ban": 1, "co_trong_so": True}}))
    assert {t["element_id"] for t in ok(api.get(f"/dossiers/{running}", "giamsat"))["open_tasks"]} == {"Task_ky_trich_luc"}


def test_drafts_cannot_be_retired(api, draft):
    problem(api.post(f"/procedures/{CODE}/versions/1/retire", "phantich"), 409)


def test_in_force_flag_follows_the_effective_period(api, draft):
    publish(api, 1)
    detail = ok(api.get(f"/procedures/{CODE}", "phantich"))
    assert (detail["in_force"], detail["not_in_force_reason"]) == (True, None)
    patched = ok(api.call("PATCH", f"/procedures/{CODE}", "phantich", json={"effective_to": "2025-09-30"}))
    assert patched["in_force"] is False and "30/09/2025" in patched["not_in_force_reason"]
    ok(api.call("PATCH", f"/procedures/{CODE}", "phantich", json={"effective_to": None, "effective_from": "2026-01-01"}))
    listed = {p["code"]: p for p in ok(api.get("/procedures", "phantich"))}[CODE]
    assert listed["in_force"] is False and "01/01/2026" in listed["not_in_force_reason"]


def test_catalogue_fields_are_edited_and_validated(api, draft):
    patched = ok(api.call("PATCH", f"/procedures/{CODE}", "phantich", json={
        "name": "Trích lục hộ tịch", "fee": 10000, "documents": [{"name": "Tờ khai", "copies": 2}], "level": "district"}))
    assert (patched["name"], patched["fee"]["amount"], patched["level"]) == ("Trích lục hộ tịch", 10000, "district")
    assert patched["legal_limit"] == "1d" and patched["field"] == "Hộ tịch"          # untouched fields stay
    assert patched["documents"] == [{"name": "Tờ khai", "copies": 2, "required": True}]
    for change, field in [({"level": "village"}, "level"), ({"legal_limit": "ba ngày"}, "legal_limit"),
                          ({"code": "khac"}, "code"), ({"fee": -1}, "fee"),
                          ({"effective_from": "2025-07-01", "effective_to": "2025-01-01"}, "effective_to")]:
        assert field in error_fields(api.call("PATCH", f"/procedures/{CODE}", "phantich", json=change)), change
    assert "legal_limit" in error_fields(api.call("PATCH", f"/procedures/{CODE}", "phantich",
                                                  json={"legal_limit": "2h"}))    # steps need 2h + 0.5d
    problem(api.call("PATCH", "/procedures/nope", "phantich", json={"name": "x"}), 404)
    problem(api.call("PATCH", f"/procedures/{CODE}", "motcua.tanhoa", json={"name": "x"}), 403)
    assert ok(api.get(f"/procedures/{CODE}", "phantich"))["name"] == "Trích lục hộ tịch"


NEW_TASK = '''<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra lệ phí" camunda:candidateGroups="receptionist">
      <bpmn:extensionElements><camunda:formData><camunda:formField id="da_nop" label="Đã nộp" type="boolean" />
      </camunda:formData><camunda:properties><camunda:property name="timeLimit" value="1h" /></camunda:properties>
      </bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_kiem_tra" sourceRef="Task_kiem_tra" targetRef="End_da_cap" />
'''


def changed_version() -> str:
    """Add a step after signing, drop the written answer, change a limit, a form field and a condition."""
    xml = CAMUNDA.replace('targetRef="End_da_cap" />', 'targetRef="Task_kiem_tra" />', 1)
    xml = xml.replace('<bpmn:endEvent id="End_da_cap">', NEW_TASK + '<bpmn:endEvent id="End_da_cap">')
    xml = xml.replace('<bpmn:incoming>Flow_da_ky</bpmn:incoming>\n    </bpmn:endEvent>',
                      '<bpmn:incoming>Flow_kiem_tra</bpmn:incoming>\n    </bpmn:endEvent>')
    answer_start = xml.index('<bpmn:userTask id="Task_tra_loi"')
    answer_end = xml.index("</bpmn:userTask>", answer_start) + len("</bpmn:userTask>")
    xml = xml[:answer_start] + xml[answer_end:]
    xml = xml.replace('targetRef="Task_tra_loi"', 'targetRef="End_tu_choi"')
    xml = xml.replace('<bpmn:sequenceFlow id="Flow_da_tra_loi" sourceRef="Task_tra_loi" targetRef="End_tu_choi" />', "")
    xml = xml.replace('value="0.5d"', 'value="4h"').replace('config="10"', 'config="5"')
    return xml.replace("${co_trong_so == False}", "${!co_trong_so}")


def test_diff_between_versions(api, draft):
    saved = ok(upload(api, changed_version()), 201)
    assert saved["version"] == 2, saved
    result = ok(api.get(f"/procedures/{CODE}/versions/1/diff/2", "phantich"))
    assert result["added"] == [
        {"element_id": "Flow_kiem_tra", "type": "sequenceFlow", "name": ""},
        {"element_id": "Task_kiem_tra", "type": "userTask", "name": "Kiểm tra lệ phí"}]
    assert result["removed"] == [
        {"element_id": "Flow_da_tra_loi", "type": "sequenceFlow", "name": ""},
        {"element_id": "Task_tra_loi", "type": "userTask", "name": "Trả lời bằng văn bản"}]
    changed = {c["element_id"]: {ch["field"]: (ch["old"], ch["new"]) for ch in c["changes"]} for c in result["changed"]}
    assert changed["Task_ky_trich_luc"] == {"time_limit": ("0.5d", "4h")}
    form_old, form_new = changed["Task_tra_cuu_so"]["form"]
    assert "so_ban: long, bắt buộc, 1–10" in form_old and "so_ban: long, bắt buộc, 1–5" in form_new
    assert changed["Flow_khong_co"] == {"target": ("Task_tra_loi", "End_tu_choi"),
                                        "condition": ("${co_trong_so == False}", "${!co_trong_so}")}
    assert changed["Flow_da_ky"] == {"target": ("End_da_cap", "Task_kiem_tra")}
    assert set(changed) == {"Task_ky_trich_luc", "Task_tra_cuu_so", "Flow_khong_co", "Flow_da_ky"}
    backwards = ok(api.get(f"/procedures/{CODE}/versions/2/diff/1", "phantich"))
    assert backwards["added"] == result["removed"] and backwards["removed"] == result["added"]
    problem(api.get(f"/procedures/{CODE}/versions/1/diff/9", "phantich"), 404)


def test_a_new_version_takes_new_dossiers_while_running_ones_finish_on_theirs(api, draft):
    publish(api, 1)
    running = receive(api, CODE)["code"]
    renamed = CAMUNDA.replace('name="Tra cứu Sổ hộ tịch"', 'name="Tra cứu Sổ hộ tịch điện tử"')
    assert renamed != CAMUNDA
    assert upload(api, renamed).status_code == 201
    publish(api, 2)
    assert versions(api) == [(1, "retired"), (2, "published")]
    newer = receive(api, CODE)["code"]
    detail = {code: ok(api.get(f"/dossiers/{code}", "giamsat")) for code in (running, newer)}
    assert (detail[running]["procedure_version"], detail[newer]["procedure_version"]) == (1, 2)
    names = {code: detail[code]["open_tasks"][0]["name"] for code in detail}
    assert names == {running: "Tra cứu Sổ hộ tịch", newer: "Tra cứu Sổ hộ tịch điện tử"}
    task = detail[running]["open_tasks"][0]
    ok(api.post(f"/tasks/{task['id']}/complete", "hotich.tanhoa", json={"data": {
        "loai_trich_luc": "khai_sinh", "so_ban": 1, "co_trong_so": True}}))
