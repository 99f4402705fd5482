"""A multi-instance step that names an output item collects each instance's form."""
from __future__ import annotations

import pytest

from tests.support.api import dossier, ok, receive
from tests.support.procedures import CATALOGUE

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="Defs_mi_out" targetNamespace="http://motcua.local/test">
  <bpmn:process id="Kiem_tra_song_song" isExecutable="true">
    <bpmn:startEvent id="Bat_dau"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Tham_dinh" name="Thẩm định" camunda:candidateGroups="officer">
      <bpmn:extensionElements>
        <camunda:properties><camunda:property name="timeLimit" value="1d" /></camunda:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="{sequential}">
        <bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">2</bpmn:loopCardinality>
        <bpmn:loopDataOutputRef>ket_qua</bpmn:loopDataOutputRef>
        <bpmn:outputDataItem id="mot_ket_qua" name="một kết quả" />
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:endEvent id="Ket_thuc"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Bat_dau" targetRef="Tham_dinh" />
    <bpmn:sequenceFlow id="f2" sourceRef="Tham_dinh" targetRef="Ket_thuc" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize("sequential", ["true", "false"])
def test_each_instance_hands_on_its_form_as_the_output_item(api, demo, sequential):
    code = f"mi-output-{sequential}"
    ok(api.post("/procedures", "phantich", json={**CATALOGUE, "code": code, "legal_limit": "10d",
                                                  "bpmn_xml": DIAGRAM.replace("{sequential}", sequential),
                                                  "forms": {}}), 201)
    ok(api.post(f"/procedures/{code}/versions/1/publish", "phantich"))
    dossier_code = receive(api, code)["code"]
    for _ in range(2):
        task = dossier(api, dossier_code)["open_tasks"][0]
        ok(api.post(f"/tasks/{task['id']}/complete", "chuyenvien.tanhoa", json={"data": {}}))
    assert dossier(api, dossier_code)["status"] == "ready_for_return"
