"""Gateway conditions: a small, safe evaluator for analysts' expressions.

Conditions are Python expressions over the form data (``approved == True``).
They are never handed to ``eval``: they are parsed with :mod:`ast`, checked
against a whitelist of node types, and interpreted here, so an expression
cannot import, call, or walk attributes (``__class__``…) to escape.
"""
from __future__ import annotations

import ast
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


def compile_expression(text: str) -> ast.Expression:
    """Parse and check an expression; raise :class:`ExpressionError` if refused."""
    body = strip_wrapper(text)
    if not body:
        raise ExpressionError("the condition is empty")
    if len(body) > MAX_LENGTH:
        raise ExpressionError("the condition is too long")
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"the condition is not a valid expression: {error.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"'{type(node).__name__}' is not allowed in a condition")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"the name {node.id!r} is not allowed")
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
        raise ExpressionError(f"the condition cannot be evaluated: {error}") from None
    raise ExpressionError(f"'{type(node).__name__}' is not allowed in a condition")


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
