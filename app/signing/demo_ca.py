"""A throw-away certificate authority for demos and tests.

Real leaders sign with certificates from a licensed CA (Ban Cơ yếu Chính phủ or
a public CA).  To demo the flow without one, this module makes a self-signed
CA and issues leader certificates from it.  Everything it makes says DEMO in
the subject so that nobody mistakes it for a real identity, and keys come back
unencrypted PEM: wrap a leader's key with ``pdf.protect_key`` straight away.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DEMO_MARK = "(DEMO)"
CA_VALID_DAYS = 3650
# Backdate "not before" a little so that a clock a few minutes slow elsewhere
# does not see a brand-new certificate as not yet valid.
CLOCK_SKEW = timedelta(minutes=5)


def make_demo_ca(common_name: str = "CA DEMO Một cửa điện tử (chỉ dùng thử)") -> tuple[bytes, bytes]:
    """Return ``(ca_cert_pem, ca_key_pem)`` of a new self-signed DEMO root CA."""
    key = _new_key()
    name = _name(common_name, f"Một cửa điện tử {DEMO_MARK}")
    start = datetime.now(timezone.utc) - CLOCK_SKEW
    cert = (
        _builder(name, name, key.public_key(), start, start + timedelta(days=CA_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _cert_pem(cert), _key_pem(key)


def issue_leader_certificate(
    ca_cert_pem: bytes,
    ca_key_pem: bytes,
    *,
    full_name: str,
    unit_name: str,
    email: str | None = None,
    valid_days: int = 730,
    not_before: datetime | None = None,
) -> tuple[bytes, bytes]:
    """Return ``(cert_pem, key_pem)`` of a DEMO signing certificate for a leader.

    Key usage is digitalSignature + nonRepudiation, what a document-signing
    certificate carries (pyHanko's validator requires nonRepudiation).
    """
    ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
    ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
    key = _new_key()
    start = not_before or datetime.now(timezone.utc) - CLOCK_SKEW
    builder = (
        _builder(_name(full_name, f"{unit_name} {DEMO_MARK}", email), ca_cert.subject,
                 key.public_key(), start, start + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    return _cert_pem(builder.sign(ca_key, hashes.SHA256())), _key_pem(key)


def _new_key() -> rsa.RSAPrivateKey:
    # RSA-2048: what Vietnamese signing tokens use, and what every verifier accepts.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, organization: str, email: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attributes)  # cryptography encodes CN and O as UTF8String


def _builder(subject, issuer, public_key, start: datetime, end: datetime) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign, content_commitment=not cert_sign,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False, decipher_only=False,
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
