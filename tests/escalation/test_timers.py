"""BPMN timer events drawn by analysts fire on the application clock, by sweep."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app import clock
from app.db import session
from app.dossiers.services import get
from tests.support.escalation import APPLICANT

TIMER_BPMN = Path(__file__).resolve().parents[1] / "fixtures" / "timer.bpmn"


def test_a_timer_fires_when_the_clock_passes_it(api, demo, travel_clock, sweep):
    created = api.post("/procedures", "phantich", json={
        "code": "cho-niem-yet", "name": "Chờ niêm yết", "legal_limit": "1d", "bpmn_xml": TIMER_BPMN.read_text()})
    assert created.status_code == 201, created.get_json()
    assert api.post("/procedures/cho-niem-yet/versions/1/publish", "phantich").status_code == 200
    code = api.post("/dossiers", "motcua.tanhoa", json={"procedure_code": "cho-niem-yet", "applicant": APPLICANT}).get_json()["code"]
    (first,) = api.get(f"/dossiers/{code}", "chuyenvien.tanhoa").get_json()["open_tasks"]
    done = api.post(f"/tasks/{first['id']}/complete", "chuyenvien.tanhoa", json={"data": {"noi_niem_yet": "Nhà văn hóa"}})
    assert done.status_code == 200
    assert api.get(f"/dossiers/{code}", "chuyenvien.tanhoa").get_json()["open_tasks"] == []
    session.expire_all()
    fires_at = get(code).next_timer_at
    assert fires_at is not None and timedelta(hours=1, minutes=59) < fires_at - clock.now() <= timedelta(hours=2)
    assert sweep()["timers"] == 0
    travel_clock(clock.now() + timedelta(hours=2, minutes=5))
    assert sweep()["timers"] == 1
    (second,) = api.get(f"/dossiers/{code}", "chuyenvien.tanhoa").get_json()["open_tasks"]
    assert second["element_id"] == "Task_ket_luan"
