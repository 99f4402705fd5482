"""Printed forms over HTTP: the PDF responses and the register's query string.

The web side of :mod:`app.dossiers.forms_print`, shared by the pages and the
API: they serve the same PDF, under the same download name, with the same
headers, and read the register's days the same way.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Mapping

from flask import Response
from marshmallow import ValidationError, fields, validate

from app.auth.models import Unit, User
from app.auth.services import field_errors
from app.core.api import QuerySchema
from app.core.errors import Invalid
from app.dossiers import forms_print
from app.dossiers.models import Dossier

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
_DATE_ERRORS = {"required": "Chọn ngày.", "invalid": "Ngày viết dạng YYYY-MM-DD."}
_IN_RANGE = validate.Range(FIRST_DAY, LAST_DAY, error="Ngày phải trong khoảng năm 1900 đến năm 2999.")


class PeriodSchema(QuerySchema):
    """``from`` and ``to``, both days included."""

    date_from = fields.Date(required=True, data_key="from", validate=_IN_RANGE,
                            metadata={"description": "Từ ngày (YYYY-MM-DD)."}, error_messages=_DATE_ERRORS)
    date_to = fields.Date(required=True, data_key="to", validate=_IN_RANGE,
                          metadata={"description": "Đến ngày (YYYY-MM-DD), tính cả ngày này."},
                          error_messages=_DATE_ERRORS)


def load_period(args: Mapping[str, str]) -> tuple[date, date]:
    """``from`` and ``to`` of a query string; 422 naming the one that is missing or wrong."""
    try:
        period = PeriodSchema().load({key: value for key, value in args.items() if value != ""})
    except ValidationError as error:
        messages = {key: " ".join(texts) for key, texts in error.messages.items()}
        raise Invalid("Khoảng thời gian chưa hợp lệ.", field_errors(messages)) from None
    return period["date_from"], period["date_to"]


def form_response(dossier: Dossier, form: str, officer: User | None) -> Response:
    return pdf_response(forms_print.form_pdf(dossier, form, officer), f"{dossier.code}-{form}")


def register_response(unit: Unit, date_from: date, date_to: date) -> Response:
    pdf = forms_print.register_pdf(unit, date_from, date_to)
    return pdf_response(pdf, f"{unit.code}-so-theo-doi-{date_from}-{date_to}")


def pdf_response(pdf: bytes, name: str) -> Response:
    """A PDF shown in the browser, saved as ``<name>.pdf``; never cached, it holds personal data."""
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{_UNSAFE_FILENAME.sub("_", name)}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
