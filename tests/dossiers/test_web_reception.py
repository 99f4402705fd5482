"""The counter: choosing a procedure, receiving, asking for more or refusing at once."""
from __future__ import annotations

from app.clock import local
from app.dossiers.services import get
from tests.support.web import BIRTH, BIRTH_FORM


def test_choosing_a_procedure_shows_its_checklist(client, login):
    login("motcua.tanhoa")
    page = client.get(f"/tiep-nhan?procedure_code={BIRTH}").text
    assert "Trong ngày" in page and "Miễn phí" in page
    assert "Tờ khai đăng ký khai sinh (theo mẫu)" in page
    assert 'name="documents[0].received"' in page and 'name="documents[0].copies"' in page
    assert page.count('class="tag">Bắt buộc') == 3


def test_receiving_creates_the_dossier_and_shows_the_appointment(client, web_receive):
    code = web_receive(**{"documents[5].name": "Bản sao sổ hộ khẩu", "documents[5].copies": "2"})
    dossier = get(code)
    assert dossier.applicant_name == "Trần Thị Mai" and dossier.status == "received"
    assert [(d.name, d.copies) for d in dossier.documents][-1] == ("Bản sao sổ hộ khẩu", 2)
    assert len(dossier.documents) == 4
    page = client.get(f"/ho-so/{code}").text
    assert f"Đã tiếp nhận hồ sơ {code}. Hẹn trả kết quả: " in page
    assert local(dossier.due_at).strftime("%d/%m/%Y %H:%M") in page


def test_field_errors_are_shown_beside_the_fields_and_values_kept(client, login):
    login("motcua.tanhoa")
    form = {**BIRTH_FORM, "applicant.full_name": "  ", "documents[5].name": "Giấy xác nhận", "documents[5].copies": "0"}
    response = client.post("/tiep-nhan", data=form)
    assert response.status_code == 422
    page = response.text
    assert '<p class="field-error" id="f-applicant-full_name-err">Cần nhập họ tên người nộp.</p>' in page
    assert "Số bản là số nguyên từ 1 đến 1000." in page
    assert 'value="0912345678"' in page and 'value="Giấy xác nhận"' in page
    assert "Thôn 2, xã Tân Hòa</textarea>" in page


def test_receiving_needs_the_required_documents(client, login):
    login("motcua.tanhoa")
    form = {key: value for key, value in BIRTH_FORM.items() if key != "documents[1].received"}
    response = client.post("/tiep-nhan", data=form)
    assert response.status_code == 422
    assert "Chưa đủ giấy tờ bắt buộc: Giấy chứng sinh" in response.text
    assert 'name="documents[0].received" value="1" checked' in response.text


def test_an_incomplete_dossier_needs_what_is_missing_named(client, login):
    login("motcua.tanhoa")
    response = client.post("/tiep-nhan", data={**BIRTH_FORM, "action": "supplement"})
    assert response.status_code == 422
    assert "Ghi rõ, đầy đủ một lần các giấy tờ cần bổ sung." in response.text


def test_refusing_at_the_counter(client, login):
    login("motcua.tanhoa")
    response = client.post("/tiep-nhan", data={**BIRTH_FORM, "action": "refuse", "note": "Trẻ sinh ở tỉnh khác"})
    dossier = get(response.location.rsplit("/", 1)[1])
    assert dossier.status == "refused" and dossier.refusal_reason == "Trẻ sinh ở tỉnh khác"
    assert f"Đã từ chối tiếp nhận, giải quyết hồ sơ {dossier.code}." in client.get(response.location).text
