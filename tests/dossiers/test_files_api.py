"""The files of a dossier over the API and on the dossier page: scans at the counter,
results, downloads by staff and by the citizen, hostile files, and no orphan blob."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.db import session
from app.dossiers.models import Dossier, DossierFile
from app.dossiers.signals import event_recorded
from tests.support import files as make
from tests.support.api import complete, dossier, ok, problem, receive

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

KHAI_SINH_CHECK = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh_tre": "2025-09-20", "gioi_tinh_tre": "nam",
                   "noi_sinh": "Trạm y tế xã Tân Hòa", "dan_toc": "Kinh"}


@pytest.fixture
def store_dir(tmp_path, override_settings) -> Path:
    """This test's own file folder, so that what lands on disk is this test's alone."""
    folder = tmp_path / "files"
    override_settings(storage_path=folder)
    return folder


def blobs(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def parts(*named: tuple[str, bytes], **fields) -> dict:
    return {"files": [(io.BytesIO(data), name) for name, data in named], **fields}


def rows_count() -> int:
    return session.scalar(select(func.count()).select_from(DossierFile))


def finish(api, code: str) -> None:
    complete(api, code, "Task_kiem_tra_ho_so", "hotich.tanhoa", KHAI_SINH_CHECK)
    complete(api, code, "Task_ky_giay_khai_sinh", "lanhdao.tanhoa", {"dong_y_khai_sinh": True})
    complete(api, code, "Task_cap_nhat_csdl", "hotich.tanhoa",
             {"so_dinh_danh_ca_nhan": "001225012345", "so_giay_khai_sinh": "15/2025"})


# --------------------------------------------------------------------------- scans at the counter


def test_the_counter_scans_a_component_and_staff_download_it(api, demo, store_dir):
    received = receive(api, "dang-ky-khai-sinh")
    code, scan = received["code"], make.pdf(pages=2)
    component = dossier(api, code)["documents"][0]
    document_id = session.scalars(select(Dossier).where(Dossier.code == code)).one().documents[0].id
    saved = ok(api.post(f"/dossiers/{code}/files", "motcua.tanhoa", data=parts(
        ("../Tờ khai ký.pdf", scan), ("anh.png", make.png()), document=str(document_id))), 201)
    assert [(row["name"], row["kind"], row["content_type"], row["document"]) for row in saved] == [
        ("Tờ khai ký.pdf", "submitted", "application/pdf", component["name"]),
        ("anh.png", "submitted", "image/png", component["name"])]
    assert len(blobs(store_dir)) == 2

    assert ok(api.get(f"/dossiers/{code}/files", "hotich.tanhoa")) == saved
    download = api.get(f"/dossiers/{code}/files/{saved[0]['id']}", "hotich.tanhoa")
    assert download.status_code == 200 and download.data == scan
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''T%E1%BB%9D%20khai%20k%C3%BD.pdf" in download.headers["Content-Disposition"]
    assert [event["kind"] for event in dossier(api, code)["history"]][-1] == "files_scanned"


def test_only_the_receiving_counter_scans_and_other_units_see_nothing(api, demo, store_dir):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    problem(api.post(f"/dossiers/{code}/files", "hotich.tanhoa", data=parts(("a.pdf", make.pdf()))), 403)
    problem(api.post(f"/dossiers/{code}/files", "motcua.binhan", data=parts(("a.pdf", make.pdf()))), 404)
    problem(api.get(f"/dossiers/{code}/files", "motcua.binhan"), 404)
    assert "document" in {item["field"] for item in problem(api.post(
        f"/dossiers/{code}/files", "motcua.tanhoa", data=parts(("a.pdf", make.pdf()), document="999999")),
        422)["errors"]}
    assert blobs(store_dir) == []


@pytest.mark.parametrize("name, data, status, words", [
    ("hoa-don.pdf", make.EXE, 415, "PDF, JPEG hay PNG"),
    ("anh.png", make.HTML, 415, "PDF, JPEG hay PNG"),
    ("don.pdf", make.pdf_with_javascript(), 422, "tự chạy"),
    ("bom.png", make.png_bomb(), 422, "quá lớn"),
    ("trong.pdf", b"", 422, "rỗng"),
], ids=["exe-named-pdf", "html-named-png", "pdf-javascript", "png-bomb", "empty"])
def test_a_hostile_file_is_refused_and_nothing_is_kept(api, demo, store_dir, name, data, status, words):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    before = rows_count()
    body = problem(api.post(f"/dossiers/{code}/files", "motcua.tanhoa",
                            data=parts(("tot.pdf", make.pdf()), (name, data))), status)
    assert body["errors"][0]["field"] == "files[1]" and words in body["errors"][0]["message"]
    assert rows_count() == before and blobs(store_dir) == []


def test_a_file_over_the_limit_is_413(api, demo, store_dir, override_settings):
    override_settings(max_file_bytes=2048)
    code = receive(api, "dang-ky-khai-sinh")["code"]
    body = problem(api.post(f"/dossiers/{code}/files", "motcua.tanhoa",
                            data=parts(("lon.pdf", make.pdf(pages=30)))), 413)
    assert body["errors"][0]["field"] == "files[0]" and "2 KB" in body["errors"][0]["message"]
    assert blobs(store_dir) == []


def test_a_request_without_files_is_422_naming_the_field(api, demo, store_dir):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    assert problem(api.post(f"/dossiers/{code}/files", "motcua.tanhoa", data={}), 422)["errors"][0]["field"] == "files"
    assert problem(api.post(f"/dossiers/{code}/results", "hotich.tanhoa", json={}), 422)["errors"][0]["field"] == "files"


# --------------------------------------------------------------------------- no orphan blob


@pytest.fixture
def race_lost(app):
    """Another request changes the dossier while this one attaches a result: its commit loses the race."""
    def bump(dossier: Dossier, kind: str, at, **_):
        if kind == "result_attached":
            with session.no_autoflush:
                session.execute(update(Dossier).where(Dossier.id == dossier.id).values(version=Dossier.version + 1)
                                .execution_options(synchronize_session=False))
            dossier.updated_at = at + timedelta(seconds=1)   # this request's own change, flushed at commit

    event_recorded.connect(bump)
    yield
    event_recorded.disconnect(bump)


@pytest.fixture
def crash_after_attaching(app):
    """Something after the result's files were written fails (a bug, a lost connection)."""
    def crash(_dossier: Dossier, kind: str, **_):
        if kind == "result_attached":
            raise RuntimeError("mất kết nối")

    event_recorded.connect(crash)
    yield
    event_recorded.disconnect(crash)


def test_a_request_losing_a_race_after_the_blob_was_written_leaves_no_file(api, demo, store_dir, race_lost):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    before = rows_count()
    problem(api.post(f"/dossiers/{code}/results", "hotich.tanhoa", data=parts(("kq.pdf", make.pdf()))), 409)
    assert rows_count() == before
    assert blobs(store_dir) == []


def test_a_request_crashing_after_the_blob_was_written_leaves_no_file(api, demo, store_dir, crash_after_attaching):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    before = rows_count()
    with pytest.raises(RuntimeError):   # the test app lets a crash through instead of answering 500
        api.post(f"/dossiers/{code}/results", "hotich.tanhoa", data=parts(("kq.pdf", make.pdf())))
    session.remove()  # the request's end, as the app's teardown does
    assert rows_count() == before
    assert blobs(store_dir) == []


def test_a_blob_another_dossier_holds_is_never_removed(api, demo, store_dir, race_lost):
    shared = make.pdf(pages=3)
    first = receive(api, "dang-ky-khai-sinh")["code"]
    ok(api.post(f"/dossiers/{first}/files", "motcua.tanhoa", data=parts(("ban-quet.pdf", shared))), 201)
    second = receive(api, "dang-ky-khai-sinh")["code"]
    problem(api.post(f"/dossiers/{second}/results", "hotich.tanhoa", data=parts(("kq.pdf", shared))), 409)
    (kept,) = ok(api.get(f"/dossiers/{first}/files", "motcua.tanhoa"))
    assert api.get(f"/dossiers/{first}/files/{kept['id']}", "motcua.tanhoa").data == shared
    assert len(blobs(store_dir)) == 1


# --------------------------------------------------------------------------- results, and the citizen


def test_results_reach_the_citizen_once_the_dossier_is_ready(api, demo, store_dir):
    receipt = receive(api, "dang-ky-khai-sinh")
    code, secret = receipt["code"], receipt["lookup_secret"]
    ok(api.post(f"/dossiers/{code}/files", "motcua.tanhoa", data=parts(("to-khai.pdf", make.pdf()))), 201)
    result = make.pdf(pages=1, edit=lambda d: d.docinfo.__setitem__("/Title", "Giấy khai sinh"))
    (attached,) = ok(api.post(f"/dossiers/{code}/results", "hotich.tanhoa", data=parts(("kq.pdf", result))), 201)
    assert attached["kind"] == "result"
    assert dossier(api, code)["history"][-1]["kind"] == "result_attached"

    assert [row["kind"] for row in ok(api.get(f"/dossiers/{code}/files", query_string={"secret": secret}))] == [
        "submitted"]
    problem(api.get(f"/dossiers/{code}/files/{attached['id']}", query_string={"secret": secret}), 404)
    finish(api, code)
    assert [row["kind"] for row in ok(api.get(f"/dossiers/{code}/files", query_string={"secret": secret}))] == [
        "submitted", "result"]
    download = api.get(f"/dossiers/{code}/files/{attached['id']}", query_string={"secret": secret})
    assert download.status_code == 200 and download.data == result


def test_a_wrong_secret_is_answered_like_an_unknown_dossier(api, demo, store_dir):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    wrong = problem(api.get(f"/dossiers/{code}/files", query_string={"secret": "SAI0SAI0SAI0SAI0"}), 404)
    unknown = problem(api.get("/dossiers/000.00.12.H37-990101-9999/files",
                              query_string={"secret": "SAI0SAI0SAI0SAI0"}), 404)
    assert wrong["detail"].replace(code, "X") == unknown["detail"].replace("000.00.12.H37-990101-9999", "X")
    problem(api.get(f"/dossiers/{code}/files"), 401)


def test_results_only_while_the_dossier_is_worked_on_and_by_its_staff(api, demo, store_dir):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    problem(api.post(f"/dossiers/{code}/results", "giamsat", data=parts(("kq.pdf", make.pdf()))), 403)
    problem(api.post(f"/dossiers/{code}/results", "congan.binhan", data=parts(("kq.pdf", make.pdf()))), 404)
    ok(api.post(f"/dossiers/{code}/refuse", "motcua.tanhoa", json={"reason": "Không thuộc thẩm quyền"}))
    problem(api.post(f"/dossiers/{code}/results", "hotich.tanhoa", data=parts(("kq.pdf", make.pdf()))), 409)
    assert blobs(store_dir) == []


def test_files_can_live_in_an_s3_compatible_store(api, demo, override_settings, s3_bucket):
    override_settings(**s3_bucket)
    code = receive(api, "dang-ky-khai-sinh")["code"]
    scan = make.jpeg(size=(120, 80))
    (saved,) = ok(api.post(f"/dossiers/{code}/files", "motcua.tanhoa", data=parts(("quet.jpg", scan))), 201)
    from app.dossiers.files import file_store
    assert file_store().exists(saved["sha256"])
    download = api.get(f"/dossiers/{code}/files/{saved['id']}", "motcua.tanhoa")
    assert download.status_code == 200 and download.headers["Content-Type"] == "image/jpeg"


def test_the_uploads_are_documented_as_multipart(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/dossiers/{code}/files", "/api/v1/dossiers/{code}/results"):
        body = paths[path]["post"]["requestBody"]["content"]
        assert body["multipart/form-data"]["schema"]["properties"]["files"]["type"] == "array"
        assert {"413", "415", "422"} <= set(paths[path]["post"]["responses"])


# --------------------------------------------------------------------------- the dossier page


def test_the_dossier_page_lists_files_and_takes_a_scan(client, login, store_dir, api):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    login("motcua.tanhoa")
    page = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Tệp hồ sơ điện tử" in page and "Đính kèm bản quét giấy tờ" in page and "Hồ sơ chưa có tệp" in page
    sent = client.post(f"/ho-so/{code}/tep", data=parts(("ban quet.pdf", make.pdf())),
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    page = client.get(f"/ho-so/{code}").get_data(as_text=True)
    assert "Đã lưu 1 tệp bản quét: ban quet.pdf." in page and "ban quet.pdf" in page
    (row,) = session.scalars(select(DossierFile).join(Dossier).where(Dossier.code == code))
    assert client.get(f"/ho-so/{code}/tep/{row.id}").headers["Content-Disposition"].startswith("attachment")

    refused = client.post(f"/ho-so/{code}/tep", data=parts(("virus.pdf", make.EXE)), content_type="multipart/form-data")
    assert refused.status_code == 302
    assert "virus.pdf" in client.get(f"/ho-so/{code}").get_data(as_text=True)  # flashed, file by file
    assert len(blobs(store_dir)) == 1
