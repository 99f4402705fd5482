"""Helpers for the signing tests: real CAs, leaders and letters, no mocks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import weasyprint
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.signing.demo_ca import issue_leader_certificate, make_demo_ca
from app.signing.pdf import protect_key, sign_pdf

PIN = "246810"
NOW = datetime.now(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class Leader:
    name: str
    title: str
    cert_pem: bytes
    key_pem: bytes
    chain_pem: tuple[bytes, ...]
    bundle: bytes  # PKCS#12 under PIN


@dataclass(frozen=True)
class Pki:
    root_pem: bytes  # the trusted demo CA
    other_root_pem: bytes  # a CA nobody trusts
    chain_root_pem: bytes  # a root whose leaders are issued by an intermediate
    leader: Leader  # trusted and allowed
    colleague: Leader  # same CA, not allowed for this letter
    stranger: Leader  # issued by the other CA
    expired: Leader  # valid 30 days, two years ago
    late_starter: Leader  # becomes valid in 10 days
    via_intermediate: Leader  # root -> intermediate -> leader


def build_pki(directory: Path) -> Pki:
    """CAs and leaders for every case the verifier must tell apart; PEMs saved in ``directory``."""
    root, root_key = make_demo_ca()
    other, other_key = make_demo_ca("CA lạ (không tin cậy)")
    chain_root, chain_root_key = _raw_root("Root CA thử nghiệm có CA trung gian")
    intermediate, intermediate_key = _raw_intermediate(chain_root, chain_root_key, "CA trung gian thử nghiệm")

    def leader(name, title, ca, ca_key, chain=(), **kwargs):
        cert, key = issue_leader_certificate(ca, ca_key, full_name=name, unit_name="UBND phường Bồ Đề", **kwargs)
        (directory / f"{name}.pem").write_bytes(cert)
        chain = tuple(chain) + (ca,)
        return Leader(name, title, cert, key, chain, protect_key(key, cert, list(chain), PIN))

    for file_name, pem in [("root.pem", root), ("other.pem", other), ("chain_root.pem", chain_root),
                           ("intermediate.pem", intermediate)]:
        (directory / file_name).write_bytes(pem)
    return Pki(
        root_pem=root, other_root_pem=other, chain_root_pem=chain_root,
        leader=leader("Nguyễn Thị Hương", "Phó Chủ tịch UBND phường", root, root_key, email="huong@bode.example.vn"),
        colleague=leader("Trần Văn Bình", "Chủ tịch UBND phường", root, root_key),
        stranger=leader("Lê Văn Lạ", "Giám đốc", other, other_key),
        expired=leader("Phạm Thị Cũ", "Trưởng phòng", root, root_key,
                       not_before=NOW - timedelta(days=730), valid_days=30),
        late_starter=leader("Đỗ Văn Mới", "Phó Trưởng phòng", root, root_key,
                            not_before=NOW + timedelta(days=10)),
        via_intermediate=leader("Hoàng Thị Trung", "Phó Giám đốc", intermediate, intermediate_key,
                                chain=(chain_root,)),
    )


def render_letter(body_html: str) -> bytes:
    """A small letter PDF, as the system would issue (not the real form)."""
    html = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
    <style>@page {{ size: A4; margin: 2cm }} body {{ font-family: 'Liberation Serif' }}</style>
    </head><body>{body_html}</body></html>"""
    return weasyprint.HTML(string=html).write_pdf()


def sign_as(leader: Leader, pdf: bytes, signed_at: datetime = NOW) -> bytes:
    return sign_pdf(pdf, leader.bundle, PIN, signer_name=leader.name, signer_title=leader.title,
                    signed_at=signed_at)


def pyhanko_sign(leader: Leader, pdf, *, meta=None, field_spec=None) -> bytes:
    """Sign with pyHanko directly, as a leader's own signing software would.

    ``pdf`` is bytes or an IncrementalPdfFileWriter already holding changes.
    """
    writer = pdf if isinstance(pdf, IncrementalPdfFileWriter) else IncrementalPdfFileWriter(BytesIO(pdf))
    signer = signers.SimpleSigner(
        signing_cert=next(iter(load_certs_from_pemder_data(leader.cert_pem))),
        signing_key=load_private_key_from_pemder_data(leader.key_pem, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs(
            [c for pem in leader.chain_pem for c in load_certs_from_pemder_data(pem)]
        ),
    )
    meta = meta or signers.PdfSignatureMetadata(field_name="Signature1")
    return signers.sign_pdf(writer, meta, signer=signer, new_field_spec=field_spec).getvalue()


def _raw_root(common_name: str) -> tuple[bytes, bytes]:
    """A root that may have intermediates (the demo CA may not: path length 0)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        _base(name, name, key.public_key(), days=3650)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .sign(key, hashes.SHA256())
    )
    return _pem(cert), _key_pem(key)


def _raw_intermediate(root_pem: bytes, root_key_pem: bytes, common_name: str) -> tuple[bytes, bytes]:
    root = x509.load_pem_x509_certificate(root_pem)
    root_key = serialization.load_pem_private_key(root_key_pem, password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        _base(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]), root.subject,
              key.public_key(), days=1825)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return _pem(cert), _key_pem(key)


def _base(subject, issuer, public_key, *, days: int) -> x509.CertificateBuilder:
    start = NOW - timedelta(days=1)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=days)))


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                         encipher_only=False, decipher_only=False)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
