"""The apology gate end to end through the API, with the real clock and real signatures."""
from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta

import pytest

from app import clock
from app.calendar.workdays import WorkCalendar

BIRTH_CHECK = {"ho_ten_tre": "Trần Minh An", "ngay_sinh_tre": "2026-01-08", "gioi_tinh_tre": "nam",
               "noi_sinh": "Trạm y tế xã Tân Hòa", "dan_toc": "Kinh"}


def next_working_day_after(day: date, skip: int = 1) -> date:
    calendar = WorkCalendar()
    for _ in range(skip):
        day = calendar.next_working_day(day)
    return day


def explain(api, escalation_id: int, user: str = "hotich.tanhoa", **body):
    return api.post(f"/escalations/{escalation_id}/explanation", user, json=body)


def good_explanation(api, late):
    old = datetime.fromisoformat(late["detail"]["due_at"]).date()
    new_date = next_working_day_after(max(old, date.today()), 2)
    response = explain(api, late["escalation"]["id"], reason="Cán bộ hộ tịch đi tập huấn, chưa bàn giao việc.",
                       new_due_date=new_date.isoformat())
    assert response.status_code == 200, response.get_json()
    return response.get_json(), new_date


def test_a_late_step_blocks_the_dossier_once(api, late_dossier, sweep):
    escalation = late_dossier["escalation"]
    assert (escalation["level"], escalation["state"], escalation["responsible_unit"]) == (1, "awaiting_explanation", "XA-TAN-HOA")
    assert sweep() == {"warned": 0, "escalated": 0, "timers": 0}
    dossier = api.get(f"/dossiers/{late_dossier['code']}", "motcua.tanhoa").get_json()
    assert dossier["status"] == "blocked" and dossier["blocked"] is True
    assert any(event["kind"] == "escalated" for event in dossier["history"])


def test_completing_a_task_of_a_blocked_dossier_is_refused_with_423(api, late_dossier):
    response = api.post(f"/tasks/{late_dossier['task']['id']}/complete", "hotich.tanhoa", json={"data": BIRTH_CHECK})
    assert response.status_code == 423
    detail = response.get_json()["detail"]   # the late step by name, never an escalation id that reads like a count
    assert "Kiểm tra hồ sơ" in detail and f"số {late_dossier['escalation']['id']}" not in detail


@pytest.mark.parametrize("problem", ["past", "before_old", "weekend", "missing_reason"])
def test_bad_explanations_are_refused(api, late_dossier, problem):
    old = datetime.fromisoformat(late_dossier["detail"]["due_at"]).date()
    calendar = WorkCalendar()
    weekend = next(old + timedelta(days=n) for n in range(3, 12) if (old + timedelta(days=n)).weekday() == 6)
    body = {
        "past": {"reason": "Lý do đủ dài để hợp lệ.", "new_due_date": (old - timedelta(days=10)).isoformat()},
        "before_old": {"reason": "Lý do đủ dài để hợp lệ.", "new_due_date": old.isoformat()},
        "weekend": {"reason": "Lý do đủ dài để hợp lệ.", "new_due_date": weekend.isoformat()},
        "missing_reason": {"reason": "ngắn", "new_due_date": next_working_day_after(old, 3).isoformat()},
    }[problem]
    assert not calendar.is_working_day(weekend)
    response = explain(api, late_dossier["escalation"]["id"], **body)
    assert response.status_code == 422, response.get_json()
    assert api.get(f"/escalations/{late_dossier['escalation']['id']}", "hotich.tanhoa").get_json()["state"] == "awaiting_explanation"


def test_only_the_responsible_unit_explains(api, late_dossier):
    response = explain(api, late_dossier["escalation"]["id"], user="hotich.binhan", reason="Lý do đủ dài.",
                       new_due_date="2030-01-02")
    assert response.status_code == 404   # another unit's escalation is answered as an unknown one


def test_pin_signature_unblocks_and_reappoints(api, late_dossier, tmp_path):
    escalation, new_date = good_explanation(api, late_dossier)
    assert escalation["state"] == "awaiting_signature"
    letter = api.get(f"/escalations/{escalation['id']}/letter", "lanhdao.tanhoa")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    signed = api.post(f"/escalations/{escalation['id']}/signature", "lanhdao.tanhoa", json={"pin": "123456"})
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["state"] == "signed"
    dossier = api.get(f"/dossiers/{late_dossier['code']}", "motcua.tanhoa").get_json()
    assert dossier["status"] == "in_progress" and dossier["due_at"].startswith(new_date.isoformat())
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(api.get(f"/escalations/{escalation['id']}/letter", "lanhdao.tanhoa").data)
    form04 = api.get(f"/dossiers/{late_dossier['code']}/forms/apology", "motcua.tanhoa")
    assert form04.status_code == 200 and form04.data == pdf.read_bytes()
    report = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in report and "Bùi Văn Lãnh Đạo" in report
    done = api.post(f"/tasks/{late_dossier['task']['id']}/complete", "hotich.tanhoa", json={"data": BIRTH_CHECK})
    assert done.status_code == 200 and done.get_json()["timeliness"] == "late"


def test_wrong_pins_reveal_nothing_and_five_lock_signing(api, late_dossier, monkeypatch):
    escalation, _ = good_explanation(api, late_dossier)
    url = f"/escalations/{escalation['id']}/signature"
    answers = [api.post(url, "lanhdao.tanhoa", json={"pin": f"00000{n}"}) for n in range(5)]
    assert [a.status_code for a in answers] == [422] * 5
    assert {a.get_json()["detail"] for a in answers} == {"Mã PIN không đúng."}
    locked = api.post(url, "lanhdao.tanhoa", json={"pin": "123456"})
    assert locked.status_code == 429
    real_now = clock.real_now   # the lock runs on the real clock: let 16 real minutes pass
    monkeypatch.setattr(clock, "real_now", lambda: real_now() + timedelta(minutes=16))
    assert api.post(url, "lanhdao.tanhoa", json={"pin": "123456"}).status_code == 200


def test_a_leader_of_another_unit_cannot_sign(api, late_dossier):
    escalation, _ = good_explanation(api, late_dossier)
    response = api.post(f"/escalations/{escalation['id']}/signature", "lanhdao.binhan", json={"pin": "123456"})
    assert response.status_code == 404   # nor is it told that the escalation exists


def test_rejection_sends_it_back_for_a_new_explanation(api, late_dossier):
    escalation, _ = good_explanation(api, late_dossier)
    rejected = api.post(f"/escalations/{escalation['id']}/reject", "lanhdao.tanhoa", json={"note": "Ghi rõ hơn lý do."})
    assert rejected.status_code == 200 and rejected.get_json()["state"] == "awaiting_explanation"
    assert api.get(f"/escalations/{escalation['id']}/letter", "lanhdao.tanhoa").status_code == 409
    again, _ = good_explanation(api, late_dossier)
    assert again["state"] == "awaiting_signature"


def test_late_again_after_the_apology_goes_to_the_head(api, late_dossier, travel_clock, sweep):
    escalation, _ = good_explanation(api, late_dossier)
    api.post(f"/escalations/{escalation['id']}/signature", "lanhdao.tanhoa", json={"pin": "123456"})
    api.post(f"/tasks/{late_dossier['task']['id']}/complete", "hotich.tanhoa", json={"data": BIRTH_CHECK})
    (next_task,) = api.get(f"/dossiers/{late_dossier['code']}", "motcua.tanhoa").get_json()["open_tasks"]
    travel_clock(datetime.fromisoformat(next_task["due_at"]) + timedelta(hours=1))
    assert sweep()["escalated"] == 1
    level2 = [e for e in api.get("/escalations", "giamsat").get_json() if e["level"] == 2]
    assert len(level2) == 1 and level2[0]["state"] == "escalated_to_head" and level2[0]["responsible_unit"] == "TINH-HB"
    decided = api.post(f"/escalations/{level2[0]['id']}/decision", "giamsat",
                       json={"decision": "Yêu cầu UBND xã hoàn thành ngay trong ngày, kiểm điểm cán bộ."})
    assert decided.status_code == 200 and decided.get_json()["state"] == "decided"
    assert api.get(f"/dossiers/{late_dossier['code']}", "motcua.tanhoa").get_json()["status"] == "in_progress"


def test_clock_cannot_move_without_clock_travel(app, api, demo):
    app.config["CLOCK_TRAVEL"] = False
    try:
        assert api.post("/admin/clock", "admin", json={"now": "2030-01-01T08:00:00+07:00"}).status_code == 404
    finally:
        app.config["CLOCK_TRAVEL"] = True
