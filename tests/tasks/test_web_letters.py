"""Apology letters on the officers' pages: the early apology offered on a step not yet late, and
the deadline a late step shows once its letter is signed."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app import clock
from app.calendar.workdays import WorkCalendar
from app.db import session
from app.dossiers.services import get
from app.escalation.models import Escalation
from app.tasks.models import Task
from tests.support.escalation import LEADER, OFFICER, PIN, REASON, escalation_url, new_appointment


def working_day_after(day: date, skip: int = 2) -> date:
    calendar = WorkCalendar()
    for _ in range(skip):
        day = calendar.next_working_day(day)
    return day


def early_date(task) -> date:
    return working_day_after(max(clock.local(task.dossier.due_at).date(), clock.local(clock.now()).date()))


def open_step(code: str) -> Task:
    return session.scalar(select(Task).where(Task.dossier_id == get(code).id, Task.state == "open"))


def test_the_officer_is_offered_the_early_apology_and_lands_on_its_letter(client, login, web_receive, signing_demo):
    code = web_receive()
    task = open_step(code)
    new_date, task_id, dossier_id = early_date(task), task.id, task.dossier_id
    page = login(OFFICER).get(f"/cong-viec/{task.id}").text
    assert "<summary>Xin lỗi sớm / gia hạn</summary>" in page
    assert f'action="/cong-viec/{task_id}/xin-loi-som"' in page
    posted = client.post(f"/cong-viec/{task_id}/xin-loi-som",
                         data={"reason": REASON, "new_due_date": new_date.isoformat()})
    escalation = session.scalar(select(Escalation).where(Escalation.dossier_id == dossier_id))
    assert posted.status_code == 302 and posted.location == f"/tre-han/{escalation.id}"
    letter_page = client.get(posted.location).text
    assert f"<h1>Xin lỗi sớm, hẹn lại — hồ sơ {code}</h1>" in letter_page and "hồ sơ không tạm dừng" in letter_page
    again = client.get(f"/cong-viec/{task_id}").text
    assert "Xin lỗi sớm / gia hạn" not in again and "xem thư xin lỗi sớm" in again
    assert "Hoàn thành bước" in again                       # the step goes on meanwhile


def test_a_bad_early_date_is_shown_beside_its_field(client, login, web_receive):
    task = open_step(web_receive())
    task_id, dossier_id = task.id, task.dossier_id
    login(OFFICER)
    wrong = client.post(f"/cong-viec/{task_id}/xin-loi-som", data={"reason": REASON, "new_due_date": "2020-01-06"})
    assert wrong.status_code == 422
    assert '<p class="field-error" id="f-new_due_date-err">Ngày hẹn mới phải sau ngày hôm nay.' in wrong.text
    assert f">{REASON}</textarea>" in wrong.text and "<details class=\"early-apology\" open>" in wrong.text
    assert session.scalar(select(Escalation).where(Escalation.dossier_id == dossier_id)) is None


def test_no_early_apology_is_offered_to_another_role(client, login, web_receive):
    task = open_step(web_receive())
    assert "Xin lỗi sớm / gia hạn" not in login(LEADER).get(f"/cong-viec/{task.id}").text


def test_after_the_signed_letter_the_late_step_shows_the_new_deadline(client, login, api, late_dossier):
    new_date = new_appointment(late_dossier)
    escalation_id = late_dossier["escalation"]["id"]
    api.post(f"/escalations/{escalation_id}/explanation", OFFICER,
             json={"reason": REASON, "new_due_date": new_date.isoformat()})
    assert api.post(f"/escalations/{escalation_id}/signature", LEADER, json={"pin": PIN}).status_code == 200
    shown = f"{new_date:%d/%m/%Y}"
    inbox = login(OFFICER).get("/cong-viec").text
    assert shown in inbox and "Đã hẹn lại (hạn cũ" in inbox and "Quá hạn" not in inbox
    page = client.get(f"/cong-viec/{late_dossier['task']['id']}").text
    assert "hẹn lại theo thư xin lỗi đã ký" in page and shown in page and "Hoàn thành bước" in page
    old_due = clock.local(datetime.fromisoformat(late_dossier["task"]["due_at"]))
    assert f"{old_due:%d/%m/%Y}" in client.get(escalation_url(late_dossier)).text   # the late step's own deadline
