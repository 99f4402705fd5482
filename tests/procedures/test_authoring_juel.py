"""JUEL conditions are translated to the Python subset, or refused saying why."""
from __future__ import annotations

import pytest

from app.procedures.expressions import ExpressionError, evaluate, to_python

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("juel, python", [
    ("${approved == true}", "approved == True"),
    ("${amount > 1000 && urgent}", "amount > 1000 and urgent"),
    ("${!rejected}", "(not rejected)"),
    ("${x eq 'a'}", "x == 'a'"),
    ("${a != null}", "a != None"),
    ("${a ne 1 or b lt 2 and c ge 3}", "a != 1 or b < 2 and c >= 3"),
    ("${not empty note}", "(not (note in (None, '')))"),
    ("${!(a || b)}", "(not (a or b))"),
    ("${total div 2 gt 3 || n mod 2 == 0}", "total / 2 > 3 or n % 2 == 0"),
    ("${s == 'it\\'s'}", "s == \"it's\""),
    ("${co_trong_so == True and so_ban >= 1}", "co_trong_so == True and so_ban >= 1"),
    ("so_ban > 1", "so_ban > 1"),      # SpiffArena: already Python
])
def test_juel_is_translated(juel, python):
    assert to_python(juel) == python


@pytest.mark.parametrize("juel, data, expected", [
    ("${amount > 1000 && urgent}", {"amount": 2000, "urgent": True}, True),
    ("${amount > 1000 && urgent}", {"amount": 2000, "urgent": False}, False),
    ("${!rejected}", {}, True),
    ("${!a == b}", {"a": False, "b": True}, True),          # JUEL's ! binds tighter than ==
    ("${empty note}", {"note": ""}, True),
    ("${x eq 'a' || y le 2}", {"x": "b", "y": 2}, True),
    ("${a != null}", {"a": 0}, True),
])
def test_translated_conditions_evaluate_as_in_juel(juel, data, expected):
    assert bool(evaluate(to_python(juel), data)) is expected


@pytest.mark.parametrize("juel, words", [
    ("${execution.getVariable('x')}", "getVariable"),
    ("${a.b == 1}", "thuộc tính"),
    ("${x[0] == 1}", "thuộc tính"),
    ("#{approved}", "#{"),
    ("${a ? b : c}", "ba ngôi"),
    ("${__import__('os')}", "__import__"),
    ("${(a == 1}", "thiếu dấu ')'"),
    ("${a == 1)}", "thừa dấu ')'"),
    ("${a = 1}", "'='"),
    ("${}", "để trống"),
    ("${a == `b`}", "không hợp lệ"),
])
def test_untranslatable_juel_is_refused_saying_why(juel, words):
    with pytest.raises(ExpressionError) as caught:
        to_python(juel)
    assert words in str(caught.value)


def test_translated_output_is_still_checked_against_the_whitelist():
    with pytest.raises(ExpressionError):
        evaluate(to_python("${_secret == 1}"), {})
