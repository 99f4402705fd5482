"""Sign an apology letter with a leader's key, and verify a signed letter.

A late dossier stays blocked until its apology letter is signed by a leader of
the responsible unit.  The leader either signs inside the product (``sign_pdf``,
with a key kept as a PKCS#12 bundle locked by the leader's PIN) or downloads the
letter, signs it with a USB token or a remote-signing service and uploads it.
Either way ``verify_signed_letter`` decides whether the upload is *the letter we
issued, signed by that leader*; only then may the dossier move on.

Signatures are PAdES B-B (``/SubFilter /ETSI.CAdES.detached``) appended as an
incremental update.  No time-stamp authority and no revocation fetching: the
machine has no network.

Why a letter is rejected (``SignatureRejected.code``):

=========================  ====================================================
``not_pdf``                the upload is not a readable PDF (empty, random, …)
``no_signature``           the PDF has no signature
``several_signatures``     more than one signature: we expect exactly the
                           leader's; a counter-signature or document time-stamp
                           is an update after the leader signed, so we refuse
                           rather than guess which one counts
``invalid_signature``      the signature is broken: bytes changed after signing,
                           unreadable signature data, or no signing time
``not_whole_file``         something was appended after the signature
``altered_letter``         what was signed is not byte-for-byte the issued
                           letter, or the signing update changed more than the
                           signature field and its stamp
``wrong_signer``           the certificate is not one of the allowed leaders'
``certificate_not_yet_valid`` / ``certificate_expired``
                           the certificate was not valid at the signing time
``signed_in_future``       the signing time is more than 5 minutes after now
``untrusted``              the certificate does not chain to a trusted root (or
                           is not meant for signing)
``wrong_pin``              (signing only) the PIN does not open the key bundle
=========================  ====================================================

The signing time is what the signer claims, so with B-B a signer holding an
expired key could back-date; a time-stamp (B-T) would be needed to prove it.
It is read from the CMS ``signing-time`` signed attribute when present
(``adbe.pkcs7.detached`` signers add it) and otherwise from ``/M`` of the
signature dictionary, which PAdES uses instead (PAdES forbids the attribute) and
which lies inside the signed byte range.

Both entry points are synchronous and run pyHanko's coroutines with
``asyncio.run``: call them from plain (Flask) code, not from a running event loop.
"""
from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12 as p12
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis.constants import ROOT_EXEMPT_STRICT_COMPARISON
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from app import clock

STAMP_FONT = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"  # Debian fonts-liberation2
STAMP_FONT_SIZE = 9
SIGNATURE_FIELD = "ChuKyLanhDao"
CLOCK_TOLERANCE = timedelta(minutes=5)
# PBKDF2 rounds for the key and certificate bags.  Note: the PKCS#12 MAC that
# cryptography writes uses a fixed 2048 iterations under the same PIN, so a
# stolen bundle can be PIN-guessed cheaply through the MAC whatever this is:
# store bundles encrypted at rest and rate-limit PIN attempts.
PIN_KDF_ROUNDS = 600_000


class SignatureRejected(ValueError):
    """A letter or a signing attempt refused.

    ``reason`` is a Vietnamese sentence to show the user; ``code`` a short
    machine code (see the module docstring for the list).
    """

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class WrongPin(SignatureRejected):
    """The PIN does not open the key bundle.  Says nothing else on purpose."""

    def __init__(self, code: str = "wrong_pin", reason: str = "Mã PIN không đúng."):
        super().__init__(code, reason)


# What verify_signed_letter tells the user, by code (see the module docstring).
REASONS = {
    "not_pdf": "Tệp tải lên không phải là tệp PDF hợp lệ.",
    "no_signature": "Tệp PDF chưa có chữ ký số.",
    "several_signatures": "Tệp PDF có nhiều hơn một chữ ký; chỉ chấp nhận đúng một chữ ký của lãnh đạo.",
    "invalid_signature": "Chữ ký số không hợp lệ: nội dung đã bị thay đổi sau khi ký hoặc dữ liệu chữ ký bị hỏng.",
    "not_whole_file": "Tệp đã bị sửa hoặc bổ sung sau khi ký: chữ ký không bao trùm toàn bộ tệp.",
    "altered_letter": "Văn bản được ký không trùng khớp với thư xin lỗi do hệ thống phát hành.",
    "wrong_signer": "Người ký không phải là lãnh đạo có thẩm quyền ký thư xin lỗi này.",
    "certificate_not_yet_valid": "Chứng thư số của người ký chưa có hiệu lực tại thời điểm ký.",
    "certificate_expired": "Chứng thư số của người ký đã hết hạn tại thời điểm ký.",
    "signed_in_future": "Thời điểm ký ghi trong chữ ký ở tương lai.",
    "untrusted": "Chứng thư số của người ký không được cấp bởi tổ chức chứng thực tin cậy hoặc không dùng để ký số.",
}


@dataclass(frozen=True)
class VerifiedSignature:
    signer_certificate_pem: bytes
    signer_subject: str  # e.g. "CN=Nguyễn Văn A,O=UBND phường … (DEMO),C=VN"
    signed_at: datetime  # aware


# --- the leader's key -------------------------------------------------------

def protect_key(private_key_pem: bytes, certificate_pem: bytes, chain_pem: list[bytes], pin: str) -> bytes:
    """Bundle key, certificate and chain as PKCS#12 encrypted under ``pin``.

    PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) with an HMAC-SHA256 MAC, rather
    than the legacy 3DES/RC2 that many tools still default to.
    """
    if not pin:
        raise ValueError("Mã PIN không được để trống.")
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    certificate = x509.load_pem_x509_certificate(certificate_pem)
    if _public_der(key.public_key()) != _public_der(certificate.public_key()):
        raise ValueError("Khoá bí mật không khớp với chứng thư số.")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(PIN_KDF_ROUNDS)
        .key_cert_algorithm(p12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(pin.encode("utf-8"))
    )
    chain = [x509.load_pem_x509_certificate(pem) for pem in chain_pem]
    return p12.serialize_key_and_certificates(b"leader", key, certificate, chain or None, encryption)


def certificate_of(pkcs12: bytes, pin: str) -> bytes:
    """The leader's certificate (PEM) from a bundle; WrongPin if ``pin`` is wrong."""
    _, certificate, _ = _unlock(pkcs12, pin)
    return certificate.public_bytes(serialization.Encoding.PEM)


def _unlock(pkcs12_bundle: bytes, pin: str):
    try:
        key, certificate, chain = p12.load_key_and_certificates(pkcs12_bundle, pin.encode("utf-8"))
    except (ValueError, TypeError):
        # cryptography cannot tell a wrong PIN from a damaged bundle either.
        raise WrongPin() from None
    if key is None or certificate is None:
        raise ValueError("Tệp khoá không chứa khoá bí mật và chứng thư số.")
    return key, certificate, chain


def _public_der(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _simple_signer(pkcs12_bundle: bytes, pin: str) -> signers.SimpleSigner:
    key, certificate, chain = _unlock(pkcs12_bundle, pin)
    der = serialization.Encoding.DER
    return _OpenedKeySigner(
        key,
        signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(c.public_bytes(der)) for c in chain]
        ),
    )


class _OpenedKeySigner(signers.SimpleSigner):
    """pyHanko's signer, signing RSA with the key already opened from the bundle: its own ``sign_raw``
    parses and checks the key again at every call, twice a signature, a fifth of the signature's time."""

    def __init__(self, key, **kwargs) -> None:
        super().__init__(**kwargs)
        self.opened_key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)["algorithm"].native
        if mechanism != f"{digest_algorithm}_rsa" or not isinstance(self.opened_key, rsa.RSAPrivateKey):
            return super().sign_raw(data, digest_algorithm)
        return self.opened_key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


# --- signing ----------------------------------------------------------------

def sign_pdf(
    pdf: bytes,
    pkcs12: bytes,
    pin: str,
    *,
    signer_name: str,
    signer_title: str,
    signed_at: datetime,
    reason: str = "Ký thư xin lỗi",
    location: str = "",
    stamp_box: tuple[int, int, int, int] | None = None,
) -> bytes:
    """Sign ``pdf`` (PAdES B-B, incremental update) with a visible stamp.

    The stamp goes on the last page, in ``stamp_box`` (x1, y1, x2, y2 in PDF
    points from the bottom-left) or by default the bottom-right corner.  It
    shows name, title and time in the instance's zone, in an embedded TrueType font so
    that the diacritics survive.  ``signed_at`` (aware) is also the claimed
    signing time (/M) that ``verify_signed_letter`` checks.  Raises WrongPin.
    """
    if signed_at.tzinfo is None:
        raise ValueError("signed_at must be timezone-aware")
    signer = _simple_signer(pkcs12, pin)
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD, md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason, location=location or None, name=signer_name,
        ),
        signer,
        stamp_style=_stamp_style(),
        new_field_spec=fields.SigFieldSpec(
            sig_field_name=SIGNATURE_FIELD, on_page=-1, box=stamp_box or _bottom_right(writer),
        ),
    )
    text = {"name": signer_name, "title": signer_title, "time": _local_time(signed_at)}
    return asyncio.run(_sign_at(pdf_signer, writer, signed_at, text))


async def _sign_at(pdf_signer, writer, signed_at: datetime, text_params: dict) -> bytes:
    """PdfSigner.async_sign_pdf, step by step, only to set the signing time.

    The one-call API always signs at the machine's clock; the interrupted-signing
    steps let us use ``signed_at`` (the application's clock) for /M and stamp alike.
    """
    session = pdf_signer.init_signing_session(writer)
    session.system_time = signed_at
    validation_info = await session.perform_presign_validation(writer)
    reserved = await session.estimate_signature_container_size(validation_info, tight=False)
    tbs = session.prepare_tbs_document(
        validation_info=validation_info, bytes_reserved=reserved, appearance_text_params=text_params,
    )
    prepared, output = tbs.digest_tbs_document()
    signed = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=signed_at),
    )
    await signed.post_signature_processing(output)
    return output.getvalue()


def _stamp_style() -> TextStampStyle:
    return TextStampStyle(
        stamp_text="Ký số bởi: %(name)s\nChức vụ: %(title)s\nThời gian ký: %(time)s",
        text_box_style=TextBoxStyle(font=_Em1000FontFactory(STAMP_FONT, font_size=STAMP_FONT_SIZE),
                                    font_size=STAMP_FONT_SIZE),
        border_width=1,
    )


class _Em1000FontFactory(GlyphAccumulatorFactory):
    """pyHanko's embedded-font factory, fed the font rescaled to 1000 units per em.

    pyHanko 0.31 writes glyph widths (/W) and kerning in font units, which PDF
    reads as thousandths of an em: right only for 1000-unit fonts.  Liberation
    has 2048, so as is every letter would trail a gap about its own width.
    """

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer=writer, font_handle=BytesIO(_em1000_font(self.font_file)),
                                font_size=self.font_size, obj_stream=obj_stream)


@functools.cache
def _em1000_font(path: str) -> bytes:
    font = TTFont(path)
    if "FFTM" in font:
        del font["FFTM"]  # FontForge's timestamp: pyHanko's subsetter would warn it drops it
    _keep_stamp_letters(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    data = BytesIO()
    font.save(data)
    return data.getvalue()


#: what a stamp can show: Latin with Vietnamese letters, combining marks and punctuation
STAMP_CHARACTERS = [*range(0x20, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00), *range(0x2000, 0x2070), 0x20AB]


def _keep_stamp_letters(font: TTFont) -> None:
    """Cut the font to the letters a stamp shows, once: pyHanko subsets the embedded font again at every
    signature, and on the whole of Liberation (2,600 glyphs) that took a third of a signature's time."""
    options = subset.Options()
    options.layout_features, options.name_IDs, options.notdef_outline = [], ["*"], True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=STAMP_CHARACTERS)
    subsetter.subset(font)


def _bottom_right(writer: IncrementalPdfFileWriter) -> tuple[int, int, int, int]:
    page_ref, _ = writer.find_page_for_modification(-1)
    x1, y1, x2, _ = (int(v) for v in page_ref.get_object()["/MediaBox"])
    return x2 - 300, y1 + 36, x2 - 36, y1 + 106


def _local_time(moment: datetime) -> str:
    """``15:30:00 ngày 05/03/2025 (GMT+7)``: in the instance's zone, with its offset for readers elsewhere."""
    local = clock.local(moment)
    return f"{local:%H:%M:%S ngày %d/%m/%Y} ({_gmt(local)})"


def _gmt(moment: datetime) -> str:
    """The offset as people write it on papers: ``GMT+7``, ``GMT+5:30``, ``GMT-3``."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


# --- verification -------------------------------------------------------------

def verify_signed_letter(
    signed: bytes,
    issued: bytes,
    *,
    allowed_signers_pem: list[bytes],
    trust_roots_pem: list[bytes],
    now: datetime,
) -> VerifiedSignature:
    """Accept ``signed`` only if it is ``issued`` signed by an allowed leader.

    Checks run from the file's shape to the signer's identity, so the reason
    given is the first thing wrong.  Raises SignatureRejected otherwise.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    reader = _open_pdf(signed)
    embedded = _only_signature(reader)
    signing_time = _signing_time(embedded)
    status = _validate(embedded, trust_roots_pem, signing_time)
    if not (status.intact and status.valid):
        raise _rejected("invalid_signature")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise _rejected("not_whole_file")
    _check_signed_revision_is_issued(reader, embedded, signed, issued)
    certificate = x509.load_der_x509_certificate(embedded.signer_cert.dump())
    if not _is_allowed(certificate, allowed_signers_pem):
        raise _rejected("wrong_signer")
    _check_validity_period(certificate, signing_time, now)
    if not status.trusted:
        raise _rejected("untrusted")
    return VerifiedSignature(
        signer_certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        signer_subject=certificate.subject.rfc4514_string(),
        signed_at=signing_time,
    )


def _rejected(code: str, reason: str | None = None) -> SignatureRejected:
    return SignatureRejected(code, reason or REASONS[code])


def _open_pdf(data: bytes) -> PdfFileReader:
    try:
        reader = PdfFileReader(BytesIO(data))
        reader.root  # noqa: B018 - force reading the catalog
        return reader
    except Exception:  # untrusted bytes: pyHanko raises many kinds of errors
        raise _rejected("not_pdf") from None


def _only_signature(reader: PdfFileReader):
    try:
        everything = reader.embedded_signatures
        regular = reader.embedded_regular_signatures
    except Exception:
        raise _rejected("invalid_signature") from None
    if len(everything) > 1:
        raise _rejected("several_signatures")
    if not regular:
        raise _rejected("no_signature")
    return regular[0]


def _signing_time(embedded) -> datetime:
    """Claimed signing time: CMS signing-time attribute, else /M (see module doc).

    A /M without a time zone is read in the instance's zone, where our signers are.
    """
    try:
        moment = embedded.self_reported_timestamp
    except Exception:
        moment = None
    if moment is None:
        raise _rejected("invalid_signature", "Chữ ký số không ghi thời điểm ký.")
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.LOCAL_TZ)


def _validate(embedded, trust_roots_pem: list[bytes], signing_time: datetime):
    """pyHanko's check of integrity, coverage and chain, offline, at signing time.

    The diff analysis is skipped: we demand that the signature cover the whole
    file, and review the signing revision ourselves against the issued letter.
    """
    context = ValidationContext(
        trust_roots=[_asn1_cert(pem) for pem in trust_roots_pem],
        allow_fetching=False, revocation_mode="soft-fail", moment=signing_time,
    )
    # Accept either usage: Vietnamese token certificates carry one or both.
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
    try:
        return validate_pdf_signature(embedded, context, key_usage_settings=usage, skip_diff=True)
    except Exception:
        raise _rejected("invalid_signature") from None


def _check_signed_revision_is_issued(reader: PdfFileReader, embedded, signed: bytes, issued: bytes) -> None:
    """The signature's update must sit on the untouched issued letter, and add only the signature.

    A byte prefix is not enough: the update's trailer could point /Prev at a
    forged cross-reference section, so the signed file must resolve the issued
    revisions at the same offsets, and the signing update itself may only add
    a signature (see ``_only_signature_added``).
    """
    if not issued or not signed.startswith(issued):
        raise _rejected("altered_letter")
    try:
        issued_xrefs = PdfFileReader(BytesIO(issued)).xrefs
    except Exception as error:
        raise ValueError("issued is not a readable PDF") from error
    try:
        base = issued_xrefs.total_revisions
        same = embedded.signed_revision == base and all(
            reader.xrefs.get_startxref_for_revision(r) == issued_xrefs.get_startxref_for_revision(r)
            for r in range(base)
        ) and _only_signature_added(reader, base - 1)
    except Exception:
        same = False
    if not same:
        raise _rejected("altered_letter")


# Objects of the issued letter that a signing update may rewrite, and the keys
# that may change: the catalog gains the form (and extension / metadata
# markers), a page gains the signature widget in /Annots, an existing form
# gains the field.  pyHanko's own diff policy cannot review this update: it
# assumes the base revision already has an /AcroForm, and our letters have none.
_MAY_CHANGE = {"/Catalog": ROOT_EXEMPT_STRICT_COMPARISON, "/Page": frozenset({"/Annots"})}
_FORM_MAY_CHANGE = frozenset({"/Fields", "/SigFlags", "/DR", "/DA"})


def _only_signature_added(reader: PdfFileReader, base: int) -> bool:
    """True if revision ``base + 1`` adds a signature and changes nothing visible.

    New objects are fine: they can only be reached through the rewritten ones
    checked here.  The signature's own appearance is the signer's to draw, as in
    any PDF signature.
    """
    old, new = reader.get_historical_resolver(base), reader.get_historical_resolver(base + 1)
    if new.refs_freed_in_revision():
        return False
    info = old.trailer_view.raw_get("/Info") if "/Info" in old.trailer_view else None
    return all(
        reader.xrefs.get_historical_ref(ref, base) is None  # a new object
        or (info is not None and ref == info.reference)  # document info is not shown
        or _harmless_rewrite(old(ref), new(ref))
        for ref in new.explicit_refs_in_revision()
    )


def _harmless_rewrite(before, after) -> bool:
    if before == after:
        return True
    if isinstance(before, generic.StreamObject):
        return before.get("/Type") == after.get("/Type") == "/Metadata"  # XMP, not shown
    if isinstance(before, generic.ArrayObject):  # an indirect /Annots or /Fields array
        return _only_signatures_appended(before, after)
    if not (isinstance(before, generic.DictionaryObject) and isinstance(after, generic.DictionaryObject)):
        return False
    changed = {k for k in before.keys() | after.keys() if k not in before or k not in after
               or before.raw_get(k) != after.raw_get(k)}
    allowed = _MAY_CHANGE.get(before.get("/Type"), _FORM_MAY_CHANGE if "/Fields" in before else frozenset())
    if not changed <= allowed:
        return False
    if "/AcroForm" in changed and "/XFA" in after["/AcroForm"]:
        return False  # XFA would let a viewer show other content than the page
    return all(_only_signatures_appended(before.get(key, []), after[key])
               for key in changed & {"/Annots", "/Fields"})


def _only_signatures_appended(before, after) -> bool:
    before, after = list(before), list(after)
    return all(item in after for item in before) and all(
        _is_signature_field(item.get_object()) for item in after if item not in before
    )


def _is_signature_field(obj) -> bool:
    parent = obj.get("/Parent")
    return obj.get("/FT") == "/Sig" or (parent is not None and parent.get("/FT") == "/Sig")


def _is_allowed(certificate: x509.Certificate, allowed_signers_pem: list[bytes]) -> bool:
    der = certificate.public_bytes(serialization.Encoding.DER)
    return any(
        x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER) == der
        for pem in allowed_signers_pem
    )


def _check_validity_period(certificate: x509.Certificate, signing_time: datetime, now: datetime) -> None:
    if signing_time > now + CLOCK_TOLERANCE:
        raise _rejected("signed_in_future")
    if signing_time < certificate.not_valid_before_utc:
        raise _rejected("certificate_not_yet_valid")
    if signing_time > certificate.not_valid_after_utc:
        raise _rejected("certificate_expired")


def _asn1_cert(pem: bytes) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER))
