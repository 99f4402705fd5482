"""The DEMO certificate authority: certificates a real verifier would accept, clearly labelled."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtensionOID, NameOID

from app.signing.demo_ca import issue_leader_certificate, make_demo_ca


@pytest.fixture(scope="module")
def ca():
    return make_demo_ca()


def _cert(pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem)


def _value(cert: x509.Certificate, oid) -> str:
    return cert.subject.get_attributes_for_oid(oid)[0].value


def test_demo_ca_is_a_self_signed_ca_labelled_demo(ca):
    cert = _cert(ca[0])

    cert.verify_directly_issued_by(cert)
    assert cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca
    usage = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    assert usage.key_cert_sign and usage.crl_sign
    assert _value(cert, NameOID.COMMON_NAME) == "CA DEMO Một cửa điện tử (chỉ dùng thử)"
    assert _value(cert, NameOID.ORGANIZATION_NAME).endswith("(DEMO)")
    assert serialization.load_pem_private_key(ca[1], password=None).public_key() == cert.public_key()


def test_leader_certificate_is_for_signing_and_labelled_demo(ca):
    cert_pem, key_pem = issue_leader_certificate(
        *ca, full_name="Nguyễn Thị Hương", unit_name="UBND phường Bồ Đề", email="huong@bode.example.vn"
    )
    cert = _cert(cert_pem)

    cert.verify_directly_issued_by(_cert(ca[0]))
    assert serialization.load_pem_private_key(key_pem, password=None).public_key() == cert.public_key()
    assert _value(cert, NameOID.COMMON_NAME) == "Nguyễn Thị Hương"
    assert _value(cert, NameOID.ORGANIZATION_NAME) == "UBND phường Bồ Đề (DEMO)"
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0]._type == _ASN1Type.UTF8String
    usage = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    assert usage.digital_signature and usage.content_commitment  # nonRepudiation
    assert not usage.key_cert_sign
    assert not cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca
    san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    assert san.get_values_for_type(x509.RFC822Name) == ["huong@bode.example.vn"]


def test_leader_validity_period(ca):
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    given = _cert(issue_leader_certificate(*ca, full_name="A", unit_name="B", not_before=start, valid_days=30)[0])
    default = _cert(issue_leader_certificate(*ca, full_name="A", unit_name="B")[0])

    assert given.not_valid_before_utc == start
    assert given.not_valid_after_utc == start + timedelta(days=30)
    now = datetime.now(timezone.utc)
    assert now - timedelta(minutes=10) < default.not_valid_before_utc < now
    assert default.not_valid_after_utc - default.not_valid_before_utc == timedelta(days=730)
