"""Files for upload tests, made in the tests themselves: good ones and hostile ones.

Every builder returns bytes; none reads a fixture from disk, so what each hostile
file holds is written out here.
"""
from __future__ import annotations

import io
import struct
import zlib

import pikepdf
from PIL import Image

#: the start of a Windows program (an "MZ" header), to be named .pdf
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
#: a web page, to be named .png
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def pdf(pages: int = 1, edit=None) -> bytes:
    """A plain PDF of ``pages`` blank A4 pages; ``edit(pdf)`` may add to it before it is saved."""
    document = pikepdf.new()
    for _ in range(pages):
        document.add_blank_page(page_size=(595, 842))
    if edit is not None:
        edit(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    """Runs a script when opened (OpenAction)."""
    return pdf(edit=lambda d: setattr(d.Root, "OpenAction", pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x');"))))


def pdf_with_script_in_names() -> bytes:
    """A document-level script in the names tree, in an indirect object."""
    def edit(document):
        action = document.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("1")))
        document.Root.Names = pikepdf.Dictionary(
            JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), action])))
    return pdf(edit=edit)


def pdf_with_launch_annotation() -> bytes:
    """A link on the page that launches a program."""
    def edit(document):
        link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                                  Rect=pikepdf.Array([0, 0, 100, 100]),
                                  A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe")))
        document.pages[0].Annots = document.make_indirect(pikepdf.Array([link]))
    return pdf(edit=edit)


def pdf_with_attachment() -> bytes:
    """Carries another file inside (EmbeddedFiles)."""
    def edit(document):
        spec = pikepdf.AttachedFileSpec(document, b"MZ...", filename="virus.exe")
        document.attachments["virus.exe"] = spec
    return pdf(edit=edit)


def encrypted_pdf(user_password: str = "") -> bytes:
    """Encrypted (opens without a password when ``user_password`` is empty)."""
    document = pikepdf.new()
    document.add_blank_page()
    out = io.BytesIO()
    document.save(out, encryption=pikepdf.Encryption(owner="chu-so-huu", user=user_password))
    return out.getvalue()


def png(size=(40, 30), color=(200, 30, 30), text_chunk: str | None = None) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    options = {}
    if text_chunk is not None:
        from PIL.PngImagePlugin import PngInfo
        info = PngInfo()
        info.add_text("Comment", text_chunk)
        options["pnginfo"] = info
    image.save(out, "PNG", **options)
    return out.getvalue()


def jpeg(size=(40, 30), color=(20, 120, 200), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=80, **({"exif": exif} if exif else {}))
    return out.getvalue()


def gps_exif() -> bytes:
    """EXIF holding a camera model and a GPS position (what a phone writes)."""
    exif = Image.Exif()
    exif[0x0110] = "Điện thoại của công dân"  # Model
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 42.0)}  # GPSInfo
    return exif.tobytes()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG claiming ``width`` × ``height`` pixels in a few kilobytes (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * (1 << 20), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
