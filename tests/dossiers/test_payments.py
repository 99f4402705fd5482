"""Fees taken at the counter: receipt numbers from the unit's book, the payments list, the fee receipt."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from app.auth.services import get_user
from app.core.errors import Invalid
from app.db import session
from app.dossiers import payments, services
from tests.support.concurrency import run_together
from tests.printing.readback import flat, pdf_text
from tests.support.api import (
    APPLICANT, FRIDAY_10AM, complete_documents, dossier, error_fields, ok, problem, receive,
)
from tests.support.fees import CERTIFIED_COPY

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

TAN_HOA_BOOK = "000.00.12.H37/2025"


def pay(api, code: str, user: str = "motcua.tanhoa", **body):
    return api.post(f"/dossiers/{code}/payments", user, json={"amount": 6000, "method": "cash", **body})


def test_a_payment_takes_the_next_number_of_the_units_book(api, demo):
    code = receive(api, CERTIFIED_COPY)["code"]
    first = ok(pay(api, code), 201)
    second = ok(pay(api, code, amount=2000, method="transfer", payer="Công ty TNHH Ánh Dương"), 201)
    assert first["receipt_number"] == f"{TAN_HOA_BOOK}/0000001" and first["state"] == "paid"
    assert second["receipt_number"] == f"{TAN_HOA_BOOK}/0000002"
    assert first["payer"] == APPLICANT["full_name"] and second["payer"] == "Công ty TNHH Ánh Dương"
    assert first["recorded_by"] == "motcua.tanhoa" and first["paid_at"] == FRIDAY_10AM.isoformat()
    listed = ok(api.get(f"/dossiers/{code}/payments", "chuyenvien.tanhoa"))
    assert [(p["receipt_number"], p["amount"], p["method"]) for p in listed] == [
        (f"{TAN_HOA_BOOK}/0000001", 6000, "cash"), (f"{TAN_HOA_BOOK}/0000002", 2000, "transfer")]
    events = [e for e in dossier(api, code)["history"] if e["kind"] == "payment_recorded"]
    assert [e["detail"]["receipt_number"] for e in events] == [first["receipt_number"], second["receipt_number"]]


def test_each_unit_keeps_its_own_book_and_a_new_one_each_year(api, demo, stopped_clock):
    ours, theirs = (receive(api, CERTIFIED_COPY, user=user)["code"] for user in ("motcua.tanhoa", "motcua.binhan"))
    assert ok(pay(api, ours), 201)["receipt_number"] == f"{TAN_HOA_BOOK}/0000001"
    assert ok(pay(api, theirs, "motcua.binhan"), 201)["receipt_number"] == "000.00.14.H37/2025/0000001"
    assert ok(pay(api, ours), 201)["receipt_number"] == f"{TAN_HOA_BOOK}/0000002"
    stopped_clock(FRIDAY_10AM.replace(year=2026, month=1, day=2))
    assert ok(pay(api, ours), 201)["receipt_number"] == "000.00.12.H37/2026/0000001"


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": 0}, "amount"), ({"amount": -5000}, "amount"), ({"amount": 1500.5}, "amount"),
    ({"amount": "6000"}, "amount"), ({"amount": True}, "amount"), ({"amount": payments.MAX_AMOUNT + 1}, "amount"),
    ({"method": "bitcoin"}, "method"), ({"method": None}, "method"), ({"payer": "x" * 256}, "payer"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_kept(api, demo, change, field):
    code = receive(api, CERTIFIED_COPY)["code"]
    assert field in error_fields(pay(api, code, **change))
    assert ok(api.get(f"/dossiers/{code}/payments", "motcua.tanhoa")) == []
    assert ok(pay(api, code), 201)["receipt_number"] == f"{TAN_HOA_BOOK}/0000001"   # no number was used up


@pytest.mark.parametrize("amount", ["6.000", True, 2.5])
def test_the_service_checks_what_the_pages_send_too(app, demo, amount):
    code = receive_as_service()
    with pytest.raises(Invalid) as refused:
        payments.record_payment(get_user("motcua.tanhoa"), code, amount, "cash")
    assert {item["field"] for item in refused.value.errors} == {"amount"}


def receive_as_service() -> str:
    return services.receive(get_user("motcua.tanhoa"), CERTIFIED_COPY, services.Applicant("Lê Văn Tiền"),
                            complete_documents(CERTIFIED_COPY, [])).code


def test_who_may_record_and_see_payments(api, demo):
    code = receive(api, CERTIFIED_COPY)["code"]
    problem(pay(api, code, "chuyenvien.tanhoa"), 403)       # not a receptionist
    problem(pay(api, code, "motcua.binhan"), 404)           # another unit's dossier, unseen
    problem(api.get(f"/dossiers/{code}/payments", "chuyenvien.binhan"), 404)
    problem(api.post(f"/dossiers/{code}/payments", None, json={"amount": 1, "method": "cash"}), 401)


def test_no_fee_is_taken_for_a_refused_dossier(api, demo):
    code = receive(api, CERTIFIED_COPY)["code"]
    ok(api.post(f"/dossiers/{code}/refuse", "motcua.tanhoa", json={"reason": "Bản chính bị tẩy xóa"}))
    assert "trạng thái 'Từ chối'" in problem(pay(api, code), 409)["detail"]
    assert ok(api.get(f"/dossiers/{code}/payments", "motcua.tanhoa")) == []


def test_the_fee_receipt_is_printed_after_payment_with_its_number(api, demo, tmp_path):
    code = receive(api, CERTIFIED_COPY)["code"]
    assert "biên lai được in sau khi thu tiền" in problem(
        api.get(f"/dossiers/{code}/forms/fee-receipt", "motcua.tanhoa"), 409)["detail"]
    ok(pay(api, code, amount=6000, method="transfer", payer="Trần Thị Nộp Tiền"), 201)
    response = api.get(f"/dossiers/{code}/forms/fee-receipt", "motcua.tanhoa")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = flat(pdf_text(response.data, tmp_path))
    expected = [f"Ký hiệu: {TAN_HOA_BOOK}", "Số: 0000001", "Tổng cộng 6.000", "Sáu nghìn đồng",
                "Hình thức thanh toán: Chuyển khoản", "Tên người nộp tiền: Trần Thị Nộp Tiền", "Phạm Thị Tiếp Nhận"]
    assert [line for line in expected if line not in text] == [], text


@pytest.mark.commits  # threads, each on its own connection
def test_concurrent_payments_never_share_a_receipt_number(app, demo):
    """Eight cashiers of one unit take payments for eight dossiers at once: one receipt book.
    (Two payments of one dossier at once are two changes of it: one of them is a 409.)"""
    count = 8
    codes = [receive_as_service() for _ in range(count)]
    session.commit()
    numbers, errors = [], []
    barrier = threading.Barrier(count)

    def record():
        with app.app_context():
            try:
                code = codes.pop()
                barrier.wait()
                numbers.append(payments.record_payment(get_user("motcua.tanhoa"), code, 2000, "cash").receipt_number)
            except Exception as error:  # collected and asserted on below
                errors.append(repr(error))
            finally:
                session.remove()

    run_together(record, count)
    assert errors == []
    assert sorted(numbers) == [f"{TAN_HOA_BOOK}/{n:07d}" for n in range(1, count + 1)]


def test_the_year_of_the_book_is_the_local_year(app, demo, stopped_clock):
    """23:30 on 31 December in Hà Nội is still that year's book, though it is 16:30 in UTC."""
    stopped_clock(FRIDAY_10AM.replace(month=12, day=31, hour=23, minute=30))
    unit = get_user("motcua.tanhoa").unit
    assert payments.next_receipt_number(unit, FRIDAY_10AM.replace(month=12, day=31, hour=23, minute=30)) \
        == f"{TAN_HOA_BOOK}/0000001"
    assert payments.next_receipt_number(unit, FRIDAY_10AM.replace(month=12, day=31, hour=23) + timedelta(hours=1)) \
        == "000.00.12.H37/2026/0000001"


def test_the_dossier_page_records_a_fee_and_lists_it(api, demo, client, login):
    code = receive(api, CERTIFIED_COPY)["code"]
    login("motcua.tanhoa")
    refused = client.post(f"/ho-so/{code}/thu-phi", data={"amount": "sáu nghìn", "method": "cash"})
    assert refused.status_code == 422 and 'id="f-amount-err"' in refused.text and "2.000.000.000 đ" in refused.text
    assert client.post(f"/ho-so/{code}/thu-phi", data={"amount": "6.000", "method": "transfer"}).status_code == 302
    page = client.get(f"/ho-so/{code}").text
    assert f"{TAN_HOA_BOOK}/0000001" in page and "6.000 đ" in page and "Chuyển khoản" in page
    assert f"/ho-so/{code}/in/fee-receipt" in page
