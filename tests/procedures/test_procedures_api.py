"""Uploading procedures in both BPMN dialects, refusing bad ones, publishing,
and running dossiers on what was uploaded."""
from __future__ import annotations

import io
import json
import re

import pytest

from tests.support.api import FIXTURES, complete, error_fields, ok, open_steps, problem, receive

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

CAMUNDA = (FIXTURES / "cap-trich-luc.bpmn").read_text(encoding="utf-8")
SPIFF = (FIXTURES / "xac-nhan-cu-tru.bpmn").read_text(encoding="utf-8")
SPIFF_FORMS = {name: json.loads((FIXTURES / name).read_text(encoding="utf-8"))
               for name in ("xac-minh-cu-tru.schema.json", "doi-chieu-cu-tru.schema.json")}
CATALOGUE = {
    "cap-trich-luc": {
        "code": "cap-trich-luc", "name": "Cấp bản sao trích lục hộ tịch", "field": "Hộ tịch",
        "level": "commune", "legal_limit": "1d", "fee": {"amount": 8000, "description": "8.000 đồng/bản"},
        "documents": ["Tờ khai", {"name": "Giấy tờ tùy thân", "copies": 1, "required": True}],
        "effective_from": "2025-07-01", "effective_to": None,
    },
    "xac-nhan-cu-tru": {
        "code": "xac-nhan-cu-tru", "name": "Xác nhận thông tin cư trú", "field": "Cư trú",
        "level": "commune", "legal_limit": "2d", "fee": 0, "documents": [{"name": "Tờ khai", "copies": 1}],
    },
}


def upload_json(api, code: str, xml: str, forms=None, user="phantich"):
    return api.post("/procedures", user, json={**CATALOGUE[code], "bpmn_xml": xml, "forms": forms or {}})


def upload_multipart(api, code: str, xml: str, forms=None, user="phantich"):
    fields = {key: json.dumps(value) if isinstance(value, (dict, list)) else str(value)
              for key, value in CATALOGUE[code].items() if value is not None}
    fields["file"] = (io.BytesIO(xml.encode()), f"{code}.bpmn")
    fields["forms"] = [(io.BytesIO(json.dumps(schema).encode()), name) for name, schema in (forms or {}).items()]
    return api.post("/procedures", user, data=fields, content_type="multipart/form-data")


UPLOADS = {"json": upload_json, "multipart": upload_multipart}


def publish(api, code: str, number: int = 1, user="phantich") -> dict:
    return ok(api.post(f"/procedures/{code}/versions/{number}/publish", user))


def catalogue(api) -> list[dict]:
    return ok(api.get("/procedures", "chuyenvien.tanhoa"))


@pytest.mark.parametrize("transport", UPLOADS)
def test_camunda_upload_publish_and_run_both_branches(api, demo, transport):
    created = ok(UPLOADS[transport](api, "cap-trich-luc", CAMUNDA), 201)
    assert created["code"] == "cap-trich-luc" and created["version"] == 1 and created["status"] == "draft"
    listed = {p["code"]: p for p in catalogue(api)}["cap-trich-luc"]
    assert (listed["version"], listed["status"], listed["legal_limit"], listed["level"]) == (1, "draft", "1d", "commune")
    problem(api.post("/dossiers", "motcua.tanhoa", json={
        "procedure_code": "cap-trich-luc", "applicant": {"full_name": "A"}}), 422)   # not published yet

    assert publish(api, "cap-trich-luc")["status"] == "published"
    detail = ok(api.get("/procedures/cap-trich-luc", "motcua.tanhoa"))
    assert detail["fee"] == {"amount": 8000, "description": "8.000 đồng/bản"}
    assert [d["name"] for d in detail["documents"]] == ["Tờ khai", "Giấy tờ tùy thân"]
    steps = {task["element_id"]: task for task in detail["user_tasks"]}
    assert steps["Task_tra_cuu_so"]["role"] == "civil_status_officer" and steps["Task_tra_cuu_so"]["time_limit"] == "2h"
    assert steps["Task_ky_trich_luc"]["role"] == "leader" and steps["Task_ky_trich_luc"]["time_limit"] == "0.5d"
    form = {f["id"]: f for f in steps["Task_tra_cuu_so"]["form"]}
    assert form["so_ban"]["type"] == "long" and (form["so_ban"]["min"], form["so_ban"]["max"]) == (1, 10)
    assert [o["value"] for o in form["loai_trich_luc"]["options"]] == ["khai_sinh", "ket_hon"]
    assert form["co_trong_so"]["required"] and not form["ghi_chu"]["required"]

    found = receive(api, "cap-trich-luc")["code"]
    complete(api, found, "Task_tra_cuu_so", "hotich.tanhoa",
             {"loai_trich_luc": "khai_sinh", "so_ban": 2, "co_trong_so": True, "ngay_dang_ky": "2020-05-01"})
    assert open_steps(api, found) == {"Task_ky_trich_luc"}
    complete(api, found, "Task_ky_trich_luc", "lanhdao.tanhoa", {"so_trich_luc": "12/TLKS"})
    assert ok(api.get(f"/dossiers/{found}", "motcua.tanhoa"))["status"] == "ready_for_return"

    missing = receive(api, "cap-trich-luc")["code"]
    complete(api, missing, "Task_tra_cuu_so", "hotich.tanhoa",
             {"loai_trich_luc": "ket_hon", "so_ban": 1, "co_trong_so": False})
    assert open_steps(api, missing) == {"Task_tra_loi"}


@pytest.mark.parametrize("transport", UPLOADS)
def test_spiffarena_upload_with_lanes_properties_and_json_schema_forms(api, demo, transport):
    created = ok(UPLOADS[transport](api, "xac-nhan-cu-tru", SPIFF, SPIFF_FORMS), 201)
    assert (created["version"], created["status"]) == (1, "draft")
    publish(api, "xac-nhan-cu-tru")
    steps = {t["element_id"]: t for t in ok(api.get("/procedures/xac-nhan-cu-tru", "phantich"))["user_tasks"]}
    assert (steps["Task_doi_chieu_cu_tru"]["role"], steps["Task_doi_chieu_cu_tru"]["unit"]) == ("police_officer", "police")
    assert steps["Task_xac_minh"]["role"] == "officer"        # from its lane
    assert steps["Task_ky_xac_nhan"]["role"] == "leader"
    form = {f["id"]: f for f in steps["Task_xac_minh"]["form"]}
    assert form["so_nhan_khau"]["type"] == "long" and form["so_nhan_khau"]["max"] == 50
    assert form["ngay_xac_minh"]["type"] == "date" and form["hinh_thuc"]["type"] == "enum"
    assert form["noi_cu_tru"]["required"] and form["noi_cu_tru"]["minlength"] == 5

    code = receive(api, "xac-nhan-cu-tru")["code"]
    police_task = complete(api, code, "Task_doi_chieu_cu_tru", "congan.tanhoa", {"khop_du_lieu": True})
    assert police_task["unit_code"] == "CA-TAN-HOA"
    complete(api, code, "Task_xac_minh", "chuyenvien.tanhoa",
             {"noi_cu_tru": "Thôn Đông, xã Tân Hòa", "so_nhan_khau": 4, "du_dieu_kien": True})
    assert open_steps(api, code) == {"Task_ky_xac_nhan"}
    complete(api, code, "Task_ky_xac_nhan", "lanhdao.tanhoa", {})
    assert ok(api.get(f"/dossiers/{code}", "motcua.tanhoa"))["status"] == "ready_for_return"


def _line_of(xml: str, element_id: str) -> int:
    return next(number for number, line in enumerate(xml.splitlines(), 1) if f'id="{element_id}"' in line)


BAD_CAMUNDA = {
    "user task without role": (CAMUNDA.replace(' camunda:candidateGroups="leader"', ""), "Task_ky_trich_luc"),
    "user task without timeLimit": (
        CAMUNDA.replace('<camunda:property name="timeLimit" value="1h" />', ""), "Task_tra_loi"),
    "flow to a missing element": (
        CAMUNDA.replace('targetRef="End_da_cap"', 'targetRef="End_khong_co"'), "Flow_da_ky"),
    "unknown role": (CAMUNDA.replace('candidateGroups="leader"', 'candidateGroups="chu_tich"'), "Task_ky_trich_luc"),
    "bad condition": (CAMUNDA.replace("${co_trong_so == False}", "${__import__('os')}"), "Flow_khong_co"),
}


@pytest.mark.parametrize("case", BAD_CAMUNDA)
def test_bad_bpmn_is_refused_naming_the_element_and_nothing_is_stored(api, demo, case):
    xml, element_id = BAD_CAMUNDA[case]
    before = catalogue(api)
    errors = problem(upload_json(api, "cap-trich-luc", xml), 422)["errors"]
    at_fault = [e for e in errors if e["element_id"] == element_id]
    assert at_fault, errors
    assert at_fault[0]["line"] == _line_of(xml, element_id) and at_fault[0]["message"]
    assert catalogue(api) == before
    problem(api.get("/procedures/cap-trich-luc", "phantich"), 404)


def test_steps_longer_than_the_legal_limit_are_refused(api, demo):
    xml = CAMUNDA.replace('name="timeLimit" value="2h"', 'name="timeLimit" value="2d"')
    errors = problem(upload_json(api, "cap-trich-luc", xml), 422)["errors"]
    assert [e["element_id"] for e in errors] == ["Process_trich_luc"]
    assert "1d" in errors[0]["message"]
    problem(api.get("/procedures/cap-trich-luc", "phantich"), 404)


@pytest.mark.parametrize("xml", ["this is not XML", "<bpmn:definitions", '<?xml version="1.0"?><html><body/></html>',
                                 '<definitions xmlns="urn:not-bpmn"><process id="p"/></definitions>'])
def test_what_is_not_bpmn_is_refused(api, demo, xml):
    before = catalogue(api)
    errors = problem(upload_json(api, "cap-trich-luc", xml), 422)["errors"]
    assert errors and all({"element_id", "line", "message"} <= set(e) for e in errors)
    assert catalogue(api) == before


def test_a_bad_new_version_leaves_the_published_one_alone(api, demo):
    ok(upload_json(api, "cap-trich-luc", CAMUNDA), 201)
    publish(api, "cap-trich-luc")
    problem(upload_json(api, "cap-trich-luc", BAD_CAMUNDA["unknown role"][0]), 422)
    versions = ok(api.get("/procedures/cap-trich-luc", "phantich"))["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(1, "published")]

    second = ok(upload_json(api, "cap-trich-luc", CAMUNDA.replace('value="0.5d"', 'value="4h"')), 201)
    assert second["version"] == 2
    listed = {p["code"]: p for p in catalogue(api)}["cap-trich-luc"]
    assert (listed["version"], listed["status"]) == (1, "published")     # the draft does not take dossiers yet
    publish(api, "cap-trich-luc", 2)
    versions = ok(api.get("/procedures/cap-trich-luc", "phantich"))["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(1, "retired"), (2, "published")]


def test_spiff_form_file_must_be_uploaded_and_well_formed(api, demo):
    errors = problem(upload_json(api, "xac-nhan-cu-tru", SPIFF, {}), 422)["errors"]
    assert {"Task_xac_minh", "Task_doi_chieu_cu_tru"} <= {e["element_id"] for e in errors}
    broken = {**SPIFF_FORMS, "xac-minh-cu-tru.schema.json": {"type": "object", "properties": {"x": {"minLength": "3"}},
                                                             "required": 5}}
    fields = error_fields(upload_json(api, "xac-nhan-cu-tru", SPIFF, broken))
    assert any(f.startswith("forms.xac-minh-cu-tru.schema.json") for f in fields), fields


@pytest.mark.parametrize("change, field", [
    ({"code": ""}, "code"),
    ({"code": "có dấu cách"}, "code"),
    ({"name": None}, "name"),
    ({"legal_limit": "ba ngày"}, "legal_limit"),
    ({"level": "village"}, "level"),
    ({"fee": -5}, "fee"),
    ({"fee": {"amount": "free"}}, "fee.amount"),
    ({"fee": 10**12}, "fee"),
    ({"documents": "Tờ khai"}, "documents"),
    ({"documents": [{"copies": 2}]}, "documents.0.name"),
    ({"effective_from": "01/07/2025"}, "effective_from"),
    ({"effective_from": "2025-07-01", "effective_to": "2025-01-01"}, "effective_to"),
    ({"bpmn_xml": 42}, "bpmn_xml"),
    ({"forms": []}, "forms"),
    ({"unexpected": 1}, "unexpected"),
])
def test_catalogue_errors_name_the_field(api, demo, change, field):
    body = {**CATALOGUE["cap-trich-luc"], "bpmn_xml": CAMUNDA, **change}
    assert field in error_fields(api.post("/procedures", "phantich", json=body))


def test_multipart_without_file_or_with_bad_json_parts(api, demo):
    assert error_fields(api.post("/procedures", "phantich", data={"code": "x"}, content_type="multipart/form-data")) == {"file"}
    bad_fee = {"code": "x", "name": "x", "legal_limit": "1d", "fee": "{oops",
               "file": (io.BytesIO(CAMUNDA.encode()), "x.bpmn")}
    assert error_fields(api.post("/procedures", "phantich", data=bad_fee, content_type="multipart/form-data")) == {"fee"}
    latin1 = {"code": "x", "name": "x", "legal_limit": "1d", "file": (io.BytesIO("Thủ tục".encode("utf-16")), "x.bpmn")}
    assert error_fields(api.post("/procedures", "phantich", data=latin1, content_type="multipart/form-data")) == {"file"}


def test_only_analysts_and_admins_write_procedures(api, demo):
    for user in ("chuyenvien.tanhoa", "motcua.tanhoa", "giamsat"):
        problem(upload_json(api, "cap-trich-luc", CAMUNDA, user=user), 403)
    ok(upload_json(api, "cap-trich-luc", CAMUNDA, user="admin"), 201)
    problem(api.post("/procedures/cap-trich-luc/versions/1/publish", "lanhdao.tanhoa"), 403)
    problem(api.get("/procedures"), 401)


def test_publishing_unknown_or_already_published_versions(api, demo):
    problem(api.post("/procedures/nope/versions/1/publish", "phantich"), 404)
    problem(api.post("/procedures/dang-ky-khai-sinh/versions/9/publish", "phantich"), 404)
    problem(api.post("/procedures/dang-ky-khai-sinh/versions/1/publish", "phantich"), 409)
    problem(api.get("/procedures/nope", "phantich"), 404)


def test_the_demo_catalogue_is_listed(api, demo):
    listed = {p["code"]: p for p in catalogue(api)}
    assert {"dang-ky-khai-sinh", "lien-thong-3-trong-1", "cap-phep-xay-dung-nha-o"} <= set(listed)
    assert all(p["status"] == "published" and p["version"] == 1 for p in listed.values())
    assert listed["cap-phep-xay-dung-nha-o"]["legal_limit"] == "15d"
    assert re.fullmatch(r"[a-z0-9-]+", listed["dang-ky-khai-sinh"]["code"])
