"""Driving the demo procedures to the end through the tasks API, as the right
users and the wrong ones, and completing one task from many threads at once."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import update

from app import db
from app.dossiers.models import Dossier
from tests.dossiers.test_dossiers_api import KHAI_SINH_CHECK
from tests.support.api import FIXTURES, at, complete, dossier, error_fields, iso, ok, open_steps, open_task, problem, receive

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

SIGN_YES = {"dong_y_khai_sinh": True, "y_kien_lanh_dao": "Đồng ý"}
BIRTH_REGISTERED = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh_tre": "2025-09-20", "gioi_tinh_tre": "nam",
                    "so_dinh_danh_tre": "001225012345", "so_giay_khai_sinh": "16/2025"}
RESIDENCE = {"dia_chi_thuong_tru": "Thôn Đông, xã Tân Hòa", "ho_ten_chu_ho": "Nguyễn Văn An",
             "quan_he_voi_chu_ho": "con", "ngay_dang_ky_thuong_tru": "2025-10-06"}
INSURANCE = {"ma_so_bhxh": "0125012345", "the_bhyt_tu_ngay": "2025-09-20", "the_bhyt_den_ngay": "2031-09-19",
             "noi_kcb_ban_dau": "Trạm y tế xã Tân Hòa"}


def post_complete(api, task_id: int, user: str, data: dict):
    return api.post(f"/tasks/{task_id}/complete", user, json={"data": data})


def test_birth_registration_approved(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    done = complete(api, code, "Task_kiem_tra_ho_so", "hotich.tanhoa", KHAI_SINH_CHECK)
    assert done["state"] == "completed" and done["completed_by"] == "hotich.tanhoa"
    assert done["completed_at"] == iso("2025-10-03 10:00") and done["timeliness"] == "on_time"
    assert done["data"]["gioi_tinh_tre"] == "nam" and done["data"]["ho_ten_me"] is None
    assert dossier(api, code)["status"] == "in_progress"
    complete(api, code, "Task_ky_giay_khai_sinh", "lanhdao.tanhoa", SIGN_YES)
    assert open_steps(api, code) == {"Task_cap_nhat_csdl"}
    complete(api, code, "Task_cap_nhat_csdl", "hotich.tanhoa",
             {"so_dinh_danh_ca_nhan": "001225012345", "so_giay_khai_sinh": "15/2025"})
    finished = dossier(api, code)
    assert finished["status"] == "ready_for_return" and finished["open_tasks"] == []
    assert finished["finished_at"] == iso("2025-10-03 10:00") and finished["timeliness"] == "on_time"
    steps = ok(api.get(f"/dossiers/{code}/tasks", "hotich.tanhoa"))
    assert [s["element_id"] for s in steps] == ["Task_kiem_tra_ho_so", "Task_ky_giay_khai_sinh", "Task_cap_nhat_csdl"]
    assert [e["kind"] for e in finished["history"]].count("task_completed") == 3


def test_birth_registration_refused_by_the_leader(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    complete(api, code, "Task_kiem_tra_ho_so", "hotich.tanhoa", KHAI_SINH_CHECK)
    complete(api, code, "Task_ky_giay_khai_sinh", "lanhdao.tanhoa", {"dong_y_khai_sinh": False})
    assert open_steps(api, code) == {"Task_thong_bao_tu_choi"}
    complete(api, code, "Task_thong_bao_tu_choi", "hotich.tanhoa",
             {"ly_do_tu_choi_khai_sinh": "Giấy chứng sinh không hợp lệ"})
    assert dossier(api, code)["status"] == "ready_for_return"


def test_a_late_step_is_late(api, demo, stopped_clock):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    stopped_clock(at("2025-10-03 15:00"))                          # the first step was due at 14:30
    assert complete(api, code, "Task_kiem_tra_ho_so", "hotich.tanhoa", KHAI_SINH_CHECK)["timeliness"] == "late"


def test_wrong_role_or_wrong_unit_is_forbidden_and_changes_nothing(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    task = open_task(api, code, "Task_kiem_tra_ho_so")
    for user in ("chuyenvien.tanhoa", "lanhdao.tanhoa", "motcua.tanhoa", "admin"):
        problem(post_complete(api, task["id"], user, KHAI_SINH_CHECK), 403)
    problem(post_complete(api, task["id"], "hotich.binhan", KHAI_SINH_CHECK), 404)   # not theirs to see
    assert open_task(api, code, "Task_kiem_tra_ho_so")["state"] == "open"
    problem(api.get(f"/tasks/{task['id']}", "hotich.binhan"), 404)
    problem(post_complete(api, task["id"], None, KHAI_SINH_CHECK), 401)


def test_completing_twice_is_a_conflict(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    task = open_task(api, code, "Task_kiem_tra_ho_so")
    ok(post_complete(api, task["id"], "hotich.tanhoa", KHAI_SINH_CHECK))
    problem(post_complete(api, task["id"], "hotich.tanhoa", KHAI_SINH_CHECK), 409)
    assert open_steps(api, code) == {"Task_ky_giay_khai_sinh"}


def test_form_errors_name_each_field_and_leave_the_task_open(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    task = open_task(api, code, "Task_kiem_tra_ho_so")
    bad = {"ho_ten_tre": "x" * 101, "ngay_sinh_tre": "20/09/2025", "gioi_tinh_tre": "khac", "dan_toc": ["Kinh"]}
    assert error_fields(post_complete(api, task["id"], "hotich.tanhoa", bad)) == {
        "ho_ten_tre", "ngay_sinh_tre", "gioi_tinh_tre", "noi_sinh", "dan_toc"}
    assert error_fields(post_complete(api, task["id"], "hotich.tanhoa", {})) >= {"ho_ten_tre", "noi_sinh"}
    assert error_fields(api.post(f"/tasks/{task['id']}/complete", "hotich.tanhoa", json={"data": "x"})) == {"data"}
    after = ok(api.get(f"/tasks/{task['id']}", "hotich.tanhoa"))
    assert after["state"] == "open" and after["data"] is None and after["completed_by"] is None
    assert "task_completed" not in [e["kind"] for e in dossier(api, code)["history"]]


def test_numbers_and_ranges_in_forms(api, demo):
    code = receive(api, "chung-thuc-ban-sao")["code"]
    task = open_task(api, code, "Task_kiem_tra_doi_chieu")
    base = {"ten_giay_to": "Bằng tốt nghiệp", "so_trang": 2, "so_ban_sao": 3, "du_dieu_kien_chung_thuc": True}
    assert error_fields(post_complete(api, task["id"], "chuyenvien.tanhoa", {**base, "so_trang": 0})) == {"so_trang"}
    assert error_fields(post_complete(api, task["id"], "chuyenvien.tanhoa", {**base, "so_ban_sao": "ba"})) == {"so_ban_sao"}
    done = ok(post_complete(api, task["id"], "chuyenvien.tanhoa", {**base, "so_trang": "2"}))
    assert done["data"]["so_trang"] == 2


def test_unknown_tasks(api, demo):
    for task_id in (999999, 2**31, 10**30):
        problem(api.get(f"/tasks/{task_id}", "hotich.tanhoa"), 404)
        problem(post_complete(api, task_id, "hotich.tanhoa", {}), 404)
    problem(api.get("/tasks/-1", "hotich.tanhoa"), 404)
    problem(api.get("/tasks/abc", "hotich.tanhoa"), 404)


def test_a_blocked_dossier_cannot_move(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    task = open_task(api, code, "Task_kiem_tra_ho_so")
    # What the deadline scheduler does to a dossier with a late step.
    db.session.execute(update(Dossier).where(Dossier.code == code).values(status="blocked"))
    db.session.commit()
    assert dossier(api, code)["blocked"] is True
    problem(post_complete(api, task["id"], "hotich.tanhoa", KHAI_SINH_CHECK), 423)
    assert open_task(api, code, "Task_kiem_tra_ho_so")["state"] == "open"


def test_three_in_one_runs_across_commune_police_and_social_insurance(api, demo):
    code = receive(api, "lien-thong-3-trong-1")["code"]
    problem(api.get(f"/dossiers/{code}", "congan.tanhoa"), 404)         # no step of the police yet
    complete(api, code, "Task_dang_ky_khai_sinh", "hotich.tanhoa", BIRTH_REGISTERED)
    assert open_steps(api, code) == {"Task_dang_ky_thuong_tru", "Task_cap_the_bhyt"}

    [police] = ok(api.get("/tasks", "congan.tanhoa", query_string={"mine": 1}))
    assert (police["dossier_code"], police["unit_code"], police["role"]) == (code, "CA-TAN-HOA", "police_officer")
    assert police["due_at"] == iso("2025-10-06 17:00")
    assert ok(api.get("/tasks", "congan.binhan", query_string={"mine": 1})) == []
    [insurance] = ok(api.get("/tasks", "bhxh"))
    assert insurance["unit_code"] == "BHXH-HB"
    assert ok(api.get(f"/dossiers/{code}", "congan.tanhoa"))["code"] == code

    problem(post_complete(api, police["id"], "congan.binhan", RESIDENCE), 404)     # the other commune's police
    problem(post_complete(api, police["id"], "hotich.tanhoa", RESIDENCE), 403)
    problem(post_complete(api, insurance["id"], "congan.tanhoa", INSURANCE), 403)

    ok(post_complete(api, insurance["id"], "bhxh", INSURANCE))
    assert open_steps(api, code) == {"Task_dang_ky_thuong_tru"}             # the join waits for the police
    ok(post_complete(api, police["id"], "congan.tanhoa", RESIDENCE))
    assert open_steps(api, code) == {"Task_tong_hop_ket_qua"}
    complete(api, code, "Task_tong_hop_ket_qua", "hotich.tanhoa", {"da_nhan_du_ket_qua": True})
    finished = dossier(api, code)
    assert finished["status"] == "ready_for_return" and finished["timeliness"] == "early"   # due Wednesday


def test_unit_overview_lists_every_role(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    assert ok(api.get("/tasks", "lanhdao.tanhoa")) == []
    overview = ok(api.get("/tasks", "lanhdao.tanhoa", query_string={"mine": 0}))
    assert [(t["dossier_code"], t["element_id"]) for t in overview] == [(code, "Task_kiem_tra_ho_so")]
    assert ok(api.get("/tasks", "lanhdao.binhan", query_string={"mine": "false"})) == []
    assert "mine" in error_fields(api.get("/tasks", "lanhdao.tanhoa", query_string={"mine": "maybe"}))


def test_building_permit_goes_back_for_a_supplement_and_round_again(api, demo, stopped_clock):
    code = receive(api, "cap-phep-xay-dung-nha-o")["code"]
    complete(api, code, "Task_kiem_tra_ho_so", "chuyenvien.tanhoa",
             {"ho_so_day_du": False, "noi_dung_bo_sung": "Thiếu bản vẽ mặt bằng móng"})
    waiting = dossier(api, code)
    assert waiting["status"] == "awaiting_supplement" and waiting["open_tasks"] == []
    assert waiting["supplement_note"] == "Thiếu bản vẽ mặt bằng móng"

    stopped_clock(at("2025-10-10 14:00"))
    back = ok(api.post(f"/dossiers/{code}/supplement", "motcua.tanhoa",
                       json={"documents": [{"name": "Bản vẽ mặt bằng móng", "copies": 2}]}))
    assert back["status"] == "in_progress"
    assert back["due_at"] == iso("2025-10-31 17:00")            # 15 working days from Friday 10/10
    assert [t["element_id"] for t in back["open_tasks"]] == ["Task_kiem_tra_ho_so"]

    complete(api, code, "Task_kiem_tra_ho_so", "chuyenvien.tanhoa", {"ho_so_day_du": True})
    complete(api, code, "Task_kiem_tra_hien_trang", "chuyenvien.tanhoa",
             {"ngay_kiem_tra_hien_trang": "2025-10-10", "ket_qua_hien_trang": "Đất trống", "can_lay_y_kien": True})
    problem(post_complete(api, open_task(api, code, "Task_lay_y_kien")["id"], "chuyenvien.tanhoa",
                          {"y_kien_chuyen_mon": "x", "dong_y_ve_chuyen_mon": True}), 403)
    complete(api, code, "Task_lay_y_kien", "xaydung.tanhoa", {"y_kien_chuyen_mon": "Phù hợp", "dong_y_ve_chuyen_mon": True})
    complete(api, code, "Task_tham_dinh", "chuyenvien.tanhoa",
             {"de_xuat_tham_dinh": "cap_phep", "noi_dung_tham_dinh": "Đủ điều kiện cấp phép"})
    complete(api, code, "Task_phe_duyet", "lanhdao.tanhoa", {"phe_duyet": True, "so_giay_phep": "01/GPXD"})
    assert dossier(api, code)["status"] == "ready_for_return"
    ok(api.post(f"/dossiers/{code}/return", "motcua.tanhoa", json={}))


@pytest.mark.commits  # threads, each on its own connection
def test_eight_officers_completing_one_task_at_once(app, api, demo):
    """Exactly one completion wins; the others are told the task was done meanwhile."""
    code = receive(api, "dang-ky-khai-sinh")["code"]
    task_id = open_task(api, code, "Task_kiem_tra_ho_so")["id"]
    headers = {"Authorization": f"Bearer {api.token('hotich.tanhoa')}"}
    start, statuses = threading.Barrier(8), []

    def officer():
        client = app.test_client()
        start.wait()
        response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": KHAI_SINH_CHECK}, headers=headers)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=officer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] + [409] * 7
    # The test's own requests share the fixture's app context, hence one session
    # across requests: forget what it loaded before the threads wrote.
    db.session.remove()
    history = dossier(api, code)["history"]
    assert [e["kind"] for e in history].count("task_completed") == 1
    assert open_steps(api, code) == {"Task_ky_giay_khai_sinh"}


def test_a_step_that_ends_the_process_withdraws_the_parallel_one(api, demo):
    """A terminate end event finishes the dossier: the other branch's open task is cancelled,
    not left in an inbox, and can no longer be completed."""
    xml = (FIXTURES / "ket-thuc-som.bpmn").read_text(encoding="utf-8")
    ok(api.post("/procedures", "phantich", json={"code": "ket-thuc-som", "name": "Kết thúc sớm",
                                                  "legal_limit": "2d", "bpmn_xml": xml}), 201)
    ok(api.post("/procedures/ket-thuc-som/versions/1/publish", "phantich"))
    code = receive(api, "ket-thuc-som")["code"]
    assert open_steps(api, code) == {"Task_xac_minh", "Task_y_kien"}
    withdrawn = open_task(api, code, "Task_y_kien")["id"]

    complete(api, code, "Task_xac_minh", "hotich.tanhoa", {})
    finished = dossier(api, code)
    assert finished["status"] == "ready_for_return" and finished["open_tasks"] == []
    assert ok(api.get(f"/tasks/{withdrawn}", "lanhdao.tanhoa"))["state"] == "cancelled"
    assert withdrawn not in {task["id"] for task in ok(api.get("/tasks", "lanhdao.tanhoa"))}
    problem(api.post(f"/tasks/{withdrawn}/complete", "lanhdao.tanhoa", json={"data": {}}), 409)


def test_the_three_in_one_form_checks_what_its_diagram_says(api, demo):
    """Demo procedure lien-thong-3-trong-1: a birth date not in the future, a 12-digit identity
    number, and a health-insurance card valid "to" after "from" (a ``validate`` condition)."""
    code = receive(api, "lien-thong-3-trong-1")["code"]
    birth = open_task(api, code, "Task_dang_ky_khai_sinh")
    wrong = problem(post_complete(api, birth["id"], "hotich.tanhoa", {
        **BIRTH_REGISTERED, "ngay_sinh_tre": "2025-10-04", "so_dinh_danh_tre": "00122501234X"}), 422)
    assert {(e["field"], e["message"]) for e in wrong["errors"]} == {
        ("ngay_sinh_tre", "Ngày, tháng, năm sinh: không được sau ngày hôm nay."),
        ("so_dinh_danh_tre", "Số định danh cá nhân của trẻ: Gồm đúng 12 chữ số.")}
    complete(api, code, "Task_dang_ky_khai_sinh", "hotich.tanhoa", BIRTH_REGISTERED)
    card = open_task(api, code, "Task_cap_the_bhyt")
    backwards = problem(post_complete(api, card["id"], "bhxh", {**INSURANCE, "the_bhyt_den_ngay": "2025-09-01"}), 422)
    assert backwards["errors"] == [{"field": "the_bhyt_den_ngay",
                                    "message": "Thẻ có giá trị đến ngày: Phải sau ngày thẻ bắt đầu có giá trị."}]
    form = {f["id"]: f for f in card["form"]}
    assert form["the_bhyt_den_ngay"]["rules"] == [{"condition": "the_bhyt_den_ngay > the_bhyt_tu_ngay",
                                                   "message": "Phải sau ngày thẻ bắt đầu có giá trị."}]
