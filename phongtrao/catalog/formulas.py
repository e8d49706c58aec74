"""Rules for the formulas of derived indicators, shared by the loader and the admin.

Pure functions over codes and parsed expressions: callers bring the catalog they check
against (a CSV being loaded, the database, or both).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from phongtrao.expressions import Expr, ExpressionError, parse


class FormulaCycleError(ValueError):
    """Derived indicators whose formulas depend on each other in a loop."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("Công thức tạo vòng lặp giữa các chỉ tiêu: " + " → ".join(cycle))


def indicator_formula_parse(formula: str, *, known_codes: Collection[str]) -> Expr:
    """Parse a derived indicator's formula and check what it may read.

    It may read only this period's values (no `CODE[-1]`: previous periods belong to
    validation rules) of indicators in `known_codes`. Raises `ExpressionError`.
    """
    expr = parse(formula)
    previous = sorted(str(ref) for ref in expr.references if ref.offset != 0)
    if previous:
        raise ExpressionError(
            "công thức của chỉ tiêu tính toán không dùng giá trị kỳ trước: " + ", ".join(previous)
        )
    unknown = sorted(expr.codes - set(known_codes))
    if unknown:
        raise ExpressionError("mã chỉ tiêu không có trong danh mục: " + ", ".join(unknown))
    return expr


def dependency_order(formulas: Mapping[str, Expr]) -> list[str]:
    """The codes of `formulas` (derived indicators) ordered so each comes after those it reads.

    Codes not in `formulas` are raw values and impose no order. The order is stable: ties keep
    the order of `formulas`. Raises `FormulaCycleError` naming the loop.
    """
    done: set[str] = set()
    ordered: list[str] = []
    for start in formulas:
        if start in done:
            continue
        # Depth-first with an explicit stack: (code, dependencies still to visit).
        path: list[str] = [start]
        stack: list[tuple[str, list[str]]] = [(start, _derived_deps(start, formulas))]
        while stack:
            code, pending = stack[-1]
            if not pending:
                stack.pop()
                path.pop()
                done.add(code)
                ordered.append(code)
                continue
            dep = pending.pop(0)
            if dep in done:
                continue
            if dep in path:
                raise FormulaCycleError([*path[path.index(dep) :], dep])
            path.append(dep)
            stack.append((dep, _derived_deps(dep, formulas)))
    return ordered


def _derived_deps(code: str, formulas: Mapping[str, Expr]) -> list[str]:
    return sorted(c for c in formulas[code].codes if c in formulas)
