"""The officers' inbox and the task form generated from the BPMN."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.db import session
from app.dossiers.services import get
from app.tasks.models import Task
from tests.support.api import open_task, receive
from tests.support.web import BIRTH_CHECK

CHECK_STEP = "Kiểm tra hồ sơ, ghi Sổ đăng ký khai sinh"


def test_the_inbox_lists_the_open_tasks_of_my_role(client, web_receive, login):
    code = web_receive()
    page = login("hotich.tanhoa").get("/cong-viec").text
    assert code in page and "Đăng ký khai sinh" in page and CHECK_STEP in page and "Trần Thị Mai" in page
    assert code not in login("chuyenvien.tanhoa").get("/cong-viec").text


@pytest.mark.parametrize(("before_due", "badge"), [
    (timedelta(days=3), '<span class="badge badge-info">Trong hạn</span>'),
    (timedelta(hours=2), '<span class="badge badge-warn">Sắp đến hạn</span>'),
    (timedelta(minutes=-1), '<span class="badge badge-danger">Quá hạn</span>'),
])
def test_the_inbox_warns_before_and_after_the_deadline(client, web_receive, login, monkeypatch, before_due, badge):
    code = web_receive()
    due = session.query(Task).filter(Task.dossier_id == get(code).id).one().due_at
    monkeypatch.setattr(clock, "now", lambda: due - before_due)
    assert badge in login("hotich.tanhoa").get("/cong-viec").text


def test_the_task_form_follows_the_bpmn_form(client, web_receive, first_task):
    web_receive()
    page = client.get(f"/cong-viec/{first_task('hotich.tanhoa')}").text
    assert '<input type="text" value="" id="f-ho_ten_tre" name="ho_ten_tre" required maxlength="100">' in page
    assert '<input type="date" value="" id="f-ngay_sinh_tre" name="ngay_sinh_tre" required>' in page
    assert '<option value="nu">Nữ</option>' in page
    assert "Trần Thị Mai" in page and "Phiếu xử lý" in page


def test_a_wrong_form_is_shown_again_with_messages_then_completed(client, web_receive, first_task):
    code = web_receive()
    task_id = first_task("hotich.tanhoa")
    wrong = client.post(f"/cong-viec/{task_id}", data={**BIRTH_CHECK, "noi_sinh": "", "dan_toc": "x" * 51})
    assert wrong.status_code == 422
    assert '<p class="field-error" id="f-noi_sinh-err">Nơi sinh: trường này là bắt buộc.</p>' in wrong.text
    assert '<p class="field-error" id="f-dan_toc-err">Dân tộc: không được quá 50 ký tự.</p>' in wrong.text
    assert 'value="Trần Minh An"' in wrong.text and '<option value="nam" selected>' in wrong.text
    done = client.post(f"/cong-viec/{task_id}", data=BIRTH_CHECK)
    assert done.status_code == 302 and done.location == "/cong-viec"
    assert f"Đã hoàn thành bước “{CHECK_STEP}” của hồ sơ {code}." in client.get("/cong-viec").text
    assert get(code).status == "in_progress"


def test_the_leader_answers_yes_or_no(client, web_receive, first_task):
    web_receive()
    client.post(f"/cong-viec/{first_task('hotich.tanhoa')}", data=BIRTH_CHECK)
    page = client.get(f"/cong-viec/{first_task('lanhdao.tanhoa')}").text
    assert 'type="radio" name="dong_y_khai_sinh" value="true" required' in page
    assert '<textarea rows="3" id="f-y_kien_lanh_dao" name="y_kien_lanh_dao" maxlength="1000">' in page
    assert "Trần Minh An" in page  # what the previous step recorded


def test_a_task_of_another_role_is_shown_but_not_completed(client, web_receive, first_task, login):
    web_receive()
    task_id = first_task("hotich.tanhoa")
    login("chuyenvien.tanhoa")
    assert "Công việc này không thuộc vai trò hoặc đơn vị của bạn." in client.get(f"/cong-viec/{task_id}").text
    refused = client.post(f"/cong-viec/{task_id}", data=BIRTH_CHECK)
    assert refused.status_code == 403 and "không thuộc vai trò" in refused.text
    login("hotich.binhan")
    assert client.get(f"/cong-viec/{task_id}").status_code == 404   # as if unknown
    assert client.post(f"/cong-viec/{task_id}", data=BIRTH_CHECK).status_code == 404


def test_a_task_done_already_is_a_conflict(client, web_receive, first_task):
    web_receive()
    task_id = first_task("hotich.tanhoa")
    client.post(f"/cong-viec/{task_id}", data=BIRTH_CHECK)
    again = client.post(f"/cong-viec/{task_id}", data=BIRTH_CHECK)
    assert again.status_code == 409 and "Công việc này đã được xử lý xong hoặc đã bị hủy." in again.text


def test_a_blocked_dossier_cannot_go_on(client, web_receive, first_task):
    code = web_receive()
    task_id = first_task("hotich.tanhoa")
    get(code).status = "blocked"
    session.commit()
    locked = client.post(f"/cong-viec/{task_id}", data=BIRTH_CHECK)
    assert locked.status_code == 423 and f"Hồ sơ {code} đang tạm dừng do có bước quá hạn" in locked.text


def test_an_unknown_task_is_not_found(client, login):
    login("hotich.tanhoa")
    assert client.get("/cong-viec/999999").status_code == 404


def test_the_task_page_says_beside_each_field_what_the_diagram_checks(client, api, login, demo):
    code = receive(api, "lien-thong-3-trong-1")["code"]
    task_id = open_task(api, code, "Task_dang_ky_khai_sinh")["id"]
    page = login("hotich.tanhoa").get(f"/cong-viec/{task_id}").text
    assert f'max="{clock.local(clock.now()).date().isoformat()}"' in page and "Không được sau ngày hôm nay." in page
    assert 'pattern="[0-9]{12}"' in page and "Gồm đúng 12 chữ số." in page
    wrong = client.post(f"/cong-viec/{task_id}", data={"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh_tre": "2999-01-01",
                                                       "gioi_tinh_tre": "nam", "so_dinh_danh_tre": "12345678901A"})
    assert wrong.status_code == 422
    assert ('<p class="field-error" id="f-ngay_sinh_tre-err">Ngày, tháng, năm sinh: không được sau ngày hôm nay.</p>'
            in wrong.text)
    assert '<p class="field-error" id="f-so_dinh_danh_tre-err">Số định danh cá nhân của trẻ: Gồm đúng' in wrong.text
