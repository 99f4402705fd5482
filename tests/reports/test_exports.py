"""Every report as CSV and XLSX, read back and compared with the JSON; bad input; empty periods."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.reports.scenario import FIRST, LAST, moment
from tests.support.api import at, error_fields, ok, problem

PERIOD = f"from={FIRST}&to={LAST}"


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def read_xlsx(response) -> list[tuple]:
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))


def test_timeliness_as_csv_and_xlsx_say_what_the_json_says(api, week):
    (json_row,) = ok(api.get(f"/reports/timeliness?{PERIOD}", "lanhdao.tanhoa"))
    header, row, total = read_csv(api.get(f"/reports/timeliness?{PERIOD}&format=csv", "lanhdao.tanhoa"))
    assert header[:3] == ["Mã đơn vị", "Đơn vị", "Tiếp nhận"] and header[-1] == "Tỉ lệ đúng hạn"
    assert row[:9] == ["XA-TAN-HOA", "UBND xã Tân Hòa (demo)", "7", "1", "2", "1", "1", "1", "1"]
    assert float(row[9]) == json_row["on_time_rate"] and total[1] == "Tổng cộng"
    sheet = read_xlsx(api.get(f"/reports/timeliness?{PERIOD}&format=xlsx", "lanhdao.tanhoa"))
    assert sheet[0][2] == "Tiếp nhận"
    assert sheet[1][:9] == ("XA-TAN-HOA", "UBND xã Tân Hòa (demo)", 7, 1, 2, 1, 1, 1, 1)  # numbers as numbers
    assert sheet[1][9] == pytest.approx(json_row["on_time_rate"])


def test_the_late_list_in_xlsx_keeps_dates_as_dates(api, week):
    sheet = read_xlsx(api.get(f"/reports/late?{PERIOD}&format=xlsx", "lanhdao.tanhoa"))
    assert sheet[0][0] == "Mã hồ sơ" and len(sheet) == 3
    due = sheet[1][6]
    assert isinstance(due, datetime) and due == at(moment("Wed 11:00")).replace(tzinfo=None)
    assert sheet[1][8] == 21.0 and sheet[1][9] == "Đã ký thư xin lỗi"


@pytest.mark.parametrize("path", ["timeliness", "late", "days-saved", "satisfaction", "index-766"])
def test_every_report_exports_both_ways(api, week, path):
    header = read_csv(api.get(f"/reports/{path}?{PERIOD}&format=csv", "giamsat"))[0]
    assert header == list(read_xlsx(api.get(f"/reports/{path}?{PERIOD}&format=xlsx", "giamsat"))[0])


@pytest.mark.parametrize("path", ["timeliness", "late", "days-saved", "satisfaction"])
def test_an_empty_period_is_a_file_with_its_headers(api, demo, path):
    rows = read_csv(api.get(f"/reports/{path}?from=2001-01-01&to=2001-01-31&format=csv", "giamsat"))
    assert len(rows) == 1 and rows[0]
    assert len(read_xlsx(api.get(f"/reports/{path}?from=2001-01-01&to=2001-01-31&format=xlsx", "giamsat"))) == 1


def test_bad_input_is_a_4xx_naming_the_parameter(api, demo):
    assert error_fields(api.get("/reports/timeliness?from=2026-02-01&to=2026-01-31", "giamsat")) == {"from"}
    assert error_fields(api.get("/reports/timeliness?group_by=ward", "giamsat")) == {"group_by"}
    assert error_fields(api.get("/reports/days-saved?group_by=officer", "giamsat")) == {"group_by"}
    assert error_fields(api.get("/reports/late?format=pdf", "giamsat")) == {"format"}
    assert error_fields(api.get("/reports/index-766?from=31-01-2026", "giamsat")) == {"from"}
    problem(api.get("/reports/timeliness?unit=KHONG-CO", "giamsat"), 404)


def test_a_commune_leader_sees_no_other_commune(api, demo):
    problem(api.get("/reports/timeliness?unit=XA-BINH-AN", "lanhdao.tanhoa"), 404)   # as an unknown unit
    problem(api.get("/reports/index-766?unit=TINH-HB", "lanhdao.tanhoa"), 404)       # nor the province above
    assert ok(api.get("/reports/late?unit=CA-TAN-HOA", "lanhdao.tanhoa")) == []       # a unit under theirs


@pytest.mark.parametrize("user", ["hotich.tanhoa", "motcua.tanhoa", "admin"])
def test_only_leaders_and_supervisors_read_reports(api, demo, user):
    problem(api.get("/reports/timeliness", user), 403)
