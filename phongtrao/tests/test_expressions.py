from __future__ import annotations

import operator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phongtrao.expressions import (
    CONTEXT,
    MAX_DEPTH,
    MAX_LENGTH,
    Expr,
    ExpressionError,
    Ref,
    parse,
)

D = Decimal


# --- What the language accepts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalised", "references"),
    [
        ("HV_KETNAP - HV_GIAM", "HV_KETNAP - HV_GIAM", {Ref("HV_KETNAP"), Ref("HV_GIAM")}),
        (
            "THOAT_NGHEO+THOAT_CANNGHEO",
            "THOAT_NGHEO + THOAT_CANNGHEO",
            {Ref("THOAT_NGHEO"), Ref("THOAT_CANNGHEO")},
        ),
        (
            "HV_TONG[-1] + HV_KETNAP - HV_GIAM",
            "HV_TONG[-1] + HV_KETNAP - HV_GIAM",
            {Ref("HV_TONG", -1), Ref("HV_KETNAP"), Ref("HV_GIAM")},
        ),
        (
            "  HG_THANH   +\n HG_CHUYEN ",
            "HG_THANH + HG_CHUYEN",
            {Ref("HG_THANH"), Ref("HG_CHUYEN")},
        ),
        ("A[-2]", "A[-2]", {Ref("A", -2)}),
        ("A[ - 1 ]", "A[-1]", {Ref("A", -1)}),
        ("((A))", "A", {Ref("A")}),
        ("A + (B + C)", "A + (B + C)", {Ref("A"), Ref("B"), Ref("C")}),
        ("(A + B) + C", "A + B + C", {Ref("A"), Ref("B"), Ref("C")}),
        ("A - (B - C)", "A - (B - C)", {Ref("A"), Ref("B"), Ref("C")}),
        ("(A + B) * C / 2", "(A + B) * C / 2", {Ref("A"), Ref("B"), Ref("C")}),
        ("A / (B * C)", "A / (B * C)", {Ref("A"), Ref("B"), Ref("C")}),
        ("A * 100 / B", "A * 100 / B", {Ref("A"), Ref("B")}),
        ("-A * B", "-A * B", {Ref("A"), Ref("B")}),
        ("-(A * B)", "-(A * B)", {Ref("A"), Ref("B")}),
        ("--A", "-(-A)", {Ref("A")}),
        ("+A", "+A", {Ref("A")}),
        ("2 - -1", "2 - -1", set()),
        ("1_000", "1000", set()),
        ("0.10", "0.10", set()),
        ("1e3", "1000.0", set()),
        ("A + A[-1] + A", "A + A[-1] + A", {Ref("A"), Ref("A", -1)}),
        ("X9_", "X9_", {Ref("X9_")}),
    ],
)
def test_parse_normalises_and_lists_references(text, normalised, references):
    expr = parse(text)
    assert expr.text == normalised
    assert str(expr) == normalised
    assert expr.references == frozenset(references)
    assert parse(expr.text) == expr


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("HV_KETNAP - HV_GIAM", {"HV_KETNAP": "4677", "HV_GIAM": "583"}, "4094"),
        ("THOAT_NGHEO + THOAT_CANNGHEO", {"THOAT_NGHEO": "1129", "THOAT_CANNGHEO": "488"}, "1617"),
        ("A * 100 / B", {"A": "12", "B": "12"}, "100"),
        ("A / B", {"A": "1", "B": "3"}, "0.3333333333333333333333333333333333"),
        ("A / B", {"A": "1", "B": "0"}, None),
        ("A / (B - B)", {"A": "1", "B": "7"}, None),
        ("0 / A", {"A": "5"}, "0"),
        ("A + 0.1", {"A": "0.2"}, "0.3"),
        ("-A + 2 * B", {"A": "3", "B": "4"}, "5"),
        ("2 + 3 * 4", {}, "14"),
        ("(2 + 3) * 4", {}, "20"),
        ("10 - 4 - 3", {}, "3"),
        ("10 - (4 - 3)", {}, "9"),
        ("24 / 4 / 2", {}, "3"),
        ("A + B", {"A": "1"}, "1"),  # B missing counts as 0
        ("A + B", {"A": "1", "B": None}, "1"),
        ("A[-1] + A", {"A": "5"}, "5"),
        ("A", {"A": "1234567890123.45"}, "1234567890123.45"),
    ],
)
def test_evaluate(text, values, expected):
    refs = {Ref(code.split("[")[0]): None if v is None else D(v) for code, v in values.items()}
    result = parse(text).evaluate(refs)
    assert result == (None if expected is None else D(expected))


def test_evaluate_previous_period_reads_offset_values():
    expr = parse("HV_TONG[-1] + HV_KETNAP - HV_GIAM")
    values = {
        Ref("HV_TONG", -1): D(176739),
        Ref("HV_TONG"): D(999999),
        Ref("HV_KETNAP"): D(4677),
        Ref("HV_GIAM"): D(583),
    }
    assert expr.evaluate(values) == D(180833)


def test_evaluate_without_missing_as_zero_gives_none():
    expr = parse("A + B")
    assert expr.evaluate({Ref("A"): D(1)}, missing_as_zero=False) is None
    assert expr.evaluate({Ref("A"): D(1), Ref("B"): None}, missing_as_zero=False) is None
    assert expr.evaluate({Ref("A"): D(1), Ref("B"): D(2)}, missing_as_zero=False) == D(3)
    assert parse("2 * 3").evaluate({}, missing_as_zero=False) == D(6)


def test_evaluate_ignores_the_callers_decimal_context():
    import decimal

    with decimal.localcontext() as ctx:
        ctx.prec = 3
        assert parse("A + 1").evaluate({Ref("A"): D("123456")}) == D("123457")


def test_codes_drop_offsets():
    assert parse("A[-1] + A - B").codes == frozenset({"A", "B"})


def test_ref_prints_as_written():
    assert str(Ref("HV_TONG")) == "HV_TONG"
    assert str(Ref("HV_TONG", -1)) == "HV_TONG[-1]"


# --- What it refuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "__import__('os')",
        "__import__('os').system('ls')",
        "HV_TONG.real",
        "A.__class__",
        "abs(A)",
        "A()",
        "lambda: 1",
        "lambda x: x",
        "A < B",
        "A == B",
        "A <= B",
        "A and B",
        "not A",
        "A if B else C",
        "'x'",
        '"A"',
        "b'x'",
        "f'{A}'",
        "None",
        "True",
        "False",
        "...",
        "1j",
        "A ** 2",
        "A // 2",
        "A % 2",
        "A @ B",
        "A << 1",
        "A & B",
        "A | B",
        "A ^ B",
        "~A",
        "[A]",
        "(A, B)",
        "A, B",
        "{A}",
        "{'a': A}",
        "[x for x in A]",
        "(x for x in A)",
        "(X := 1)",
        "*A",
        "A[0]",
        "A[1]",
        "A[-0]",
        "A[-1.0]",
        "A[B]",
        "A[-B]",
        "A[1:2]",
        "A[-1][-1]",
        "(A + B)[-1]",
        "a",
        "hv_tong",
        "Hv_Tong",
        "_A",
        "A = 1",
        "A +",
        "A B",
        "import os",
        "A # comment",
        "ＨＶ_TONG",
        "HỘI",
        "1e400",
        "1e-999999999",
        "0e999999999",
        "1.5e999999999",
        "1" * 40,
        "0." + "0" * 40 + "1",
        "await A",
        "yield A",
    ],
)
def test_refuses_anything_outside_the_language(text):
    with pytest.raises(ExpressionError) as excinfo:
        parse(text)
    assert str(excinfo.value).startswith("Công thức không hợp lệ: ")
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "trống"),
        ("abs(A)", "gọi hàm"),
        ("A.b", "thuộc tính"),
        ("A < B", "so sánh"),
        ("A ** 2", "'**'"),
        ("A[0]", "MÃ[-1]"),
        ("hv", "'hv' không phải mã chỉ tiêu"),
        ("A +", "sai cú pháp"),
        ("'x'", "chuỗi"),
    ],
)
def test_refusal_says_why_in_vietnamese(text, fragment):
    with pytest.raises(ExpressionError, match="Công thức không hợp lệ") as excinfo:
        parse(text)
    assert fragment in str(excinfo.value)


def test_refuses_non_strings():
    with pytest.raises(ExpressionError):
        parse(None)


def test_refuses_too_long_and_too_deep():
    with pytest.raises(ExpressionError, match="dài quá"):
        parse("A + " * (MAX_LENGTH // 4) + "A")
    with pytest.raises(ExpressionError):
        parse("-" * (MAX_LENGTH - 1) + "A")
    with pytest.raises(ExpressionError):
        parse("(" * 500 + "A" + ")" * 500)
    with pytest.raises(ExpressionError, match="quá sâu"):
        parse(" + ".join(["A"] * (MAX_DEPTH + 1)))
    assert parse(" + ".join(["A"] * (MAX_DEPTH - 1))).evaluate({Ref("A"): D(1)}) == MAX_DEPTH - 1


# --- Random trees against a reference evaluator ----------------------------------------------

CODES = ["A", "B", "HV_TONG", "X1"]


@dataclass(frozen=True)
class Leaf:
    text: str  # as the user writes it
    ref: Ref | None = None
    value: Decimal | None = None


@dataclass(frozen=True)
class Neg:
    sign: str
    operand: object


@dataclass(frozen=True)
class Op:
    op: str
    left: object
    right: object


def leaves(with_decimals: bool):
    numbers = st.integers(min_value=0, max_value=1000).map(lambda n: Leaf(str(n), value=D(n)))
    if with_decimals:
        decimals = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False)
        numbers = st.one_of(numbers, decimals.map(lambda d: Leaf(str(d), value=d)))
    refs = st.builds(
        lambda code, offset: Leaf(str(Ref(code, offset)), ref=Ref(code, offset)),
        st.sampled_from(CODES),
        st.sampled_from([0, 0, 0, -1, -2]),
    )
    return st.one_of(numbers, refs)


def trees(max_leaves: int = 12, with_decimals: bool = True):
    return st.recursive(
        leaves(with_decimals),
        lambda children: st.one_of(
            st.builds(Neg, st.sampled_from(["-", "+"]), children),
            st.builds(Op, st.sampled_from(["+", "-", "*", "/"]), children, children),
        ),
        max_leaves=max_leaves,
    )


def render(tree, spaces) -> str:
    """Fully parenthesised source with arbitrary spacing: the parser must not care."""
    pad = spaces.draw(st.sampled_from(["", " ", "  "]))
    if isinstance(tree, Leaf):
        return tree.text
    if isinstance(tree, Neg):
        return f"{tree.sign}({render(tree.operand, spaces)})"
    return f"({render(tree.left, spaces)}{pad}{tree.op}{pad}{render(tree.right, spaces)})"


def reference_decimal(tree, values, missing_as_zero):
    """Independent evaluation of the generated tree in the same Decimal context."""
    if isinstance(tree, Leaf):
        if tree.ref is None:
            return tree.value
        value = values.get(tree.ref)
        if value is None:
            return D(0) if missing_as_zero else None
        return value
    if isinstance(tree, Neg):
        inner = reference_decimal(tree.operand, values, missing_as_zero)
        if inner is None:
            return None
        return CONTEXT.minus(inner) if tree.sign == "-" else CONTEXT.plus(inner)
    a = reference_decimal(tree.left, values, missing_as_zero)
    b = reference_decimal(tree.right, values, missing_as_zero)
    if a is None or b is None:
        return None
    if tree.op == "/":
        return None if b == 0 else CONTEXT.divide(a, b)
    fn = {"+": CONTEXT.add, "-": CONTEXT.subtract, "*": CONTEXT.multiply}[tree.op]
    return fn(a, b)


def reference_exact(tree, values):
    """Exact rational arithmetic, for trees without division."""
    if isinstance(tree, Leaf):
        if tree.value is not None:
            return Fraction(tree.value)
        return Fraction(values.get(tree.ref) or 0)
    if isinstance(tree, Neg):
        inner = reference_exact(tree.operand, values)
        return -inner if tree.sign == "-" else inner
    fn = {"+": operator.add, "-": operator.sub, "*": operator.mul}[tree.op]
    return fn(reference_exact(tree.left, values), reference_exact(tree.right, values))


def has_division(tree) -> bool:
    if isinstance(tree, Leaf):
        return False
    if isinstance(tree, Neg):
        return has_division(tree.operand)
    return tree.op == "/" or has_division(tree.left) or has_division(tree.right)


def tree_refs(tree) -> set[Ref]:
    if isinstance(tree, Leaf):
        return set() if tree.ref is None else {tree.ref}
    if isinstance(tree, Neg):
        return tree_refs(tree.operand)
    return tree_refs(tree.left) | tree_refs(tree.right)


value_maps = st.dictionaries(
    st.builds(Ref, st.sampled_from(CODES), st.sampled_from([0, -1, -2])),
    st.one_of(
        st.none(),
        st.integers(min_value=-10_000, max_value=10_000).map(D),
        st.decimals(min_value=-10_000, max_value=10_000, places=3, allow_nan=False),
    ),
)


@settings(max_examples=400, deadline=None)
@given(tree=trees(), values=value_maps, missing_as_zero=st.booleans(), data=st.data())
def test_random_trees_evaluate_like_the_reference(tree, values, missing_as_zero, data):
    expr = parse(render(tree, data))
    assert expr.references == frozenset(tree_refs(tree))
    expected = reference_decimal(tree, values, missing_as_zero)
    assert expr.evaluate(values, missing_as_zero=missing_as_zero) == expected
    # The normalised text is a fixed point and means the same tree.
    again = parse(expr.text)
    assert again == expr
    assert again.text == expr.text
    assert again.evaluate(values, missing_as_zero=missing_as_zero) == expected


@settings(max_examples=300, deadline=None)
@given(
    # At most 8 integer leaves of up to 4 digits: no product exceeds the context's precision.
    tree=trees(max_leaves=8, with_decimals=False).filter(lambda t: not has_division(t)),
    values=st.dictionaries(
        st.builds(Ref, st.sampled_from(CODES), st.sampled_from([0, -1])),
        st.integers(min_value=-1000, max_value=1000).map(D),
    ),
    data=st.data(),
)
def test_random_trees_without_division_are_exact(tree, values, data):
    result = parse(render(tree, data)).evaluate(values)
    assert result is not None
    assert Fraction(result) == reference_exact(tree, values)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_parses_or_is_refused_cleanly(text):
    try:
        expr = parse(text)
    except ExpressionError:
        return
    assert isinstance(expr, Expr)
    assert parse(expr.text) == expr
