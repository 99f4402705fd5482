from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.dossiers.codes import format_code, is_valid_agency_code, parse_code
from app.dossiers.timeliness import EARLY, LATE, ON_TIME, classify

pytestmark = pytest.mark.unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_code_format_round_trips():
    code = format_code("000.00.12.H29", date(2026, 1, 15), 42)
    assert code == "000.00.12.H29-260115-0042"
    assert parse_code(code) == ("000.00.12.H29", date(2026, 1, 15), 42)
    assert parse_code("H15.50.05.13-261231-12345")[2] == 12345


@pytest.mark.parametrize("bad", ["", "ABC", "000.00.12.H29-261332-0001", "000.00.12.H29-260115-12"])
def test_parse_code_rejects_malformed(bad):
    assert parse_code(bad) is None


@pytest.mark.parametrize("agency, ok", [("000.00.12.H29", True), ("H15.50.05.13", True),
                                        ("h15.50", False), ("H29", False), ("000..12", False)])
def test_agency_codes(agency, ok):
    assert is_valid_agency_code(agency) is ok


def test_sequence_numbers_start_at_one():
    with pytest.raises(ValueError):
        format_code("000.00.12.H29", date(2026, 1, 15), 0)


def test_timeliness_against_the_due_day():
    due = datetime(2026, 3, 10, 17, 0, tzinfo=VN)
    assert classify(due, due - timedelta(days=1)) == EARLY
    assert classify(due, due.replace(hour=8)) == ON_TIME
    assert classify(due, due) == ON_TIME
    assert classify(due, due + timedelta(minutes=1)) == LATE


def test_timeliness_compares_days_in_vietnam_time():
    due = datetime(2026, 3, 10, 17, 0, tzinfo=VN)
    # 23:30 UTC on the 9th is 06:30 on the 10th in Hà Nội: the due day, so on time.
    assert classify(due, datetime(2026, 3, 9, 23, 30, tzinfo=ZoneInfo("UTC"))) == ON_TIME
