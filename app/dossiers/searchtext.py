"""Dossier search as clerks type: one folded text per dossier, matched by substrings.

A clerk types ``nguyen van hung`` for ``NGUYỄN VĂN HÙNG``, ``0002`` or
``261130-0002`` for ``000.00.12.H29-261130-0002``, ``+84 912 345 678`` for
``0912345678``, and a ``%`` or ``_`` means that character.  So each dossier keeps
``search_text``: its code, applicant name, identity number and phone digits,
*folded* (:func:`fold`: NFC, lower case, accents and the stroke of Đ removed,
spaces collapsed; phones reduced to digits, ``+84`` written ``0``), joined by
spaces.  The query is folded the same way and split at spaces; a dossier matches
when every word occurs in its ``search_text`` (``LIKE '%word%' ESCAPE '\\'``),
or, if the whole query looks like a phone number, when its digits do.

Why substrings of one column, and not tokens or full-text search:

* Partial codes and phones are infixes (``0002`` ends a code, ``345678`` ends a
  phone), which a token-prefix index does not find without storing every suffix.
* PostgreSQL indexes infix ``LIKE`` with a trigram GIN index (``pg_trgm``, part
  of Debian's ``postgresql`` package and a trusted extension, so the database
  owner may create it).  Words under three characters have no trigram; the
  index is then read whole, still not the table.
* SQLite has no trigram index (FTS5's trigram tokenizer keeps shadow tables the
  migrations and the schema comparison would have to special-case).  There the
  same column has a plain B-tree index, and search asks it for the matching ids
  only, so SQLite scans that narrow index instead of the dossiers' wide rows
  (which carry the engine state).  A centre on SQLite holds tens of thousands of
  dossiers, which such a scan reads in milliseconds; PostgreSQL is the database
  at scale.
* One column, one ``LIKE``, lower-case text on both sides: SQLite's
  ASCII-only case folding and PostgreSQL's case-sensitive ``LIKE`` cannot
  disagree, so both databases give the same results.

Pure functions: no database, no Flask.
"""
from __future__ import annotations

import re
import unicodedata

#: escapes LIKE's wildcards (and itself) so that what the clerk typed is literal
LIKE_ESCAPE = "\\"
_SPACES = re.compile(r"\s+")
#: an HTML tag, or what a browser would start one with
_MARKUP = re.compile(r"<\s*[/!?a-zA-Z][^>]*>?")
#: what a phone number typed by a person is made of
_PHONE_TYPED = re.compile(r"^\s*\+?[\d\s().-]*\d[\d\s().-]*$")
_NON_DIGITS = re.compile(r"\D")
#: a number after +84/0084 has at least this many digits (so that a typed ``0084``
#: alone, or the start of a code, is not turned into a bare ``0``)
_NATIONAL_DIGITS = 8


def has_markup(value: str | None) -> bool:
    """Whether ``value`` carries HTML markup: no person's name, address or document title does, so
    what the public sends with it is refused rather than kept (it is escaped wherever shown anyway)."""
    return bool(_MARKUP.search(value or ""))


def clean(value: str) -> str:
    """A name as stored: NFC (one code point per accented letter, whatever the
    keyboard sent), trimmed, single spaces, so that equal names are equal strings."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Lower case without accents: ``NGUYỄN VĂN ĐỨC`` → ``nguyen van duc``.

    Decomposition (NFD) splits each letter from its tone and vowel marks, which
    are then dropped; Đ/đ is a letter of its own (no decomposition), mapped by hand.
    """
    decomposed = unicodedata.normalize("NFD", clean(value).lower().replace("đ", "d"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def phone_digits(value: str) -> str:
    """The digits of a phone number, ``+84``/``0084`` written as the national ``0``."""
    digits = _NON_DIGITS.sub("", value)
    prefix = "84" if value.strip().startswith("+") else "0084"
    national = digits[len(prefix):]
    return "0" + national if digits.startswith(prefix) and len(national) >= _NATIONAL_DIGITS else digits


def of_dossier(code: str, name: str, id_number: str, phone: str) -> str:
    """The ``search_text`` of a dossier (rewrite it whenever one of these changes)."""
    parts = (fold(code or ""), fold(name or ""), fold(id_number or ""), phone_digits(phone or ""))
    return " ".join(part for part in parts if part)


def mask_name(full_name: str) -> str:
    """"Nguyễn Thị Hương" → "N***n T** H***g": the first and last letter of each word, with a fixed
    number of stars between (the length is not told either), so that the citizen recognises the
    name on a public look-up and a stranger holding the receipt cannot identify anyone."""
    return " ".join(f"{word[0]}***{word[-1]}" if len(word) > 3 else f"{word[0]}**" for word in full_name.split())


def query_words(query: str) -> list[str]:
    """The words of a query, folded; each must occur in a matching dossier's text."""
    return fold(query).split()


def query_phone(query: str) -> str | None:
    """The digits to look for when the whole query looks like a phone number, else None."""
    return phone_digits(query) if _PHONE_TYPED.match(query) else None


def contains_pattern(word: str) -> str:
    """A LIKE pattern (with ``ESCAPE '\\'``) matching ``word`` anywhere, ``%`` and ``_`` literal."""
    escaped = word.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped}%"
