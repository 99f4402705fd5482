"""Checks on save and on demand: errors and warnings on the offending element,
hostile or unusable uploads refused quickly with nothing stored."""
from __future__ import annotations

import time

import pytest

from tests.support.api import ok, problem
from tests.support.procedures import CAMUNDA, CODE, line_of, upload

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

GATEWAY_FLOWS = '''<bpmn:sequenceFlow id="Flow_sau_tra_cuu" sourceRef="Task_tra_cuu_so" targetRef="Gateway_co_trong_so" />'''


def check(api, xml: str, legal_limit: str | None = "1d", user: str = "phantich") -> dict:
    return ok(api.post("/procedures/check", user, json={"bpmn_xml": xml, "forms": {}, "legal_limit": legal_limit}))


def at(report: list[dict], element_id: str) -> dict:
    found = [item for item in report if item["element_id"] == element_id]
    assert found, report
    return found[0]


def stored_procedures(api) -> list[dict]:
    return ok(api.get("/procedures", "phantich"))


def test_a_sound_diagram_has_neither_errors_nor_warnings(api, demo):
    assert check(api, CAMUNDA) == {"errors": [], "warnings": []}
    assert stored_procedures(api) == stored_procedures(api)
    assert CODE not in {p["code"] for p in stored_procedures(api)}     # checking stores nothing


# Each case: the diagram, the element at fault, words of the message, "errors" or "warnings".
EXTRA_TASK = ('<bpmn:userTask id="Task_le" name="Bước lẻ" camunda:candidateGroups="leader"><bpmn:extensionElements>'
              '<camunda:formData/><camunda:properties><camunda:property name="timeLimit" value="1h" />'
              '</camunda:properties></bpmn:extensionElements></bpmn:userTask>\n')
CASES = {
    "dangling task": (CAMUNDA.replace("<bpmn:endEvent id=\"End_da_cap\">", EXTRA_TASK + "<bpmn:endEvent id=\"End_da_cap\">"),
                      "Task_le", "dangling", "errors"),
    "task without form": (CAMUNDA.replace("""<camunda:formData>
          <camunda:formField id="ly_do\"""", """<camunda:formDatx>
          <camunda:formField id="ly_do\"""").replace("""        </camunda:formData>
        <camunda:properties>
          <camunda:property name="timeLimit" value="1h" />""", """        </camunda:formDatx>
        <camunda:properties>
          <camunda:property name="timeLimit" value="1h" />"""), "Task_tra_loi", "biểu mẫu", "warnings"),
    "unreachable element": (CAMUNDA.replace("<bpmn:endEvent id=\"End_da_cap\">", EXTRA_TASK.replace(
        "</bpmn:userTask>", "<bpmn:outgoing>Flow_le</bpmn:outgoing></bpmn:userTask>")
        + '<bpmn:intermediateThrowEvent id="Event_le"/><bpmn:sequenceFlow id="Flow_le" sourceRef="Task_le" '
          'targetRef="End_da_cap" /><bpmn:sequenceFlow id="Flow_vong" sourceRef="Event_le" targetRef="Task_le" />'
          '<bpmn:sequenceFlow id="Flow_vong2" sourceRef="Task_le" targetRef="Event_le" />\n'
        + "<bpmn:endEvent id=\"End_da_cap\">"), "Task_le", "không thể tới", "warnings"),
    "gateway that neither splits nor joins": (
        CAMUNDA.replace('<bpmn:sequenceFlow id="Flow_da_ky" sourceRef="Task_ky_trich_luc" targetRef="End_da_cap" />',
                        '<bpmn:sequenceFlow id="Flow_da_ky" sourceRef="Task_ky_trich_luc" targetRef="Gateway_thua" />\n'
                        '<bpmn:exclusiveGateway id="Gateway_thua" />\n'
                        '<bpmn:sequenceFlow id="Flow_thua" sourceRef="Gateway_thua" targetRef="End_da_cap" />'),
        "Gateway_thua", "một luồng ra", "warnings"),
    "unknown role": (CAMUNDA.replace('candidateGroups="leader"', 'candidateGroups="chu_tich"'),
                     "Task_ky_trich_luc", "chu_tich", "errors"),
    "missing timeLimit": (CAMUNDA.replace('<camunda:property name="timeLimit" value="1h" />', ""),
                          "Task_tra_loi", "timeLimit", "errors"),
    "gateway flow without condition": (CAMUNDA.replace(
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${co_trong_so == False}</bpmn:conditionExpression>', ""),
        "Flow_khong_co", "điều kiện", "errors"),
    "JUEL method call": (CAMUNDA.replace("${co_trong_so == False}", "${execution.getVariable('co_trong_so')}"),
                         "Flow_khong_co", "getVariable", "errors"),
    "JUEL ternary": (CAMUNDA.replace("${co_trong_so == False}", "${co_trong_so ? false : true}"),
                     "Flow_khong_co", "ba ngôi", "errors"),
    "deferred JUEL": (CAMUNDA.replace("${co_trong_so == False}", "#{co_trong_so == false}"),
                      "Flow_khong_co", "#{", "errors"),
    "script escaping": (CAMUNDA.replace("${co_trong_so == False}", "${().__class__.__bases__}"),
                        "Flow_khong_co", "thuộc tính", "errors"),
    "unsupported element": (CAMUNDA.replace(
        '<bpmn:sequenceFlow id="Flow_da_ky" sourceRef="Task_ky_trich_luc" targetRef="End_da_cap" />',
        '<bpmn:sequenceFlow id="Flow_da_ky" sourceRef="Task_ky_trich_luc" targetRef="Service_gui" />\n'
        '<bpmn:serviceTask id="Service_gui" name="Gửi" />\n'
        '<bpmn:sequenceFlow id="Flow_gui" sourceRef="Service_gui" targetRef="End_da_cap" />'),
        "Service_gui", "serviceTask", "errors"),
    "invalid form definition": (CAMUNDA.replace('<camunda:formField id="ly_do" label="Lý do" type="string">',
                                                '<camunda:formField id="ly_do" label="Lý do" type="money">'),
                                "Task_tra_loi", "money", "errors"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_check_names_the_element_and_line(api, demo, case):
    xml, element_id, words, severity = CASES[case]
    report = check(api, xml)
    item = at(report[severity], element_id)
    assert words in item["message"] and item["line"] == line_of(xml, element_id)
    other = "warnings" if severity == "errors" else "errors"
    assert element_id not in {i["element_id"] for i in report[other]}


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][3] == "errors"])
def test_saving_refuses_errors_and_stores_nothing(api, demo, case):
    xml, element_id, _words, _severity = CASES[case]
    errors = problem(upload(api, xml), 422)["errors"]
    assert at(errors, element_id)["line"] == line_of(xml, element_id)
    problem(api.get(f"/procedures/{CODE}", "phantich"), 404)


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][3] == "warnings"])
def test_saving_with_warnings_succeeds_and_returns_them(api, demo, case):
    xml, element_id, words, _severity = CASES[case]
    saved = ok(upload(api, xml), 201)
    assert saved["status"] == "draft" and words in at(saved["warnings"], element_id)["message"]


def test_longest_path_over_the_legal_limit_is_an_error_on_the_process(api, demo):
    xml = CAMUNDA.replace('name="timeLimit" value="2h"', 'name="timeLimit" value="2d"')
    assert "1d" in at(check(api, xml)["errors"], "Process_trich_luc")["message"]
    assert check(api, xml, legal_limit=None)["errors"] == []        # no limit given: not compared
    assert check(api, xml, legal_limit="3d")["errors"] == []


def test_check_validates_its_body_and_is_for_authors(api, demo):
    problem(api.post("/procedures/check", "phantich", json={"bpmn_xml": CAMUNDA, "legal_limit": "ba ngày"}), 422)
    problem(api.post("/procedures/check", "phantich", json={"forms": {}}), 422)
    problem(api.post("/procedures/check", "chuyenvien.tanhoa", json={"bpmn_xml": CAMUNDA}), 403)


XXE = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       + CAMUNDA.split("?>", 1)[1].replace('name="Tra cứu Sổ hộ tịch"', 'name="&x;"'))
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
          + ']>' + CAMUNDA.split("?>", 1)[1].replace('name="Tra cứu Sổ hộ tịch"', 'name="&lol9;"'))
HOSTILE = {
    "XXE": XXE, "billion laughs": LAUGHS, "malformed": CAMUNDA[: len(CAMUNDA) // 2],
    "no DOCTYPE but an entity": CAMUNDA.replace("<bpmn:process", "<!ENTITY x 'y'><bpmn:process", 1),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_or_malformed_xml_is_refused_quickly_and_nothing_stored(api, demo, draft, case):
    before = stored_procedures(api)
    started = time.monotonic()
    assert problem(upload(api, HOSTILE[case], code="thu-tuc-doc"), 422)["errors"][0]["message"]
    problem(api.put(f"/procedures/{CODE}/versions/1", "phantich", json={"bpmn_xml": HOSTILE[case]}), 422)
    assert check(api, HOSTILE[case])["errors"]
    assert time.monotonic() - started < 2
    assert stored_procedures(api) == before
    versions = ok(api.get(f"/procedures/{CODE}/versions", "phantich"))
    assert [v["version"] for v in versions] == [1]
    assert ok(api.get(f"/procedures/{CODE}/versions/1/diff/1", "phantich")) == {"added": [], "removed": [], "changed": []}
