"""The late list, days taken and saved, satisfaction and the Decision 766 indicators, recounted by
hand from the week's outcomes (tests/reports/scenario.py)."""
from __future__ import annotations

import pytest

from tests.reports.scenario import FIRST, LAST, REASON, moment
from tests.support.api import at, ok

PERIOD = f"from={FIRST}&to={LAST}"


def test_the_late_list_names_the_unit_the_person_the_escalation_and_the_reason(api, week):
    late = ok(api.get(f"/reports/late?{PERIOD}", "lanhdao.tanhoa"))
    assert [row["dossier_code"] for row in late] == [week.codes["C"], week.codes["E"]]
    c, e = late
    assert (c["step"], c["unit_code"], c["assignee"]) == ("Kiểm tra, đối chiếu bản sao với bản chính", "XA-TAN-HOA",
                                                          "Hoàng Văn Xử Lý")
    assert c["late_by_hours"] == 21.0          # due Wednesday 11:00, done Thursday 08:00
    assert (c["escalation_state"], c["reason"]) == ("signed", REASON)
    assert e["completed_at"] is None and e["escalation_state"] is None   # open, never swept
    expected_hours = (at(moment("Fri 16:00")) - at(moment("Thu 11:00"))).total_seconds() / 3600
    assert e["late_by_hours"] == expected_hours == 29.0
    assert ok(api.get(f"/reports/late?{PERIOD}&unit=XA-BINH-AN", "giamsat")) == []


def test_days_taken_and_saved(api, week):
    (row,) = ok(api.get(f"/reports/days-saved?{PERIOD}", "lanhdao.tanhoa"))
    assert (row["finished"], row["early"]) == (4, 1)          # A B C G; F was refused
    # office hours 07:30-11:30 and 13:00-17:00 (8 a day): A 0.5 h, B 1 h, C 2.5 + 4 + 0.5 h, G 0.5 h
    assert row["average_days"] == round((0.5 + 1 + 7 + 0.5) / 8 / 4, 2)
    assert row["average_legal_days"] == 0.0                  # a same-day procedure
    assert row["days_saved"] == round(9 / 8, 2)              # A: Monday 16:00 to Tuesday 17:00 = 9 office hours


def test_satisfaction(api, week):
    (row,) = ok(api.get(f"/reports/satisfaction?{PERIOD}", "lanhdao.tanhoa"))
    assert (row["finished"], row["rated"]) == (5, 4)          # A B C G F; F not rated
    assert (row["very_satisfied"], row["satisfied"], row["not_yet_satisfied"], row["dissatisfied"]) == (1, 1, 1, 1)
    assert row["satisfied_rate"] == 0.5
    everyone = ok(api.get(f"/reports/satisfaction?{PERIOD}&group_by=procedure", "giamsat"))
    assert everyone[0]["rated"] == 5 and everyone[0]["satisfied_rate"] == 0.6


def test_the_766_indicators_of_a_commune(api, week):
    found = ok(api.get(f"/reports/index-766?{PERIOD}", "lanhdao.tanhoa"))
    by_code = {row["code"]: row for row in found["indicators"]}
    expected = {  # numerator, denominator, max points, threshold
        "2.1": (4, 6, 20, 1.0),   # A B G done in time + D open in time; A B C G + D E
        "3.3": (1, 7, 12, 0.5),   # G online, of the 7 received
        "3.6": (1, 7, 10, 1.0),   # G paid online, of the 7 of a procedure with a fee
        "4.1": (1, 4, 11, 1.0),   # G's result file, of the 4 done
        "4.2": (1, 7, 11, 0.8),   # G's file sent online
        "5.4": (1, 4, 18, 0.9),   # 4 done − C late − C and G unsatisfied
    }
    total = 0.0
    for code, (numerator, denominator, max_points, threshold) in expected.items():
        row = by_code[code]
        rate = numerator / denominator
        points = round(max_points if rate >= threshold else rate * max_points / threshold, 2)
        assert (row["numerator"], row["denominator"]) == (numerator, denominator), code
        assert row["rate"] == round(rate, 4) and row["points"] == points and row["max_points"] == max_points, code
        assert row["formula"]
        total += points
    assert found["points"] == pytest.approx(total) and found["max_points"] == 82


def test_an_indicator_without_a_denominator_has_no_points(api, demo):
    found = ok(api.get("/reports/index-766?from=2001-01-01&to=2001-01-31", "giamsat"))
    assert all(row["rate"] is None and row["points"] is None for row in found["indicators"])
    assert (found["points"], found["max_points"]) == (0, 0)
