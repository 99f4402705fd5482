"""How the simulated officers behave: delays in office time, forms filled in (pure)."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.calendar.workdays import TimeLimit, WorkCalendar
from app.simulation.behaviour import Behaviour, Rates
from app.tasks.forms import FormField, Rule, clean_or_refuse

pytestmark = pytest.mark.unit
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
READY = datetime(2026, 12, 1, 9, 0, tzinfo=ZONE)  # a Tuesday
CALENDAR = WorkCalendar(tz=ZONE)


def _behaviour(seed: int = 1, **rates) -> Behaviour:
    return Behaviour(CALENDAR, random.Random(seed), Rates(**rates))


def _in_office(moment: datetime) -> bool:
    local = moment.astimezone(ZONE)
    return CALENDAR.is_working_day(local.date()) and any(
        start <= local.time() <= end for start, end in CALENDAR.office.periods)


@pytest.mark.parametrize("limit", ["2h", "1d", "3d"])
def test_officers_finish_inside_the_deadline_in_office_hours_unless_late(limit):
    due = CALENDAR.due_at(READY, TimeLimit(int(limit[:-1]), limit[-1]))
    behaviour = _behaviour(late=0.0)
    for _ in range(200):
        done, late = behaviour.completion(READY, due)
        assert READY < done <= due and not late and _in_office(done)


def test_a_late_officer_finishes_well_after_the_deadline():
    due = CALENDAR.due_at(READY, TimeLimit(2, "h"))
    done, late = _behaviour(late=1.0).completion(READY, due)
    assert late and done >= due + timedelta(hours=1, minutes=30) and _in_office(done)


def test_the_late_rate_is_kept():
    due = CALENDAR.due_at(READY, TimeLimit(1, "d"))
    behaviour = _behaviour(late=0.1)
    lates = sum(behaviour.completion(READY, due)[1] for _ in range(2000))
    assert 140 < lates < 260


def test_a_form_is_filled_in_the_way_the_step_accepts():
    fields = [
        FormField("ho_so_hop_le", "Hồ sơ hợp lệ", "boolean", required=True),
        FormField("de_xuat", "Đề xuất", "enum", required=True, options=(("cap", "Cấp"), ("tu_choi", "Từ chối"))),
        FormField("so_dinh_danh", "Số định danh", required=True, pattern="[0-9]{12}"),
        FormField("ten", "Tên", required=True, minlength=3, maxlength=20),
        FormField("so_trang", "Số trang", "long", required=True, min=1, max=50),
        FormField("tu_ngay", "Từ ngày", "date", required=True),
        FormField("den_ngay", "Đến ngày", "date", required=True,
                  rules=(Rule("den_ngay > tu_ngay", "Phải sau từ ngày."),)),
        FormField("ghi_chu", "Ghi chú"),
    ]
    data = _behaviour(flip=0.0).form(fields, date(2026, 12, 1))
    assert data["ho_so_hop_le"] is True and data["de_xuat"] == "cap" and "ghi_chu" not in data
    assert clean_or_refuse(fields, data)["so_dinh_danh"].isdigit()


def test_a_flipped_answer_takes_the_other_branch():
    fields = [FormField("dong_y", "Đồng ý", "boolean", required=True),
              FormField("de_xuat", "Đề xuất", "enum", required=True, options=(("cap", "Cấp"), ("tu_choi", "Từ chối")))]
    assert _behaviour(flip=1.0).form(fields, date(2026, 12, 1)) == {"dong_y": False, "de_xuat": "tu_choi"}


def test_the_counter_refuses_and_records_incomplete_dossiers_at_their_rates():
    assert _behaviour(refused_at_counter=1.0).counter() == "refuse"
    assert _behaviour(refused_at_counter=0.0, incomplete=1.0).counter() == "incomplete"
    behaviour = _behaviour()
    outcomes = [behaviour.counter() for _ in range(5000)]
    assert 0.95 < outcomes.count("receive") / 5000 < 0.99
