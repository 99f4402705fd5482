"""The audit trail: the dossiers' events and the sign-in log, searched by dossier, user, kind and
period, newest first, a page at a time, in Vietnamese."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.admin import services
from app.db import session
from app.dossiers.models import Dossier, DossierEvent
from tests.admin.conftest import field_error, text
from tests.support.api import FRIDAY_10AM, ok
from tests.support.procedures import CAMUNDA, CATALOGUE, CODE

TRAIL = "/quan-tri/nhat-ky"
SIGN_INS = "/quan-tri/nhat-ky/dang-nhap"


def codes(page) -> list[str]:
    """The dossier codes of the trail's rows, in order."""
    return re.findall(r'<td><a class="code" href="/ho-so/[^"]+">([^<]+)</a></td>', text(page))


def test_a_dossiers_events_are_listed_newest_first_with_their_labels(client, login, web_receive, stopped_clock):
    first = web_receive()
    stopped_clock(FRIDAY_10AM + timedelta(hours=1))
    second = web_receive()
    login("admin")
    page = client.get(TRAIL)
    assert page.status_code == 200 and codes(page) == [second, first]
    shown = text(page)
    assert "<td>03/10/2025 11:00</td>" in shown and "Tiếp nhận hồ sơ" in shown
    assert "Phạm Thị Tiếp Nhận <span class=\"muted code\">motcua.tanhoa</span>" in shown


def test_the_trail_is_searched_by_dossier_user_kind_and_period(client, login, web_receive, stopped_clock):
    first = web_receive()
    second = web_receive()
    login("admin")
    assert codes(client.get(TRAIL, query_string={"ho_so": first})) == [first]
    assert codes(client.get(TRAIL, query_string={"ho_so": first[-4:]})) == [first]
    assert codes(client.get(TRAIL, query_string={"nguoi_dung": "Tiếp Nhận"})) == [second, first]
    assert codes(client.get(TRAIL, query_string={"nguoi_dung": "hotich"})) == []
    assert codes(client.get(TRAIL, query_string={"su_kien": "received"})) == [second, first]
    assert codes(client.get(TRAIL, query_string={"su_kien": "refused"})) == []
    assert codes(client.get(TRAIL, query_string={"tu": "2025-10-03", "den": "2025-10-03"})) == [second, first]
    assert codes(client.get(TRAIL, query_string={"tu": "2025-10-04"})) == []
    assert codes(client.get(TRAIL, query_string={"den": "2025-10-02"})) == []


def test_the_trail_is_paged(client, login, web_receive, stopped_clock, monkeypatch):
    received = []
    for hour in range(3):
        stopped_clock(FRIDAY_10AM + timedelta(hours=hour))
        received.append(web_receive())
    login("admin")
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    first = client.get(TRAIL, query_string={"su_kien": "received"})
    assert codes(first) == received[:0:-1]
    assert 'href="/quan-tri/nhat-ky?su_kien=received&amp;trang=2"' in first.get_data(as_text=True)
    assert codes(client.get(TRAIL, query_string={"su_kien": "received", "trang": "2"})) == received[:1]


def test_a_wrong_period_is_refused_naming_the_field(client, login):
    login("admin")
    backwards = client.get(TRAIL, query_string={"tu": "2026-02-01", "den": "2026-01-01"})
    assert backwards.status_code == 422
    assert field_error(backwards, "den") == "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu."
    assert 'value="2026-02-01"' in text(backwards)
    bad = client.get(SIGN_INS, query_string={"tu": "01/02/2026", "trang": "x"})
    assert bad.status_code == 422 and field_error(bad, "tu") == "Chọn ngày (ngày/tháng/năm)."
    assert field_error(bad, "trang") == "Số trang là số nguyên dương."


def test_sign_ins_and_their_failures_are_listed_and_searched(app, client, login):
    app.test_client().post("/dang-nhap", data={"username": "hotich.tanhoa", "password": "sai-mat-khau"})
    login("admin")
    page = text(client.get(SIGN_INS, query_string={"nguoi_dung": "hotich"}))
    assert re.search(r"<td class=\"code\">hotich.tanhoa</td>\s*<td>Đăng nhập không thành công</td>\s*"
                     r"<td class=\"code\">127.0.0.1</td>\s*<td>sai mật khẩu</td>", page)
    assert "admin</td>" not in page
    mine = text(client.get(SIGN_INS, query_string={"nguoi_dung": "admin", "su_kien": "success"}))
    assert re.search(r"<td class=\"code\">admin</td>\s*<td>Đăng nhập thành công</td>", mine)
    today = clock.local(clock.real_now()).date()
    assert "hotich.tanhoa" in text(client.get(SIGN_INS, query_string={"tu": today.isoformat(), "den": today.isoformat()}))
    assert "hotich.tanhoa" not in text(client.get(SIGN_INS, query_string={"den": (today - timedelta(days=1)).isoformat()}))
    assert "hotich.tanhoa" not in text(client.get(SIGN_INS, query_string={"su_kien": "locked"}))


def test_the_trail_leaves_out_the_test_runs_of_draft_procedures(client, login, api, web_receive):
    ok(api.post("/procedures", "phantich", json={**CATALOGUE, "bpmn_xml": CAMUNDA, "forms": {}}), 201)
    run = ok(api.post(f"/procedures/{CODE}/versions/1/test-runs", "phantich"), 201)
    assert session.scalar(select(func.count(DossierEvent.id)).join(DossierEvent.dossier)
                          .where(Dossier.code == run["code"])) > 0
    real = web_receive()
    login("admin")
    assert codes(client.get(TRAIL)) == [real]
    assert codes(client.get(TRAIL, query_string={"ho_so": run["code"]})) == []
