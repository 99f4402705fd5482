"""Barcode (Code 128) and QR code of a dossier, as inline SVG.

Both are drawn as vectors inside the PDF, so they stay sharp at any printer
resolution.  Sizes are chosen for scanning from a 200 dpi raster: measured
with ``pdftoppm -r 200`` and ``zbarimg``, Code 128 modules of 0.15 mm never
decode, 0.18 mm sometimes, 0.2 mm and up always.  Bars are 0.3 mm (2.4 px)
wide, a safe margin for worn printers and counter scanners; a dossier code
then takes ~92 mm, which fits beside the QR code on an A5 page.
"""
from __future__ import annotations

import io
from urllib.parse import quote, urlencode

import barcode
import segno
from barcode.writer import SVGWriter

#: Code 128 bar width and height, and quiet zone either side, in mm.
MODULE_MM = 0.3
BAR_HEIGHT_MM = 8.0
QUIET_ZONE_MM = 3.0
#: A fixed QR mask pattern.  Any mask is valid; letting segno score all eight
#: costs ~4 ms of pure Python per form for no gain in a printed, vector QR.
MASK = 4


def lookup_url(base: str, code: str, secret: str) -> str:
    """The public lookup address printed as QR: ``<base>/tra-cuu/<code>?s=<secret>``."""
    return f"{base.rstrip('/')}/tra-cuu/{quote(code, safe='')}?{urlencode({'s': secret})}"


class _PathSVGWriter(SVGWriter):
    """python-barcode's SVG writer, drawing all the bars as a single ``<path>``.

    The stock writer emits one ``<rect>`` per bar (~80 for a dossier code),
    each of which WeasyPrint parses and paints separately; one path in a
    millimetre ``viewBox`` prints the same and costs a fraction of that.
    """

    def _init(self, code: list[str]) -> None:
        super()._init(code)
        width, height = self.calculate_size(len(code[0]), 1)
        self._root.setAttribute("viewBox", f"0 0 {width:.3f} {height:.3f}")
        self._root.setAttribute("class", "barcode")
        self._bars: list[str] = []

    def _create_module(self, xpos, ypos, width, color) -> None:
        if color != self.background:
            self._bars.append(f"M{xpos:.3f} {ypos:.3f}h{width:.3f}v{self.module_height:.3f}h{-width:.3f}z")

    def _finish(self) -> bytes:
        path = self._document.createElement("path")
        path.setAttribute("d", "".join(self._bars))
        path.setAttribute("fill", self.foreground)
        self._group.appendChild(path)
        return self._document.documentElement.toxml(encoding="UTF-8")


def barcode_svg(code: str) -> str:
    """Code 128 of ``code`` as an ``<svg>`` element, 0.3 mm per module.

    The text line under the bars is left out: the form prints the code in
    its own font next to the barcode, where ``pdftotext`` and people read it.
    """
    out = io.BytesIO()
    barcode.get("code128", code, writer=_PathSVGWriter()).write(out, options={
        "module_width": MODULE_MM, "module_height": BAR_HEIGHT_MM, "quiet_zone": QUIET_ZONE_MM,
        "write_text": False, "margin_top": 0, "margin_bottom": 0, "background": None,
    })
    return out.getvalue().decode("utf-8")


def qr_svg(data: str) -> str:
    """QR code of ``data`` as an ``<svg>`` element sized by CSS (viewBox only)."""
    out = io.BytesIO()
    segno.make_qr(data, error="m", mask=MASK).save(
        out, kind="svg", border=4, xmldecl=False, svgns=True, omitsize=True, svgclass="qr")
    return out.getvalue().decode("utf-8")
