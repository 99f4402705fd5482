"""The administrators' calendar page, its overrides, the yearly check and its banner."""
from __future__ import annotations

from datetime import date

from click.testing import CliRunner

from app.calendar import services
from app.calendar.models import CalendarDay
from app.db import session


def test_the_page_shows_2026_with_its_swapped_days(client, login):
    login("admin")
    page = client.get("/lich?nam=2026")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<td class="make-up" title="Ngày làm việc bù">22' in text
    assert '<td class="substitute" title="Ngày nghỉ (thay cho ngày 22/08/2026)">31' in text
    assert '<td class="public-holiday" title="Ngày Văn hóa Việt Nam">24' in text
    assert 'href="/lich?nam=2027"' in text and 'href="/lich?nam=2025"' in text


def test_a_bad_year_is_refused_naming_it(client, login):
    login("admin")
    page = client.get("/lich?nam=20x6")
    assert page.status_code == 422 and "Năm (nam) viết bằng số, từ 2000 đến 2099." in page.get_data(as_text=True)


def test_an_override_is_added_shown_and_removed(client, login):
    login("admin")
    added = client.post("/lich/ngay", data={"date": "2027-02-13", "kind": "workday", "name": "Làm bù Tết"})
    assert added.status_code == 302 and added.location.endswith("/lich?nam=2027")
    assert services.work_calendar().is_working_day(date(2027, 2, 13))
    page = client.get("/lich?nam=2027").get_data(as_text=True)
    assert '<td class="local-workday" title="Làm bù Tết">13' in page
    assert client.post("/lich/ngay/2027-02-13/xoa").status_code == 302
    assert session.get(CalendarDay, date(2027, 2, 13)) is None


def test_errors_of_the_override_form_are_shown_next_to_their_fields(client, login):
    login("admin")
    page = client.post("/lich/ngay", data={"date": "13/02/2027", "kind": "nghi"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert '<p class="field-error" id="f-date-err">Chọn ngày (ngày/tháng/năm).</p>' in text
    assert '<p class="field-error" id="f-kind-err">Chọn ngày nghỉ hoặc ngày làm việc.</p>' in text


def test_the_banner_shows_to_admins_until_the_years_are_confirmed(app, client, login, stopped_clock):
    stopped_clock(services.clock.now().replace(year=2026, month=11, day=30))
    login("admin")
    assert "Lịch làm việc năm 2026, 2027 chưa được xác nhận" in client.get("/cong-viec").get_data(as_text=True)
    login("motcua.tanhoa")
    assert "chưa được xác nhận" not in client.get("/cong-viec").get_data(as_text=True)
    login("admin")
    for year in (2026, 2027):
        assert client.post(f"/lich/{year}/xac-nhan").status_code == 302
    assert "chưa được xác nhận" not in client.get("/cong-viec").get_data(as_text=True)


def test_flask_calendar_check_stores_its_result(app, stopped_clock):
    stopped_clock(services.clock.now().replace(year=2026, month=11, day=30))
    result = CliRunner().invoke(app.cli, ["calendar", "check"], obj=None)
    assert result.exit_code == 1, result.output
    assert "Năm 2026: ngày âm lịch do gói dữ liệu ước tính, 2 ngày theo thông báo" in result.output
    assert "Năm 2027" in result.output and "xác nhận lịch năm 2026, 2027" in result.output
    stored = {row.year: row.confirmed_days for row in services.check_years(date(2026, 11, 30))}
    assert stored == {2026: 2, 2027: 0}
