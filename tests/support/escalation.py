"""What the tests of the apology gate share: the applicant of the late dossier, the officers
of Tân Hòa, and a valid new appointment date."""
from __future__ import annotations

from datetime import date, datetime

from app import clock
from app.calendar.workdays import WorkCalendar

APPLICANT = {"full_name": "Trần Thị Ánh Tuyết", "email": "tuyet@example.vn", "phone": "0912000111",
             "address": "Xóm Đồi, xã Tân Hòa"}
OFFICER, LEADER, SUPERVISOR = "hotich.tanhoa", "lanhdao.tanhoa", "giamsat"
REASON = "Cán bộ hộ tịch đi tập huấn, chưa bàn giao việc."
PIN = "123456"


def new_appointment(late: dict) -> date:
    """The second working day after both today (on the moved clock) and the old appointment."""
    calendar = WorkCalendar()
    day = max(datetime.fromisoformat(late["detail"]["due_at"]).date(), clock.local(clock.now()).date())
    for _ in range(2):
        day = calendar.next_working_day(day)
    return day


def escalation_url(late: dict, action: str = "") -> str:
    return f"/tre-han/{late['escalation']['id']}" + (f"/{action}" if action else "")
