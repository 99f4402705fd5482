"""What may enter a dossier: app/dossiers/uploads.py on bytes alone (no database, no Flask)."""
from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from app.core.errors import Invalid, TooLarge, UnsupportedType
from app.dossiers.uploads import JPEG, PDF, PNG, Upload, check_files, clean_name
from tests.support import files

pytestmark = pytest.mark.unit

MB = 1024 * 1024


def check(*uploads: Upload, max_file: int = 10 * MB, max_total: int = 30 * MB):
    return check_files(list(uploads), max_file, max_total)


def refused(error: type, *uploads: Upload, **limits) -> dict[str, str]:
    with pytest.raises(error) as caught:
        check(*uploads, **limits)
    assert caught.value.detail
    return {item["field"]: item["message"] for item in caught.value.errors}


# --------------------------------------------------------------------------- recognised by content


@pytest.mark.parametrize("data, content_type", [
    (files.pdf(), PDF), (files.png(), PNG), (files.jpeg(), JPEG)])
def test_the_content_decides_the_type_not_the_name(data, content_type):
    (kept,) = check(Upload("giay-to.bin", data))
    assert kept.content_type == content_type
    assert kept.sha256 == hashlib.sha256(kept.data).hexdigest() and kept.size == len(kept.data)


def test_a_program_named_pdf_is_415_naming_the_file():
    errors = refused(UnsupportedType, Upload("to-khai.pdf", files.pdf()), Upload("hoa-don.pdf", files.EXE))
    assert list(errors) == ["files[1]"]
    assert "hoa-don.pdf" in errors["files[1]"] and "PDF, JPEG hay PNG" in errors["files[1]"]


def test_a_web_page_named_png_is_415():
    assert "files[0]" in refused(UnsupportedType, Upload("anh.png", files.HTML))


def test_an_empty_file_is_422():
    assert "rỗng" in refused(Invalid, Upload("trong.pdf", b""))["files[0]"]


def test_a_file_over_the_limit_is_413_and_so_are_files_over_the_total():
    big = files.pdf(pages=50)
    assert "files[0]" in refused(TooLarge, Upload("lon.pdf", big), max_file=len(big) - 1)
    errors = refused(TooLarge, Upload("a.pdf", big), Upload("b.pdf", big), max_total=2 * len(big) - 1)
    assert list(errors) == ["files"]


# --------------------------------------------------------------------------- PDFs: nothing active


def test_a_plain_pdf_is_kept_byte_for_byte():
    """Unchanged, so that a digitally signed result stays valid."""
    data = files.pdf(pages=2)
    (kept,) = check(Upload("ket-qua.pdf", data))
    assert kept.data == data


@pytest.mark.parametrize("build", [
    files.pdf_with_javascript, files.pdf_with_script_in_names, files.pdf_with_launch_annotation,
    files.pdf_with_attachment, files.encrypted_pdf, lambda: files.encrypted_pdf("mat-khau"),
], ids=["open-action-script", "names-tree-script", "launch-link", "embedded-file", "encrypted", "password"])
def test_an_active_or_encrypted_pdf_is_422(build):
    assert "files[0]" in refused(Invalid, Upload("don.pdf", build()))


def test_a_damaged_pdf_is_422():
    assert "hỏng" in refused(Invalid, Upload("hong.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50))["files[0]"]


# --------------------------------------------------------------------------- images: pixels only


@pytest.mark.parametrize("side", [100_000, 8_000], ids=["past-pillow-limit", "past-our-40-mp"])
def test_a_decompression_bomb_is_refused_from_its_header(side):
    bomb = files.png_bomb(side, side)
    assert len(bomb) < 10_000
    assert "quá lớn" in refused(Invalid, Upload("bom.png", bomb))["files[0]"]


def test_images_lose_their_metadata_and_keep_their_pixels():
    original = files.jpeg(size=(64, 48), exif=files.gps_exif())
    assert b"Exif" in original
    (kept,) = check(Upload("anh.jpg", original))
    with Image.open(io.BytesIO(kept.data)) as image:
        assert image.size == (64, 48) and image.format == "JPEG"
        assert not image.getexif()
    (kept_png,) = check(Upload("anh.png", files.png(text_chunk="bí mật")))
    with Image.open(io.BytesIO(kept_png.data)) as image:
        assert "Comment" not in image.info and image.getpixel((0, 0)) == (200, 30, 30)


def test_bytes_appended_to_an_image_do_not_survive():
    (kept,) = check(Upload("anh.png", files.png() + files.HTML))
    assert files.HTML not in kept.data


def test_a_truncated_image_is_422():
    assert "hỏng" in refused(Invalid, Upload("cat.jpg", files.jpeg(size=(300, 300))[:200]))["files[0]"]


# --------------------------------------------------------------------------- names


def test_a_file_name_with_markup_is_refused():
    assert "HTML" in refused(Invalid, Upload("<script>x</script>.pdf", files.pdf()))["files[0]"]


@pytest.mark.parametrize("given, content_type, shown", [
    ("<script>x</script>.pdf", PDF, "x.pdf"),
    ("../../etc/passwd.pdf", PDF, "passwd.pdf"),
    ("C:\\Users\\an\\Giấy khai sinh.PDF", PDF, "Giấy khai sinh.pdf"),
    ("anh.exe", PNG, "anh.exe.png"),
    ("ảnh.JPEG", JPEG, "ảnh.jpeg"),
    ("", PDF, "tep.pdf"),
    ("...", PNG, "tep.png"),
    ("a\x00b\r\nc.pdf", PDF, "abc.pdf"),
    ('"onload=alert(1)".png', PNG, "onload=alert(1).png"),
])
def test_names_are_cleaned(given, content_type, shown):
    assert clean_name(given, content_type) == shown


def test_names_are_nfc_and_at_most_255_characters():
    decomposed = "Gia\u0301y to\u031b\u0300 " * 40 + ".pdf"
    name = clean_name(decomposed, PDF)
    assert len(name) <= 255 and name.endswith(".pdf") and "Giáy tờ" in name
