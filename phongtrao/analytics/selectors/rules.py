"""The validation rules kept as data (`data.ValidationRule`), run on a unit's totals.

A read: the totals come from `unit_totals`, the rules compare them across indicators and
with the period before; the result is a list of violations with Vietnamese messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from phongtrao import expressions, periods
from phongtrao.analytics.selectors.base import period_row
from phongtrao.analytics.selectors.totals import unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import MissingValueStrategy, Operator, Period, ValidationRule
from phongtrao.orgs.models import Unit
from phongtrao.vn import format_number


@dataclass(frozen=True)
class Violation:
    """A rule the unit's totals break, with both sides as computed."""

    rule: ValidationRule
    left: Decimal | None
    right: Decimal | None

    @property
    def message(self) -> str:
        left = "—" if self.left is None else format_number(self.left)
        right = "—" if self.right is None else format_number(self.right)
        return f"{self.rule.message} (vế trái {left}, vế phải {right})"


COMPARE = {
    Operator.LE: lambda a, b: a <= b,
    Operator.LT: lambda a, b: a < b,
    Operator.EQ: lambda a, b: a == b,
    Operator.NE: lambda a, b: a != b,
    Operator.GE: lambda a, b: a >= b,
    Operator.GT: lambda a, b: a > b,
}


def rules_run(unit: Unit, period: Period | str) -> list[Violation]:
    """Evaluate every active rule on the unit's totals for the period (and the one before)."""
    row = period_row(period)
    rules = list(ValidationRule.objects.filter(active=True))
    parsed = [(r, expressions.parse(r.left), expressions.parse(r.right)) for r in rules]
    refs = {ref for _, left, right in parsed for ref in left.references | right.references}
    by_code = Indicator.objects.in_bulk({ref.code for ref in refs}, field_name="code")
    offsets = {ref.offset for ref in refs}
    values: dict[expressions.Ref, Decimal | None] = {}
    for offset in offsets:
        target = periods.parse(row.code)
        for _ in range(-offset):
            target = target.previous()
        wanted = [by_code[ref.code] for ref in refs if ref.offset == offset]
        totals = unit_totals(unit, target.code, wanted)
        for ref in refs:
            if ref.offset == offset:
                total = totals[by_code[ref.code].pk]
                values[ref] = total.value if total.count else None
    violations = []
    for rule, left, right in parsed:
        used = [values[ref] for ref in left.references | right.references]
        missing = [v for v in used if v is None]
        if missing and rule.missing_value_strategy == MissingValueStrategy.SKIP_IF_ANY_MISSING:
            continue
        if len(missing) == len(used) and (
            rule.missing_value_strategy == MissingValueStrategy.SKIP_IF_ALL_MISSING
        ):
            continue
        left_value = left.evaluate(values)
        right_value = right.evaluate(values)
        if left_value is None or right_value is None:
            continue
        if not COMPARE[Operator(rule.operator)](left_value, right_value):
            violations.append(Violation(rule, left_value, right_value))
    return violations
