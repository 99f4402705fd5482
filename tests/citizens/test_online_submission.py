"""Online submission with files, and its reception: accept, ask once for a supplement, refuse.

The clock stands on Friday 3 October 2025, 10:00 (``stopped_clock``); the birth registration
is a same-day procedure (due 17:00 when received before the 15:00 cut-off).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import session
from app.dossiers import online, workflow
from app.dossiers.models import Dossier, DossierFile
from app.dossiers.services import Applicant
from app.dossiers.uploads import Upload
from tests.support import files as made
from tests.printing.readback import flat, pdf_text
from tests.support.api import APPLICANT, at, dossier, error_fields, iso, ok, problem

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

BIRTH, UNIT = "dang-ky-khai-sinh", "XA-TAN-HOA"
#: the three documents the catalogue requires, each with its file
DOCUMENTS = [
    {"name": "Tờ khai đăng ký khai sinh", "copies": 1, "file": "to-khai.pdf"},
    {"name": "Giấy chứng sinh", "copies": 1, "file": "giay-chung-sinh.png"},
    {"name": "Giấy tờ tùy thân của người đi đăng ký khai sinh", "copies": 1, "file": "cccd.pdf"},
]


@pytest.fixture
def store(tmp_path, override_settings) -> Path:
    """A file store of this test's own, so that what it holds can be counted."""
    override_settings(storage_backend="folder", storage_path=tmp_path / "files")
    return tmp_path / "files"


def stored(store: Path) -> int:
    return sum(1 for path in store.rglob("*") if path.is_file()) if store.exists() else 0


def rows() -> tuple[int, int]:
    session.rollback()
    return session.scalar(select(func.count(Dossier.id))), session.scalar(select(func.count(DossierFile.id)))


def good_files() -> dict[str, bytes]:
    return {"to-khai.pdf": made.pdf(), "giay-chung-sinh.png": made.png(), "cccd.pdf": made.pdf(pages=2)}


def multipart(data: dict, files: dict[str, bytes]) -> dict:
    return {"data": json.dumps(data), "files": [(io.BytesIO(content), name) for name, content in files.items()]}


def submit(api, documents=None, files=None, **changes):
    data = {"procedure_code": BIRTH, "applicant": APPLICANT, "unit_code": UNIT,
            "documents": DOCUMENTS if documents is None else documents, **changes}
    return api.post("/public/dossiers", data=multipart(data, good_files() if files is None else files),
                    content_type="multipart/form-data")


def submitted(api) -> dict:
    return ok(submit(api), 201)


def send_supplement(api, code: str, secret: str, files: dict[str, bytes] | None = None, file: str | None = "ket-hon.jpg"):
    documents = [{"name": "Giấy chứng nhận kết hôn của cha, mẹ", "copies": 1, "file": file}]
    return api.post(f"/public/dossiers/{code}/supplement", content_type="multipart/form-data",
                    data=multipart({"secret": secret, "documents": documents},
                                   {"ket-hon.jpg": made.jpeg()} if files is None else files))


# --------------------------------------------------------------------------- submission


def test_a_submission_with_files_waits_for_reception_without_a_deadline(api, demo, store):
    receipt = submitted(api)
    assert receipt["status"] == "submitted" and receipt["submitted_at"] == iso("2025-10-03 10:00")
    assert receipt["code"].startswith("000.00.12.H37-251003-") and len(receipt["lookup_secret"]) == 16

    detail = dossier(api, receipt["code"], "motcua.tanhoa")
    assert (detail["status"], detail["channel"], detail["due_at"]) == ("submitted", "online", None)
    assert detail["open_tasks"] == [] and [e["kind"] for e in detail["history"]] == ["submitted"]
    files = session.scalars(select(DossierFile).join(Dossier).where(Dossier.code == receipt["code"])
                            .order_by(DossierFile.id)).all()
    assert [(f.kind, f.content_type, f.document.name) for f in files] == [
        ("submitted", "application/pdf", "Tờ khai đăng ký khai sinh"),
        ("submitted", "image/png", "Giấy chứng sinh"),
        ("submitted", "application/pdf", "Giấy tờ tùy thân của người đi đăng ký khai sinh")]
    assert stored(store) == 3


@pytest.mark.parametrize("documents, field", [
    (DOCUMENTS[:2], "documents"),                                               # a required document missing
    ([*DOCUMENTS[:2], {**DOCUMENTS[2], "file": None}], "documents"),           # named, but without its file
    ([*DOCUMENTS[:2], {**DOCUMENTS[2], "file": "khong-gui.pdf"}], "documents[2].file"),   # file not sent
    ([*DOCUMENTS[:2], {**DOCUMENTS[2], "file": "to-khai.pdf"}], "documents[2].file"),     # one file, two documents
])
def test_a_required_document_without_its_file_keeps_nothing(api, demo, store, documents, field):
    before = rows()
    assert field in error_fields(submit(api, documents))
    assert rows() == before and stored(store) == 0


def test_files_are_judged_by_their_content_and_nothing_is_kept(api, demo, store):
    before = rows()
    lying = {**good_files(), "cccd.pdf": made.EXE}
    body = problem(submit(api, files=lying), 415)
    assert body["errors"] == [{"field": "files[2]", "message": body["errors"][0]["message"]}]
    assert "PDF" in body["detail"]
    problem(submit(api, files={**good_files(), "cccd.pdf": made.pdf_with_javascript()}), 422)
    problem(submit(api, files={**good_files(), "cccd.pdf": b""}), 422)
    assert rows() == before and stored(store) == 0


def test_markup_in_a_name_is_refused_naming_the_field_and_nothing_is_kept(api, demo, store):
    before = rows()
    tagged = [{**DOCUMENTS[0], "name": "<b>Tờ khai</b>"}, *DOCUMENTS[1:]]
    body = problem(submit(api, tagged, applicant={**APPLICANT, "full_name": '"><script>alert(1)</script>'}), 422)
    assert {"applicant.full_name", "documents[0].name"} <= {error["field"] for error in body["errors"]}
    renamed = {("<img src=x onerror=alert(1)>.pdf" if name == "cccd.pdf" else name): content
               for name, content in good_files().items()}
    documents = [{**item, "file": "<img src=x onerror=alert(1)>.pdf"} if item.get("file") == "cccd.pdf" else item
                 for item in DOCUMENTS]
    named = problem(submit(api, documents, files=renamed), 422)
    assert [error["field"] for error in named["errors"]] == ["files[2]"] and "HTML" in named["errors"][0]["message"]
    assert rows() == before and stored(store) == 0


def test_a_failure_after_the_files_were_written_keeps_no_file(app, demo, store, monkeypatch):
    """The last moment something can go wrong: the commit itself (a disk full, a lost connection)."""
    def broken_commit():
        raise OSError("ổ đĩa đầy")

    before = rows()
    monkeypatch.setattr(workflow, "commit", broken_commit)
    uploads = [Upload(name, data) for name, data in good_files().items()]
    with pytest.raises(OSError):
        online.submit(BIRTH, Applicant(**APPLICANT), DOCUMENTS, UNIT, uploads)
    assert stored(store) == 3            # written before the commit...
    assert rows() == before and stored(store) == 0   # ...and gone with the transaction


def test_the_data_part_is_checked_like_a_json_body(api, demo, store):
    assert "unit_code" in error_fields(submit(api, unit_code=None))
    assert "applicant" in error_fields(submit(api, applicant=None))
    response = api.post("/public/dossiers", data={"files": [(io.BytesIO(made.pdf()), "a.pdf")]},
                        content_type="multipart/form-data")
    assert "data" in error_fields(response)
    problem(api.post("/public/dossiers", json={"procedure_code": BIRTH}), 415)
    problem(submit(api, procedure_code="khong-co"), 404)
    assert stored(store) == 0


def test_the_json_submission_without_a_token_is_submitted_too(api, demo):
    body = {"procedure_code": BIRTH, "applicant": APPLICANT, "channel": "online", "unit_code": UNIT,
            "documents": [{"name": d["name"], "copies": 1} for d in DOCUMENTS]}
    receipt = ok(api.post("/dossiers", json=body), 201)
    assert (receipt["status"], receipt["due_at"]) == ("submitted", None)


# --------------------------------------------------------------------------- reception


def test_acceptance_counts_the_deadline_from_then(api, demo, store, stopped_clock):
    code = submitted(api)["code"]
    stopped_clock(at("2025-10-06 09:00"))              # Monday
    problem(api.post(f"/dossiers/{code}/accept", "hotich.tanhoa"), 403)
    problem(api.post(f"/dossiers/{code}/accept", "motcua.binhan"), 404)
    accepted = ok(api.post(f"/dossiers/{code}/accept", "motcua.tanhoa"))
    assert accepted["status"] == "received"
    assert (accepted["received_at"], accepted["due_at"]) == (iso("2025-10-06 09:00"), iso("2025-10-06 17:00"))
    assert [task["element_id"] for task in accepted["open_tasks"]] == ["Task_kiem_tra_ho_so"]
    assert [(e["kind"], e["actor"]) for e in accepted["history"]] == [
        ("submitted", None), ("accepted", "motcua.tanhoa"), ("received", "motcua.tanhoa")]
    assert api.get(f"/dossiers/{code}/forms/receipt", "motcua.tanhoa").status_code == 200
    problem(api.post(f"/dossiers/{code}/accept", "motcua.tanhoa"), 409)


def test_a_supplement_is_asked_once_before_acceptance(api, demo, store):
    receipt = submitted(api)
    code, secret = receipt["code"], receipt["lookup_secret"]
    assert "note" in error_fields(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa",
                                           json={"note": " "}))
    asked = ok(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa",
                        json={"note": "Giấy chứng nhận kết hôn của cha, mẹ"}))
    assert (asked["status"], asked["due_at"], asked["open_tasks"]) == ("awaiting_supplement", None, [])
    assert api.get(f"/dossiers/{code}/forms/supplement", "motcua.tanhoa").status_code == 200   # form 02
    problem(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa", json={"note": "Lần hai"}), 409)
    # the counter's "documents brought" is for dossiers in processing, not this one
    problem(api.post(f"/dossiers/{code}/supplement", "motcua.tanhoa",
                     json={"documents": [{"name": "Giấy chứng nhận kết hôn", "copies": 1}]}), 409)

    back = ok(send_supplement(api, code, secret))
    assert back["status"] == "submitted"
    assert stored(store) == 4
    problem(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa", json={"note": "Lần hai"}), 409)
    assert ok(api.post(f"/dossiers/{code}/accept", "motcua.tanhoa"))["status"] == "received"


def test_the_citizens_supplement_needs_the_secret_and_a_request(api, demo, store):
    receipt = submitted(api)
    code, secret = receipt["code"], receipt["lookup_secret"]
    problem(send_supplement(api, code, secret), 409)                 # nothing was asked
    ok(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa", json={"note": "Giấy kết hôn"}))
    unknown = problem(send_supplement(api, "000.00.12.H37-251003-9999", secret), 404)
    wrong = problem(send_supplement(api, code, "0" * 16), 404)
    assert wrong["detail"].replace(code, "?") == unknown["detail"].replace("000.00.12.H37-251003-9999", "?")
    assert error_fields(send_supplement(api, code, secret, files={})) == {"documents[0].file"}
    assert error_fields(send_supplement(api, code, secret, files={}, file=None)) == {"files"}
    problem(send_supplement(api, code, secret, files={"ket-hon.jpg": made.HTML}), 415)
    assert stored(store) == 3 and dossier(api, code)["status"] == "awaiting_supplement"


def test_a_submitted_dossier_can_be_refused(api, demo, store):
    code = submitted(api)["code"]
    refused = ok(api.post(f"/dossiers/{code}/refuse", "motcua.tanhoa", json={"reason": "Không thuộc thẩm quyền."}))
    assert (refused["status"], refused["refusal_reason"]) == ("refused", "Không thuộc thẩm quyền.")
    assert api.get(f"/dossiers/{code}/forms/refusal", "motcua.tanhoa").status_code == 200   # form 03


def test_submitted_dossiers_are_never_late_nor_swept(api, demo, store, stopped_clock, sweep):
    code = submitted(api)["code"]
    stopped_clock(at("2025-11-03 10:00"))              # a month later, still not accepted
    assert (sweep()["warned"], sweep()["escalated"]) == (0, 0)
    late = {d["code"] for d in ok(api.get("/dossiers", "giamsat", query_string={"late": "true"}))}
    assert code not in late and dossier(api, code)["open_tasks"] == []


def test_the_register_lists_online_dossiers_once_accepted(api, demo, store, tmp_path):
    waiting, accepted = submitted(api)["code"], submitted(api)["code"]
    ok(api.post(f"/dossiers/{accepted}/accept", "motcua.tanhoa"))
    pdf = api.get("/units/XA-TAN-HOA/register", "motcua.tanhoa", query_string={"from": "2025-10-03", "to": "2025-10-03"})
    text = flat(pdf_text(pdf.data, tmp_path))
    assert accepted in text and waiting not in text


# --------------------------------------------------------------------------- catalogue and pages


def test_the_public_catalogue_says_what_to_bring_where(api, demo):
    procedures = {p["code"]: p for p in ok(api.get("/public/procedures"))}
    birth = procedures[BIRTH]
    assert birth["online"] is True and birth["legal_limit"] == "0d" and birth["fee"]["amount"] == 0
    assert [d["required"] for d in birth["documents"]] == [True, True, True, False, False]
    assert UNIT in {unit["code"] for unit in birth["units"]}


def test_the_document_describes_the_multipart_bodies(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/public/dossiers", "/api/v1/public/dossiers/{code}/supplement"):
        schema = paths[path]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert set(schema["properties"]) == {"data", "files"}


def test_the_counter_lists_and_accepts_online_dossiers(api, demo, store, login, stopped_clock):
    older = submitted(api)["code"]
    stopped_clock(at("2025-10-03 11:00"))
    newer = submitted(api)["code"]
    browser = login("motcua.tanhoa")
    page = browser.get("/tiep-nhan/danh-sach").text
    online_list = page[page.index('id="truc-tuyen"'):]
    assert older in online_list and online_list.index(older) < online_list.index(newer)
    detail = browser.get(f"/ho-so/{older}").text
    assert "/tiep-nhan-truc-tuyen" in detail and "/bo-sung-truoc-tiep-nhan" in detail and "/tu-choi" in detail
    assert browser.post(f"/ho-so/{older}/tiep-nhan-truc-tuyen").status_code == 302
    assert dossier(api, older)["status"] == "received"
    assert older not in browser.get("/tiep-nhan/danh-sach").text.split('id="truc-tuyen"')[1]
