"""Reception, search, supplement, refusal, return and the public look-up.

The clock stands on Friday 3 October 2025, 10:00 (see conftest); deadlines
below are counted by hand.
"""
from __future__ import annotations

import re

import pytest

from tests.support.api import (
    APPLICANT,
    DOCUMENTS,
    at,
    complete,
    dossier,
    error_fields,
    iso,
    ok,
    problem,
    receive,
)

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

KHAI_SINH_CHECK = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh_tre": "2025-09-20", "gioi_tinh_tre": "nam",
                   "noi_sinh": "Trạm y tế xã Tân Hòa", "dan_toc": "Kinh"}


def test_reception_gives_codes_deadlines_and_first_steps(api, demo):
    first = receive(api, "dang-ky-khai-sinh")
    assert first["code"] == "000.00.12.H37-251003-0001"        # Tân Hòa's agency code, the day, #1
    assert first["status"] == "received"
    assert first["received_at"] == iso("2025-10-03 10:00")
    assert first["due_at"] == iso("2025-10-03 17:00")          # same-day procedure received before 15:00
    assert re.fullmatch(r"\w{4,}", first["lookup_secret"])
    assert receive(api, "dang-ky-khai-sinh")["code"] == "000.00.12.H37-251003-0002"
    assert receive(api, "lien-thong-3-trong-1", "motcua.binhan")["code"] == "000.00.14.H37-251003-0001"
    assert receive(api, "lien-thong-3-trong-1")["due_at"] == iso("2025-10-08 17:00")   # 3 working days

    detail = dossier(api, first["code"], "motcua.tanhoa")
    assert (detail["procedure_code"], detail["procedure_version"]) == ("dang-ky-khai-sinh", 1)
    assert detail["applicant"] == APPLICANT
    assert [(d["name"], d["copies"]) for d in detail["documents"]] == [(d["name"], d["copies"]) for d in DOCUMENTS]
    assert (detail["channel"], detail["receiving_unit"], detail["blocked"]) == ("counter", "XA-TAN-HOA", False)
    assert detail["finished_at"] is None and detail["timeliness"] is None
    [task] = detail["open_tasks"]
    assert (task["element_id"], task["role"], task["unit_code"], task["state"]) == (
        "Task_kiem_tra_ho_so", "civil_status_officer", "XA-TAN-HOA", "open")
    assert task["due_at"] == iso("2025-10-03 14:30")           # 3 working hours: 1.5 before lunch, 1.5 after
    assert task["dossier_code"] == first["code"] and task["form"][0]["id"] == "ho_ten_tre"
    assert [(e["kind"], e["actor"]) for e in detail["history"]][0] == ("received", "motcua.tanhoa")


def test_after_the_cutoff_a_same_day_procedure_is_due_next_working_day(api, demo, stopped_clock):
    stopped_clock(at("2025-10-03 15:30"))
    assert receive(api, "dang-ky-khai-sinh")["due_at"] == iso("2025-10-06 17:00")


def test_online_submission_without_a_token(api, demo):
    body = {"procedure_code": "dang-ky-khai-sinh", "applicant": APPLICANT, "channel": "online", "documents": DOCUMENTS}
    receipt = ok(api.post("/dossiers", json={**body, "unit_code": "XA-BINH-AN"}), 201)
    assert receipt["code"].startswith("000.00.14.H37-251003-")
    assert (receipt["status"], receipt["due_at"]) == ("submitted", None)   # until reception accepts it
    detail = dossier(api, receipt["code"], "motcua.binhan")
    assert detail["channel"] == "online" and detail["history"][0]["actor"] is None
    assert "unit_code" in error_fields(api.post("/dossiers", json=body))
    problem(api.post("/dossiers", json={**body, "unit_code": "NOPE"}), 404)
    problem(api.post("/dossiers", json={**body, "channel": "counter", "unit_code": "XA-BINH-AN"}), 401)
    problem(api.post("/dossiers", json={**body, "unit_code": "XA-BINH-AN"},
                     headers={"Authorization": "Bearer wrong"}), 401)


def test_only_receptionists_receive_and_only_published_procedures(api, demo):
    body = {"procedure_code": "dang-ky-khai-sinh", "applicant": APPLICANT}
    for user in ("chuyenvien.tanhoa", "giamsat", "admin"):
        problem(api.post("/dossiers", user, json=body), 403)
    problem(api.post("/dossiers", "motcua.tanhoa", json={**body, "procedure_code": "nope"}), 404)


@pytest.mark.parametrize("change, field", [
    ({"applicant": {}}, "applicant.full_name"),
    ({"applicant": {"full_name": "   "}}, "applicant.full_name"),
    ({"applicant": "Nguyễn Văn An"}, "applicant"),
    ({"applicant": {**APPLICANT, "id_number": "9" * 40}}, "applicant.id_number"),
    ({"documents": [{"name": "", "copies": 1}]}, "documents.0.name"),
    ({"documents": [{"name": "Tờ khai", "copies": 0}]}, "documents.0.copies"),
    ({"documents": [{"name": "Tờ khai", "copies": "2"}]}, "documents.0.copies"),
    ({"documents": {"name": "Tờ khai"}}, "documents"),
    ({"channel": "post"}, "channel"),
    ({"procedure_code": None}, "procedure_code"),
    ({"extra": True}, "extra"),
])
def test_reception_errors_name_the_field(api, demo, change, field):
    body = {"procedure_code": "dang-ky-khai-sinh", "applicant": APPLICANT, "documents": DOCUMENTS, **change}
    assert field in error_fields(api.post("/dossiers", "motcua.tanhoa", json=body))


def test_unknown_dossiers_and_other_units(api, demo):
    problem(api.get("/dossiers/000.00.12.H37-251003-9999", "motcua.tanhoa"), 404)
    problem(api.get("/dossiers/not-a-code", "motcua.tanhoa"), 404)
    code = receive(api, "dang-ky-khai-sinh")["code"]
    problem(api.get(f"/dossiers/{code}", "hotich.binhan"), 404)   # as if unknown
    problem(api.get(f"/dossiers/{code}"), 401)
    problem(api.post(f"/dossiers/{code}/refuse", "motcua.binhan", json={"reason": "Không thuộc thẩm quyền"}), 404)
    problem(api.post(f"/dossiers/{code}/refuse", "chuyenvien.tanhoa", json={"reason": "Không thuộc thẩm quyền"}), 403)
    problem(api.post("/dossiers/nope/refuse", "motcua.tanhoa", json={"reason": "x"}), 404)


def test_search_lists_the_units_dossiers_with_filters_and_pages(api, demo, stopped_clock):
    ours = [receive(api, "dang-ky-khai-sinh")["code"] for _ in range(3)]
    theirs = receive(api, "dang-ky-khai-sinh", "motcua.binhan")["code"]

    listed = ok(api.get("/dossiers", "motcua.tanhoa"))
    assert {d["code"] for d in listed} == set(ours)
    assert all(d["applicant_name"] == APPLICANT["full_name"] and d["status"] == "received" for d in listed)
    assert {d["code"] for d in ok(api.get("/dossiers", "giamsat"))} == {*ours, theirs}
    assert [d["code"] for d in ok(api.get("/dossiers", "giamsat", query_string={"unit": "XA-BINH-AN"}))] == [theirs]
    first_page = ok(api.get("/dossiers", "motcua.tanhoa", query_string={"limit": 2}))
    second_page = ok(api.get("/dossiers", "motcua.tanhoa", query_string={"limit": 2, "offset": 2}))
    assert len(first_page) == 2 and len(second_page) == 1
    assert {d["code"] for d in first_page + second_page} == set(ours)
    assert [d["code"] for d in ok(api.get("/dossiers", "motcua.tanhoa", query_string={"q": ours[1]}))] == [ours[1]]
    assert ok(api.get("/dossiers", "motcua.tanhoa", query_string={"status": "returned"})) == []
    assert ok(api.get("/dossiers", "motcua.tanhoa", query_string={"late": "1"})) == []

    stopped_clock(at("2025-10-03 17:30"))                          # past the same-day deadline
    assert {d["code"] for d in ok(api.get("/dossiers", "motcua.tanhoa", query_string={"late": "true"}))} == set(ours)
    assert ok(api.get("/dossiers", "motcua.tanhoa", query_string={"late": "0"})) == []


@pytest.mark.parametrize("query, field", [
    ({"status": "lost"}, "status"), ({"limit": "abc"}, "limit"), ({"limit": 0}, "limit"),
    ({"limit": 10**30}, "limit"), ({"offset": -1}, "offset"), ({"late": "maybe"}, "late"),
])
def test_bad_search_parameters(api, demo, query, field):
    assert field in error_fields(api.get("/dossiers", "motcua.tanhoa", query_string=query))


def test_receptionist_asks_for_a_supplement_and_the_clock_restarts(api, demo, stopped_clock):
    code = receive(api, "cap-phep-xay-dung-nha-o")["code"]
    assert dossier(api, code)["due_at"] == iso("2025-10-24 17:00")          # 15 working days
    assert "note" in error_fields(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa", json={}))
    asked = ok(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa",
                        json={"note": "Bổ sung bản vẽ mặt bằng móng"}))
    assert asked["status"] == "awaiting_supplement" and asked["supplement_note"] == "Bổ sung bản vẽ mặt bằng móng"
    task = asked["open_tasks"][0]
    problem(api.post(f"/tasks/{task['id']}/complete", "chuyenvien.tanhoa", json={"data": {"ho_so_day_du": True}}), 409)
    problem(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa", json={"note": "Lần hai"}), 409)

    stopped_clock(at("2025-10-13 09:00"))
    assert "documents" in error_fields(api.post(f"/dossiers/{code}/supplement", "motcua.tanhoa", json={"documents": []}))
    back = ok(api.post(f"/dossiers/{code}/supplement", "motcua.tanhoa",
                       json={"documents": [{"name": "Bản vẽ mặt bằng móng", "copies": 2}]}))
    assert back["status"] == "in_progress"
    assert back["due_at"] == iso("2025-11-03 17:00")            # 15 working days from Monday 13/10 again
    assert back["open_tasks"][0]["due_at"] == iso("2025-10-14 17:00")
    assert back["documents"][-1] == {"name": "Bản vẽ mặt bằng móng", "copies": 2,
                                     "received_at": iso("2025-10-13 09:00"), "as_supplement": True}
    kinds = [e["kind"] for e in back["history"]]
    assert kinds.index("supplement_requested") < kinds.index("supplement_received")


def test_refusal_closes_the_dossier_and_cancels_its_steps(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    task_id = dossier(api, code)["open_tasks"][0]["id"]
    assert "reason" in error_fields(api.post(f"/dossiers/{code}/refuse", "motcua.tanhoa", json={"reason": ""}))
    refused = ok(api.post(f"/dossiers/{code}/refuse", "motcua.tanhoa", json={"reason": "Không thuộc thẩm quyền"}))
    assert refused["status"] == "refused" and refused["refusal_reason"] == "Không thuộc thẩm quyền"
    assert refused["open_tasks"] == [] and refused["finished_at"] == iso("2025-10-03 10:00")
    assert ok(api.get(f"/tasks/{task_id}", "hotich.tanhoa"))["state"] == "cancelled"
    problem(api.post(f"/tasks/{task_id}/complete", "hotich.tanhoa", json={"data": KHAI_SINH_CHECK}), 409)
    problem(api.post(f"/dossiers/{code}/refuse", "motcua.tanhoa", json={"reason": "Lần nữa"}), 409)
    problem(api.post(f"/dossiers/{code}/return", "motcua.tanhoa", json={}), 409)


def test_the_result_is_returned_once_ready(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    problem(api.post(f"/dossiers/{code}/return", "motcua.tanhoa"), 409)
    complete(api, code, "Task_kiem_tra_ho_so", "hotich.tanhoa", KHAI_SINH_CHECK)
    complete(api, code, "Task_ky_giay_khai_sinh", "lanhdao.tanhoa", {"dong_y_khai_sinh": True})
    complete(api, code, "Task_cap_nhat_csdl", "hotich.tanhoa",
             {"so_dinh_danh_ca_nhan": "001225012345", "so_giay_khai_sinh": "15/2025"})
    ready = dossier(api, code)
    assert ready["status"] == "ready_for_return" and ready["timeliness"] == "on_time"
    problem(api.post(f"/dossiers/{code}/return", "motcua.binhan", json={}), 404)
    returned = ok(api.post(f"/dossiers/{code}/return", "motcua.tanhoa", json={"note": "Trả tại bộ phận Một cửa"}))
    assert returned["status"] == "returned" and returned["returned_at"] == iso("2025-10-03 10:00")
    assert returned["history"][-1]["kind"] == "returned" and returned["history"][-1]["actor"] == "motcua.tanhoa"


def test_public_lookup_shows_progress_but_no_personal_data(api, demo):
    receipt = receive(api, "dang-ky-khai-sinh")
    code, secret = receipt["code"], receipt["lookup_secret"]
    response = api.get(f"/public/dossiers/{code}", query_string={"secret": secret})
    public = ok(response)
    assert public["applicant_name"] == "N***n V** A**"
    assert public["status"] == "received" and public["timeliness"] is None
    assert public["due_at"] == iso("2025-10-03 17:00")
    assert public["stage"] == ["Kiểm tra hồ sơ, ghi Sổ đăng ký khai sinh"]
    text = response.get_data(as_text=True)
    for private in (APPLICANT["id_number"], APPLICANT["phone"], APPLICANT["email"], "Thôn Đông", "Văn An",
                    "motcua.tanhoa", "lookup_secret"):
        assert private not in text

    complete(api, code, "Task_kiem_tra_ho_so", "hotich.tanhoa", KHAI_SINH_CHECK)
    later = ok(api.get(f"/public/dossiers/{code}", query_string={"secret": secret}))
    assert later["status"] == "in_progress" and later["stage"] == ["Xem xét, ký Giấy khai sinh"]


def test_public_lookup_answers_a_wrong_secret_like_an_unknown_code(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    unknown = "000.00.12.H37-251003-0099"
    wrong = problem(api.get(f"/public/dossiers/{code}", query_string={"secret": "00000000"}), 404)
    missing = problem(api.get(f"/public/dossiers/{unknown}", query_string={"secret": "00000000"}), 404)
    assert wrong == {**missing, "detail": missing["detail"].replace(unknown, code)}
    assert "secret" in error_fields(api.get(f"/public/dossiers/{code}"))
    problem(api.get(f"/public/dossiers/{code}", query_string={"secret": "ủ" * 8}), 404)
