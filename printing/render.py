"""From a form's dataclass to PDF bytes: Jinja → XHTML → WeasyPrint.

Everything that is costly to build – the Jinja environment and its compiled
templates, the parsed stylesheet and WeasyPrint's font configuration – is
built once per process, on first use, and shared by every render.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import logging
import re
import threading
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from xml.etree import ElementTree

import cssselect2
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup, escape
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from . import codes, formats, models, words
from .fetcher import STATIC_DIR, url_fetcher

LOGGER = logging.getLogger(__name__)
TEMPLATES_DIR = Path(__file__).parent / "templates"
STYLESHEETS = ("forms.css",)
#: added for a one-page form set tighter (see ``DENSITIES``)
TIGHTER = "tighter.css"

#: WeasyPrint's font machinery (Pango/fontconfig objects in the shared
#: FontConfiguration) is not documented as thread-safe.  Rendering is
#: CPU-bound Python holding the GIL anyway, so serialising renders inside a
#: process costs next to nothing and keeps threaded servers safe.
_RENDER_LOCK = threading.Lock()

#: C0 controls (other than tab and newlines), DEL, lone surrogates and the
#: non-characters U+FFFE/U+FFFF: they have no printable form, some break text
#: shaping, and all but DEL cannot be in XML, so they are dropped.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile("\r\n?|\n")
BASE_URL = STATIC_DIR.as_uri() + "/"


@dataclass(frozen=True)
class FormSpec:
    """A printable form: its key, number in Circular 01/2018, title, data class."""

    name: str
    number: str
    title: str
    model: type
    template: str
    #: printed on one page, set tighter when its content would run over (see ``DENSITIES``)
    one_page: bool = False


FORMS: Mapping[str, FormSpec] = MappingProxyType({spec.name: spec for spec in (
    FormSpec("receipt", "01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", models.Receipt, "receipt.html",
             one_page=True),
    FormSpec("supplement", "02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", models.Supplement,
             "supplement.html"),
    FormSpec("refusal", "03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ", models.Refusal, "refusal.html"),
    FormSpec("apology", "04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả", models.Apology, "apology.html"),
    FormSpec("control-slip", "05", "Phiếu kiểm soát quá trình giải quyết hồ sơ", models.ControlSlip,
             "control_slip.html"),
    FormSpec("register", "06", "Sổ theo dõi hồ sơ", models.Register, "register.html"),
    FormSpec("fee-receipt", "", "Biên lai thu phí, lệ phí", models.FeeReceipt, "fee_receipt.html"),
)})


#: the settings of forms.css a one-page form tries in turn until it fits (the body's classes):
#: as designed, then tighter lines and a smaller documents table, then a smaller type throughout
#: (twice).
#: A form that fits as designed is laid out once; one that fits no setting keeps the last.
DENSITIES = ("", "compact", "compact dense", "compact dense tight")


class _Engine:
    """The per-process state: Jinja environment, stylesheets, fonts."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, auto_reload=False,
            undefined=StrictUndefined, finalize=_printable, trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(
            date_time=_in_zone(formats.date_time), short_date=_in_zone(formats.short_date),
            long_date=_in_zone(formats.long_date), money=words.format_amount, in_words=words.amount_in_words,
            pad2=_pad2, lines=_lines)
        self.templates = {name: self.env.get_template(spec.template) for name, spec in FORMS.items()}
        self.font_config = FontConfiguration()
        self.stylesheets = [self._css(name) for name in STYLESHEETS]
        self.tighter = [*self.stylesheets, self._css(TIGHTER)]

    def _css(self, name: str) -> CSS:
        return CSS(filename=STATIC_DIR / name, url_fetcher=url_fetcher, font_config=self.font_config)


@functools.cache
def _engine() -> _Engine:
    return _Engine()


def render_html(form: str, data, zone: tzinfo | None = None, density: str = "") -> str:
    """The XHTML of ``form`` filled with ``data`` (the form's dataclass), times in ``zone``,
    set as ``density`` (one of ``DENSITIES``)."""
    spec = _spec(form, data)
    code = getattr(data, "dossier_code", "")
    return _engine().templates[spec.name].render(
        form=data, spec=spec, zone=zone, density=density, barcode=_symbol(codes.barcode_img, code),
        qr=_symbol(codes.qr_img, getattr(data, "lookup_url", "")))


def render_pdf(form: str, data, zone: tzinfo | None = None) -> bytes:
    """The PDF of ``form`` (a key of :data:`FORMS`) filled with ``data``.

    Aware datetimes print in ``zone`` (the application passes its own); without
    one, each in its own zone.  Raises ``KeyError`` for an unknown form and
    ``TypeError`` when ``data`` is not that form's dataclass; any text inside
    ``data`` prints.  A one-page form (form 01) is set tighter until it fits one page.
    """
    densities = DENSITIES if _spec(form, data).one_page else DENSITIES[:1]
    with _RENDER_LOCK, _gc_paused():
        for density in densities:
            document = _laid_out(_XHTML(render_html(form, data, zone, density)), tighter=bool(density))
            if len(document.pages) == 1:
                break
        return document.write_pdf()


def html_to_pdf(html: str) -> bytes:
    """Print any HTML with the forms' stylesheet, fonts and locked-down URL fetcher."""
    return _write_pdf(HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher))


class _XHTML(HTML):
    """A document of our own templates, parsed by expat rather than an HTML5 parser.

    WeasyPrint parses HTML with tinyhtml5, in pure Python: ~2.5 ms of a
    receipt, and the tree it builds made the rest ~1 ms slower still.  The
    templates write well-formed XHTML and every value in them is escaped with
    the characters XML cannot hold dropped (``_UNPRINTABLE``), so the C parser
    always reads them; a template that is not well-formed fails every test.
    WeasyPrint takes no parsed tree, so this sets the five attributes that
    ``HTML.__init__`` would set (the same in WeasyPrint 66 and 70) instead of
    calling it.
    """

    def __init__(self, markup: str) -> None:
        self.base_url = BASE_URL
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(
            ElementTree.fromstring(markup), content_language=None)
        self.etree_element = self.wrapper_element.etree_element


def _write_pdf(document: HTML) -> bytes:
    """Lay out and write ``document`` with the shared stylesheet and fonts, one render at a time."""
    with _RENDER_LOCK, _gc_paused():
        return _laid_out(document).write_pdf()


def _laid_out(document: HTML, tighter: bool = False) -> Document:
    """``document`` laid out in pages (where a one-page form learns whether it fits), with the
    tighter settings' stylesheet when it is set tighter.  Called holding the render lock, with
    the collector paused until the PDF is written (see ``_gc_paused``)."""
    engine = _engine()
    return document.render(engine.font_config, stylesheets=engine.tighter if tighter else engine.stylesheets)


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector during one render.

    A render allocates a great many long-lived objects (boxes, styles) and
    every full collection walks all of them: that made long documents
    superlinear (a 500-row register ~30 % slower).  Whatever cycles the
    render leaves behind are collected as usual once the collector is back.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _spec(form: str, data) -> FormSpec:
    try:
        spec = FORMS[form]
    except KeyError:
        raise KeyError(f"unknown form {form!r}; known: {', '.join(FORMS)}") from None
    if not isinstance(data, spec.model):
        raise TypeError(f"form {form!r} needs a {spec.model.__name__}, not {type(data).__name__}")
    return spec


def _symbol(make, content: str) -> Markup:
    """Our own ``<img>`` markup of ``content``, or nothing when it cannot be encoded.

    A code with characters outside Code 128, or a URL too long for a QR code,
    leaves the symbol out rather than failing the whole form; the code is
    still printed as text.
    """
    if not content:
        return Markup("")
    try:
        return Markup(make(content))
    except Exception:  # noqa: BLE001 - any encoder failure means "no symbol"
        LOGGER.warning("cannot encode %r as %s", content, make.__name__, exc_info=True)
        return Markup("")


def _in_zone(format_date):
    """A date filter that prints in the zone the form is rendered for (``render_html``'s ``zone``)."""
    return pass_context(lambda context, moment: format_date(moment, context["zone"]))


def _printable(value):
    """Jinja ``finalize``: None prints as nothing, unprintable characters are dropped.

    Line breaks become spaces: values print inside ``white-space: pre-line``
    blocks, where only the template's own newlines, and the ``lines`` filter,
    may start a new line.
    """
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _LINE_BREAK.sub(" ", _UNPRINTABLE.sub("", value))
    return value


def _lines(value):
    """Text whose line breaks print as such (reasons, apology): escaped, joined by ``<br/>``."""
    if value is None or value == "":
        return value
    return Markup("<br/>").join(escape(line) for line in _UNPRINTABLE.sub("", str(value)).splitlines())


def _pad2(value) -> str:
    """Small counts as administrative documents write them: ``01``, ``02``…"""
    if value is None:
        return ""
    return f"{value:02d}" if isinstance(value, int) and 0 <= value < 10 else str(value)
