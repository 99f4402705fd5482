"""Online payment: the signed redirect to the gateway, its signed callback, replays and forgeries.

The gateway is tests/support/paygate.py, which signs as the documented shape says; most tests
post its callbacks through the test client, one walks a citizen through the gateway's own page
over loopback HTTP with the application served for real.
"""
from __future__ import annotations

import re
import threading
from urllib.parse import parse_qsl, urlsplit
from urllib.request import urlopen

import pytest

from app.db import session
from tests.support.concurrency import run_together
from tests.support.api import ok, problem, receive
from tests.support.fees import CERTIFIED_COPY
from tests.support.paygate import MERCHANT, SECRET, Gateway, signature
from tests.support.wsgi import serving

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

BASE_URL = "https://dichvucong.example.vn"
TAN_HOA_BOOK = "000.00.12.H37/2025"
CALLBACK = "/public/payments/callback"


@pytest.fixture
def gateway(override_settings) -> Gateway:
    override_settings(payment_gateway_url="http://127.0.0.1:9/pay", payment_gateway_secret=SECRET,
                      payment_merchant_code=MERCHANT, public_base_url=BASE_URL)
    return Gateway()


@pytest.fixture
def order(api, demo, gateway) -> dict:
    """A certified copy (fee 2.000 đ) whose citizen has just been sent to the gateway."""
    receipt = receive(api, CERTIFIED_COPY)
    started = ok(start(api, receipt["code"], receipt["lookup_secret"]), 201)
    return {**receipt, "redirect_url": started["redirect_url"]}


def start(api, code: str, secret: str):
    return api.post(f"/public/dossiers/{code}/payments", json={"secret": secret})


def call_back(api, fields: dict):
    return api.post(CALLBACK, json=fields)


def payments_of(api, code: str) -> list[dict]:
    return ok(api.get(f"/dossiers/{code}/payments", "motcua.tanhoa"))


def test_the_citizen_is_sent_to_the_gateway_with_a_signed_order(api, order, gateway):
    sent = gateway.order_of(order["redirect_url"])       # the gateway's own check of our signature
    assert order["redirect_url"].startswith("http://127.0.0.1:9/pay?")
    assert (sent["merchant_code"], sent["amount"], sent["currency"]) == (MERCHANT, "2000", "VND")
    assert sent["return_url"] == f"{BASE_URL}/thanh-toan/ket-qua" and order["code"] in sent["order_info"]
    (pending,) = payments_of(api, order["code"])
    assert (pending["state"], pending["method"], pending["amount"], pending["receipt_number"]) == (
        "pending", "online", 2000, None)


def test_a_paid_callback_gives_the_receipt_number_once(api, order, gateway):
    paid = ok(call_back(api, gateway.callback_for(order["redirect_url"])))
    assert (paid["state"], paid["receipt_number"]) == ("paid", f"{TAN_HOA_BOOK}/0000001")
    history = ok(api.get(f"/dossiers/{order['code']}", "motcua.tanhoa"))["history"]
    assert history[-1]["kind"] == "payment_recorded" and history[-1]["actor"] is None
    assert "đã nộp phí" in problem(start(api, order["code"], order["lookup_secret"]), 409)["detail"]
    assert api.get(f"/dossiers/{order['code']}/forms/fee-receipt", "motcua.tanhoa").status_code == 200


def test_a_replayed_callback_is_a_409_and_changes_nothing(api, order, gateway):
    fields = gateway.callback_for(order["redirect_url"])
    ok(call_back(api, fields))
    before = payments_of(api, order["code"])
    assert "lặp lại" in problem(call_back(api, fields), 409)["detail"]
    again = gateway.callback_for(order["redirect_url"])              # a new transaction for a paid order
    problem(call_back(api, again), 409)
    assert payments_of(api, order["code"]) == before


def test_a_known_transaction_id_on_another_order_is_a_409(api, order, gateway):
    fields = gateway.callback_for(order["redirect_url"])
    ok(call_back(api, fields))
    other = receive(api, CERTIFIED_COPY)
    second = ok(start(api, other["code"], other["lookup_secret"]), 201)["redirect_url"]
    refused = problem(call_back(api, gateway.callback_for(second, transaction_id=fields["transaction_id"])), 409)
    assert "Mã giao dịch này đã được ghi nhận" in refused["detail"]
    assert [p["state"] for p in payments_of(api, other["code"])] == ["pending"]


def forged(gateway: Gateway, redirect_url: str) -> list[dict]:
    """Callbacks not signed by the gateway's secret: another key, a field changed after signing,
    a signature that is not one."""
    honest = gateway.callback_for(redirect_url)
    return [{**honest, "signature": signature(honest, "khoa-cua-ke-gia-mao")},
            {**honest, "result_code": "00", "amount": "1"},
            {**honest, "transaction_id": honest["transaction_id"] + "X"},
            {**honest, "signature": "00" * 32}, {**honest, "signature": _flipped(honest["signature"])}]


def _flipped(signature_hex: str) -> str:
    """The signature with its last digit changed: one digit off is as wrong as any other."""
    return signature_hex[:-1] + ("1" if signature_hex[-1] == "0" else "0")


def test_a_forged_callback_is_a_403_and_changes_nothing(api, order, gateway):
    for fields in forged(gateway, order["redirect_url"]):
        refused = problem(call_back(api, fields), 403)
        assert refused["errors"][0]["field"] == "signature"
    assert [(p["state"], p["receipt_number"]) for p in payments_of(api, order["code"])] == [("pending", None)]
    ok(call_back(api, gateway.callback_for(order["redirect_url"])))   # the honest one still works, number 1
    assert payments_of(api, order["code"])[0]["receipt_number"] == f"{TAN_HOA_BOOK}/0000001"


def test_without_a_configured_secret_no_callback_is_believed(api, order, gateway, override_settings):
    """With no secret set, a callback "signed" with the empty key would be anyone's: refused."""
    fields = gateway.callback_for(order["redirect_url"])
    override_settings(payment_gateway_secret="")
    problem(call_back(api, {**fields, "signature": signature(fields, "")}), 403)


@pytest.mark.parametrize("missing", ["signature", "order_id", "amount", "transaction_id", "result_code"])
def test_a_callback_missing_a_field_names_it(api, order, gateway, missing):
    fields = gateway.callback_for(order["redirect_url"])
    del fields[missing]
    assert missing in {item["field"] for item in problem(call_back(api, fields), 422)["errors"]}


def test_a_signed_callback_for_another_amount_or_an_unknown_order(api, order, gateway):
    refused = problem(call_back(api, gateway.callback_for(order["redirect_url"], amount="200")), 422)
    assert refused["errors"][0]["field"] == "amount"
    unknown = gateway.callback_for(order["redirect_url"], order_id="f" * 32)
    problem(call_back(api, unknown), 404)
    assert [p["state"] for p in payments_of(api, order["code"])] == ["pending"]


def test_a_failed_payment_takes_no_number_and_may_be_tried_again(api, order, gateway, client):
    failed = ok(call_back(api, gateway.callback_for(order["redirect_url"], result_code="24")))
    assert (failed["state"], failed["receipt_number"]) == ("failed", None)
    page = client.get("/thanh-toan/ket-qua", query_string={"order_id": gateway.order_of(order["redirect_url"])[
        "order_id"]})
    assert page.status_code == 200 and "Giao dịch không thành công" in page.text
    ok(start(api, order["code"], order["lookup_secret"]), 201)


def test_the_return_page_shows_what_the_callback_decided(api, order, gateway, client):
    order_id = gateway.order_of(order["redirect_url"])["order_id"]
    waiting = client.get("/thanh-toan/ket-qua", query_string={"order_id": order_id, "result_code": "00"})
    assert "Đang chờ cổng thanh toán xác nhận" in waiting.text      # the browser's word decides nothing
    ok(call_back(api, gateway.callback_for(order["redirect_url"])))
    paid = client.get("/thanh-toan/ket-qua", query_string={"order_id": order_id}).text
    assert "Đã thanh toán thành công" in paid and f"{TAN_HOA_BOOK}/0000001" in paid and order["code"] in paid
    assert "Nguyễn Văn An" not in paid
    assert client.get("/thanh-toan/ket-qua", query_string={"order_id": "x" * 32}).status_code == 404


def test_what_cannot_be_paid_online(api, demo, gateway, override_settings):
    free = receive(api, "dang-ky-khai-sinh")
    assert "không thu phí" in problem(start(api, free["code"], free["lookup_secret"]), 409)["detail"]
    paying = receive(api, CERTIFIED_COPY)
    wrong, unknown = start(api, paying["code"], "WRONG0SECRET0000"), start(api, "000.00.12.H37-990101-9999", "X")
    assert problem(wrong, 404)["title"] == problem(unknown, 404)["title"]
    override_settings(payment_gateway_url="", clock_travel=False)     # a production instance: no demo gateway
    assert "chưa kết nối cổng thanh toán" in problem(start(api, paying["code"], paying["lookup_secret"]), 409)["detail"]
    assert payments_of(api, paying["code"]) == []


# --- for real, over loopback ------------------------------------------------------------------------


@pytest.mark.commits  # the application served in threads, each on its own connection
def test_a_citizen_pays_through_the_gateways_page(app, api, demo, override_settings):
    receipt = receive(api, CERTIFIED_COPY)
    gateway = Gateway()
    with serving(app) as site, serving(gateway) as gateway_site:
        override_settings(payment_gateway_url=f"{gateway_site}/pay", payment_gateway_secret=SECRET,
                          payment_merchant_code=MERCHANT, public_base_url=site)
        gateway.callback_url = f"{site}/api/v1{CALLBACK}"
        redirect_url = ok(start(api, receipt["code"], receipt["lookup_secret"]), 201)["redirect_url"]
        page = urlopen(redirect_url, timeout=10).read().decode()
        order_id = re.search(r'name="order_id" value="([0-9a-f]+)"', page).group(1)
        with urlopen(f"{gateway_site}/pay/confirm", data=f"order_id={order_id}&result=00".encode(),
                     timeout=10) as back:
            landed, shown = back.url, back.read().decode()
    assert urlsplit(landed).path == "/thanh-toan/ket-qua" and dict(parse_qsl(urlsplit(landed).query)) == {
        "order_id": order_id}
    assert "Đã thanh toán thành công" in shown and f"{TAN_HOA_BOOK}/0000001" in shown
    assert len(gateway.sent) == 1
    assert [p["state"] for p in payments_of(api, receipt["code"])] == ["paid"]


@pytest.mark.commits  # two deliveries of one callback at once, each on its own connection
def test_two_deliveries_of_one_callback_at_once_pay_once(app, api, demo, gateway):
    receipt = receive(api, CERTIFIED_COPY)
    fields = gateway.callback_for(ok(start(api, receipt["code"], receipt["lookup_secret"]), 201)["redirect_url"])
    statuses, barrier = [], threading.Barrier(2)

    def deliver():
        with app.app_context():
            barrier.wait()
            statuses.append(app.test_client().post(f"/api/v1{CALLBACK}", json=fields).status_code)
            session.remove()

    run_together(deliver, 2)
    assert sorted(statuses) == [200, 409]
    assert [p["receipt_number"] for p in payments_of(api, receipt["code"])] == [f"{TAN_HOA_BOOK}/0000001"]


# --- from the look-up page ----------------------------------------------------------------------------


def test_the_look_up_pages_button_sends_the_citizen_to_the_gateway(api, demo, gateway, client):
    paying, free = receive(api, CERTIFIED_COPY), receive(api, "dang-ky-khai-sinh")
    sent = client.post(f"/thanh-toan/{paying['code']}", data={"s": paying["lookup_secret"]})
    assert sent.status_code == 303 and gateway.order_of(sent.location)["amount"] == "2000"
    back = client.post(f"/thanh-toan/{free['code']}", data={"s": free["lookup_secret"]}, follow_redirects=True)
    assert back.request.path == f"/tra-cuu/{free['code']}" and "không thu phí" in back.text
    assert client.post(f"/thanh-toan/{paying['code']}", data={"s": "WRONG0SECRET0000"}).status_code == 404
    assert [p["state"] for p in payments_of(api, paying["code"])] == ["pending"]



# --- the demo's own gateway -----------------------------------------------------------------------------


@pytest.fixture
def demo_order(api, demo, override_settings) -> dict:
    """A demo instance (CLOCK_TRAVEL=1) without a gateway: the citizen is sent to its demo page."""
    override_settings(payment_gateway_url="", payment_gateway_secret="", clock_travel=True, public_base_url=BASE_URL)
    receipt = receive(api, CERTIFIED_COPY)
    url = ok(start(api, receipt["code"], receipt["lookup_secret"]), 201)["redirect_url"]
    assert url.startswith(f"{BASE_URL}/thanh-toan/cong-thu-nghiem?")
    return {**receipt, "query": dict(parse_qsl(urlsplit(url).query))}


def test_the_demo_gateway_pays_with_a_signed_callback(api, client, demo_order):
    page = client.get("/thanh-toan/cong-thu-nghiem", query_string=demo_order["query"])
    assert page.status_code == 200 and "không có tiền nào được chuyển" in page.text and "2.000" in page.text
    paid = client.post("/thanh-toan/cong-thu-nghiem", data={**demo_order["query"], "result": "00"},
                       follow_redirects=True)
    assert paid.request.path == "/thanh-toan/ket-qua" and f"{TAN_HOA_BOOK}/0000001" in paid.text
    assert client.post("/thanh-toan/cong-thu-nghiem", data={**demo_order["query"], "result": "00"}).status_code == 409


def test_the_demo_gateway_takes_only_what_was_signed_and_only_on_a_demo(api, client, demo_order, override_settings):
    tampered = {**demo_order["query"], "amount": "1"}
    assert client.post("/thanh-toan/cong-thu-nghiem", data={**tampered, "result": "00"}).status_code == 403
    override_settings(clock_travel=False)
    assert client.get("/thanh-toan/cong-thu-nghiem", query_string=demo_order["query"]).status_code == 404
    assert [p["state"] for p in payments_of(api, demo_order["code"])] == ["pending"]
