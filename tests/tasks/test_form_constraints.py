"""Validation written in the diagram: Camunda ``camunda:validation`` constraints (pattern, date
bounds, a ``validate`` condition with its message) and the JSON Schema keywords of SpiffArena
forms; refused at upload naming the element and field, checked when a step is completed."""
from datetime import date

import pytest

from app.procedures.dialect import ProcedureError, read_procedure
from app.tasks.forms import FormField, Rule, fields_from_json_schema, validate

pytestmark = pytest.mark.unit

TODAY = date(2026, 3, 10)
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">\n')
ISSUED = '''<camunda:formField id="ngay_cap" label="Ngày cấp" type="date">
  <camunda:validation><camunda:constraint name="required"/><camunda:constraint name="max" config="today"/></camunda:validation>
</camunda:formField>'''
PERIOD = '''<camunda:formField id="tu_ngay" label="Từ ngày" type="date"/>
<camunda:formField id="den_ngay" label="Đến ngày" type="date">
  <camunda:properties><camunda:property id="validateMessage" value="phải sau Từ ngày."/></camunda:properties>
  <camunda:validation><camunda:constraint name="validate" config="{condition}"/></camunda:validation>
</camunda:formField>'''
IDENTITY = '''<camunda:formField id="so_cccd" label="Số CCCD" type="string">
  <camunda:properties><camunda:property id="patternMessage" value="gồm đúng 12 chữ số."/></camunda:properties>
  <camunda:validation><camunda:constraint name="pattern" config="{pattern}"/></camunda:validation>
</camunda:formField>'''


def diagram(fields: str) -> bytes:
    return (HEAD + f'''<bpmn:process id="Process_t" isExecutable="true">
<bpmn:startEvent id="StartEvent_1"/>
<bpmn:userTask id="Task_a" name="Bước A" camunda:candidateGroups="officer">
<bpmn:extensionElements><camunda:properties><camunda:property name="timeLimit" value="2d"/></camunda:properties>
<camunda:formData>{fields}</camunda:formData></bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="EndEvent_1"/>
<bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_a"/>
<bpmn:sequenceFlow id="Flow_2" sourceRef="Task_a" targetRef="EndEvent_1"/>
</bpmn:process></bpmn:definitions>''').encode()


def form(fields: str) -> list[FormField]:
    return list(read_procedure(diagram(fields)).user_tasks["Task_a"].form)


GOOD = ISSUED + PERIOD.format(condition="den_ngay &gt;= tu_ngay") + IDENTITY.format(pattern="[0-9]{12}")
RIGHT = {"ngay_cap": "2026-03-10", "tu_ngay": "2026-03-01", "den_ngay": "2026-03-01", "so_cccd": "001099012345"}


def test_the_diagram_says_what_is_checked():
    by_id = {f.id: f for f in form(GOOD)}
    assert by_id["ngay_cap"].max_date == "today"
    assert by_id["den_ngay"].rules == (Rule("den_ngay >= tu_ngay", "phải sau Từ ngày."),)
    assert (by_id["so_cccd"].pattern, by_id["so_cccd"].pattern_message) == ("[0-9]{12}", "gồm đúng 12 chữ số.")
    assert validate(form(GOOD), RIGHT, TODAY) == (RIGHT, {})


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"ngay_cap": "2026-03-11"}, "ngay_cap", "Ngày cấp: không được sau ngày hôm nay."),
    ({"den_ngay": "2026-02-28"}, "den_ngay", "Đến ngày: phải sau Từ ngày."),
    ({"so_cccd": "00109901234A"}, "so_cccd", "Số CCCD: gồm đúng 12 chữ số."),
    ({"so_cccd": "0010990123456"}, "so_cccd", "Số CCCD: gồm đúng 12 chữ số."),
    ({"ngay_cap": ""}, "ngay_cap", "Ngày cấp: trường này là bắt buộc."),
])
def test_each_broken_constraint_is_named_with_the_fields_label(change, field, message):
    assert validate(form(GOOD), {**RIGHT, **change}, TODAY)[1] == {field: message}


def test_a_condition_waits_for_the_fields_it_names():
    """A blank optional "from" is not a broken "to after from": that is ``required``'s business."""
    assert validate(form(GOOD), {**RIGHT, "tu_ngay": ""}, TODAY)[1] == {}


def test_today_is_the_day_checked_against():
    assert validate(form(GOOD), {**RIGHT, "ngay_cap": "2026-03-11"}, date(2026, 3, 11))[1] == {}


@pytest.mark.parametrize(("fields", "words"), [
    (PERIOD.format(condition="den_ngay &gt;="), "den_ngay"),                       # not an expression
    (PERIOD.format(condition="__import__('os')"), "den_ngay"),                     # not the safe language
    (PERIOD.format(condition="den_ngay &gt; ngay_ky"), "'ngay_ky' không phải trường"),  # no such field
    (PERIOD.replace('<camunda:properties><camunda:property id="validateMessage" value="phải sau Từ ngày."/>'
                    '</camunda:properties>', "").format(condition="den_ngay &gt; tu_ngay"), "validateMessage"),
    (IDENTITY.format(pattern="([0-9]+)+"), "nhóm lặp"),                            # could run for ever
    (IDENTITY.format(pattern="[0-9"), "không hợp lệ"),
    (ISSUED.replace('config="today"', 'config="mai"'), "'today'"),
    (ISSUED.replace('name="required"', 'name="validator"'), "'validator' không được hỗ trợ"),
])
def test_a_bad_constraint_is_refused_at_upload_naming_element_and_field(fields, words):
    with pytest.raises(ProcedureError) as caught:
        read_procedure(diagram(fields))
    (found,) = caught.value.problems
    assert found.element_id == "Task_a" and words in found.message and "trường '" in found.message


def test_a_read_only_field_keeps_its_default_whatever_is_sent():
    fields = [FormField("ma", "Mã", "string", default="A1", readonly=True)]
    assert validate(fields, {"ma": "khác"}, TODAY) == ({"ma": "A1"}, {})


def test_json_schema_forms_say_the_same():
    fields = fields_from_json_schema({"type": "object", "required": ["ngay_cap"], "properties": {
        "ngay_cap": {"type": "string", "format": "date", "title": "Ngày cấp", "formatMaximum": "today"},
        "tu_ngay": {"type": "string", "format": "date", "title": "Từ ngày"},
        "den_ngay": {"type": "string", "format": "date", "title": "Đến ngày",
                     "x-validate": {"condition": "den_ngay >= tu_ngay", "message": "phải sau Từ ngày."}},
        "so_cccd": {"type": "string", "title": "Số CCCD", "pattern": "[0-9]{12}",
                    "x-patternMessage": "gồm đúng 12 chữ số."},
        "ma": {"type": "string", "title": "Mã", "readOnly": True, "default": "A1"},
    }})
    assert validate(fields, {**RIGHT, "ma": "B2"}, TODAY) == ({**RIGHT, "ma": "A1"}, {})
    wrong = {"ngay_cap": "2026-03-11", "tu_ngay": "2026-03-05", "den_ngay": "2026-03-01", "so_cccd": "12"}
    assert validate(fields, wrong, TODAY)[1] == {
        "ngay_cap": "Ngày cấp: không được sau ngày hôm nay.", "den_ngay": "Đến ngày: phải sau Từ ngày.",
        "so_cccd": "Số CCCD: gồm đúng 12 chữ số."}
    with pytest.raises(ValueError, match="ngay_ky"):
        fields_from_json_schema({"type": "object", "properties": {
            "a": {"type": "string", "x-validate": {"condition": "a > ngay_ky", "message": "sai"}}}})
