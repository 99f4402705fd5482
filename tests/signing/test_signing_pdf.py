"""Signing an apology letter and deciding whether an uploaded one is acceptable.

Every case uses real keys, certificates and PDFs (see conftest.py / pki.py).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from io import BytesIO

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer
from pyhanko.sign import fields, signers

from app.signing.pdf import (
    REASONS,
    SignatureRejected,
    VerifiedSignature,
    WrongPin,
    certificate_of,
    protect_key,
    sign_pdf,
    verify_signed_letter,
)
from tests.signing.pki import NOW, PIN, pyhanko_sign, render_letter, sign_as

CODES = set(REASONS)


def verify(pki, signed, issued, *, allowed=None, roots=None, now=None) -> VerifiedSignature:
    return verify_signed_letter(
        signed, issued,
        allowed_signers_pem=[leader.cert_pem for leader in (allowed or [pki.leader])],
        trust_roots_pem=roots or [pki.root_pem],
        now=now or datetime.now(timezone.utc),
    )


def rejection(pki, signed, issued, **kwargs) -> SignatureRejected:
    with pytest.raises(SignatureRejected) as caught:
        verify(pki, signed, issued, **kwargs)
    assert caught.value.code in CODES
    assert caught.value.reason == REASONS[caught.value.code] or caught.value.code == "invalid_signature"
    return caught.value


def run(tool: str, *args) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return subprocess.run([tool, *args], capture_output=True, text=True, encoding="utf-8", check=False).stdout


# --- accepted ---------------------------------------------------------------

def test_signed_in_the_product_is_accepted(pki, issued, signed):
    result = verify(pki, signed, issued)

    assert result.signed_at == NOW  # /M has whole seconds; NOW has no microseconds
    assert result.signed_at.tzinfo is not None
    assert "CN=Nguyễn Thị Hương" in result.signer_subject
    assert "(DEMO)" in result.signer_subject
    assert x509.load_pem_x509_certificate(result.signer_certificate_pem) == \
        x509.load_pem_x509_certificate(pki.leader.cert_pem)


def test_signing_is_an_incremental_update_of_the_letter(issued, signed):
    assert signed.startswith(issued)
    assert b"/ETSI.CAdES.detached" in signed


def test_poppler_pdfsig_finds_a_valid_signature_by_the_leader(signed, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)

    report = run("pdfsig", str(path))

    assert "Signature Validation: Signature is Valid." in report
    assert "Signer Certificate Common Name: Nguyễn Thị Hương" in report
    assert "Total document signed" in report
    assert report.count("Signature #") == 1


def test_visible_stamp_on_last_page_in_vietnamese(pki, tmp_path):
    two_pages = render_letter("<p>Trang một</p><p style='page-break-before: always'>Trang hai</p>")
    at = datetime(2025, 3, 5, 8, 30, 0, tzinfo=timezone.utc)  # 15:30 in Hà Nội
    path = tmp_path / "stamped.pdf"
    path.write_bytes(sign_as(pki.leader, two_pages, signed_at=at))

    last_page = run("pdftotext", "-f", "2", "-l", "2", str(path), "-")
    first_page = run("pdftotext", "-f", "1", "-l", "1", str(path), "-")
    fonts = run("pdffonts", str(path))

    assert "Ký số bởi: Nguyễn Thị Hương" in last_page
    assert "Chức vụ: Phó Chủ tịch UBND phường" in last_page
    assert "Thời gian ký: 15:30:00 ngày 05/03/2025 (GMT+7)" in last_page
    assert "Ký số bởi" not in first_page
    stamp_font = next(line for line in fonts.splitlines() if "LiberationSans" in line)
    assert stamp_font.split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, ToUnicode


@pytest.mark.parametrize("subfilter, box", [
    (fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED, None),  # invisible, signing-time attribute
    (fields.SigSeedSubFilter.PADES, (300, 40, 560, 110)),  # visible, time in /M
])
def test_independent_signer_is_accepted(pki, issued, subfilter, box):
    signed = pyhanko_sign(
        pki.leader, issued,
        meta=signers.PdfSignatureMetadata(field_name="Signature1", subfilter=subfilter),
        field_spec=fields.SigFieldSpec("Signature1", box=box),
    )
    before = datetime.now(timezone.utc)

    result = verify(pki, signed, issued)

    assert "Nguyễn Thị Hương" in result.signer_subject
    assert abs(result.signed_at - before) < timedelta(minutes=1)


def test_leader_issued_by_an_intermediate_ca_is_accepted(pki, issued):
    signed = sign_as(pki.via_intermediate, issued)

    result = verify(pki, signed, issued, allowed=[pki.via_intermediate], roots=[pki.chain_root_pem])

    assert "Hoàng Thị Trung" in result.signer_subject


def test_signing_time_within_clock_tolerance_is_accepted(pki, issued):
    signed = sign_as(pki.leader, issued, signed_at=NOW + timedelta(minutes=2))

    assert verify(pki, signed, issued, now=NOW).signed_at == NOW + timedelta(minutes=2)


# --- the PIN ----------------------------------------------------------------

def test_certificate_of_opens_the_bundle_with_the_pin(pki):
    pem = certificate_of(pki.leader.bundle, PIN)

    assert x509.load_pem_x509_certificate(pem) == x509.load_pem_x509_certificate(pki.leader.cert_pem)


@pytest.mark.parametrize("pin", ["246811", "", "2468100", " 246810"])
def test_wrong_pin_is_refused_without_details(pki, issued, pin):
    with pytest.raises(WrongPin) as on_sign:
        sign_as_with_pin(pki.leader, issued, pin)
    with pytest.raises(WrongPin) as on_read:
        certificate_of(pki.leader.bundle, pin)

    for error in (on_sign.value, on_read.value):
        assert error.code == "wrong_pin"
        assert str(error) == error.reason == "Mã PIN không đúng."
        assert error.__cause__ is None and error.__suppress_context__  # no PKCS#12 detail chained
        assert isinstance(error, SignatureRejected)


def sign_as_with_pin(leader, pdf, pin):
    return sign_pdf(pdf, leader.bundle, pin, signer_name=leader.name, signer_title=leader.title, signed_at=NOW)


def test_bundle_is_encrypted_with_pbes2_aes256(pki):
    pfx = asn1_pkcs12.Pfx.load(pki.leader.bundle)
    algorithms = set()
    for content_info in pfx.authenticated_safe:
        if content_info["content_type"].native == "encrypted_data":
            algorithms.add(_pbes2_cipher(content_info["content"]["encrypted_content_info"]["content_encryption_algorithm"]))
        else:
            for bag in asn1_pkcs12.SafeContents.load(content_info["content"].native):
                if bag["bag_id"].native == "pkcs8_shrouded_key_bag":
                    algorithms.add(_pbes2_cipher(bag["bag_value"]["encryption_algorithm"]))

    assert algorithms == {"aes256_cbc"}
    assert pfx["mac_data"]["mac"]["digest_algorithm"]["algorithm"].native == "sha256"


def _pbes2_cipher(algorithm) -> str:
    assert algorithm["algorithm"].native == "pbes2"
    return algorithm["parameters"]["encryption_scheme"]["algorithm"].native


def test_protect_key_refuses_an_empty_pin_or_a_key_of_another_certificate(pki):
    with pytest.raises(ValueError):
        protect_key(pki.leader.key_pem, pki.leader.cert_pem, [pki.root_pem], "")
    with pytest.raises(ValueError):
        protect_key(pki.colleague.key_pem, pki.leader.cert_pem, [pki.root_pem], PIN)


# --- rejected: the file ---------------------------------------------------------

def test_unsigned_upload_has_no_signature(pki, issued):
    assert rejection(pki, issued, issued).code == "no_signature"


def test_second_signature_is_refused(pki, issued, signed):
    countersigned = pyhanko_sign(pki.colleague, signed)

    assert rejection(pki, countersigned, issued, allowed=[pki.leader, pki.colleague]).code == "several_signatures"


@pytest.mark.parametrize("garbage", [
    b"",
    b"%PDF-1.7\n",
    b"%PDF-1.7\n%%EOF\n",
    os.urandom(4096),
    b"%PDF-1.7\n" + os.urandom(4096),
    "<html>Thư xin lỗi</html>".encode(),
], ids=["empty", "header", "header-eof", "random", "pdf-header-random", "html"])
def test_garbage_is_a_clean_rejection(pki, issued, garbage):
    assert rejection(pki, garbage, issued).code in {"not_pdf", "no_signature"}


@pytest.mark.parametrize("cut", [0.25, 0.5, 0.9, 0.999])
def test_truncated_signed_file_is_a_clean_rejection(pki, issued, signed, cut):
    rejection(pki, signed[: int(len(signed) * cut)], issued)


# --- rejected: the signature ----------------------------------------------------

def test_flipped_byte_in_the_letter_part_breaks_the_signature(pki, issued, signed):
    position = issued.index(b"stream\n") + len(b"stream\n") + 10  # inside the first compressed stream
    assert rejection(pki, _flip(signed, position), issued).code == "invalid_signature"


def test_changed_signing_time_breaks_the_signature(pki, issued, signed):
    date = re.compile(rb"/M \(D(:|\\072)(\d{4})")  # pyHanko writes the colon as \072
    match = date.search(signed, len(issued))
    position = match.start(2) + 3  # last digit of the year
    tampered = signed[:position] + bytes([signed[position] ^ 0x01]) + signed[position + 1:]
    assert tampered != signed

    assert rejection(pki, tampered, issued).code == "invalid_signature"


def _flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]


@pytest.mark.parametrize("change", ["info", "drawing"])
def test_update_appended_after_signing_is_refused(pki, issued, signed, change):
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    if change == "info":
        _retitle(writer, "Thư đã sửa sau khi ký")
    else:
        box = writer.add_object(generic.StreamObject(stream_data=b"1 1 1 rg 50 600 400 120 re f"))
        writer.add_stream_to_page(0, box)  # a white box over the letter
    out = BytesIO()
    writer.write(out)

    assert rejection(pki, out.getvalue(), issued).code == "not_whole_file"


def _retitle(writer: IncrementalPdfFileWriter, title: str) -> None:
    info_ref = writer.trailer.raw_get("/Info")
    info_ref.get_object()[generic.pdf_name("/Title")] = generic.TextStringObject(title)
    writer.mark_update(info_ref)


# --- rejected: what was signed ----------------------------------------------------

def test_letter_altered_by_one_byte_before_signing(pki, issued):
    position = issued.index(b"stream\n") + len(b"stream\n") + 10
    signed = sign_as(pki.leader, _flip(issued, position))

    assert rejection(pki, signed, issued).code == "altered_letter"


def test_another_letter_signed_by_the_right_leader(pki, issued):
    other = render_letter("<h1>Thư xin lỗi</h1><p>Hẹn trả kết quả vào ngày 30/12/2030.</p>")

    assert rejection(pki, sign_as(pki.leader, other), issued).code == "altered_letter"


def test_letter_rewritten_instead_of_updated(pki, issued):
    rewritten = BytesIO()  # the same document saved anew: same content, other bytes
    copy_into_new_writer(PdfFileReader(BytesIO(issued))).write(rewritten)

    assert rejection(pki, pyhanko_sign(pki.leader, rewritten.getvalue()), issued).code == "altered_letter"


def test_content_changed_in_the_signing_update_itself(pki, issued):
    writer = IncrementalPdfFileWriter(BytesIO(issued))
    box = writer.add_object(generic.StreamObject(stream_data=b"0 0 0 rg 50 600 400 40 re f"))
    writer.add_stream_to_page(0, box)

    signed = pyhanko_sign(pki.leader, writer)

    assert signed.startswith(issued)
    assert rejection(pki, signed, issued).code == "altered_letter"


def test_extra_update_before_the_signature_is_refused(pki, issued):
    writer = IncrementalPdfFileWriter(BytesIO(issued))
    _retitle(writer, "Bản đã sửa")
    modified = BytesIO()
    writer.write(modified)

    signed = sign_as(pki.leader, modified.getvalue())

    assert signed.startswith(issued)
    assert rejection(pki, signed, issued).code == "altered_letter"


# --- rejected: who signed, and when ---------------------------------------------

def test_trusted_leader_who_is_not_allowed(pki, issued):
    signed = sign_as(pki.colleague, issued)

    assert rejection(pki, signed, issued, allowed=[pki.leader]).code == "wrong_signer"


def test_allowed_leader_from_an_untrusted_ca(pki, issued):
    signed = sign_as(pki.stranger, issued)

    assert rejection(pki, signed, issued, allowed=[pki.stranger]).code == "untrusted"


def test_trust_in_another_root_does_not_help(pki, issued, signed):
    assert rejection(pki, signed, issued, roots=[pki.other_root_pem, pki.chain_root_pem]).code == "untrusted"


def test_no_trust_roots_means_untrusted(pki, issued, signed):
    with pytest.raises(SignatureRejected) as caught:
        verify_signed_letter(signed, issued, allowed_signers_pem=[pki.leader.cert_pem],
                             trust_roots_pem=[], now=datetime.now(timezone.utc))
    assert caught.value.code == "untrusted"


def test_expired_certificate(pki, issued):
    signed = sign_as(pki.expired, issued)

    assert rejection(pki, signed, issued, allowed=[pki.expired]).code == "certificate_expired"


def test_certificate_not_yet_valid(pki, issued):
    signed = sign_as(pki.late_starter, issued)

    assert rejection(pki, signed, issued, allowed=[pki.late_starter]).code == "certificate_not_yet_valid"


def test_signing_time_in_the_future(pki, issued):
    signed = sign_as(pki.leader, issued, signed_at=NOW + timedelta(minutes=6))

    assert rejection(pki, signed, issued, now=NOW).code == "signed_in_future"


def test_every_reason_is_a_vietnamese_sentence():
    for code, reason in REASONS.items():
        assert reason.endswith("."), code
        assert any(ch in reason for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"), code
