"""Gateway conditions: a small, safe evaluator for analysts' expressions.

Conditions are Python expressions over the form data (``approved == True``);
Camunda's JUEL conditions (``${approved == true && !rejected}``) are first
translated into that subset by :func:`to_python`.  They are never handed to ``eval``: they are parsed with :mod:`ast`, checked
against a whitelist of node types, and interpreted here, so an expression
cannot import, call, or walk attributes (``__class__``…) to escape.
"""
from __future__ import annotations

import ast
import functools
import operator
import re
from typing import Any, Mapping

MAX_LENGTH = 2000
_WRAPPER = re.compile(r"^\s*\$\{(?P<body>.*)\}\s*$", re.DOTALL)

_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos}
_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.UnaryOp, ast.Compare,
    ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List, ast.IfExp,
    *_BINARY, *_COMPARE, *_UNARY,
)


class ExpressionError(ValueError):
    """The expression is not one we accept or cannot be evaluated."""


def strip_wrapper(text: str) -> str:
    """Drop a Camunda-style ``${…}`` wrapper."""
    match = _WRAPPER.match(text)
    return (match.group("body") if match else text).strip()


def to_python(text: str) -> str:
    """The Python-subset form of a condition: ``${…}`` is JUEL and is translated,
    ``#{…}`` (deferred JUEL) is refused, anything else is already Python."""
    stripped = (text or "").strip()
    if stripped.startswith("#{"):
        raise ExpressionError("biểu thức dạng #{…} không được hỗ trợ: dùng ${…}")
    match = _WRAPPER.match(stripped)
    return translate_juel(match.group("body")) if match else stripped


@functools.lru_cache(maxsize=4096)
def compile_expression(text: str) -> ast.Expression:
    """Parse and check an expression; raise :class:`ExpressionError` if refused.

    Cached: a gateway's conditions are evaluated at every pass, and the tree
    is only read.
    """
    body = to_python(text)
    if not body:
        raise ExpressionError("điều kiện đang để trống")
    if len(body) > MAX_LENGTH:
        raise ExpressionError("điều kiện quá dài")
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"điều kiện không phải biểu thức hợp lệ: {error.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"không dùng được '{type(node).__name__}' trong điều kiện")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"không dùng được tên {node.id!r}")
    return tree


def evaluate(text: str, data: Mapping[str, Any]) -> Any:
    """Evaluate a condition over ``data``; unknown names are ``None``."""
    return _eval(compile_expression(text).body, data)


def _eval(node: ast.AST, data: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return {"True": True, "False": False, "None": None}.get(node.id, data.get(node.id))
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_eval(element, data) for element in node.elts)
    if isinstance(node, ast.BoolOp):
        return _eval_bool(node, data)
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_eval(node.operand, data))
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, data) else node.orelse, data)
    try:
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](_eval(node.left, data), _eval(node.right, data))
        if isinstance(node, ast.Compare):
            return _eval_compare(node, data)
    except (TypeError, ZeroDivisionError, OverflowError) as error:
        raise ExpressionError(f"không tính được điều kiện: {error}") from None
    raise ExpressionError(f"không dùng được '{type(node).__name__}' trong điều kiện")


def _eval_bool(node: ast.BoolOp, data: Mapping[str, Any]) -> Any:
    is_and = isinstance(node.op, ast.And)
    value: Any = is_and
    for operand in node.values:
        value = _eval(operand, data)
        if bool(value) != is_and:
            return value
    return value


def _eval_compare(node: ast.Compare, data: Mapping[str, Any]) -> bool:
    left = _eval(node.left, data)
    for op, comparator in zip(node.ops, node.comparators):
        right = _eval(comparator, data)
        if not _COMPARE[type(op)](left, right):
            return False
        left = right
    return True


# --------------------------------------------------------------------------- JUEL

_JUEL_TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/%<>!()\[\].,?:{}=\#$])
)""", re.VERBOSE)
_JUEL_WORDS = {
    "true": "True", "false": "False", "null": "None", "and": "and", "or": "or",
    "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "div": "/", "mod": "%",
}
_JUEL_OPS = {"&&": "and", "||": "or"}
_JUEL_PASS = {"==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%"}
_UNARY_WORDS = {"!": "not", "not": "not", "empty": "empty"}


def translate_juel(body: str) -> str:
    """Translate the body of a JUEL ``${…}`` condition into the Python subset.

    Supported: literals (true/false/null, numbers, strings), variables,
    comparisons (== != < > <= >= and eq ne lt gt le ge), arithmetic,
    && || ! and/or/not, ``empty x`` and parentheses.  Method calls, property
    access, indexing and the ternary ``a ? b : c`` are refused, saying which.
    Unary operators keep JUEL's tighter binding by parenthesising their operand.
    """
    tokens = _juel_tokens(body)
    if not tokens:
        raise ExpressionError("điều kiện đang để trống")
    text, end = _juel_sequence(tokens, 0)
    if end != len(tokens):
        raise ExpressionError("thừa dấu ')' trong biểu thức")
    return text


def _juel_tokens(body: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while body[position:].strip():
        match = _JUEL_TOKEN.match(body, position)
        if match is None:
            raise ExpressionError(f"ký tự không hợp lệ trong biểu thức JUEL: {body[position:].strip()[:20]!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    for index, (kind, value) in enumerate(tokens):
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if kind == "name" and following == "(" and value not in _JUEL_WORDS and value not in _UNARY_WORDS:
            raise ExpressionError(f"gọi hàm hay phương thức ('{value}(…)') không được hỗ trợ trong điều kiện")
    return tokens


def _juel_sequence(tokens: list[tuple[str, str]], index: int) -> tuple[str, int]:
    """Translate tokens from ``index`` up to an unmatched ')' or the end."""
    out = []
    while index < len(tokens) and tokens[index][1] != ")":
        kind, value = tokens[index]
        if kind == "name" and value in _UNARY_WORDS or value == "!":
            text, index = _juel_unary(tokens, index)
        elif value == "(":
            text, index = _juel_group(tokens, index)
        else:
            text, index = _juel_token(kind, value), index + 1
        out.append(text)
    return " ".join(out), index


def _juel_unary(tokens: list[tuple[str, str]], index: int) -> tuple[str, int]:
    operator_word = _UNARY_WORDS[tokens[index][1]]
    operand, index = _juel_operand(tokens, index + 1)
    if operator_word == "not":
        return f"(not {operand})", index
    return f"({operand} in (None, ''))", index


def _juel_operand(tokens: list[tuple[str, str]], index: int) -> tuple[str, int]:
    if index >= len(tokens):
        raise ExpressionError("thiếu toán hạng sau toán tử")
    kind, value = tokens[index]
    if kind == "name" and value in _UNARY_WORDS or value == "!":
        return _juel_unary(tokens, index)
    if value == "(":
        return _juel_group(tokens, index)
    if kind in ("name", "number", "string"):
        return _juel_token(kind, value), index + 1
    raise ExpressionError(f"thiếu toán hạng trước '{value}'")


def _juel_group(tokens: list[tuple[str, str]], index: int) -> tuple[str, int]:
    inner, end = _juel_sequence(tokens, index + 1)
    if end >= len(tokens):
        raise ExpressionError("thiếu dấu ')' trong biểu thức")
    return f"({inner})", end + 1


def _juel_token(kind: str, value: str) -> str:
    if kind == "string":
        return repr(_juel_string(value))
    if kind == "number":
        return value
    if kind == "name":
        return _JUEL_WORDS.get(value, value)
    if value in _JUEL_OPS:
        return _JUEL_OPS[value]
    if value in _JUEL_PASS:
        return value
    if value in ("?", ":"):
        raise ExpressionError("biểu thức điều kiện ba ngôi (a ? b : c) không được hỗ trợ")
    if value in (".", "["):
        raise ExpressionError("truy cập thuộc tính hay phần tử ('.', '[') không được hỗ trợ trong điều kiện")
    raise ExpressionError(f"ký hiệu '{value}' không được hỗ trợ trong điều kiện JUEL")


def _juel_string(literal: str) -> str:
    """A JUEL string literal's value: only \\\\, \\' and \\" are escapes."""
    body, out, index = literal[1:-1], [], 0
    while index < len(body):
        if body[index] == "\\" and index + 1 < len(body) and body[index + 1] in "\\'\"":
            out.append(body[index + 1])
            index += 2
        else:
            out.append(body[index])
            index += 1
    return "".join(out)


def names_in(text: str) -> set[str]:
    """The variables a (checked) expression reads: a form's conditions may name only its fields."""
    return {node.id for node in ast.walk(compile_expression(text)) if isinstance(node, ast.Name)}
