"""The home dashboard of each role, the lists behind its counts, and the reports' pages."""
from __future__ import annotations

import re

import pytest

from tests.reports.scenario import FIRST, LAST

PERIOD = f"from={FIRST}&to={LAST}"


def counts(html: str) -> dict[str, int]:
    """{list kind: count} of the dashboard's links."""
    found = re.findall(r'href="/tong-quan/(\w+)\?role=\w+">\s*<strong>(\d+)</strong>', html)
    return {kind: int(value) for kind, value in found}


def test_anyone_signed_out_is_sent_to_the_public_portal_which_links_to_sign_in(client, demo):
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/dich-vu-cong"
    portal = client.get(response.location).text
    assert 'href="/dang-nhap"' in portal and "Cán bộ đăng nhập" in portal


def test_an_officer_sees_their_steps(client, login, week):
    login("chuyenvien.tanhoa")
    found = counts(client.get("/").text)
    # Open officer's steps at Tân Hòa on Friday 16:00: E's (due Thursday 11:00) and D's (due Monday).
    assert found["in_progress"] == 2 and found["late_or_blocked"] == 1 and found["due_today"] == 0
    listed = client.get("/tong-quan/late_or_blocked?role=officer").text
    assert week.codes["E"] in listed and week.codes["D"] not in listed


def test_reception_sees_what_waits_at_the_counter(client, login, week):
    login("motcua.tanhoa")
    found = counts(client.get("/").text)
    assert found["to_return"] == 3 and found["online_waiting"] == 0 and found["uncollected"] == 0  # A B C
    listed = client.get("/tong-quan/to_return?role=receptionist").text
    assert all(week.codes[letter] in listed for letter in "ABC") and week.codes["G"] not in listed


def test_a_leader_sees_the_unit_and_a_supervisor_the_worst_units_first(client, login, week):
    login("lanhdao.tanhoa")
    html = client.get("/").text
    assert counts(html)["letters"] == 0 and counts(html)["late_or_blocked"] == 1
    assert "UBND xã Bình An" not in html
    login("giamsat")
    html = client.get("/").text
    assert re.search(r"Tân Hòa \(demo\)</td>\s*<td><a href=\"/tong-quan/open_dossiers\?unit=XA-TAN-HOA\">2</a>", html)
    listed = client.get("/tong-quan/late_dossiers?unit=XA-TAN-HOA").text
    assert week.codes["E"] in listed and week.codes["D"] not in listed


def test_a_leader_cannot_open_another_communes_list(client, login, demo):
    login("lanhdao.tanhoa")
    assert client.get("/tong-quan/late_dossiers?unit=XA-BINH-AN").status_code == 404
    assert client.get("/tong-quan/nothing").status_code == 404


@pytest.mark.parametrize("path", ["/bao-cao/tien-do", "/bao-cao/qua-han", "/bao-cao/thoi-gian", "/bao-cao/hai-long",
                                  "/bao-cao/chi-so-766"])
def test_report_pages_show_tables_charts_and_exports(client, login, week, path):
    login("lanhdao.tanhoa")
    response = client.get(f"{path}?{PERIOD}")
    assert response.status_code == 200
    assert "<table" in response.text and "format=xlsx" in response.text and "<script" not in response.text.split("<main")[1]
    if path != "/bao-cao/thoi-gian":
        assert "<svg" in response.text
    assert client.get(f"{path}?{PERIOD}&format=csv").mimetype == "text/csv"


def test_the_timeliness_page_charts_the_on_time_rate_by_month(client, login, week):
    login("giamsat")
    html = client.get(f"/bao-cao/tien-do?{PERIOD}&group_by=procedure").text
    assert "Tỉ lệ đúng hạn theo tháng" in html and "71,4%" in html  # 5 of 7


def test_a_report_page_names_a_bad_parameter_in_vietnamese(client, login, demo):
    login("giamsat")
    response = client.get("/bao-cao/tien-do?from=2026-02-01&to=2026-01-01")
    assert response.status_code == 422 and "Từ ngày phải trước" in response.text
    assert client.get("/bao-cao/tien-do?group_by=xyz").status_code == 422
