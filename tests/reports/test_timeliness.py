"""Timeliness by unit, procedure, month and officer, recounted by hand from the week's outcomes
(tests/reports/scenario.py), as the province's supervisor and as a leader of one commune."""
from __future__ import annotations

from tests.reports.scenario import FIRST, LAST, day
from tests.support.api import ok

PERIOD = f"from={FIRST}&to={LAST}"


def rows(api, user: str, query: str = "") -> dict[str, dict]:
    return {row["key"]: row for row in ok(api.get(f"/reports/timeliness?{PERIOD}{query}", user))}


def test_a_commune_leader_counts_their_commune_only(api, week):
    found = rows(api, "lanhdao.tanhoa")
    assert list(found) == ["XA-TAN-HOA"]  # Bình An's dossier H is not theirs
    assert found["XA-TAN-HOA"] == {
        "key": "XA-TAN-HOA", "name": "UBND xã Tân Hòa (demo)",
        "received": 7,             # A B C E F G D
        "done_early": 1,           # A
        "done_on_time": 2,         # B G
        "done_late": 1,            # C: done before its first appointment, but it needed an apology
        "open_on_time": 1,         # D: due Monday 13
        "open_late": 1,            # E: due Thursday 17:00
        "refused": 1,              # F: received, then refused; outside the rate
        "on_time_rate": round(4 / 6, 4)}


def test_the_supervisor_counts_every_unit(api, week):
    found = rows(api, "giamsat")
    assert set(found) == {"XA-TAN-HOA", "XA-BINH-AN"}
    assert found["XA-BINH-AN"]["received"] == 1 and found["XA-BINH-AN"]["done_on_time"] == 1
    assert found["XA-BINH-AN"]["on_time_rate"] == 1.0
    by_procedure = rows(api, "giamsat", "&group_by=procedure")
    assert list(by_procedure) == ["chung-thuc-ban-sao"]
    assert by_procedure["chung-thuc-ban-sao"]["received"] == 8
    assert by_procedure["chung-thuc-ban-sao"]["on_time_rate"] == round(5 / 7, 4)


def test_a_unit_narrows_the_supervisor_to_its_subtree(api, week):
    assert list(rows(api, "giamsat", "&unit=XA-BINH-AN")) == ["XA-BINH-AN"]
    assert list(rows(api, "giamsat", "&unit=TINH-HB")) == ["XA-BINH-AN", "XA-TAN-HOA"]


def test_by_month_and_the_open_dossiers_at_the_end_of_the_period(api, week):
    (october,) = ok(api.get(f"/reports/timeliness?{PERIOD}&group_by=month", "lanhdao.tanhoa"))
    assert october["key"] == FIRST[:7] and october["received"] == 7 and october["open_late"] == 1
    # On Wednesday evening A and B are done; C is open, its appointment moved to Friday by the signed
    # apology, and late all the same; E to G are not yet received.
    (wednesday,) = ok(api.get(f"/reports/timeliness?from={FIRST}&to={day('Wed')}", "lanhdao.tanhoa"))
    assert (wednesday["received"], wednesday["done_early"], wednesday["done_on_time"], wednesday["done_late"],
            wednesday["open_on_time"], wednesday["open_late"]) == (3, 1, 1, 0, 0, 1)
    # On Tuesday evening C is not yet received; A and B are done.
    (tuesday,) = ok(api.get(f"/reports/timeliness?from={day('Tue')}&to={day('Tue')}", "lanhdao.tanhoa"))
    assert (tuesday["received"], tuesday["done_on_time"], tuesday["done_early"]) == (1, 1, 0)


def test_by_officer_counts_the_steps_each_completed(api, week):
    found = rows(api, "lanhdao.tanhoa", "&group_by=officer")
    officer = found["chuyenvien.tanhoa"]
    # A's check was done on Monday, due Tuesday 08:00: early; B's and G's the same day, in time;
    # C's on Thursday, due Wednesday 11:00: late.
    assert (officer["done_early"], officer["done_on_time"], officer["done_late"]) == (1, 2, 1)
    assert officer["received"] == 4 and officer["open_on_time"] == officer["open_late"] == 0
    assert "chuyenvien.binhan" not in found
