"""The counter's outcomes as the law has them: a dossier lacking a required document is
never received silently; recorded as incomplete it gets a code and form 02 only (no
workflow, no task, no appointment) until the documents arrive, and only then is it
received, its legal deadline counting from that moment."""
from __future__ import annotations

import pytest

from app.dossiers.services import get
from tests.support.api import APPLICANT, DOCUMENTS, at, error_fields, iso, ok, problem, receive
from tests.support.web import BIRTH, BIRTH_FORM

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

BIRTH_CERTIFICATE = "Giấy chứng sinh (hoặc văn bản của người làm chứng, giấy cam đoan về việc sinh nếu không có Giấy chứng sinh)"
IDENTITY = "Giấy tờ tùy thân của người đi đăng ký khai sinh (xuất trình)"
FORM = DOCUMENTS[:1]                                 # the declaration only
MARRIAGE = "Giấy chứng nhận kết hôn của cha, mẹ"


def _incomplete(api, **body) -> dict:
    payload = {"procedure_code": BIRTH, "applicant": APPLICANT, "documents": FORM, "complete": False,
               "missing": [MARRIAGE], **body}
    return ok(api.post("/dossiers", "motcua.tanhoa", json=payload), 201)


def _form_status(api, code: str, form: str) -> int:
    return api.get(f"/dossiers/{code}/forms/{form}", "motcua.tanhoa").status_code


@pytest.mark.parametrize("user, channel", [("motcua.tanhoa", "counter"), (None, "online")])
def test_a_reception_missing_a_required_document_is_refused_naming_it(api, demo, user, channel):
    body = {"procedure_code": BIRTH, "applicant": APPLICANT, "documents": FORM, "channel": channel,
            "unit_code": "XA-TAN-HOA"}
    errors = problem(api.post("/dossiers", user, json=body), 422)["errors"]
    assert [e["field"] for e in errors] == ["documents"]
    assert BIRTH_CERTIFICATE in errors[0]["message"] and IDENTITY in errors[0]["message"]
    assert receive(api, BIRTH)["code"].endswith("-0001")              # nothing was kept, not even a number


def test_an_online_submission_cannot_be_recorded_incomplete(api, demo):
    body = {"procedure_code": BIRTH, "applicant": APPLICANT, "documents": FORM, "channel": "online",
            "unit_code": "XA-TAN-HOA", "complete": False}
    assert error_fields(api.post("/dossiers", json=body)) == {"complete"}


def test_an_incomplete_dossier_gets_a_code_and_form_02_only(api, demo):
    receipt = _incomplete(api)
    assert receipt["status"] == "awaiting_documents" and receipt["due_at"] is None and receipt["code"]
    dossier = ok(api.get(f"/dossiers/{receipt['code']}", "motcua.tanhoa"))
    assert dossier["open_tasks"] == [] and dossier["due_at"] is None
    assert [event["kind"] for event in dossier["history"]] == ["supplement_requested"]
    assert ok(api.get(f"/dossiers/{receipt['code']}/tasks", "motcua.tanhoa")) == []
    assert dossier["supplement_note"].split("\n") == [BIRTH_CERTIFICATE, IDENTITY, MARRIAGE]
    forms = {form: _form_status(api, receipt["code"], form) for form in ("supplement", "receipt", "control-slip")}
    assert forms == {"supplement": 200, "receipt": 409, "control-slip": 409}


def test_an_incomplete_dossier_needs_something_named(api, demo):
    body = {"documents": DOCUMENTS, "missing": ["  "]}
    response = api.post("/dossiers", "motcua.tanhoa",
                        json={"procedure_code": BIRTH, "applicant": APPLICANT, "complete": False, **body})
    assert error_fields(response) == {"missing"}


def test_an_incomplete_dossier_is_never_late(api, demo, stopped_clock):
    code = _incomplete(api)["code"]
    stopped_clock(at("2025-10-20 10:00"))
    late = ok(api.get("/dossiers", "motcua.tanhoa", query_string={"late": "true"}))
    assert code not in [row["code"] for row in late]


def test_the_documents_arriving_receive_it_and_start_the_clock_then(api, demo, stopped_clock):
    code = _incomplete(api)["code"]
    stopped_clock(at("2025-10-06 09:00"))                            # the next Monday
    response = api.post(f"/dossiers/{code}/documents-complete", "motcua.tanhoa",
                        json={"documents": DOCUMENTS[1:]})
    dossier = ok(response)
    assert dossier["status"] == "received" and dossier["received_at"] == iso("2025-10-06 09:00")
    assert dossier["due_at"] == iso("2025-10-06 17:00")             # same-day procedure, counted from Monday
    assert [task["element_id"] for task in dossier["open_tasks"]] == ["Task_kiem_tra_ho_so"]
    assert _form_status(api, code, "receipt") == 200 and _form_status(api, code, "supplement") == 200
    again = api.post(f"/dossiers/{code}/documents-complete", "motcua.tanhoa", json={"documents": DOCUMENTS[1:]})
    problem(again, 409)


def test_documents_still_missing_are_refused_naming_them(api, demo):
    code = _incomplete(api)["code"]
    response = api.post(f"/dossiers/{code}/documents-complete", "motcua.tanhoa", json={"documents": DOCUMENTS[1:2]})
    errors = problem(response, 422)["errors"]
    assert [e["field"] for e in errors] == ["documents"] and IDENTITY in errors[0]["message"]
    assert get(code).status == "awaiting_documents" and get(code).due_at is None


def test_an_incomplete_dossier_can_be_refused(api, demo):
    code = _incomplete(api)["code"]
    ok(api.post(f"/dossiers/{code}/refuse", "motcua.tanhoa", json={"reason": "Công dân không bổ sung."}))
    assert get(code).status == "refused" and _form_status(api, code, "refusal") == 200


# --- the counter's page --------------------------------------------------------------------------

def _without_identity() -> dict:
    return {key: value for key, value in BIRTH_FORM.items() if key != "documents[2].received"}


def test_the_page_records_an_incomplete_dossier_and_offers_form_02_only(client, login):
    login("motcua.tanhoa")
    response = client.post("/tiep-nhan", data={**_without_identity(), "action": "supplement",
                                               "note": "Bản sao giấy chứng nhận kết hôn"})
    code = response.location.rsplit("/", 1)[1]
    dossier = get(code)
    assert dossier.status == "awaiting_documents" and dossier.due_at is None and dossier.workflow_state is None
    assert dossier.supplement_note == f"{IDENTITY}\nBản sao giấy chứng nhận kết hôn"
    page = client.get(response.location).text
    assert f"/ho-so/{code}/in/supplement" in page and f"/ho-so/{code}/in/receipt" not in page
    assert "Hẹn trả kết quả: " not in page and "Nhận đủ và tiếp nhận" in page


def test_the_page_receives_it_when_the_documents_arrive(client, login, stopped_clock):
    login("motcua.tanhoa")
    code = client.post("/tiep-nhan", data={**_without_identity(), "action": "supplement"}).location.rsplit("/", 1)[1]
    stopped_clock(at("2025-10-06 09:00"))
    assert client.post(f"/ho-so/{code}/nhan-du-giay-to", data={}).status_code == 422   # the identity paper
    response = client.post(f"/ho-so/{code}/nhan-du-giay-to", data={"documents[0].received": "1",
                                                                   "documents[0].copies": "1"})
    assert response.status_code == 302
    dossier = get(code)
    assert dossier.status == "received" and dossier.documents[-1].name == IDENTITY
    assert dossier.due_at == at("2025-10-06 17:00")
    page = client.get(f"/ho-so/{code}").text
    assert f"/ho-so/{code}/in/receipt" in page and "In giấy tiếp nhận" in page


def test_refusing_at_the_counter_starts_nothing(client, login):
    login("motcua.tanhoa")
    response = client.post("/tiep-nhan", data={**_without_identity(), "action": "refuse", "note": "Sai thẩm quyền"})
    dossier = get(response.location.rsplit("/", 1)[1])
    assert dossier.status == "refused" and dossier.workflow_state is None and dossier.due_at is None
    assert f"/ho-so/{dossier.code}/in/receipt" not in client.get(response.location).text
