"""Amounts in Vietnamese words and figures, as on a fee receipt (expectations written by hand)."""
import pytest

from printing import amount_in_words, format_amount
from printing.words import number_in_words

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("amount, words", [
    (0, "Không đồng"),
    (1, "Một đồng"),
    (5, "Năm đồng"),
    (10, "Mười đồng"),
    (11, "Mười một đồng"),
    (14, "Mười bốn đồng"),
    (15, "Mười lăm đồng"),
    (20, "Hai mươi đồng"),
    (21, "Hai mươi mốt đồng"),
    (25, "Hai mươi lăm đồng"),
    (55, "Năm mươi lăm đồng"),
    (100, "Một trăm đồng"),
    (101, "Một trăm linh một đồng"),
    (105, "Một trăm linh năm đồng"),
    (110, "Một trăm mười đồng"),
    (111, "Một trăm mười một đồng"),
    (115, "Một trăm mười lăm đồng"),
    (121, "Một trăm hai mươi mốt đồng"),
    (1000, "Một nghìn đồng"),
    (1005, "Một nghìn không trăm linh năm đồng"),
    (1015, "Một nghìn không trăm mười lăm đồng"),
    (2000, "Hai nghìn đồng"),
    (10500, "Mười nghìn năm trăm đồng"),
    (21000, "Hai mươi mốt nghìn đồng"),
    (52000, "Năm mươi hai nghìn đồng"),
    (200000, "Hai trăm nghìn đồng"),
    (1000000, "Một triệu đồng"),
    (1000001, "Một triệu không trăm linh một đồng"),
    (1005000, "Một triệu không trăm linh năm nghìn đồng"),
    (1200000, "Một triệu hai trăm nghìn đồng"),
    (15750000, "Mười lăm triệu bảy trăm năm mươi nghìn đồng"),
    (2000000000, "Hai tỷ đồng"),
    (1000000005, "Một tỷ không trăm linh năm đồng"),
    (3500000000, "Ba tỷ năm trăm triệu đồng"),
    (1000000000000, "Một nghìn tỷ đồng"),
])
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words


def test_words_without_currency_and_negative():
    assert number_in_words(21) == "hai mươi mốt"
    assert amount_in_words(-5) == "Âm năm đồng"
    assert amount_in_words(7, currency="") == "Bảy"
    with pytest.raises(ValueError):
        number_in_words(-1)


@pytest.mark.parametrize("amount, figures", [
    (0, "0 đồng"), (2000, "2.000 đồng"), (52000, "52.000 đồng"), (1200000, "1.200.000 đồng"),
])
def test_amount_in_figures(amount, figures):
    assert format_amount(amount) == figures
