"""A diagram that cannot go on in the apology path is the request's 422 naming the element, not a 500."""
from __future__ import annotations

import shutil

import pytest

from app.escalation import services
from tests.support.escalation import new_appointment

#: the gateway after the leader's step loses its default flow, and no condition matches "tra_lai"
BROKEN = (('id="Gateway_ky" name="Lãnh đạo ký?" default="Flow_tra_lai"', 'id="Gateway_ky" name="Lãnh đạo ký?"'),
          ('sourceRef="Gateway_ky" targetRef="Task_giai_trinh"/>',
           'sourceRef="Gateway_ky" targetRef="Task_giai_trinh"><bpmn:conditionExpression '
           'xsi:type="bpmn:tFormalExpression">quyet_dinh == \'khac\'</bpmn:conditionExpression></bpmn:sequenceFlow>'))


@pytest.fixture
def broken_apology(tmp_path, monkeypatch):
    """The system processes, with a gateway of the apology path that a rejection cannot pass."""
    for diagram in services.SYSTEM_BPMN.glob("*.bpmn"):
        shutil.copy(diagram, tmp_path / diagram.name)
    apology = tmp_path / "apology.bpmn"
    text = apology.read_text(encoding="utf-8")
    for before, after in BROKEN:
        assert before in text
        text = text.replace(before, after)
    apology.write_text(text, encoding="utf-8")
    monkeypatch.setattr(services, "SYSTEM_BPMN", tmp_path)
    services._system_process.cache_clear()
    yield
    services._system_process.cache_clear()


def test_a_gateway_that_cannot_be_decided_is_a_422_naming_it(broken_apology, api, late_dossier):
    escalation = late_dossier["escalation"]
    # The explanation is reached and written: the broken gateway comes after the leader's step.
    explained = api.post(f"/escalations/{escalation['id']}/explanation", "hotich.tanhoa",
                         json={"reason": "Cán bộ hộ tịch đi tập huấn, chưa bàn giao việc.",
                               "new_due_date": new_appointment(late_dossier).isoformat()})
    assert explained.status_code == 200, explained.get_json()

    response = api.post(f"/escalations/{escalation['id']}/reject", "lanhdao.tanhoa", json={"note": "Ghi rõ hơn."})

    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert problem["detail"].startswith("Quy trình không chạy tiếp được")
    assert problem["errors"][0]["element_id"] == "Gateway_ky"
    after = api.get(f"/escalations/{escalation['id']}", "lanhdao.tanhoa").get_json()
    assert after["state"] == "awaiting_signature"   # nothing half-written

