"""Trust roots, leaders' certificates and keys, and signing apology letters.

A leader's PKCS#12 key is encrypted under the leader's PIN and, at rest, once
more under a key derived from the instance's SECRET_KEY, so a copy of the
database alone does not allow guessing PINs offline.  Five wrong PINs lock
the leader's signing for fifteen minutes.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from app import clock
from app.auth.models import Unit, User
from app.auth.services import field_errors, get_user
from app.core.errors import Conflict, Invalid, TooManyAttempts
from app.db import session
from app.settings import get_settings
from app.signing.models import TrustRoot
from app.signing.pdf import SignatureRejected, VerifiedSignature, WrongPin, sign_pdf, verify_signed_letter

MAX_PIN_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)


def _certificate(pem: str, field: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate((pem or "").encode())
    except ValueError:
        raise Invalid("Chứng thư số không hợp lệ.", field_errors({field: "Cần một chứng thư số X.509 dạng PEM."})) from None


def _subject(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def add_trust_root(pem: str) -> TrustRoot:
    """Trust a certification authority for signatures (idempotent)."""
    certificate = _certificate(pem, "certificate_pem")
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise Invalid("Chứng thư này không phải của một tổ chức chứng thực (CA).",
                      field_errors({"certificate_pem": "Cần chứng thư có BasicConstraints CA=TRUE."}))
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    root = session.scalar(select(TrustRoot).where(TrustRoot.fingerprint == fingerprint))
    if root is None:
        root = TrustRoot(fingerprint=fingerprint, subject=_subject(certificate), created_at=clock.now(),
                         certificate_pem=certificate.public_bytes(Encoding.PEM).decode())
        session.add(root)
        session.commit()
    return root


def trust_roots_pem() -> list[bytes]:
    return [pem.encode() for pem in session.scalars(select(TrustRoot.certificate_pem))]


def register_certificate(username: str, pem: str) -> User:
    """Register the certificate a leader signs with."""
    user = get_user(username)
    certificate = _certificate(pem, "certificate_pem")
    user.certificate_pem = certificate.public_bytes(Encoding.PEM).decode()
    session.commit()
    return user


def _server_key() -> Fernet:
    secret = get_settings().secret_key.encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"motcua signing keys|" + secret).digest()))


def store_signing_key(user: User, pkcs12: bytes, certificate_pem: str) -> None:
    """Keep a leader's PIN-protected key (and register its certificate)."""
    user.signing_key = _server_key().encrypt(pkcs12)
    user.certificate_pem = certificate_pem
    session.commit()


def leader_certificates(unit: Unit) -> list[bytes]:
    """Certificates registered for the leaders of ``unit``."""
    leaders = session.scalars(select(User).where(User.unit_id == unit.id, User.active.is_(True)))
    return [u.certificate_pem.encode() for u in leaders if u.has_role("leader") and u.certificate_pem]


def verify(signed: bytes, issued: bytes, unit: Unit) -> VerifiedSignature:
    """The signature on ``signed`` if it is ``issued``, signed by a leader of ``unit``; else 422."""
    try:
        return verify_signed_letter(signed, issued, allowed_signers_pem=leader_certificates(unit),
                                    trust_roots_pem=trust_roots_pem(), now=clock.now())
    except SignatureRejected as rejected:
        raise Invalid(f"Chữ ký không được chấp nhận: {rejected.reason}",
                      [{"field": "file", "code": rejected.code, "message": rejected.reason}]) from None


def sign_with_pin(user: User, pdf: bytes, pin: str, signed_at: datetime) -> bytes:
    """Sign with the key held for ``user``; count wrong PINs and lock after five.

    ``signed_at`` is the letter's time (the application clock); the lock is a security
    measure and runs on the real clock, so moving the demo clock neither lifts nor extends it.
    """
    _check_not_locked(user, clock.real_now())
    if user.signing_key is None:
        raise Conflict("Bạn chưa có khóa ký số trên hệ thống: hãy ký bằng thiết bị của mình và tải tệp lên.")
    try:
        bundle = _server_key().decrypt(user.signing_key)
        signed = sign_pdf(pdf, bundle, pin or "", signer_name=user.full_name, signer_title=user.title or "",
                          signed_at=signed_at)
    except (WrongPin, InvalidToken):
        _count_wrong_pin(user, clock.real_now())
        raise Invalid("Mã PIN không đúng.", field_errors({"pin": "Mã PIN không đúng."})) from None
    user.pin_failures, user.pin_locked_until = 0, None
    return signed


def _check_not_locked(user: User, now: datetime) -> None:
    if user.pin_locked_until is not None and user.pin_locked_until > now:
        until = clock.local(user.pin_locked_until)
        raise TooManyAttempts(f"Đã nhập sai mã PIN {MAX_PIN_FAILURES} lần: chức năng ký bị khóa đến {until:%H:%M}.")


def _count_wrong_pin(user: User, now: datetime) -> None:
    """Record a wrong PIN in its own transaction, so the count survives the 422."""
    failures = user.pin_failures + 1
    locked_until = now + LOCK_TIME if failures >= MAX_PIN_FAILURES else None
    session.rollback()
    user = session.get(User, user.id)
    user.pin_failures = 0 if locked_until else failures
    user.pin_locked_until = locked_until
    session.commit()
