"""Checks on values, with messages in Vietnamese.

Two kinds here: one value against its type (`check_value`) and an "of which" value against
its parent (`check_breakdowns`, blocking a save). The third kind, the rules kept as data
across indicators and periods, is a read on the unit's totals:
`analytics.selectors.rules.rules_run`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from phongtrao.catalog.models import Indicator, ValueType
from phongtrao.data.models import DataValue, Period
from phongtrao.orgs.models import Unit
from phongtrao.vn import format_number, parse_number, parse_percent

COUNT_TYPES = {ValueType.INTEGER, ValueType.MONEY}
DERIVED_NOT_ENTERED = "Chỉ tiêu tính theo công thức, không nhập trực tiếp."


NEGATIVE = "Giá trị không được âm."
PERCENT_RANGE = "Tỷ lệ phải từ 0 đến 100%."
TOO_LARGE = "Giá trị quá lớn."


def integer_message(indicator: Indicator) -> str:
    """What a count or an amount of money with decimals is told."""
    unit = "đồng" if indicator.value_type == ValueType.MONEY else indicator.unit_label
    return f"Số {unit} phải là số nguyên, không có phần thập phân."


def check_value(indicator: Indicator, value: Decimal) -> str | None:
    """Why `value` cannot be a value of `indicator`, or None when it can.

    The entry page's script repeats these checks as the officer types, with the same
    messages (rendered into the page from here).
    """
    if not value.is_finite():
        return "Giá trị không phải là số."
    if indicator.value_type in COUNT_TYPES:
        if value != value.to_integral_value():
            return integer_message(indicator)
        if value < 0:
            return NEGATIVE
    if indicator.value_type == ValueType.DECIMAL and value < 0:
        return NEGATIVE
    if indicator.value_type == ValueType.PERCENT and not (0 <= value <= 100):
        return PERCENT_RANGE
    if abs(value) >= Decimal(10) ** 19:
        return TOO_LARGE
    return None


def parse_value(indicator: Indicator, text: str) -> Decimal:
    """A value typed by a Vietnamese user (`1.633`, `4,2`), checked against the indicator.

    Raises ValueError with a Vietnamese message; an ambiguous entry is refused, never guessed.
    """
    if indicator.value_type == ValueType.PERCENT:
        value = parse_percent(text)
    else:
        value = parse_number(text)
    message = check_value(indicator, value)
    if message:
        raise ValueError(message)
    return value


def check_breakdowns(
    *, unit: Unit, period: Period, new_values: Mapping[Indicator, Decimal | None]
) -> dict[str, list[str]]:
    """ "Of which" values above their parent, with the new values laid over the stored ones."""
    touched = list(new_values)
    related = {i.parent_id for i in touched if i.parent_id} | {i.pk for i in touched}
    family = list(
        Indicator.objects.filter(pk__in=related) | Indicator.objects.filter(parent_id__in=related)
    )
    stored = {
        dv.indicator_id: dv.value
        for dv in DataValue.objects.filter(unit=unit, period=period, indicator__in=family)
    }
    merged: dict[int, Decimal | None] = {**stored, **{i.pk: v for i, v in new_values.items()}}
    by_id = {i.pk: i for i in family}
    errors: dict[str, list[str]] = {}
    for child in family:
        if child.parent_id is None or child.parent_id not in by_id:
            continue
        value, parent_value = merged.get(child.pk), merged.get(child.parent_id)
        if value is None or parent_value is None or value <= parent_value:
            continue
        parent = by_id[child.parent_id]
        code = child.code if child in new_values else parent.code
        errors.setdefault(code, []).append(breakdown_message(child, value, parent, parent_value))
    return errors


BREAKDOWN_TEMPLATE = "“{child}” ({value}) không được lớn hơn “{parent}” ({parent_value})."


def breakdown_message(
    child: Indicator, value: Decimal, parent: Indicator, parent_value: Decimal
) -> str:
    return BREAKDOWN_TEMPLATE.format(
        child=short_name(child),
        value=format_number(value),
        parent=short_name(parent),
        parent_value=format_number(parent_value),
    )


def short_name(indicator: Indicator) -> str:
    """The name without its "Trong đó: " (as the messages quote it)."""
    name = indicator.name
    return name.removeprefix("Trong đó: ").removeprefix("trong đó: ")
