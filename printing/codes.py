"""Barcode (Code 128) and QR code of a dossier, as inline SVG.

Both are drawn as vectors inside the PDF, so they stay sharp at any printer
resolution.  Sizes are chosen for scanning from a 200 dpi raster: measured
with ``pdftoppm -r 200`` and ``zbarimg``, Code 128 modules of 0.15 mm never
decode, 0.18 mm sometimes, 0.2 mm and up always.  Bars are 0.3 mm (2.4 px)
wide, a safe margin for worn printers and counter scanners; a dossier code
then takes ~92 mm, which fits beside the QR code on an A5 page.
"""
from __future__ import annotations

import functools
import io
import re
from urllib.parse import quote, urlencode

import barcode
import segno

#: Code 128 bar width and height, and quiet zone either side, in mm.
MODULE_MM = 0.3
BAR_HEIGHT_MM = 8.0
QUIET_ZONE_MM = 3.0
#: A fixed QR mask pattern.  Any mask is valid; letting segno score all eight
#: costs ~4 ms of pure Python per form for no gain in a printed, vector QR.
MASK = 4
#: The symbols of this many codes and URLs are kept: a dossier's forms (the
#: receipt in two copies, the control slip, the fee receipt…) all carry the
#: same two, and making a QR code is ~1 ms of pure Python.
CACHED_SYMBOLS = 256


def lookup_url(base: str, code: str, secret: str) -> str:
    """The public lookup address printed as QR: ``<base>/tra-cuu/<code>?s=<secret>``."""
    return f"{base.rstrip('/')}/tra-cuu/{quote(code, safe='')}?{urlencode({'s': secret})}"


@functools.lru_cache(maxsize=CACHED_SYMBOLS)
def barcode_svg(code: str) -> str:
    """Code 128 of ``code`` as an ``<svg>`` element, 0.3 mm per module.

    All the bars are one filled ``<path>`` of short relative commands, four
    per bar (``M x 0h w v 8h -w``, the fill closing each): WeasyPrint parses
    SVG paths in Python, command by command and number by number.  The text
    line under the bars is left out: the form prints the code in its own font
    next to the barcode, where ``pdftotext`` and people read it.
    """
    modules = barcode.get("code128", code).build()[0]
    bars = "".join(_bar(QUIET_ZONE_MM + run.start() * MODULE_MM, len(run.group()) * MODULE_MM)
                   for run in re.finditer("1+", modules))
    size = len(modules) * MODULE_MM + 2 * QUIET_ZONE_MM
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" width="{size:.2f}mm" '
            f'height="{BAR_HEIGHT_MM:g}mm" viewBox="0 0 {size:.2f} {BAR_HEIGHT_MM:g}"><path d="{bars}"/></svg>')


def _bar(left: float, width: float) -> str:
    """One bar, in mm: from its top-left corner right, down, back left (the fill closes it)."""
    return f"M{left:.2f} 0h{width:.1f}v{BAR_HEIGHT_MM:g}h-{width:.1f}"


@functools.lru_cache(maxsize=CACHED_SYMBOLS)
def qr_svg(data: str) -> str:
    """QR code of ``data`` as an ``<svg>`` element sized by CSS (viewBox only)."""
    out = io.BytesIO()
    segno.make_qr(data, error="m", mask=MASK).save(
        out, kind="svg", border=4, xmldecl=False, svgns=True, omitsize=True, svgclass="qr")
    return out.getvalue().decode("utf-8")
