"""Uploaded files checked before anything is kept: what may enter a dossier.

Pure (no Flask, no database), so that the public portal, the API and the
counter check files the same way, and the checks are tested on bytes alone.

Why each rule:

- The type is read from the content (its first bytes), never from the name or
  the declared Content-Type, which the sender chooses: a program named
  ``.pdf`` or a web page named ``.png`` is a 415.
- Only what a clerk can open safely is kept. A PDF is parsed (pikepdf/qpdf)
  and refused when it holds anything that acts when opened: scripts, launch
  or submit actions, embedded files, rich media, XFA forms, encryption (which
  hides the rest from this check). Its bytes are kept unchanged otherwise, so
  that a digitally signed result stays valid. An image is decoded and
  written again (Pillow): nothing but pixels survives, no metadata (a phone's
  GPS position), no trailing payload; its pixel count is checked from the
  header before decoding, so a small file claiming a huge picture (a
  decompression bomb) is refused without using the memory it asks for.
- The name is only a label: any folder part, markup and control character
  is dropped, it is NFC like every text of the product, and it ends with the
  extension of the type found.
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Callable

import pikepdf
from PIL import Image, ImageOps

from app.core.formats import format_size
from app.core.errors import AppError, Invalid, TooLarge, UnsupportedType
from app.dossiers.searchtext import has_markup

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
#: the first bytes of each type accepted
SIGNATURES = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
EXTENSIONS = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg"), PNG: (".png",)}
#: the most pixels an image may have (40 MP: a full A3 page scanned at 600 dpi is 35 MP)
MAX_PIXELS = 40_000_000
MAX_NAME = 255
JPEG_QUALITY = 90
#: names (as keys or as values) that make a PDF act when opened, or carry other files
ACTIVE_PDF_NAMES = frozenset({
    "/JavaScript", "/JS", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR",
    "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/FileAttachment", "/RichMedia", "/XFA",
    "/Movie", "/Sound", "/Rendition",
})
_TAG = re.compile(r"<[^>]*>")
_UNSAFE_CHARACTERS = re.compile(r'[<>"\'`&:*?|;$%{}\\/]')
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Upload:
    """A file as it came in: the client's name (never trusted) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A file that may be kept: a clean name, its type found from the content, the bytes to store."""

    name: str
    content_type: str
    data: bytes
    sha256: str
    size: int


class _Refused(Exception):
    """One file's problem: the error class to answer with and the sentence for the citizen."""

    def __init__(self, error: type[AppError], message: str):
        super().__init__(message)
        self.error, self.message = error, message


def check_files(uploads: list[Upload], max_file_bytes: int, max_total_bytes: int,
                field: str = "files") -> list[CheckedFile]:
    """Every upload checked and made safe, or an error naming each file at fault
    (``{"field": "files[1]", "message": …}``); nothing partial is returned.

    The answer's status is that of the first problem found: 413 too large, 415
    not a PDF, JPEG or PNG, 422 empty, damaged, active or a decompression bomb.
    """
    _check_total(uploads, max_total_bytes, field)
    checked, problems = [], []
    for index, upload in enumerate(uploads):
        try:
            checked.append(check_file(upload, max_file_bytes))
        except _Refused as refused:
            problems.append((refused, f"{field}[{index}]"))
    if problems:
        raise _answer(problems)
    return checked


def check_file(upload: Upload, max_file_bytes: int) -> CheckedFile:
    """One upload checked (see :func:`check_files`); raises :class:`_Refused`."""
    label = display_label(upload.name)
    if has_markup(upload.name):
        raise _Refused(Invalid, f"Tên tệp {label} chứa thẻ HTML (ký tự < … >): hãy đổi tên tệp rồi gửi lại.")
    if not upload.data:
        raise _Refused(Invalid, f"Tệp {label} rỗng (0 byte).")
    if len(upload.data) > max_file_bytes:
        raise _Refused(TooLarge, f"Tệp {label} vượt quá {format_size(max_file_bytes)} cho mỗi tệp.")
    content_type = sniff(upload.data)
    if content_type is None:
        raise _Refused(UnsupportedType, f"Tệp {label} không phải PDF, JPEG hay PNG (xét theo nội dung tệp).")
    data = _MAKE_SAFE[content_type](upload.data, label)
    return CheckedFile(clean_name(upload.name, content_type), content_type, data,
                       hashlib.sha256(data).hexdigest(), len(data))


def _check_total(uploads: list[Upload], max_total_bytes: int, field: str) -> None:
    total = sum(len(upload.data) for upload in uploads)
    if total > max_total_bytes:
        raise TooLarge("Tổng dung lượng các tệp vượt quá giới hạn.", [{
            "field": field, "message": f"Tổng dung lượng các tệp tối đa {format_size(max_total_bytes)}."}])


def _answer(problems: list[tuple[_Refused, str]]) -> AppError:
    first = problems[0][0]
    errors = [{"field": name, "message": refused.message} for refused, name in problems]
    return first.error("Có tệp không được chấp nhận: " + first.message, errors)


def sniff(data: bytes) -> str | None:
    """The type the content says it is (PDF, JPEG or PNG), or None."""
    return next((content_type for signature, content_type in SIGNATURES if data.startswith(signature)), None)


# --------------------------------------------------------------------------- PDF


def safe_pdf(data: bytes, label: str) -> bytes:
    """The PDF unchanged, once it is known to open and to hold nothing active."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            _check_pdf(pdf, label)
    except pikepdf.PasswordError:
        raise _Refused(Invalid, f"Tệp {label} được đặt mật khẩu; hãy gửi bản không mã hóa.") from None
    except pikepdf.PdfError:
        raise _Refused(Invalid, f"Tệp {label} bị hỏng, không mở được như một tệp PDF.") from None
    return data


def _check_pdf(pdf: pikepdf.Pdf, label: str) -> None:
    if pdf.is_encrypted:
        raise _Refused(Invalid, f"Tệp {label} được mã hóa; hãy gửi bản không mã hóa.")
    if len(pdf.pages) == 0:
        raise _Refused(Invalid, f"Tệp {label} không có trang nào.")
    found = next((name for obj in pdf.objects for name in _active_names(obj)), None)
    if found is not None:
        raise _Refused(Invalid, f"Tệp {label} chứa nội dung tự chạy hoặc tệp đính kèm ({found[1:]}), "
                                "không được chấp nhận; hãy in ra PDF thường hoặc quét lại.")


def _active_names(obj) -> list[str]:
    """The active names in ``obj`` and its direct parts (other indirect objects are visited on
    their own, so a loop of references is never followed)."""
    found, pending = [], [obj]
    while pending:
        item = pending.pop()
        if isinstance(item, pikepdf.Name):
            found.extend([str(item)] if str(item) in ACTIVE_PDF_NAMES else [])
        elif isinstance(item, (pikepdf.Dictionary, pikepdf.Stream)):
            found.extend(key for key in item.keys() if key in ACTIVE_PDF_NAMES)
            pending.extend(_direct(item.values()))
        elif isinstance(item, pikepdf.Array):
            pending.extend(_direct(item))
    return found


def _direct(items) -> list:
    return [item for item in items if isinstance(item, pikepdf.Object) and not item.is_indirect]


# --------------------------------------------------------------------------- images


def safe_image(data: bytes, label: str) -> bytes:
    """The image decoded and encoded again: the same pixels, upright, without metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _reencode(data, label)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(label) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _Refused(Invalid, f"Tệp {label} bị hỏng, không đọc được như một ảnh.") from None


def _reencode(data: bytes, label: str) -> bytes:
    with Image.open(io.BytesIO(data), formats=("JPEG", "PNG")) as image:
        _check_pixels(image, label)
        image.load()
        upright = ImageOps.exif_transpose(image)
        return _encode(upright, image.format, image.info.get("icc_profile"))


def _check_pixels(image: Image.Image, label: str) -> None:
    """From the header alone, before any pixel is decoded (Pillow's own, larger limit may
    already have stopped it at ``Image.open``)."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(label)


def _too_many_pixels(label: str) -> _Refused:
    return _Refused(Invalid, f"Tệp {label} có kích thước ảnh quá lớn "
                             f"(tối đa {MAX_PIXELS // 1_000_000} triệu điểm ảnh).")


def _encode(image: Image.Image, image_format: str, icc_profile: bytes | None) -> bytes:
    """Only the pixels (and the colour profile, and a palette's transparency) are written."""
    keep = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    image.info = keep
    options = {"icc_profile": icc_profile} if icc_profile else {}
    out = io.BytesIO()
    if image_format == "JPEG":
        image = image if image.mode in ("L", "RGB") else image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY, **options)
    else:
        image.save(out, "PNG", optimize=True, **options)
    return out.getvalue()


_MAKE_SAFE: dict[str, Callable[[bytes, str], bytes]] = {PDF: safe_pdf, JPEG: safe_image, PNG: safe_image}


# --------------------------------------------------------------------------- names


def clean_name(name: str, content_type: str) -> str:
    """A name safe to show and to offer as a download: no folders, markup or control characters,
    NFC, at most 255 characters, ending with the extension of ``content_type``."""
    text = _bare_name(name)
    extensions = EXTENSIONS[content_type]
    stem, dot, extension = text.rpartition(".")
    if dot and stem and f".{extension.lower()}" in extensions:
        text, suffix = stem, f".{extension.lower()}"
    else:
        suffix = extensions[0]
    stem = text.strip(" .") or "tep"
    return stem[:MAX_NAME - len(suffix)].rstrip(" .") + suffix


def _bare_name(name: str) -> str:
    text = unicodedata.normalize("NFC", str(name or ""))
    text = _TAG.sub("", text)
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(character for character in text if unicodedata.category(character)[0] != "C")
    text = _UNSAFE_CHARACTERS.sub("", text)
    return _SPACES.sub(" ", text).strip(" .")


def display_label(name: str) -> str:
    """How a file is named in a message: its clean name, quoted."""
    bare = _bare_name(name)[:80]
    return f"«{bare}»" if bare else "không tên"
