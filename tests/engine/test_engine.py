"""The engine adapter: running, serializing and pruning real workflows."""
import json
from pathlib import Path

import pytest

from app import engine

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def load(name: str):
    path = ROOT / name
    definition = engine.compile_procedure(path.read_bytes())
    return (name, definition.normalized_xml, definition.process_id)


def restore(args, state):
    return engine.DossierWorkflow.restore(*args, state)


def test_loop_state_stays_the_same_size_however_long_the_dossier():
    args = load("tests/fixtures/loop.bpmn")
    run = engine.DossierWorkflow.start(*args, data={})
    state, sizes = run.serialize(), []
    for step in range(40):
        run = restore(args, state)
        (ready,) = run.ready_user_tasks()
        if step:
            assert run.task_data(ready.engine_task_id)["ghi_chu"] == f"lần {step - 1}"
        run.complete(ready.engine_task_id, {"tiep_tuc": True, "ghi_chu": f"lần {step}"})
        state = run.serialize()
        sizes.append(len(json.loads(state)["tasks"]))
    assert max(sizes) == min(sizes), sizes
    run = restore(args, state)
    run.complete(run.ready_user_tasks()[0].engine_task_id, {"tiep_tuc": False})
    assert run.is_completed and run.data["ghi_chu"] == "lần 39"


def test_parallel_branches_join_after_restores_between_steps():
    args = load("bpmn/procedures/lien-thong-3-trong-1.bpmn")
    run = engine.DossierWorkflow.start(*args, data={})
    order = []
    for _ in range(10):
        state = run.serialize()
        run = restore(args, state)
        ready = run.ready_user_tasks()
        if not ready:
            break
        order.append(sorted(t.element_id for t in ready))
        # complete only the last ready task, so branches finish one at a time
        run.complete(ready[-1].engine_task_id, {})
    assert order[0] == ["Task_dang_ky_khai_sinh"]
    assert order[1] == ["Task_cap_the_bhyt", "Task_dang_ky_thuong_tru"]
    assert len(order[2]) == 1 and order[3] == ["Task_tong_hop_ket_qua"]
    assert run.is_completed


def test_supplement_message_loops_back_to_the_check():
    args = load("bpmn/procedures/cap-phep-xay-dung-nha-o.bpmn")
    run = engine.DossierWorkflow.start(*args, data={})
    (check,) = run.ready_user_tasks()
    run.complete(check.engine_task_id, {"ho_so_day_du": False, "noi_dung_bo_sung": "Bản vẽ"})
    run = restore(args, run.serialize())
    assert run.waiting_messages() == {"supplement_received"} and run.ready_user_tasks() == []
    run.send_message("supplement_received")
    (again,) = run.ready_user_tasks()
    assert again.element_id == "Task_kiem_tra_ho_so" and again.engine_task_id != check.engine_task_id


def test_a_failing_condition_is_an_engine_error_naming_the_gateway():
    xml = (ROOT / "tests/fixtures/loop.bpmn").read_text().replace("${tiep_tuc == True}", "ghi_chu > 3")
    definition = engine.compile_procedure(xml.encode())
    args = ("failing-condition", definition.normalized_xml, definition.process_id)
    run = engine.DossierWorkflow.start(*args, data={})
    (ready,) = run.ready_user_tasks()
    with pytest.raises(engine.EngineError) as caught:
        run.complete(ready.engine_task_id, {"ghi_chu": None})
    assert caught.value.element_id == "Gateway_lap"


def test_completing_a_task_that_is_not_ready_is_refused():
    args = load("tests/fixtures/loop.bpmn")
    run = engine.DossierWorkflow.start(*args, data={})
    (ready,) = run.ready_user_tasks()
    run.complete(ready.engine_task_id, {"tiep_tuc": False})
    with pytest.raises(engine.EngineError):
        run.complete(ready.engine_task_id, {})


def test_schema_invalid_bpmn_is_reported_with_a_line():
    xml = (ROOT / "tests/fixtures/loop.bpmn").read_text().replace(
        '<bpmn:exclusiveGateway id="Gateway_lap"', '<bpmn:exclusiveGateway bogus="1" id="Gateway_lap"')
    with pytest.raises(engine.ProcedureError) as caught:
        engine.compile_procedure(xml.encode())
    assert caught.value.problems[0].line


def test_a_gateway_with_no_true_branch_is_reported_in_vietnamese():
    xml = ((ROOT / "tests/fixtures/loop.bpmn").read_text()
           .replace(' default="Flow_done"', "")
           .replace('targetRef="EndEvent_1"/>', 'targetRef="EndEvent_1"><bpmn:conditionExpression>'
                    "${tiep_tuc == False}</bpmn:conditionExpression></bpmn:sequenceFlow>"))
    definition = engine.compile_procedure(xml.encode())
    run = engine.DossierWorkflow.start("no-true-branch", definition.normalized_xml, definition.process_id, data={})
    (ready,) = run.ready_user_tasks()
    with pytest.raises(engine.EngineError) as caught:
        run.complete(ready.engine_task_id, {"tiep_tuc": None})
    assert caught.value.element_id == "Gateway_lap"
    assert str(caught.value).startswith("không nhánh nào ra khỏi cổng rẽ nhánh")
