"""The catalogue page shows analysts the versions, their diff, and lets them retire one."""
from __future__ import annotations

from tests.support.procedures import CAMUNDA, CODE, upload


def login(client, username: str) -> None:
    response = client.post("/dang-nhap", data={"username": username, "password": "demo12345"})
    assert response.status_code in (302, 303)


def test_versions_diff_and_retire(client, api, demo):
    assert upload(api).status_code == 201
    api.post(f"/procedures/{CODE}/versions/1/publish", "phantich")
    changed = CAMUNDA.replace('value="0.5d"', 'value="4h"')
    assert upload(api, changed).status_code == 201
    api.post(f"/procedures/{CODE}/versions/2/publish", "phantich")
    login(client, "phantich")
    page = client.get(f"/thu-tuc/{CODE}").text
    assert "Các phiên bản" in page and "Đang áp dụng" in page and "Ngừng áp dụng" in page
    diff = client.get(f"/thu-tuc/{CODE}/phien-ban/1/so-sanh/2").text
    assert "0.5d" in diff and "4h" in diff
    retired = client.post(f"/thu-tuc/{CODE}/phien-ban/2/ngung", follow_redirects=True)
    assert "Đã ngừng áp dụng phiên bản 2" in retired.text
    listed = api.get(f"/procedures/{CODE}", "phantich").get_json()
    assert listed["in_force"] is False


def test_officers_do_not_see_versions(client, api, demo):
    assert upload(api).status_code == 201
    api.post(f"/procedures/{CODE}/versions/1/publish", "phantich")
    login(client, "motcua.tanhoa")
    assert "Các phiên bản" not in client.get(f"/thu-tuc/{CODE}").text
    assert client.get(f"/thu-tuc/{CODE}/phien-ban/1/so-sanh/1").status_code == 403
