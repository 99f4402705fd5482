"""The apology gate in the web UI: the inbox, the officer's explanation, the
leader's review and signature, the supervisors' list; real signatures, real database."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.db import session
from app.dossiers.services import get
from app.escalation import views
from app.tasks.models import Task
from tests.support.escalation import LEADER, OFFICER, PIN, REASON, SUPERVISOR, escalation_url, new_appointment
from tests.support.web import BIRTH_CHECK


def explain(client, late, **form):
    return client.post(escalation_url(late, "giai-trinh"), data=form)


def explained(client, login, late):
    """The officer's good explanation; returns the new appointment date."""
    login(OFFICER)
    new_date = new_appointment(late)
    response = explain(client, late, reason=REASON, new_due_date=new_date.isoformat())
    assert response.status_code == 302, response.text
    return new_date


def apology_task_id(late) -> int:
    return session.scalar(select(Task.id).where(Task.escalation_id == late["escalation"]["id"], Task.state == "open"))


# --------------------------------------------------------------------------- the inbox


def test_the_inbox_links_the_apology_step_and_the_held_step_to_the_escalation(client, login, late_dossier):
    url = escalation_url(late_dossier)
    inbox = login(OFFICER).get("/cong-viec").text
    assert "Giải trình, đề xuất ngày hẹn mới" in inbox
    assert f'<a class="btn btn-primary btn-small" href="{url}">Xử lý</a>' in inbox        # the apology step
    assert f'<a class="btn btn-primary btn-small" href="{url}">Giải trình</a>' in inbox   # the held step
    assert f'href="/cong-viec/{late_dossier["task"]["id"]}"' not in inbox  # its form could only answer 423
    assert f'<a class="badge badge-danger badge-link" href="{url}"' in inbox and "Tạm dừng — hồ sơ trễ hạn" in inbox
    assert '<span class="badge badge-danger">Quá hạn</span>' in inbox


def test_no_page_shows_the_escalation_id_as_if_it_were_a_count(client, login, late_dossier):
    number = late_dossier["escalation"]["id"]
    login(OFFICER)
    for url in ("/cong-viec", escalation_url(late_dossier), "/tre-han", f"/ho-so/{late_dossier['code']}",
                f"/cong-viec/{late_dossier['task']['id']}"):
        page = client.get(url).text
        assert f"số {number}" not in page and f"hạn {number}<" not in page and "<td>Số</td>" not in page, url


def test_the_apology_step_opens_the_escalation_page_and_the_held_step_says_why(client, login, late_dossier):
    login(OFFICER)
    response = client.get(f"/cong-viec/{apology_task_id(late_dossier)}")
    assert response.status_code == 302 and response.location == escalation_url(late_dossier)
    held = client.get(f"/cong-viec/{late_dossier['task']['id']}").text
    assert "Hồ sơ đang tạm dừng" in held and f'href="{escalation_url(late_dossier)}"' in held
    assert f'<a class="btn btn-primary" href="{escalation_url(late_dossier)}">Giải trình</a>' in held
    assert "task-form" not in held and "Hoàn thành bước" not in held   # no form that could only answer 423


# --------------------------------------------------------------------------- the officer's explanation


def test_the_officer_sees_the_explanation_form(client, login, late_dossier):
    page = login(OFFICER).get(escalation_url(late_dossier)).text
    assert f"<h1>Trễ hạn — hồ sơ {late_dossier['code']}</h1>" in page and "Chờ giải trình" in page
    assert 'name="reason"' in page and '<input type="date"' in page and 'name="new_due_date"' in page
    assert "quá hạn" in page and "30 phút" in page


@pytest.mark.parametrize(("new_date", "message"), [
    (lambda late: "", "Cần chọn ngày hẹn trả kết quả mới."),
    (lambda late: (clock.local(clock.now()).date() - timedelta(days=3)).isoformat(),
     "Ngày hẹn mới phải sau ngày hôm nay."),
    (lambda late: "31/02/2030", "Ngày không hợp lệ"),
])
def test_a_bad_date_is_shown_beside_the_field_and_the_reason_kept(client, login, late_dossier, new_date, message):
    login(OFFICER)
    response = explain(client, late_dossier, reason=REASON, new_due_date=new_date(late_dossier))
    assert response.status_code == 422
    assert f'<p class="field-error" id="f-new_due_date-err">{message}' in response.text
    assert f">{REASON}</textarea>" in response.text
    assert get(late_dossier["code"]).status == "blocked"


def test_a_short_reason_is_refused_with_the_date_kept(client, login, late_dossier):
    login(OFFICER)
    new_date = new_appointment(late_dossier).isoformat()
    response = explain(client, late_dossier, reason="ngắn", new_due_date=new_date)
    assert response.status_code == 422
    assert '<p class="field-error" id="f-reason-err">Ghi rõ lý do (ít nhất 10 ký tự).</p>' in response.text
    assert f'value="{new_date}"' in response.text


def test_a_good_explanation_issues_the_letter_for_signature(client, login, late_dossier):
    explained(client, login, late_dossier)
    page = client.get(escalation_url(late_dossier)).text
    assert "Đã gửi giải trình" in page and "Chờ lãnh đạo ký" in page and REASON in page
    assert 'name="reason"' not in page and 'name="pin"' not in page  # the officer does not sign


def test_someone_of_the_unit_without_the_role_only_reads(client, login, late_dossier):
    page = login("chuyenvien.tanhoa").get(escalation_url(late_dossier)).text
    assert "Chờ công chức phụ trách bước này" in page and 'name="reason"' not in page
    refused = explain(client, late_dossier, reason=REASON, new_due_date=new_appointment(late_dossier).isoformat())
    assert refused.status_code == 403 and "Chỉ người có vai trò phù hợp" in refused.text


# --------------------------------------------------------------------------- the leader's review


def test_the_leader_sees_the_letter_and_signs_with_the_pin(client, login, late_dossier):
    new_date = explained(client, login, late_dossier)
    login(LEADER)
    listing = client.get("/tre-han").text
    assert "Thư xin lỗi chờ ký (1)" in listing and "Xem và ký" in listing
    page = client.get(escalation_url(late_dossier)).text
    letter_url = escalation_url(late_dossier, "thu-xin-loi.pdf")
    assert f'<object data="{letter_url}#navpanes=0&amp;view=FitH" type="application/pdf"' in page
    assert 'name="pin"' in page and 'accept="application/pdf"' in page and 'name="note"' in page
    letter = client.get(letter_url)
    assert letter.status_code == 200 and letter.mimetype == "application/pdf" and letter.data.startswith(b"%PDF")
    signed = client.post(escalation_url(late_dossier, "ky-bang-pin"), data={"pin": PIN}, follow_redirects=True)
    assert signed.status_code == 200
    assert f"hẹn trả kết quả mới: {new_date:%d/%m/%Y}" in signed.text
    assert "Thư xin lỗi đã được ký" in signed.text and "Bùi Văn Lãnh Đạo" in signed.text
    dossier = get(late_dossier["code"])
    assert dossier.status == "in_progress" and clock.local(dossier.due_at).date() == new_date


def test_a_wrong_pin_is_said_beside_the_field(client, login, late_dossier):
    explained(client, login, late_dossier)
    login(LEADER)
    response = client.post(escalation_url(late_dossier, "ky-bang-pin"), data={"pin": "000000"})
    assert response.status_code == 422
    assert '<p class="field-error" id="f-pin-err">Mã PIN không đúng.</p>' in response.text
    assert 'value="000000"' not in response.text
    assert get(late_dossier["code"]).status == "blocked"


def test_five_wrong_pins_lock_signing(client, login, late_dossier):
    explained(client, login, late_dossier)
    login(LEADER)
    for _ in range(5):
        client.post(escalation_url(late_dossier, "ky-bang-pin"), data={"pin": "000000"})
    locked = client.post(escalation_url(late_dossier, "ky-bang-pin"), data={"pin": PIN})
    assert locked.status_code == 429 and "chức năng ký bị khóa đến" in locked.text


def test_an_unsigned_letter_uploaded_is_refused_with_the_reason(client, login, late_dossier):
    explained(client, login, late_dossier)
    login(LEADER)
    unsigned = client.get(escalation_url(late_dossier, "thu-xin-loi.pdf")).data
    response = client.post(escalation_url(late_dossier, "tai-len-thu-da-ky"),
                           data={"file": (io.BytesIO(unsigned), "thu-xin-loi.pdf", "application/pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Chữ ký không được chấp nhận:" in response.text
    assert '<p class="field-error" id="f-file-err">' in response.text
    assert get(late_dossier["code"]).status == "blocked"


def test_an_upload_without_a_file_asks_for_one(client, login, late_dossier):
    explained(client, login, late_dossier)
    login(LEADER)
    response = client.post(escalation_url(late_dossier, "tai-len-thu-da-ky"), data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Chọn tệp PDF thư xin lỗi đã ký số." in response.text


def test_sending_back_asks_for_a_new_explanation(client, login, late_dossier):
    explained(client, login, late_dossier)
    login(LEADER)
    empty = client.post(escalation_url(late_dossier, "tra-lai"), data={"note": " "})
    assert empty.status_code == 422 and 'id="f-note-err"' in empty.text
    sent_back = client.post(escalation_url(late_dossier, "tra-lai"), data={"note": "Ghi rõ hơn lý do."})
    assert sent_back.status_code == 302
    page = login(OFFICER).get(escalation_url(late_dossier)).text
    assert "Lãnh đạo đã trả lại:</strong> Ghi rõ hơn lý do." in page and 'name="reason"' in page
    assert client.get(escalation_url(late_dossier, "thu-xin-loi.pdf")).status_code == 409


def test_signing_twice_is_a_conflict(client, login, late_dossier):
    explained(client, login, late_dossier)
    login(LEADER)
    client.post(escalation_url(late_dossier, "ky-bang-pin"), data={"pin": PIN})
    again = client.post(escalation_url(late_dossier, "ky-bang-pin"), data={"pin": PIN})
    assert again.status_code == 409 and "Đã ký thư xin lỗi" in again.text


# --------------------------------------------------------------------------- who sees what


def test_the_supervisor_sees_every_open_escalation_with_its_age(client, login, late_dossier, travel_clock):
    travel_clock(clock.now() + timedelta(hours=5))
    page = login(SUPERVISOR).get("/tre-han").text
    assert late_dossier["code"] in page and "UBND xã Tân Hòa (demo)" in page and "Chờ giải trình" in page
    assert "<strong>5 giờ</strong>" in page
    assert "Trễ hạn</a>" in page  # the navigation link
    assert late_dossier["code"] not in client.get("/tre-han?trang-thai=signed").text
    assert late_dossier["code"] in client.get("/tre-han?trang-thai=tat-ca").text


def test_a_user_of_another_unit_is_refused(client, login, late_dossier):
    login("hotich.binhan")
    assert client.get(escalation_url(late_dossier)).status_code == 404   # as if unknown
    assert client.get(escalation_url(late_dossier, "thu-xin-loi.pdf")).status_code == 404
    assert explain(client, late_dossier, reason=REASON, new_due_date="2030-01-02").status_code == 404
    assert late_dossier["code"] not in client.get("/tre-han").text


def test_an_unknown_escalation_or_action_is_not_found(client, login, late_dossier):
    login(OFFICER)
    assert client.get("/tre-han/999999").status_code == 404
    assert client.post(escalation_url(late_dossier, "xoa")).status_code == 404


def test_the_unit_is_notified(client, login, late_dossier):
    page = login(OFFICER).get("/thong-bao").text
    assert f"Hồ sơ {late_dossier['code']} bị tạm dừng" in page and "Trễ hạn" in page


def test_the_navigation_shows_late_steps_to_those_who_handle_them(client, login, late_dossier):
    assert 'href="/tre-han"' in login(LEADER).get("/cong-viec").text
    assert 'href="/tre-han"' not in login("motcua.tanhoa").get("/cong-viec").text


def test_late_again_after_the_apology_the_supervisor_decides(client, login, late_dossier, travel_clock, sweep,
                                                             monkeypatch):
    explained(client, login, late_dossier)
    login(LEADER).post(escalation_url(late_dossier, "ky-bang-pin"), data={"pin": PIN})
    assert login(OFFICER).post(f"/cong-viec/{late_dossier['task']['id']}", data=BIRTH_CHECK).status_code == 302
    (next_step,) = session.scalars(select(Task).where(Task.dossier_id == get(late_dossier["code"]).id,
                                                      Task.state == "open"))
    travel_clock(next_step.due_at + timedelta(hours=1))
    assert sweep()["escalated"] == 1
    login(SUPERVISOR)
    listing = client.get("/tre-han").text
    assert "Chuyển lãnh đạo Trung tâm" in listing and "UBND tỉnh Hòa Bình (demo)" in listing
    level2 = session.scalar(select(Task.escalation_id).where(Task.element_id == "Task_quyet_dinh"))
    page = client.get(f"/tre-han/{level2}").text
    assert "Lần hai — Lãnh đạo Trung tâm quyết định" in page and 'name="decision"' in page
    short = client.post(f"/tre-han/{level2}/quyet-dinh", data={"decision": "ngắn"})
    assert short.status_code == 422 and 'id="f-decision-err"' in short.text
    decided = client.post(f"/tre-han/{level2}/quyet-dinh", follow_redirects=True,
                          data={"decision": "Yêu cầu UBND xã hoàn thành ngay trong ngày, kiểm điểm cán bộ."})
    assert "Đã ghi nhận quyết định xử lý" in decided.text and "kiểm điểm cán bộ" in decided.text
    assert get(late_dossier["code"]).status == "in_progress"
    monkeypatch.setattr(views, "PAGE", 1)
    first, second = client.get("/tre-han?trang-thai=tat-ca").text, client.get("/tre-han?trang-thai=tat-ca&trang=2").text
    assert "Trang sau ›" in first and "Đã ký thư xin lỗi</span>" in first and "Đã có quyết định</span>" not in first
    assert "‹ Trang trước" in second and "Đã có quyết định</span>" in second
