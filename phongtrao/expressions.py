"""A small, safe expression language for derived indicators and validation rules.

Formulas are written as officials think of them: ``THOAT_NGHEO + THOAT_CANNGHEO`` or
``HV_TONG[-1] + HV_KETNAP - HV_GIAM``, where ``CODE[-1]`` is the value of the previous period.
The text is parsed with Python's ``ast`` module and every node is checked against a short
whitelist (numbers, indicator codes, ``+ - * /``, unary ``-``/``+``, parentheses,
``CODE[-n]``); nothing is ever evaluated by Python. Arithmetic is done in ``Decimal``.

Pure Python: no Django, so the data, analytics and emulation apps can all use it.
"""

from __future__ import annotations

import ast
import decimal
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, TypeAlias

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NUMBER_DIGITS",
    "Binary",
    "Expr",
    "ExpressionError",
    "Node",
    "Number",
    "Ref",
    "Reference",
    "Unary",
    "parse",
]

# Long enough for any rule written by hand, short enough to keep parsing and evaluation cheap.
MAX_LENGTH = 2000
# Nesting depth of the tree (a sum of n terms is n deep): bounds recursion in evaluation.
MAX_DEPTH = 200
# Constants are amounts and factors, never astronomically large or small.
MAX_NUMBER_DIGITS = 30

CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9_]*")

# Evaluation happens in a fixed context, whatever the caller's thread context is.
CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

Operator: TypeAlias = Literal["+", "-", "*", "/"]
Sign: TypeAlias = Literal["-", "+"]


class ExpressionError(ValueError):
    """A formula that is not in the language; the message is for the user (Vietnamese)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Công thức không hợp lệ: {reason}")


@dataclass(frozen=True, order=True)
class Ref:
    """A reference to an indicator's value: in this period (offset 0) or an earlier one (-1...)."""

    code: str
    offset: int = 0

    def __str__(self) -> str:
        return self.code if self.offset == 0 else f"{self.code}[{self.offset}]"


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Reference:
    ref: Ref


@dataclass(frozen=True)
class Unary:
    sign: Sign
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: Operator
    left: Node
    right: Node


Node: TypeAlias = Number | Reference | Unary | Binary

_BINARY_OPS: dict[type[ast.operator], Operator] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}
_UNARY_OPS: dict[type[ast.unaryop], Sign] = {ast.USub: "-", ast.UAdd: "+"}
_PRECEDENCE: dict[Operator, int] = {"+": 1, "-": 1, "*": 2, "/": 2}
_UNARY_PRECEDENCE = 3
_ATOM_PRECEDENCE = 4

# What the user wrote, in words, for the constructs the language refuses.
_REFUSED: dict[type[ast.AST], str] = {
    ast.Call: "không được gọi hàm",
    ast.Attribute: "không được truy cập thuộc tính (dấu chấm)",
    ast.Lambda: "không được dùng lambda",
    ast.Compare: "không được dùng phép so sánh",
    ast.BoolOp: "không được dùng phép logic and/or",
    ast.IfExp: "không được dùng biểu thức điều kiện",
    ast.NamedExpr: "không được dùng phép gán",
    ast.JoinedStr: "không được dùng chuỗi ký tự",
    ast.List: "không được dùng danh sách",
    ast.Tuple: "không được dùng bộ giá trị (dấu phẩy)",
    ast.Set: "không được dùng tập hợp",
    ast.Dict: "không được dùng từ điển",
    ast.ListComp: "không được dùng biểu thức sinh",
    ast.SetComp: "không được dùng biểu thức sinh",
    ast.DictComp: "không được dùng biểu thức sinh",
    ast.GeneratorExp: "không được dùng biểu thức sinh",
    ast.Starred: "không được dùng dấu *",
    ast.Slice: "không được dùng lát cắt",
}
_OPERATOR_NAMES: dict[type[ast.AST], str] = {
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.Invert: "~",
    ast.Not: "not",
}


@dataclass(frozen=True)
class Expr:
    """A parsed formula: its normalised text, its tree and the values it reads."""

    node: Node
    text: str = field(init=False)
    references: frozenset[Ref] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _format(self.node))
        object.__setattr__(self, "references", frozenset(_references(self.node)))

    def __str__(self) -> str:
        return self.text

    @property
    def codes(self) -> frozenset[str]:
        """The indicator codes the formula reads, whatever the period."""
        return frozenset(ref.code for ref in self.references)

    def evaluate(
        self, values: Mapping[Ref, Decimal | None], *, missing_as_zero: bool = True
    ) -> Decimal | None:
        """The formula's value for `values`, or None when it has none.

        A reference absent from `values` or mapped to None counts as 0 when `missing_as_zero`,
        otherwise the whole result is None. A division by zero also gives None.
        """
        return _evaluate(self.node, values, missing_as_zero)


def parse(text: str) -> Expr:
    """Parse `text` into an `Expr`, or raise `ExpressionError` saying why in Vietnamese."""
    if not isinstance(text, str):
        raise ExpressionError("công thức phải là một chuỗi ký tự")
    stripped = text.strip()
    if not stripped:
        raise ExpressionError("công thức trống")
    if len(stripped) > MAX_LENGTH:
        raise ExpressionError(f"công thức dài quá {MAX_LENGTH} ký tự")
    if not stripped.isascii():
        # Python folds some Unicode letters into ASCII names; accepting only ASCII avoids it.
        raise ExpressionError(
            "chỉ được dùng mã chỉ tiêu (chữ in hoa không dấu), số, dấu ngoặc và các phép + - * /"
        )
    if "#" in stripped:
        raise ExpressionError("không được dùng chú thích (#)")
    # Line breaks from a text box are spaces: the language has no statements.
    stripped = " ".join(stripped.split())
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        where = f" gần ký tự thứ {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"sai cú pháp{where}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("công thức quá phức tạp") from None
    return Expr(_convert(tree.body, stripped, 1))


def _convert(node: ast.AST, source: str, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise ExpressionError("công thức lồng nhau quá sâu")
    if isinstance(node, ast.BinOp):
        op = _BINARY_OPS.get(type(node.op))
        if op is None:
            raise ExpressionError(_operator_refused(node.op))
        return Binary(
            op,
            _convert(node.left, source, depth + 1),
            _convert(node.right, source, depth + 1),
        )
    if isinstance(node, ast.UnaryOp):
        sign = _UNARY_OPS.get(type(node.op))
        if sign is None:
            raise ExpressionError(_operator_refused(node.op))
        return Unary(sign, _convert(node.operand, source, depth + 1))
    if isinstance(node, ast.Constant):
        return Number(_number(node, source))
    if isinstance(node, ast.Name):
        return Reference(Ref(_code(node), 0))
    if isinstance(node, ast.Subscript):
        return Reference(_previous(node))
    reason = _REFUSED.get(type(node), f"không được dùng cấu trúc {type(node).__name__}")
    raise ExpressionError(reason)


def _operator_refused(op: ast.AST) -> str:
    name = _OPERATOR_NAMES.get(type(op), type(op).__name__)
    return f"phép toán '{name}' không được phép (chỉ dùng + - * /)"


def _number(node: ast.Constant, source: str) -> Decimal:
    value = node.value
    # bool is an int: True and False are refused along with None, strings, bytes, complex.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExpressionError("chỉ được dùng hằng số (không dùng chuỗi, True, False, None)")
    if isinstance(value, int):
        if abs(value) >= 10**MAX_NUMBER_DIGITS:
            raise ExpressionError(f"hằng số quá dài (tối đa {MAX_NUMBER_DIGITS} chữ số)")
        return Decimal(value)
    # The literal as written, so 0.1 stays exactly 0.1 instead of the nearest binary float.
    literal = (ast.get_source_segment(source, node) or repr(value)).replace("_", "")
    try:
        number = Decimal(literal)
    except decimal.InvalidOperation:
        number = Decimal(repr(value))
    # The exponent first: formatting 1e-999999999 in full would take a gigabyte.
    exponent = number.as_tuple().exponent
    if (
        not isinstance(exponent, int)
        or abs(exponent) > MAX_NUMBER_DIGITS
        or len(_format_number(number)) > MAX_NUMBER_DIGITS
    ):
        raise ExpressionError(f"hằng số quá dài (tối đa {MAX_NUMBER_DIGITS} chữ số)")
    # Held as the normalised text writes it (1e3 as 1000.0), so text and tree agree.
    return Decimal(_format_number(number))


def _code(node: ast.Name) -> str:
    if not CODE_PATTERN.fullmatch(node.id):
        raise ExpressionError(
            f"'{node.id}' không phải mã chỉ tiêu (chữ in hoa, số, dấu gạch dưới, "
            "bắt đầu bằng chữ cái)"
        )
    return node.id


def _previous(node: ast.Subscript) -> Ref:
    index = node.slice
    if (
        isinstance(node.value, ast.Name)
        and isinstance(index, ast.UnaryOp)
        and isinstance(index.op, ast.USub)
        and isinstance(index.operand, ast.Constant)
        and type(index.operand.value) is int
        and index.operand.value > 0
    ):
        return Ref(_code(node.value), -index.operand.value)
    raise ExpressionError("giá trị kỳ trước chỉ viết dạng MÃ[-1], MÃ[-2]...")


def _references(node: Node) -> list[Ref]:
    match node:
        case Reference(ref):
            return [ref]
        case Unary(_, operand):
            return _references(operand)
        case Binary(_, left, right):
            return _references(left) + _references(right)
        case _:
            return []


def _precedence(node: Node) -> int:
    match node:
        case Binary(op, _, _):
            return _PRECEDENCE[op]
        case Unary():
            return _UNARY_PRECEDENCE
        case _:
            return _ATOM_PRECEDENCE


def _format(node: Node) -> str:
    match node:
        case Number(value):
            return _format_number(value)
        case Reference(ref):
            return str(ref)
        case Unary(sign, operand):
            inner = _format(operand)
            if _precedence(operand) <= _UNARY_PRECEDENCE:
                inner = f"({inner})"
            return f"{sign}{inner}"
        case Binary(op, left, right):
            # Parentheses exactly where the tree needs them: the text parses back to this tree.
            left_text, right_text = _format(left), _format(right)
            if _precedence(left) < _PRECEDENCE[op]:
                left_text = f"({left_text})"
            if _precedence(right) <= _PRECEDENCE[op]:
                right_text = f"({right_text})"
            return f"{left_text} {op} {right_text}"
    raise AssertionError(node)  # pragma: no cover


def _format_number(value: Decimal) -> str:
    text = format(value, "f")
    if value == value.to_integral_value() and value.as_tuple().exponent == 0:
        return text
    # A decimal point keeps a written 1.0 a decimal literal, so the text reads back the same.
    return text if "." in text else f"{text}.0"


def _evaluate(
    node: Node, values: Mapping[Ref, Decimal | None], missing_as_zero: bool
) -> Decimal | None:
    match node:
        case Number(value):
            return value
        case Reference(ref):
            found = values.get(ref)
            if found is None:
                return Decimal(0) if missing_as_zero else None
            return found
        case Unary(sign, operand):
            inner = _evaluate(operand, values, missing_as_zero)
            if inner is None:
                return None
            return CONTEXT.minus(inner) if sign == "-" else CONTEXT.plus(inner)
        case Binary(op, left, right):
            a = _evaluate(left, values, missing_as_zero)
            if a is None:
                return None
            b = _evaluate(right, values, missing_as_zero)
            if b is None:
                return None
            if op == "+":
                return CONTEXT.add(a, b)
            if op == "-":
                return CONTEXT.subtract(a, b)
            if op == "*":
                return CONTEXT.multiply(a, b)
            if b == 0:
                return None
            return CONTEXT.divide(a, b)
    raise AssertionError(node)  # pragma: no cover
