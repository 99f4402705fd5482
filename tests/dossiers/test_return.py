"""Handing the result back: at the counter, or by post with the postal tracking number."""
from __future__ import annotations

import pytest

from tests.support.api import dossier, error_fields, ok, problem
from tests.support.fees import ready_for_return

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00


def give_back(api, code: str, **body):
    return api.post(f"/dossiers/{code}/return", "motcua.tanhoa", json=body)


def test_by_post_the_tracking_number_is_kept_on_the_dossier_and_in_its_history(api, demo):
    code = ready_for_return(api)["code"]
    returned = ok(give_back(api, code, method="post", tracking_number=" eb 1234-5678 9vn "))
    assert returned["status"] == "returned"
    assert (returned["return_method"], returned["tracking_number"]) == ("post", "EB1234-56789VN")
    event = returned["history"][-1]
    assert event["kind"] == "returned" and event["detail"]["method"] == "post"
    assert event["detail"]["tracking_number"] == "EB1234-56789VN"


def test_at_the_counter_by_default(api, demo):
    code = ready_for_return(api)["code"]
    returned = ok(give_back(api, code, note="Công dân nhận trực tiếp"))
    assert (returned["return_method"], returned["tracking_number"]) == ("counter", "")
    assert returned["history"][-1]["detail"] == {"note": "Công dân nhận trực tiếp", "method": "counter",
                                                  "tracking_number": ""}


@pytest.mark.parametrize(("body", "field"), [
    ({"method": "post"}, "tracking_number"),
    ({"method": "post", "tracking_number": "   "}, "tracking_number"),
    ({"method": "post", "tracking_number": "EB12<script>"}, "tracking_number"),
    ({"method": "counter", "tracking_number": "EB123456789VN"}, "tracking_number"),
    ({"method": "drone"}, "method"),
    ({"method": "post", "tracking_number": "E" * 65}, "tracking_number"),
])
def test_a_wrong_way_back_is_refused_naming_the_field_and_nothing_changes(api, demo, body, field):
    code = ready_for_return(api)["code"]
    assert error_fields(give_back(api, code, **body)) == {field}
    after = dossier(api, code)
    assert after["status"] == "ready_for_return" and after["return_method"] is None
    assert after["history"][-1]["kind"] != "returned"


def test_only_a_ready_result_goes_back(api, demo):
    code = ready_for_return(api)["code"]
    ok(give_back(api, code, method="post", tracking_number="EB123456789VN"))
    problem(give_back(api, code, method="post", tracking_number="EB123456789VN"), 409)


def test_the_page_returns_by_post_and_names_a_missing_tracking_number(api, demo, client, login):
    code = ready_for_return(api)["code"]
    login("motcua.tanhoa")
    page = client.get(f"/ho-so/{code}").text
    assert 'name="tracking_number"' in page and '<option value="post"' in page
    refused = client.post(f"/ho-so/{code}/tra-ket-qua", data={"method": "post", "tracking_number": ""})
    assert refused.status_code == 422
    assert 'id="f-tracking_number-err"' in refused.text and "mã vận đơn" in refused.text
    done = client.post(f"/ho-so/{code}/tra-ket-qua", data={"method": "post", "tracking_number": "EB123456789VN"})
    assert done.status_code == 302
    after = dossier(api, code)
    assert (after["status"], after["return_method"], after["tracking_number"]) == ("returned", "post", "EB123456789VN")
