"""Long diagrams are checked without recursion: 2,000 chained steps with a
recursion limit far below their length."""
import sys
from fractions import Fraction

import pytest

from app import engine
from app.procedures.dialect import read_procedure

pytestmark = pytest.mark.unit

STEP = ('<bpmn:userTask id="T{i}" camunda:candidateGroups="officer"><bpmn:extensionElements><camunda:formData />'
        '<camunda:properties><camunda:property name="timeLimit" value="1h" /></camunda:properties>'
        '</bpmn:extensionElements></bpmn:userTask><bpmn:sequenceFlow id="F{i}" sourceRef="{prev}" targetRef="T{i}" />')


def chain(steps: int) -> bytes:
    body = "".join(STEP.format(i=i, prev=f"T{i - 1}" if i else "S") for i in range(steps))
    return ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">'
            f'<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="S" />{body}'
            f'<bpmn:endEvent id="E" /><bpmn:sequenceFlow id="FE" sourceRef="T{steps - 1}" targetRef="E" />'
            '</bpmn:process></bpmn:definitions>').encode()


@pytest.fixture
def shallow_stack():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    yield
    sys.setrecursionlimit(limit)


def test_two_thousand_steps_are_read_and_summed_without_recursion(shallow_stack):
    definition = read_procedure(chain(2000))
    assert len(definition.user_tasks) == 2000
    assert definition.longest_path_hours(Fraction(8)) == 2000


def test_a_loop_is_counted_once_on_the_longest_path():
    xml = chain(3).replace(b'<bpmn:endEvent id="E" />',
                           b'<bpmn:endEvent id="E" /><bpmn:sequenceFlow id="Back" sourceRef="T2" targetRef="T0" />')
    assert read_procedure(xml).longest_path_hours(Fraction(8)) == 3


def test_the_engine_loads_two_thousand_steps():
    definition = engine.compile_procedure(chain(2000))
    run = engine.DossierWorkflow.start("chain-2000", definition.normalized_xml, definition.process_id, {})
    assert [t.element_id for t in run.ready_user_tasks()] == ["T0"]
