"""The simulated province and when its dossiers arrive (pure: no Flask, no database)."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from app.calendar.workdays import OfficeHours, WorkCalendar
from app.dossiers.codes import is_valid_agency_code
from app.simulation import arrivals, shape

pytestmark = pytest.mark.unit
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _schedule(seed: int = 1) -> arrivals.Schedule:
    units = shape.province()
    return arrivals.Schedule({level: shape.receiving(units, level) for level in shape.LEVELS}, shape.SPLIT,
                             OfficeHours().periods, ZONE, random.Random(seed))


def test_the_province_has_bac_ninhs_shape():
    units = shape.province()
    kinds = Counter(unit.kind for unit in units)
    assert (kinds["province"], kinds["district"], kinds["commune"], kinds["police"]) == (1, 8, 126, 8)
    assert {unit.name.split(" (")[0].removeprefix("UBND ").removeprefix("huyện ") for unit in units
            if unit.kind == "district"} == set(shape.DISTRICTS)
    assert "Xã/Phường 126 – Lương Tài (mô phỏng)" in {unit.name for unit in units}


def test_receiving_units_have_distinct_agency_codes_and_the_staff_their_procedures_need():
    units = shape.province()
    receiving = [unit for unit in units if unit.level]
    codes = [unit.agency_code for unit in receiving]
    assert len(set(codes)) == len(codes) and all(is_valid_agency_code(code) for code in codes)
    for unit in receiving:
        assert {"receptionist", "officer", "leader"} <= set(unit.roles)
        if any(code.startswith("cap-phep") for code, _ in unit.mix):
            assert "construction_officer" in unit.roles
        if any(code in ("dang-ky-khai-sinh", "lien-thong-3-trong-1") for code, _ in unit.mix):
            assert "civil_status_officer" in unit.roles
    people = shape.staff(units)
    assert len({person.username for person in people}) == len(people) == sum(len(unit.roles) for unit in units)


def test_every_unit_doing_steps_has_a_leader_to_sign_its_apology_letters_and_the_top_a_supervisor():
    units = shape.province()
    assert all("leader" in unit.roles for unit in units if unit.parent is not None)
    assert units[0].parent is None and units[0].roles == ("supervisor",)  # the head of the centre decides at level 2


def test_the_split_is_exact_and_reaches_every_level_on_a_tiny_day():
    assert arrivals.split(40, shape.SPLIT) == {"province": 5, "district": 19, "commune": 16}
    assert sum(arrivals.split(2100, shape.SPLIT).values()) == 2100
    assert arrivals.split(2100, shape.SPLIT)["district"] == 1018


def test_working_days_skip_weekends_and_holidays():
    is_working_day = WorkCalendar().is_working_day
    assert arrivals.working_days(date(2026, 12, 5), 2, is_working_day) == [date(2026, 12, 7), date(2026, 12, 8)]
    new_year = arrivals.working_days(date(2026, 12, 31), 3, is_working_day)  # 1 January 2027 is a Friday
    assert new_year == [date(2026, 12, 31), date(2027, 1, 4), date(2027, 1, 5)]


def test_a_day_of_arrivals_falls_in_office_hours_at_the_levels_receiving_units():
    day = _schedule().day(date(2026, 12, 1), 300)
    levels = {unit.code: unit.level for unit in shape.province()}
    assert len(day) == 300 and day == sorted(day)
    assert Counter(levels[arrival.unit_code] for arrival in day) == arrivals.split(300, shape.SPLIT)
    periods = OfficeHours().periods
    assert all(any(start <= arrival.at.time() <= end for start, end in periods) for arrival in day)
    assert all(arrival.at.date() == date(2026, 12, 1) and arrival.at.tzinfo == ZONE for arrival in day)
    morning = sum(arrival.at.time() < time(12) for arrival in day)
    assert 0.35 < morning / len(day) < 0.65


def test_the_same_seed_gives_the_same_day_and_another_seed_another():
    assert _schedule(5).day(date(2026, 12, 1), 50) == _schedule(5).day(date(2026, 12, 1), 50)
    assert _schedule(5).day(date(2026, 12, 1), 50) != _schedule(6).day(date(2026, 12, 1), 50)
