from __future__ import annotations

import pytest

from phongtrao.catalog.formulas import (
    FormulaCycleError,
    dependency_order,
    indicator_formula_parse,
)
from phongtrao.expressions import ExpressionError, parse


def formulas(**texts):
    return {code: parse(text) for code, text in texts.items()}


def test_dependency_order_puts_what_a_formula_reads_first():
    order = dependency_order(formulas(C="A + B", B="A * 2", A="X - Y", D="X"))
    assert order.index("A") < order.index("B") < order.index("C")
    assert sorted(order) == ["A", "B", "C", "D"]


def test_dependency_order_is_stable():
    assert dependency_order(formulas(B="X", A="Y", C="Z")) == ["B", "A", "C"]


@pytest.mark.parametrize(
    ("texts", "cycle"),
    [
        ({"A": "A + 1"}, ["A", "A"]),
        ({"A": "B", "B": "A"}, ["A", "B", "A"]),
        ({"A": "X", "B": "C", "C": "D + 1", "D": "B * 2"}, ["B", "C", "D", "B"]),
    ],
)
def test_dependency_order_names_the_loop(texts, cycle):
    with pytest.raises(FormulaCycleError) as excinfo:
        dependency_order(formulas(**texts))
    assert excinfo.value.cycle == cycle
    assert " → ".join(cycle) in str(excinfo.value)


def test_indicator_formula_parse():
    assert indicator_formula_parse("A+B", known_codes={"A", "B"}).text == "A + B"
    with pytest.raises(ExpressionError, match="không có trong danh mục: C"):
        indicator_formula_parse("A + C", known_codes={"A"})
    with pytest.raises(ExpressionError, match="kỳ trước: A\\[-1\\]"):
        indicator_formula_parse("A[-1] + A", known_codes={"A"})
