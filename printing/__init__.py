"""Standard one-stop forms (Circular 01/2018/TT-VPCP) as PDF.

Plain data in, PDF bytes out; no Flask, no database::

    from printing import render_pdf, FORMS, models
    pdf = render_pdf("receipt", models.Receipt(issuer=models.Issuer("…"), …))

``FORMS`` maps each form key (``receipt``, ``supplement``, ``refusal``,
``apology``, ``control-slip``, ``register``, ``fee-receipt``) to its
:class:`~printing.render.FormSpec`: form number, title and the dataclass
``render_pdf`` expects (``FORMS[key].model``).
"""
from . import models
from .codes import lookup_url
from .render import FORMS, FormSpec, render_html, render_pdf
from .words import amount_in_words, format_amount

__all__ = ["FORMS", "FormSpec", "amount_in_words", "format_amount", "lookup_url", "models",
           "render_html", "render_pdf"]
