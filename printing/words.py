"""Amounts of money in Vietnamese words, as written on fee receipts.

The reading follows the usual accounting conventions: ``mốt`` for a final 1
after ``mươi`` (21 → hai mươi mốt), ``lăm`` for a final 5 after a ten
(15 → mười lăm, 25 → hai mươi lăm), ``linh`` for a zero ten inside a group
(105 → một trăm linh năm), ``không trăm`` for an inner group under 100
(1.005 → một nghìn không trăm linh năm), empty inner groups skipped, and
``nghìn``/``triệu``/``tỷ`` with ``tỷ`` repeating above 10^9 (nghìn tỷ, tỷ tỷ).
"""
from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
#: Scales of the groups below one billion, from the lowest.
SCALES = ("", "nghìn", "triệu")
BILLION = 10 ** 9


def amount_in_words(amount: int, currency: str = "đồng") -> str:
    """``amount`` in words, capitalised, with ``currency`` appended.

    >>> amount_in_words(52000)
    'Năm mươi hai nghìn đồng'
    """
    amount = int(amount)
    words = number_in_words(abs(amount))
    if amount < 0:
        words = "âm " + words
    text = f"{words} {currency}".strip()
    return text[:1].upper() + text[1:]


def number_in_words(number: int) -> str:
    """A non-negative integer in lower-case Vietnamese words."""
    if number < 0:
        raise ValueError("number_in_words needs a non-negative number")
    if number == 0:
        return DIGITS[0]
    return " ".join(_words(number, inner=False))


def _words(number: int, inner: bool) -> list[str]:
    """Words of ``number`` > 0; ``inner`` when a higher part was read before it."""
    if number >= BILLION:
        high, low = divmod(number, BILLION)
        words = _words(high, inner) + ["tỷ"]
        return words + (_words(low, inner=True) if low else [])
    groups = [(number // 1000 ** i) % 1000 for i in range(len(SCALES))]
    words: list[str] = []
    for scale in reversed(range(len(SCALES))):
        group = groups[scale]
        if group:
            words += _group(group, full=inner or bool(words))
            words += [SCALES[scale]] if SCALES[scale] else []
    return words


def _group(group: int, full: bool) -> list[str]:
    """Words of 1 ≤ ``group`` ≤ 999; ``full`` reads the hundreds even when zero."""
    hundreds, tens, units = group // 100, group // 10 % 10, group % 10
    words = [DIGITS[hundreds], "trăm"] if hundreds or full else []
    if tens == 0:
        return words + (["linh"] if words and units else []) + ([DIGITS[units]] if units else [])
    words += ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 1 and tens > 1:
        return words + ["mốt"]
    if units == 5:
        return words + ["lăm"]
    return words + ([DIGITS[units]] if units else [])


def format_amount(amount: int, currency: str = "đồng") -> str:
    """``amount`` in figures with dots between thousands: ``52.000 đồng``."""
    figures = f"{int(amount):,}".replace(",", ".")
    return f"{figures} {currency}".strip()
