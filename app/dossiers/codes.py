"""Dossier codes: ``<agency code>-<YYMMDD>-<NNNN>`` (e.g. ``000.00.12.H29-260115-0042``),
and the register entries printed on form 01.

Pure functions; the sequence number itself comes from the database
(``DossierSequence``) so that it never repeats across processes.

The register (form 06, "Sổ theo dõi hồ sơ") of a receiving unit is kept one book a
year: the book is named by its year ("Quyển số: 2026") and a dossier's entry is its
rank among the dossiers the unit received that year, in order of reception ("Số thứ
tự: 128"); the receipt's own number ("Số: 128/TNHS") is that entry.
"""
from __future__ import annotations

import re
from datetime import date

AGENCY_CODE = re.compile(r"^[A-Z0-9]{1,6}(\.[A-Z0-9]{1,6}){1,5}$")
DOSSIER_CODE = re.compile(r"^(?P<agency>[A-Z0-9.]+)-(?P<day>\d{6})-(?P<number>\d{4,})$")


def is_valid_agency_code(code: str) -> bool:
    """Agency identifiers look like ``000.00.12.H29`` or ``H15.50.05.13``."""
    return bool(AGENCY_CODE.match(code or ""))


def format_code(agency_code: str, day: date, number: int) -> str:
    """The dossier code; the number has at least four digits."""
    if number < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{agency_code}-{day:%y%m%d}-{number:04d}"


def parse_code(code: str) -> tuple[str, date, int] | None:
    """(agency code, day, number) of a well-formed code, else None."""
    match = DOSSIER_CODE.match(code or "")
    if not match:
        return None
    digits = match.group("day")
    try:
        day = date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
    except ValueError:
        return None
    return match.group("agency"), day, int(match.group("number"))


#: the suffix of a receipt's number: "tiếp nhận hồ sơ"
RECEIPT_SUFFIX = "TNHS"


def register_book(year: int) -> str:
    """The register book a dossier received in ``year`` is entered in."""
    return str(year)


def receipt_number(entry: int) -> str:
    """The number of form 01 ("Số: …") of the dossier at ``entry`` of its unit's book."""
    if entry < 1:
        raise ValueError("register entries start at 1")
    return f"{entry}/{RECEIPT_SUFFIX}"
