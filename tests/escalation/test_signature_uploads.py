"""Letters signed outside the product: what is accepted and what is refused, through the API."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.signing.demo_ca import issue_leader_certificate, make_demo_ca
from tests.escalation.test_apology_gate import good_explanation


def sign_outside(pdf: bytes, cert_pem: bytes, key_pem: bytes, chain_pem: bytes) -> bytes:
    """Sign as a leader's own software would: pyHanko directly, not the product's signer."""
    signer = signers.SimpleSigner(
        signing_cert=next(iter(load_certs_from_pemder_data(cert_pem))),
        signing_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs(list(load_certs_from_pemder_data(chain_pem))))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="ChuKy"), signer=signer).getvalue()


def demo_leader(folder, username: str) -> tuple[bytes, bytes]:
    """The demo leader's certificate and key (written by seed-demo as one PEM file)."""
    pem = (folder / f"{username}.pem").read_bytes()
    marker = pem.index(b"-----BEGIN", pem.index(b"-----END CERTIFICATE-----"))
    return pem[:marker], pem[marker:]


@pytest.fixture
def issued(api, late_dossier):
    escalation, _ = good_explanation(api, late_dossier)
    letter = api.get(f"/escalations/{escalation['id']}/letter", "lanhdao.tanhoa").data
    return escalation["id"], letter


def upload(api, escalation_id: int, pdf: bytes, user: str = "lanhdao.tanhoa"):
    return api.post(f"/escalations/{escalation_id}/signature", user,
                    data={"file": (io.BytesIO(pdf), "thu-xin-loi.pdf")}, content_type="multipart/form-data")


def refused_code(response) -> str:
    assert response.status_code == 422, response.get_json()
    return response.get_json()["errors"][0]["code"]


def test_a_letter_signed_by_the_leader_elsewhere_is_accepted(api, issued, signing_demo):
    escalation_id, letter = issued
    cert, key = demo_leader(signing_demo, "lanhdao.tanhoa")
    response = upload(api, escalation_id, sign_outside(letter, cert, key, (signing_demo / "demo-ca.pem").read_bytes()))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "signed"


def test_a_letter_signed_by_another_units_leader_is_refused(api, issued, signing_demo, late_dossier):
    escalation_id, letter = issued
    cert, key = demo_leader(signing_demo, "lanhdao.binhan")
    signed = sign_outside(letter, cert, key, (signing_demo / "demo-ca.pem").read_bytes())
    assert refused_code(upload(api, escalation_id, signed)) == "wrong_signer"
    assert api.get(f"/dossiers/{late_dossier['code']}", "motcua.tanhoa").get_json()["status"] == "blocked"


def test_an_unsigned_or_altered_letter_is_refused(api, issued, signing_demo):
    escalation_id, letter = issued
    assert refused_code(upload(api, escalation_id, letter)) == "no_signature"
    cert, key = demo_leader(signing_demo, "lanhdao.tanhoa")
    position = letter.index(b"/Producer") if b"/Producer" in letter else len(letter) // 2
    altered = letter[:position] + bytes([letter[position] ^ 1]) + letter[position + 1:]
    signed = sign_outside(altered, cert, key, (signing_demo / "demo-ca.pem").read_bytes())
    assert refused_code(upload(api, escalation_id, signed)) in ("altered_letter", "not_pdf")


def test_a_clients_own_ca_and_leader_certificate_can_be_registered(api, issued):
    escalation_id, letter = issued
    ca_cert, ca_key = make_demo_ca("CA riêng của khách hàng thử")
    cert, key = issue_leader_certificate(ca_cert, ca_key, full_name="Bùi Văn Lãnh Đạo", unit_name="UBND xã Tân Hòa")
    signed = sign_outside(letter, cert, key, ca_cert)
    assert refused_code(upload(api, escalation_id, signed)) in ("wrong_signer", "untrusted")
    assert api.post("/admin/trust-roots", "admin", json={"certificate_pem": ca_cert.decode()}).status_code == 201
    assert api.put("/users/lanhdao.tanhoa/certificate", "admin", json={"certificate_pem": cert.decode()}).status_code == 200
    assert upload(api, escalation_id, signed).status_code == 200


def test_an_expired_certificate_is_refused(api, issued, signing_demo):
    escalation_id, letter = issued
    ca_cert, ca_key = make_demo_ca("CA thử hết hạn")
    two_years_ago = datetime.now(timezone.utc) - timedelta(days=730)
    cert, key = issue_leader_certificate(ca_cert, ca_key, full_name="Bùi Văn Lãnh Đạo", unit_name="UBND xã Tân Hòa",
                                         not_before=two_years_ago, valid_days=30)
    api.post("/admin/trust-roots", "admin", json={"certificate_pem": ca_cert.decode()})
    api.put("/users/lanhdao.tanhoa/certificate", "admin", json={"certificate_pem": cert.decode()})
    assert refused_code(upload(api, escalation_id, sign_outside(letter, cert, key, ca_cert))) == "certificate_expired"


def test_bad_certificates_and_roots_are_422(api, demo):
    assert api.post("/admin/trust-roots", "admin", json={"certificate_pem": "không phải PEM"}).status_code == 422
    assert api.put("/users/lanhdao.tanhoa/certificate", "admin", json={"certificate_pem": "x"}).status_code == 422
    assert api.put("/users/khong-co/certificate", "admin", json={"certificate_pem": "x"}).status_code in (404, 422)
