"""The search normaliser alone (app/dossiers/searchtext.py): what is stored and what is looked for."""
import unicodedata

import pytest

from app.dossiers.searchtext import clean, contains_pattern, fold, of_dossier, phone_digits, query_phone, query_words

pytestmark = pytest.mark.unit

NFD_NAME = unicodedata.normalize("NFD", "Nguyễn Văn Hùng")


def test_clean_stores_names_in_nfc_with_single_spaces():
    cleaned = clean(f"  {NFD_NAME}\t ")
    assert cleaned == "Nguyễn Văn Hùng" and len(cleaned) == 15
    assert clean("Trần   Thị\nLan") == "Trần Thị Lan"


@pytest.mark.parametrize("typed, folded", [
    ("NGUYỄN VĂN HÙNG", "nguyen van hung"),
    (NFD_NAME, "nguyen van hung"),
    ("Đặng Thị Đào", "dang thi dao"),
    ("ĐỖ  ƯNG   Ơ", "do ung o"),
    ("Hoà Hòa", "hoa hoa"),                      # old and new tone placement alike
    ("000.00.12.H29-261130-0002", "000.00.12.h29-261130-0002"),
    ("100% vốn_góp", "100% von_gop"),
])
def test_fold_lowers_and_strips_accents_keeping_code_punctuation(typed, folded):
    assert fold(typed) == folded


@pytest.mark.parametrize("typed, digits", [
    ("0912 345 678", "0912345678"), ("0912.345.678", "0912345678"), ("(024) 3825-1234", "02438251234"),
    ("+84 912 345 678", "0912345678"), ("+84912345678", "0912345678"), ("0084 912 345 678", "0912345678"),
    ("84912345678", "84912345678"),              # without + it may be the middle of a number
    ("+84", "84"), ("0084", "0084"),             # too short to be a country code and a number
])
def test_phone_digits_write_the_country_code_as_zero(typed, digits):
    assert phone_digits(typed) == digits


def test_search_text_of_a_dossier():
    assert of_dossier("000.00.12.H29-261130-0002", NFD_NAME, "001088000111", "+84 912 345 678") == (
        "000.00.12.h29-261130-0002 nguyen van hung 001088000111 0912345678")
    assert of_dossier("THU-261130-0001", "Thử", "", "") == "thu-261130-0001 thu"


def test_query_words_and_phone():
    assert query_words("  Nguyễn  VĂN ") == ["nguyen", "van"]
    assert query_phone("+84 912 345 678") == "0912345678"
    assert query_phone("261130-0002") == "2611300002"
    assert query_phone("hùng 0912") is None and query_phone("-") is None


@pytest.mark.parametrize("word, pattern", [
    ("hung", "%hung%"), ("100%", r"%100\%%"), ("a_b", r"%a\_b%"), ("a\\b", r"%a\\b%"), ("%_", r"%\%\_%"),
])
def test_contains_pattern_makes_wildcards_literal(word, pattern):
    assert contains_pattern(word) == pattern
