"""Reading procedures in both dialects, and every problem pinned to its element."""
from fractions import Fraction
from pathlib import Path

import pytest

from app.procedures.dialect import ProcedureError, read_procedure

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">\n')


def camunda(task_attrs='camunda:candidateGroups="officer"', props='<camunda:property name="timeLimit" value="2d"/>',
            extra="", target="EndEvent_1") -> bytes:
    return (HEAD + f'''<bpmn:process id="Process_t" name="Thử" isExecutable="true">
<bpmn:startEvent id="StartEvent_1"/>
<bpmn:userTask id="Task_a" name="Bước A" {task_attrs}>
<bpmn:extensionElements><camunda:properties>{props}</camunda:properties>
<camunda:formData><camunda:formField id="ok" label="Đồng ý" type="boolean"/></camunda:formData>
</bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="EndEvent_1"/>
<bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_a"/>
<bpmn:sequenceFlow id="Flow_2" sourceRef="Task_a" targetRef="{target}"/>
{extra}
</bpmn:process></bpmn:definitions>''').encode()


def problems_of(xml: bytes, forms=None):
    with pytest.raises(ProcedureError) as caught:
        read_procedure(xml, forms)
    return caught.value.problems


def test_reads_a_camunda_task():
    definition = read_procedure(camunda(props='<camunda:property name="timeLimit" value="2d"/>'
                                              '<camunda:property name="unit" value="police"/>'))
    task = definition.user_tasks["Task_a"]
    assert (definition.process_id, task.role, str(task.time_limit), task.unit) == ("Process_t", "officer", "2d", "police")
    assert [f.id for f in task.form] == ["ok"] and task.line == 5


@pytest.mark.parametrize("xml, element, words", [
    (camunda(task_attrs=""), "Task_a", "chưa có vai trò"),
    (camunda(props=""), "Task_a", "chưa có thời hạn"),
    (camunda(props='<camunda:property name="timeLimit" value="2 weeks"/>'), "Task_a", "timeLimit"),
    (camunda(target="Nowhere"), "Flow_2", "không tồn tại"),
    (camunda(task_attrs='camunda:candidateGroups="officer,leader"'), "Task_a", "nhiều vai trò"),
    (camunda(extra='<bpmn:scriptTask id="Script_1"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>'),
     "Script_1", "script"),
    (camunda(extra='<bpmn:sequenceFlow id="Flow_x" sourceRef="Task_a" targetRef="EndEvent_1">'
                   '<bpmn:conditionExpression>__import__("os")</bpmn:conditionExpression></bpmn:sequenceFlow>'),
     "Flow_x", "Điều kiện"),
    (camunda(extra='<bpmn:task id="Start"/>'), "Start", "dùng riêng"),
])
def test_problems_name_the_element(xml, element, words):
    problems = problems_of(xml)
    assert any(p.element_id == element and words in p.message and p.line for p in problems), problems


def test_exclusive_gateway_needs_conditions_or_default():
    xml = camunda(extra='''<bpmn:exclusiveGateway id="Gateway_1"/>
<bpmn:sequenceFlow id="Flow_in" sourceRef="Task_a" targetRef="Gateway_1"/>
<bpmn:sequenceFlow id="Flow_a" sourceRef="Gateway_1" targetRef="EndEvent_1"/>
<bpmn:sequenceFlow id="Flow_b" sourceRef="Gateway_1" targetRef="Task_a"/>''')
    assert {p.element_id for p in problems_of(xml)} == {"Flow_a", "Flow_b"}


@pytest.mark.parametrize("xml, words", [
    (b"not xml at all", "cú pháp"),
    (b'<?xml version="1.0"?><root/>', "bpmn:definitions"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>', "DOCTYPE"),
    (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>', "DOCTYPE"),
    (HEAD.encode() + b'<bpmn:process id="P" isExecutable="false"/></bpmn:definitions>', "thực thi"),
    (b"<a>" * 100 + b"</a>" * 100, "bpmn:definitions"),
    (b" " * (2 * 1024 * 1024 + 1), "vượt quá"),
])
def test_files_that_are_not_usable_bpmn(xml, words):
    assert any(words in p.message for p in problems_of(xml))


def test_deep_nesting_is_refused():
    xml = HEAD + "<bpmn:documentation>" * 80 + "</bpmn:documentation>" * 80 + "</bpmn:definitions>"
    assert any("lồng nhau" in p.message for p in problems_of(xml.encode()))


def test_dollar_wrappers_are_stripped_for_the_engine():
    definition = read_procedure((ROOT / "tests/fixtures/loop.bpmn").read_bytes())
    assert b"${" not in definition.normalized_xml and b"tiep_tuc == True" in definition.normalized_xml


def test_longest_path_ignores_loops_and_takes_the_longer_branch():
    xml = (ROOT / "bpmn/procedures/cap-phep-xay-dung-nha-o.bpmn").read_bytes()
    definition = read_procedure(xml)
    hours = {t: d.time_limit.hours(Fraction(8)) for t, d in definition.user_tasks.items()}
    # every step but none twice: the consultation branch is the longer one
    assert definition.longest_path_hours(Fraction(8)) == sum(hours.values())


def test_spiff_dialect_with_lanes_and_json_schema_forms():
    folder = ROOT / "bpmn/procedures"
    forms = {p.name: __import__("json").loads(p.read_text()) for p in folder.glob("dang-ky-ho-kinh-doanh-*.schema.json")}
    definition = read_procedure((folder / "dang-ky-ho-kinh-doanh.bpmn").read_bytes(), forms)
    roles = {t.role for t in definition.user_tasks.values()}
    assert roles == {"officer", "leader"}
    assert all(t.form for t in definition.user_tasks.values())
    problems = problems_of((folder / "dang-ky-ho-kinh-doanh.bpmn").read_bytes(), {})
    assert all("chưa tải lên" in p.message and p.element_id for p in problems)
