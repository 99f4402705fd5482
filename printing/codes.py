"""Barcode (Code 128) and QR code of a dossier, as small inline PNG images.

Sizes are chosen for scanning from a 150–300 dpi raster: measured with
``pdftoppm`` and ``zbarimg``, Code 128 modules of 0.15 mm never decode at
200 dpi, 0.18 mm sometimes, 0.2 mm and up always.  Bars are 0.3 mm (2.4 px
at 200 dpi) wide, a safe margin for worn printers and counter scanners; a
dossier code then takes ~92 mm, which fits beside the QR code on an A5 page.

Why images and not SVG: WeasyPrint parses and draws SVG paths in pure
Python, number by number, which cost ~15 % of a whole receipt; a small PNG
is decoded and compressed again by Pillow, in C.  Each module is drawn
several pixels wide (``BAR_PIXELS``, ``QR_PIXELS``) and printed without
smoothing (``image-rendering: pixelated`` in forms.css): one pixel per module
decodes badly once a rasteriser scales it by a non-integer factor (poppler
smooths up-scaling below 4×), a few pixels per module let it down-scale
instead, which behaves like the anti-aliased edges of a vector.  The images
reach WeasyPrint as ``data:`` URIs made here, never from any text of the
dossier.
"""
from __future__ import annotations

import base64
import functools
import io
from urllib.parse import quote, urlencode

import barcode
import segno
from PIL import Image

#: Code 128 bar width and height, and quiet zone either side (in modules: 3 mm).
MODULE_MM = 0.3
BAR_HEIGHT_MM = 8.0
QUIET_MODULES = 10
#: Image pixels per module.  Measured over 32 codes: bars of 1 px fail at
#: 150 dpi now and then, 2 px at 120–150 dpi, 4 px always decode from 150 dpi
#: up (and at 120 dpi all but one, as the SVG vectors did); QR modules of 1 px
#: fail below 300 dpi, 3 px always decode from 120 dpi up.
BAR_PIXELS = 4
QR_PIXELS = 3
#: The QR quiet zone the standard asks for, in modules.
QR_BORDER = 4
#: A fixed QR mask pattern.  Any mask is valid; letting segno score all eight
#: costs ~4 ms of pure Python per form for no gain in a printed QR.
MASK = 4
#: The symbols of this many codes and URLs are kept: a dossier's forms (the
#: receipt in two copies, the control slip, the fee receipt…) all carry the
#: same two, and making a QR code is ~1 ms of pure Python.
CACHED_SYMBOLS = 256
#: Module values (python-barcode's "0"/"1" characters, segno's 0/1 bytes) to
#: grey levels: dark modules black, light ones white.
_MODULE_SHADES = bytes.maketrans(b"01\x00\x01", b"\xff\x00\xff\x00")


def lookup_url(base: str, code: str, secret: str) -> str:
    """The public lookup address printed as QR: ``<base>/tra-cuu/<code>?s=<secret>``."""
    return f"{base.rstrip('/')}/tra-cuu/{quote(code, safe='')}?{urlencode({'s': secret})}"


@functools.lru_cache(maxsize=CACHED_SYMBOLS)
def barcode_img(code: str) -> str:
    """Code 128 of ``code`` as an ``<img>``: one row of pixels, stretched to the bar height.

    The text line under the bars is left out: the form prints the code in its
    own font next to the barcode, where ``pdftotext`` and people read it.
    """
    quiet = "0" * QUIET_MODULES
    modules = quiet + barcode.get("code128", code).build()[0] + quiet
    row = modules.encode("ascii").translate(_MODULE_SHADES)
    return (f'<img class="barcode" alt="" src="{_png_uri([row], BAR_PIXELS, 1)}" '
            f'style="width:{len(modules) * MODULE_MM:.2f}mm;height:{BAR_HEIGHT_MM:g}mm"/>')


@functools.lru_cache(maxsize=CACHED_SYMBOLS)
def qr_img(data: str) -> str:
    """QR code of ``data`` as an ``<img>`` sized by CSS."""
    matrix = segno.make_qr(data, error="m", mask=MASK).matrix
    quiet, side = bytes(len(matrix) + 2 * QR_BORDER), bytes(QR_BORDER)
    rows = [quiet] * QR_BORDER + [side + row + side for row in matrix] + [quiet] * QR_BORDER
    rows = [row.translate(_MODULE_SHADES) for row in rows]
    return f'<img class="qr" alt="" src="{_png_uri(rows, QR_PIXELS, QR_PIXELS)}"/>'


def _png_uri(rows: list[bytes], x_scale: int, y_scale: int) -> str:
    """Rows of one pixel per module, scaled up, as a greyscale PNG ``data:`` URI.

    Greyscale ("L"), because WeasyPrint converts bilevel and palette images
    to RGB before embedding them.
    """
    image = Image.frombytes("L", (len(rows[0]), len(rows)), b"".join(rows))
    image = image.resize((image.width * x_scale, image.height * y_scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
