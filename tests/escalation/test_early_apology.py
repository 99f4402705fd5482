"""The early apology: before a step is late its officer explains, the leader signs the same letter
(form 04), the appointment and the step's deadline move once, and nothing blocks; real signatures."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.db import session
from app.notifications.models import Notification
from app.calendar.workdays import WorkCalendar
from tests.printing.readback import flat, pdf_text
from tests.support.api import dossier, ok, problem, receive
from tests.support.escalation import LEADER, OFFICER, PIN, REASON

BIRTH_CHECK = {"ho_ten_tre": "Trần Minh An", "ngay_sinh_tre": "2026-01-08", "gioi_tinh_tre": "nam",
               "noi_sinh": "Trạm y tế xã Tân Hòa", "dan_toc": "Kinh"}


def later_date(due_at: str, skip: int = 2) -> date:
    """A working day ``skip`` working days after both the appointment and today (on the moved clock)."""
    calendar, day = WorkCalendar(), max(datetime.fromisoformat(due_at).date(), clock.local(clock.now()).date())
    for _ in range(skip):
        day = calendar.next_working_day(day)
    return day


@pytest.fixture
def on_time(api, signing_demo):
    """A birth registration just received: its first step open, hours from its deadline."""
    receipt = receive(api, "dang-ky-khai-sinh")
    (task,) = dossier(api, receipt["code"])["open_tasks"]
    return {"code": receipt["code"], "due_at": receipt["due_at"], "task": task}


def ask(api, case, user=OFFICER, **body):
    body = {"reason": REASON, "new_due_date": later_date(case["due_at"]).isoformat(), **body}
    return api.post(f"/tasks/{case['task']['id']}/early-apology", user, json=body)


def sign(api, escalation):
    return api.post(f"/escalations/{escalation['id']}/signature", LEADER, json={"pin": PIN})


def test_the_officer_asks_the_leader_signs_and_the_dossier_never_stops(api, on_time, tmp_path):
    new_date = later_date(on_time["due_at"])
    asked = ok(ask(api, on_time), 201)
    assert (asked["early"], asked["state"], asked["has_letter"], asked["level"]) == (True, "awaiting_signature", True, 1)
    assert dossier(api, on_time["code"])["blocked"] is False
    letter = api.get(f"/escalations/{asked['id']}/letter", LEADER)
    assert letter.status_code == 200 and "không thể giải quyết kịp ngày hẹn" in flat(pdf_text(letter.data, tmp_path))
    signed = ok(sign(api, asked))
    assert signed["state"] == "signed" and signed["new_due_at"].startswith(new_date.isoformat())
    after = dossier(api, on_time["code"])
    assert after["status"] == "received" and after["blocked"] is False
    assert after["due_at"].startswith(new_date.isoformat())
    assert {"early_apology", "delay_explained", "early_apology_signed"} <= {e["kind"] for e in after["history"]}
    step = ok(api.get(f"/tasks/{on_time['task']['id']}", OFFICER))
    assert step["due_at"] == signed["new_due_at"]            # the step is judged against the new date
    done = ok(api.post(f"/tasks/{on_time['task']['id']}/complete", OFFICER, json={"data": BIRTH_CHECK}))
    assert done["timeliness"] in ("early", "on_time")


def test_the_citizen_is_told_as_for_a_late_apology(api, on_time):
    ok(sign(api, ok(ask(api, on_time), 201)))
    told = session.scalars(select(Notification).where(Notification.kind == "apology")).all()
    assert [n for n in told if on_time["code"] in n.subject and "không kịp trả kết quả đúng hẹn" in n.body]


def test_the_appointment_moves_once(api, on_time):
    ok(sign(api, ok(ask(api, on_time), 201)))
    again = problem(ask(api, on_time, new_due_date=later_date(on_time["due_at"], 6).isoformat()), 409)
    assert "đã được hẹn lại một lần" in again["detail"]


def test_one_letter_at_a_time(api, on_time):
    ok(ask(api, on_time), 201)
    assert "đang chờ xử lý" in problem(ask(api, on_time), 409)["detail"]


def test_a_step_already_late_cannot_apologize_early(api, on_time, travel_clock, sweep):
    travel_clock(datetime.fromisoformat(on_time["task"]["due_at"]) + timedelta(minutes=5))
    late = problem(ask(api, on_time), 409)
    assert "đã quá hạn" in late["detail"] and "không còn xin lỗi sớm" in late["detail"]
    assert sweep()["escalated"] == 1
    assert "đang tạm dừng" in problem(ask(api, on_time), 409)["detail"]


def test_bad_explanations_are_refused_naming_the_field_and_leave_nothing(api, on_time):
    past = problem(ask(api, on_time, new_due_date="2020-01-06"), 422)
    assert {e["field"] for e in past["errors"]} == {"new_due_date"}
    short = problem(ask(api, on_time, reason="Bận"), 422)
    assert {e["field"] for e in short["errors"]} == {"reason"}
    assert ok(api.get("/escalations", OFFICER)) == []


def test_only_the_steps_role_in_its_unit_asks(api, on_time):
    assert ask(api, on_time, user=LEADER).status_code == 403          # sees the dossier, not the step's role
    assert ask(api, on_time, user="hotich.binhan").status_code == 404  # another commune: as unknown


def test_past_the_new_deadline_the_step_blocks_and_goes_to_the_head(api, on_time, travel_clock, sweep):
    signed = ok(sign(api, ok(ask(api, on_time), 201)))
    travel_clock(datetime.fromisoformat(signed["new_due_at"]) + timedelta(minutes=5))
    assert sweep()["escalated"] == 1
    assert dossier(api, on_time["code"])["status"] == "blocked"
    (head,) = [e for e in ok(api.get("/escalations", "giamsat")) if e["dossier_code"] == on_time["code"]
               and e["id"] != signed["id"]]
    assert (head["level"], head["state"], head["early"]) == (2, "escalated_to_head", False)


def test_a_letter_not_signed_in_time_becomes_the_gate(api, on_time, travel_clock, sweep):
    asked = ok(ask(api, on_time), 201)
    travel_clock(datetime.fromisoformat(on_time["task"]["due_at"]) + timedelta(minutes=5))
    assert sweep()["escalated"] == 1
    assert dossier(api, on_time["code"])["status"] == "blocked"
    (gate,) = [e for e in ok(api.get("/escalations", "giamsat")) if e["dossier_code"] == on_time["code"]]
    assert gate["id"] == asked["id"] and gate["early"] is False and gate["state"] == "awaiting_signature"
    ok(sign(api, gate))
    assert dossier(api, on_time["code"])["status"] == "in_progress"
    done = ok(api.post(f"/tasks/{on_time['task']['id']}/complete", OFFICER, json={"data": BIRTH_CHECK}))
    assert done["timeliness"] == "late"                   # it was late: the letter does not undo that
