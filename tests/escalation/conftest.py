"""Fixtures for the apology gate: the demo with signing keys, and a late dossier."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.demo import seed


@pytest.fixture(autouse=True)
def long_lived_tokens(app, monkeypatch):
    """Tokens expire by the application clock: make them outlive the clock moves."""
    monkeypatch.setitem(app.config, "API_TOKEN_HOURS", 24 * 365)


@pytest.fixture
def signing_demo(app, tmp_path):
    """The demo with its CA trusted and PIN-protected keys for the demo leaders."""
    seed(signing_folder=tmp_path)
    return tmp_path


@pytest.fixture
def move_clock(api):
    def move(moment: datetime) -> dict:
        response = api.post("/admin/clock", "admin", json={"now": moment.isoformat()})
        assert response.status_code == 200, response.get_json()
        return response.get_json()
    return move


@pytest.fixture
def sweep(api):
    def run() -> dict:
        response = api.post("/admin/scheduler/run", "admin")
        assert response.status_code == 200, response.get_json()
        return response.get_json()
    return run


APPLICANT = {"full_name": "Trần Thị Ánh Tuyết", "email": "tuyet@example.vn", "phone": "0912000111",
             "address": "Xóm Đồi, xã Tân Hòa"}


@pytest.fixture
def late_dossier(api, signing_demo, move_clock, sweep):
    """A birth registration whose first step went past its deadline and was swept."""
    received = api.post("/dossiers", "motcua.tanhoa", json={
        "procedure_code": "dang-ky-khai-sinh", "applicant": APPLICANT,
        "documents": [{"name": "Tờ khai đăng ký khai sinh", "copies": 1}]}).get_json()
    detail = api.get(f"/dossiers/{received['code']}", "hotich.tanhoa").get_json()
    (task,) = detail["open_tasks"]
    move_clock(datetime.fromisoformat(task["due_at"]) + timedelta(minutes=30))
    assert sweep()["escalated"] == 1
    (escalation,) = api.get("/escalations", "chuyenvien.tanhoa").get_json()
    return {"code": received["code"], "task": task, "escalation": escalation, "detail": detail}
