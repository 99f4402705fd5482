"""The dossier page (timeline, history, diagram, the counter's actions) and the search."""
from __future__ import annotations

import pytest

from app.dossiers.services import get
from tests.support.api import DOCUMENTS, at, receive
from tests.support.api_client import ApiClient
from tests.support.web import BIRTH_CHECK


@pytest.fixture
def checked(client, web_receive, first_task):
    """A birth registration whose first step the civil-status officer has done."""
    code = web_receive()
    client.post(f"/cong-viec/{first_task('hotich.tanhoa')}", data=BIRTH_CHECK)
    return code


def test_the_dossier_page_shows_the_timeline_and_history(client, checked):
    page = client.get(f"/ho-so/{checked}").text
    assert f"<title>Hồ sơ {checked} — Một cửa điện tử</title>" in page
    assert "Kiểm tra hồ sơ, ghi Sổ đăng ký khai sinh" in page and "Xem xét, ký Giấy khai sinh" in page
    assert "Đỗ Thị Hộ Tịch" in page and "UBND xã Tân Hòa (demo)" in page
    assert any(label in page for label in ("Trước hạn", "Đúng hạn", "Quá hạn"))
    assert "Hoàn thành bước: Kiểm tra hồ sơ, ghi Sổ đăng ký khai sinh" in page
    assert "Trần Minh An" in page and "Tiếp nhận hồ sơ" in page


def test_the_diagram_marks_done_and_current_steps(client, checked):
    page = client.get(f"/ho-so/{checked}").text
    assert "data-completed='[\"Task_kiem_tra_ho_so\"]'" in page
    assert "data-current='[\"Task_ky_giay_khai_sinh\"]'" in page
    assert "/static/vendor/bpmn-js/dist/bpmn-navigated-viewer.production.min.js" in page
    xml = client.get(f"/ho-so/{checked}/so-do.bpmn")
    assert xml.content_type.startswith("application/xml") and b'id="Task_kiem_tra_ho_so"' in xml.data
    assert xml.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in xml.headers["Content-Security-Policy"]


def test_another_unit_cannot_see_the_dossier(client, web_receive, login):
    code = web_receive()
    login("motcua.binhan")
    response = client.get(f"/ho-so/{code}")
    assert response.status_code == 404 and f"Không tìm thấy hồ sơ &#39;{code}&#39;." in response.text   # as if unknown
    assert client.get(f"/ho-so/{code}/so-do.bpmn").status_code == 404
    assert client.post(f"/ho-so/{code}/tu-choi", data={"reason": "x"}).status_code == 404
    assert get(code).status == "received"


def test_the_counter_asks_for_more_records_it_then_refuses(client, web_receive):
    code = web_receive()
    page = client.get(f"/ho-so/{code}").text
    assert f'action="/ho-so/{code}/yeu-cau-bo-sung"' in page and f'action="/ho-so/{code}/tu-choi"' in page
    assert f'action="/ho-so/{code}/tra-ket-qua"' not in page and f'action="/ho-so/{code}/nhan-bo-sung"' not in page
    empty = client.post(f"/ho-so/{code}/yeu-cau-bo-sung", data={"note": " "})
    assert empty.status_code == 422 and '<p class="field-error" id="f-note-err">' in empty.text
    client.post(f"/ho-so/{code}/yeu-cau-bo-sung", data={"note": "Bản chính Giấy chứng sinh"})
    assert get(code).status == "awaiting_supplement"
    assert "Nhận giấy tờ bổ sung" in client.get(f"/ho-so/{code}").text
    client.post(f"/ho-so/{code}/nhan-bo-sung", data={"documents[0].name": "Giấy chứng sinh", "documents[0].copies": "1"})
    dossier = get(code)
    assert dossier.status == "in_progress" and dossier.documents[-1].as_supplement
    client.post(f"/ho-so/{code}/tu-choi", data={"reason": "Hồ sơ giả mạo"})
    assert get(code).status == "refused"
    assert "Lý do từ chối:</strong> Hồ sơ giả mạo" in client.get(f"/ho-so/{code}").text


def test_the_result_is_returned_when_every_step_is_done(client, checked, first_task, login):
    client.post(f"/cong-viec/{first_task('lanhdao.tanhoa')}", data={"dong_y_khai_sinh": "true"})
    client.post(f"/cong-viec/{first_task('hotich.tanhoa')}",
                data={"so_dinh_danh_ca_nhan": "037225000123", "so_giay_khai_sinh": "15/2025"})
    assert get(checked).status == "ready_for_return"
    login("motcua.tanhoa")
    client.post(f"/ho-so/{checked}/tra-ket-qua", data={"note": "Công dân nhận trực tiếp"})
    assert get(checked).status == "returned"
    assert "Đã trả kết quả cho công dân." in client.get(f"/ho-so/{checked}").text


def test_an_action_in_the_wrong_status_is_explained(client, web_receive):
    code = web_receive()
    client.post(f"/ho-so/{code}/tra-ket-qua", data={})
    assert "không thể trả kết quả" in client.get(f"/ho-so/{code}").text


@pytest.mark.parametrize("query", ["{code}", "trần thị", "037190001234"])
def test_search_finds_by_code_name_or_id_number(client, web_receive, login, query):
    code = web_receive()
    web_receive(**{"applicant.full_name": "Lê Văn Bình", "applicant.id_number": "001088000111"})
    login("hotich.tanhoa")
    page = client.get("/ho-so", query_string={"q": query.format(code=code)}).text
    assert code in page and "Lê Văn Bình" not in page


def test_search_filters_by_status_within_my_unit(client, web_receive, login):
    code = web_receive()
    login("hotich.tanhoa")
    assert code in client.get("/ho-so?status=received").text
    assert code not in client.get("/ho-so?status=returned").text
    login("hotich.binhan")
    assert "Không tìm thấy hồ sơ phù hợp." in client.get("/ho-so").text


def test_the_counter_lists_results_to_hand_back_documents_awaited_and_online_dossiers(
        stopped_clock, client, checked, first_task, login, api):
    client.post(f"/cong-viec/{first_task('lanhdao.tanhoa')}", data={"dong_y_khai_sinh": "true"})
    client.post(f"/cong-viec/{first_task('hotich.tanhoa')}",
                data={"so_dinh_danh_ca_nhan": "037225000123", "so_giay_khai_sinh": "15/2025"})
    awaited = receive(api, "dang-ky-khai-sinh", documents=DOCUMENTS[:1], complete=False)["code"]
    keyed_in = receive(api, "dang-ky-khai-sinh", channel="online")["code"]   # keyed in at the counter: received
    citizen = ApiClient(client.application.test_client())                    # signed in nowhere
    submitted = receive(citizen, "dang-ky-khai-sinh", None, channel="online", unit_code="XA-TAN-HOA")["code"]
    elsewhere = receive(api, "dang-ky-khai-sinh", "motcua.binhan", documents=DOCUMENTS[:1], complete=False)["code"]
    stopped_clock(at("2025-10-05 12:30"))
    submitted_later = receive(citizen, "dang-ky-khai-sinh", None, channel="online", unit_code="XA-TAN-HOA")["code"]
    login("motcua.tanhoa")
    page = client.get("/tiep-nhan/danh-sach").text
    ready, waiting, online = (page.split(f'id="{anchor}"')[1].split("</section>")[0]
                              for anchor in ("tra-ket-qua", "cho-bo-sung", "truc-tuyen"))
    assert checked in ready and "2 ngày 2 giờ" in ready                  # finished on Friday 10:00-ish
    assert awaited in waiting and "Chờ bổ sung (chưa tiếp nhận)" in waiting and checked not in waiting
    assert online.index(submitted) < online.index(submitted_later)        # waiting to be accepted, oldest first
    assert keyed_in not in online and submitted not in waiting
    assert elsewhere not in page
    assert 'href="/tiep-nhan/danh-sach"' in page                          # in the menu
