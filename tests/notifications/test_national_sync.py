"""Dossiers synchronised to the National Public Service Portal: each status change is one message in
the portal's shape (exact values, clock moved by hand), POSTed to a recording portal on loopback
that sometimes fails; every message arrives once, in order per dossier, with its idempotency key."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from app import clock
from app.db import session
from app.dossiers.models import Dossier
from app.notifications import dispatch as dispatcher
from app.notifications import national
from app.notifications.models import OutboxMessage
from app.settings import get_settings
from tests.citizens.test_online_submission import send_supplement, submitted
from tests.escalation.test_early_apology import ask, sign
from tests.support import files as make
from tests.support import nationalgate
from tests.support.api import APPLICANT, at, complete, dossier, ok, problem, receive
from tests.support.fees import CERTIFIED_COPY, CHECKED, SIGNED

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00
BIRTH = "dang-ky-khai-sinh"
BIRTH_CHECK = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh_tre": "2025-09-20", "gioi_tinh_tre": "nam",
               "noi_sinh": "Trạm y tế xã Tân Hòa", "dan_toc": "Kinh"}
#: what every record says of the demo applicant and of Tân Hòa
APPLICANT_FIELDS = {"ChuHoSo": APPLICANT["full_name"], "SoGiayToChuHoSo": APPLICANT["id_number"],
                    "SoDienThoai": APPLICANT["phone"], "Email": APPLICANT["email"],
                    "DiaChiChuHoSo": APPLICANT["address"]}
TAN_HOA = {"MaCoQuanTiepNhan": "000.00.12.H37", "TenCoQuanTiepNhan": "UBND xã Tân Hòa (demo)"}


@pytest.fixture
def store(tmp_path, override_settings):
    override_settings(storage_backend="folder", storage_path=tmp_path / "files")


@pytest.fixture
def portal(override_settings):
    """The portal on loopback, configured as an installer would (Basic credentials, 1 s timeout)."""
    gate = nationalgate.start()
    override_settings(national_portal_url=gate.url, national_portal_user="motcua", national_portal_password="bí mật",
                      national_portal_timeout_seconds=1)
    yield gate
    nationalgate.stop(gate)


def messages(code: str) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).join(Dossier, OutboxMessage.dossier_id == Dossier.id)
                                .where(Dossier.code == code, OutboxMessage.channel == "national")
                                .order_by(OutboxMessage.id)))


def records(code: str) -> list[dict]:
    return [json.loads(row.body_text)["data"][0] for row in messages(code)]


def statuses(code: str) -> list[int]:
    return [record["TrangThaiHoSo"] for record in records(code)]


def keys(code: str, count: int) -> list[str]:
    return [f"national:{code}:{number}" for number in range(1, count + 1)]


def make_due() -> None:
    """As if every back-off had passed (the real clock is not moved by the tests)."""
    session.execute(update(OutboxMessage).where(OutboxMessage.state == "pending")
                    .values(next_attempt_at=clock.real_now() - timedelta(seconds=1)))
    session.commit()


def processed(api, code: str) -> None:
    """The birth registration's first step done: status 4."""
    complete(api, code, "Task_kiem_tra_ho_so", "hotich.tanhoa", BIRTH_CHECK)


# --------------------------------------------------------------------------- the mapping, status by status


def test_a_counter_dossier_received_processed_finished_and_returned_by_post(api, demo, store, stopped_clock):
    receipt = receive(api, CERTIFIED_COPY)
    code, secret = receipt["code"], receipt["lookup_secret"]
    result = make.pdf(pages=1)
    stopped_clock(at("2025-10-03 10:20"))
    (attached,) = ok(api.post(f"/dossiers/{code}/results", "chuyenvien.tanhoa",
                              data={"files": [(io.BytesIO(result), "ban-sao.pdf")]}), 201)
    stopped_clock(at("2025-10-03 10:30"))
    complete(api, code, "Task_kiem_tra_doi_chieu", "chuyenvien.tanhoa", CHECKED)
    stopped_clock(at("2025-10-03 11:05"))
    complete(api, code, "Task_ky_chung_thuc", "lanhdao.tanhoa", SIGNED)
    stopped_clock(at("2025-10-06 14:00"))
    ok(api.post(f"/dossiers/{code}/return", "motcua.tanhoa", json={"method": "post", "tracking_number": "EB123456789VN"}))

    rows = messages(code)
    assert [row.key for row in rows] == keys(code, 4)
    assert [json.loads(row.body_text)["isUpdating"] for row in rows] == [False, True, True, True]
    assert {json.loads(row.body_text)["service"] for row in rows} == {"DongBoHoSoMC"}
    received, started, finished, returned = records(code)
    common = {"MaHoSo": code, "MaTTHC": CERTIFIED_COPY, "TenTTHC": "Chứng thực bản sao từ bản chính", **TAN_HOA,
              **APPLICANT_FIELDS, "NgayNopHoSo": "20251003100000", "NgayTiepNhan": "20251003100000",
              "NgayHenTra": "20251003170000", "GhiChu": ""}
    url = (f"{get_settings().public_base_url.rstrip('/')}/api/v1/dossiers/{code}/files/{attached['id']}"
           f"?secret={secret}")
    the_result = [{"TenGiayTo": "ban-sao.pdf", "MaBam": hashlib.sha256(result).hexdigest(), "DuongDanTaiTepTin": url}]
    assert received == {**common, "SoThuTuDongBo": 1, "ThoiDiemDongBo": "20251003100000", "KenhThucHien": 1,
                        "TrangThaiHoSo": 2, "TenTrangThaiHoSo": "Được tiếp nhận", "NgayKetThucXuLy": "", "NgayTra": "",
                        "DanhSachGiayToKetQua": []}
    assert started == {**received, "SoThuTuDongBo": 2, "ThoiDiemDongBo": "20251003103000", "TrangThaiHoSo": 4,
                       "TenTrangThaiHoSo": "Đang xử lý"}
    assert finished == {**received, "SoThuTuDongBo": 3, "ThoiDiemDongBo": "20251003110500", "TrangThaiHoSo": 9,
                        "TenTrangThaiHoSo": "Đã xử lý xong", "NgayKetThucXuLy": "20251003110500",
                        "DanhSachGiayToKetQua": the_result}
    assert returned == {**finished, "SoThuTuDongBo": 4, "ThoiDiemDongBo": "20251006140000", "TrangThaiHoSo": 10,
                        "TenTrangThaiHoSo": "Đã trả kết quả", "KenhThucHien": 3, "NgayTra": "20251006140000"}
    download = api.get(url.split("/api/v1", 1)[1].split("?")[0], query_string={"secret": secret})
    assert download.status_code == 200 and download.data == result   # the address the portal got works


def test_an_online_dossier_new_supplemented_new_again_then_accepted(api, demo, store, stopped_clock):
    receipt = submitted(api)
    code, secret = receipt["code"], receipt["lookup_secret"]
    stopped_clock(at("2025-10-03 15:00"))
    ok(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa",
                json={"note": "Giấy chứng nhận kết hôn của cha, mẹ"}))
    stopped_clock(at("2025-10-04 08:00"))
    ok(send_supplement(api, code, secret))
    stopped_clock(at("2025-10-06 09:00"))
    ok(api.post(f"/dossiers/{code}/accept", "motcua.tanhoa"))

    new, supplement, new_again, accepted = records(code)
    assert statuses(code) == [1, 5, 1, 2]
    assert {record["KenhThucHien"] for record in (new, supplement, new_again, accepted)} == {2}
    assert (new["NgayNopHoSo"], new["NgayTiepNhan"], new["NgayHenTra"]) == ("20251003100000", "", "")
    assert (supplement["GhiChu"], supplement["ThoiDiemDongBo"]) == ("Giấy chứng nhận kết hôn của cha, mẹ",
                                                                    "20251003150000")
    assert (new_again["GhiChu"], new_again["ThoiDiemDongBo"], new_again["NgayTiepNhan"]) == ("", "20251004080000", "")
    assert (accepted["NgayNopHoSo"], accepted["NgayTiepNhan"], accepted["NgayHenTra"]) == (
        "20251003100000", "20251006090000", "20251006170000")
    assert [row.key for row in messages(code)] == keys(code, 4)


def test_a_refusal_says_why(api, demo):
    code = receive(api, BIRTH)["code"]
    ok(api.post(f"/dossiers/{code}/refuse", "motcua.tanhoa", json={"reason": "Giấy chứng sinh không hợp lệ."}))
    assert statuses(code) == [2, 3]
    assert records(code)[1]["GhiChu"] == "Giấy chứng sinh không hợp lệ."


def test_a_supplement_at_the_counter_then_in_progress_with_the_new_appointment(api, demo, stopped_clock):
    code = receive(api, "cap-phep-xay-dung-nha-o")["code"]
    ok(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa", json={"note": "Bổ sung bản vẽ mặt bằng móng"}))
    stopped_clock(at("2025-10-13 09:00"))
    ok(api.post(f"/dossiers/{code}/supplement", "motcua.tanhoa",
                json={"documents": [{"name": "Bản vẽ mặt bằng móng", "copies": 2}]}))
    first, asked, back = records(code)
    assert statuses(code) == [2, 5, 4]
    assert (first["NgayHenTra"], asked["GhiChu"]) == ("20251024170000", "Bổ sung bản vẽ mặt bằng móng")
    assert (back["NgayHenTra"], back["NgayTiepNhan"]) == ("20251103170000", "20251003100000")  # 15 days again


def test_a_reappointment_sends_the_status_again_with_the_old_and_new_appointment(api, signing_demo, stopped_clock):
    stopped_clock(clock.real_now())  # the demo leader's certificate is valid from today only
    receipt = receive(api, BIRTH)
    code = receipt["code"]
    (task,) = dossier(api, code)["open_tasks"]
    asked = ok(ask(api, {"code": code, "due_at": receipt["due_at"], "task": task}), 201)
    ok(sign(api, asked))
    new_due = dossier(api, code)["due_at"]
    assert statuses(code) == [2, 2]
    first, again = records(code)
    assert "NgayHenTraCu" not in first
    assert again["NgayHenTraCu"] == national.stamp(datetime.fromisoformat(receipt["due_at"])) == first["NgayHenTra"]
    assert again["NgayHenTraMoi"] == again["NgayHenTra"] == national.stamp(datetime.fromisoformat(new_due))
    assert again["NgayHenTraMoi"] > again["NgayHenTraCu"]


@pytest.mark.parametrize("kind, dossier_status, expected", [
    ("accepted", "received", None),              # followed by "received", which says it
    ("task_completed", "in_progress", None),     # only the first step moves the dossier to 4
    ("task_completed", "received", 4),
    ("escalated", "blocked", None),              # the office's hard stop: the portal keeps seeing 4
    ("head_decided", "in_progress", None),
    ("rated", "returned", None),
    ("apology_signed", "in_progress", 4),
    ("early_apology_signed", "received", 2),
])
def test_which_events_are_status_changes(kind, dossier_status, expected):
    assert national.status_for(kind, {}, dossier_status) == expected


# --------------------------------------------------------------------------- sent, in order, once


def test_every_message_arrives_once_in_order_with_its_key_and_credentials(api, demo, portal):
    code = receive(api, BIRTH)["code"]
    processed(api, code)
    result = dispatcher.dispatch()
    assert result.sent >= 2
    assert portal.keys() == keys(code, 2)
    first = portal.received[0]
    assert first.headers["Idempotency-Key"] == f"national:{code}:1"
    assert first.headers["Authorization"] == "Basic " + base64.b64encode("motcua:bí mật".encode()).decode("latin-1")
    assert first.headers["Content-Type"].startswith("application/json")
    assert [request.record["TrangThaiHoSo"] for request in portal.received] == [2, 4]
    assert {row.state for row in messages(code)} == {"sent"}
    dispatcher.dispatch()
    assert portal.keys() == keys(code, 2)  # nothing twice


def test_a_token_is_sent_as_a_bearer(api, demo, portal, override_settings):
    override_settings(national_portal_token="t0k3n")
    receive(api, BIRTH)
    dispatcher.dispatch()
    assert portal.received[0].headers["Authorization"] == "Bearer t0k3n"


def test_errors_and_timeouts_are_retried_and_hold_back_the_dossiers_later_messages(api, demo, portal):
    code = receive(api, BIRTH)["code"]
    processed(api, code)
    portal.answers = [500, "timeout", 429]
    assert dispatcher.dispatch().outcomes == {messages(code)[0].id: "retried"}   # the second is not tried
    first, second = messages(code)
    assert (first.state, first.attempts, second.state, second.attempts) == ("pending", 1, "pending", 0)
    assert "mã HTTP 500" in first.last_error
    for reason in ("quá thời gian chờ", "mã HTTP 429"):
        make_due()
        assert dispatcher.dispatch().sent == 0 and reason in messages(code)[0].last_error
    make_due()
    dispatcher.dispatch()
    first, second = messages(code)
    assert portal.refused == [f"national:{code}:1"] * 3
    assert portal.keys() == keys(code, 2) and (first.state, second.state) == ("sent", "sent")
    assert (first.attempts, second.attempts) == (3, 0)


def test_a_refused_message_is_a_dead_letter_until_an_administrator_sends_it_again(api, demo, portal, login):
    code = receive(api, BIRTH)["code"]
    processed(api, code)
    other = receive(api, BIRTH)["code"]
    portal.answers = [400]
    dispatcher.dispatch()
    first, second = messages(code)
    assert (first.state, second.state) == ("failed", "pending") and "mã HTTP 400" in first.last_error
    assert portal.keys() == keys(other, 1)          # another dossier is not held back
    make_due()
    dispatcher.dispatch()
    assert portal.keys() == keys(other, 1) and messages(code)[1].state == "pending"

    admin = login("admin")
    page = admin.get("/quan-tri/dong-bo").text
    assert page.index(f"national:{code}:1") < page.index(f"national:{other}:1")   # failed first
    assert "Cổng Dịch vụ công quốc gia không nhận nội dung tin (mã HTTP 400)." in page
    assert admin.post(f"/quan-tri/dong-bo/{messages(code)[1].id}/gui-lai").status_code == 302   # pending: refused
    assert "Chỉ gửi lại được tin đã hỏng" in admin.get("/quan-tri/dong-bo").text
    assert admin.post(f"/quan-tri/dong-bo/{first.id}/gui-lai").status_code == 302
    assert messages(code)[0].state == "pending"
    dispatcher.dispatch()
    assert portal.keys() == keys(other, 1) + keys(code, 2)
    assert {row.state for row in messages(code)} == {"sent"}


def test_retry_all_failed_from_the_page(api, demo, portal, login):
    codes = [receive(api, BIRTH)["code"] for _ in range(2)]
    portal.answers = [400, 400]
    dispatcher.dispatch()
    assert [messages(code)[0].state for code in codes] == ["failed", "failed"]
    admin = login("admin")
    assert admin.post("/quan-tri/dong-bo/gui-lai-tat-ca").status_code == 302
    assert "Đã đưa 2 tin hỏng vào hàng chờ gửi lại." in admin.get("/quan-tri/dong-bo").text
    dispatcher.dispatch()
    assert sorted(portal.keys()) == sorted(key for code in codes for key in keys(code, 1))


def test_without_a_url_messages_are_held_shown_and_sent_in_order_once_configured(api, demo, login, override_settings):
    code = receive(api, BIRTH)["code"]
    processed(api, code)
    assert dispatcher.dispatch().held >= 2
    assert [row.state for row in messages(code)] == ["held", "held"]
    page = login("admin").get("/quan-tri/dong-bo?trang_thai=held").text
    assert f"national:{code}:2" in page and "Chưa cấu hình NATIONAL_PORTAL_URL" in page
    gate = nationalgate.start()
    try:
        override_settings(national_portal_url=gate.url)
        assert dispatcher.dispatch().outcomes == {}               # held until released, as the SMS are
        dispatcher.dispatch(release_held=True)
        assert gate.keys() == keys(code, 2)
    finally:
        nationalgate.stop(gate)


# --------------------------------------------------------------------------- the API


def test_the_api_lists_failed_first_and_retries(api, demo, portal):
    failed = receive(api, BIRTH)["code"]
    portal.answers = [400]
    dispatcher.dispatch()
    sent = receive(api, BIRTH)["code"]
    dispatcher.dispatch()
    listed = ok(api.get("/admin/national-sync", "admin"))
    codes = [row["dossier_code"] for row in listed]
    assert codes.index(failed) < codes.index(sent)
    (row,) = ok(api.get("/admin/national-sync", "admin", query_string={"state": "failed"}))
    assert (row["key"], row["national_status"], row["payload"]["MaHoSo"]) == (f"national:{failed}:1", 2, failed)
    assert problem(api.get("/admin/national-sync", "admin", query_string={"state": "lost"}), 422)["errors"][0][
        "field"] == "state"
    again = ok(api.post(f"/admin/national-sync/{row['id']}/retry", "admin"))
    assert (again["state"], again["attempts"]) == ("pending", 0)
    problem(api.post(f"/admin/national-sync/{row['id']}/retry", "admin"), 409)
    problem(api.post("/admin/national-sync/999999999/retry", "admin"), 404)
    dispatcher.dispatch()
    assert portal.keys()[-1] == f"national:{failed}:1"


# --------------------------------------------------------------------------- two dispatchers


@pytest.mark.commits
def test_two_dispatchers_send_each_message_once_and_each_dossier_in_order(app, api, demo, portal):
    codes = []
    for _ in range(4):
        code = receive(api, CERTIFIED_COPY)["code"]
        complete(api, code, "Task_kiem_tra_doi_chieu", "chuyenvien.tanhoa", CHECKED)
        complete(api, code, "Task_ky_chung_thuc", "lanhdao.tanhoa", SIGNED)
        codes.append(code)
    session.commit()
    portal.delay = 0.02
    start, errors = threading.Barrier(2), []

    def run() -> None:
        try:
            with app.app_context():
                start.wait()
                dispatcher.dispatch(limit=1)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(portal.keys()) == sorted(key for code in codes for key in keys(code, 3))   # each once
    arrived = defaultdict(list)
    for request in portal.received:
        arrived[request.record["MaHoSo"]].append(request.record["SoThuTuDongBo"])
    assert all(arrived[code] == [1, 2, 3] for code in codes)
