"""Tests for :mod:`phongtrao.vn.numbers`: numbers, percentages, counts and money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phongtrao.vn.numbers import format_count, format_money, format_number, format_percent
from phongtrao.vn.parse import parse_number


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        (1633, {}, "1.633"),
        (116572, {}, "116.572"),
        (1_633_000, {}, "1.633.000"),
        (0, {}, "0"),
        (7, {}, "7"),
        (999, {}, "999"),
        (1000, {}, "1.000"),
        (-1633, {}, "-1.633"),
        (-1_633_000, {}, "-1.633.000"),
        (Decimal("4.2"), {}, "4,2"),
        (Decimal("4.20"), {}, "4,2"),
        (Decimal("1633.25"), {}, "1.633,25"),
        (Decimal("-1633.25"), {}, "-1.633,25"),
        (Decimal("0.004"), {}, "0,004"),
        (Decimal("1E+3"), {}, "1.000"),
        (Decimal("-0"), {}, "0"),
        (0.1, {}, "0,1"),
        (4.2, {}, "4,2"),
        (10**30, {}, "1" + ".000" * 10),
        (Decimal("4.2"), {"decimals": 2}, "4,20"),
        (Decimal("4.25"), {"decimals": 1}, "4,3"),
        (Decimal("4.35"), {"decimals": 1}, "4,4"),
        (Decimal("-4.25"), {"decimals": 1}, "-4,3"),
        (Decimal("2.5"), {"decimals": 0}, "3"),
        (Decimal("0.5"), {"decimals": 0}, "1"),
        (Decimal("-0.004"), {"decimals": 2}, "0,00"),
        (1633, {"decimals": 2}, "1.633,00"),
        (Decimal("1633.255"), {"decimals": 2}, "1.633,26"),
        (3, {"leading_zero": True}, "03"),
        (9, {"leading_zero": True}, "09"),
        (10, {"leading_zero": True}, "10"),
        (0, {"leading_zero": True}, "0"),
        (-3, {"leading_zero": True}, "-03"),
        (Decimal("3.0"), {"leading_zero": True}, "03"),
        (Decimal("3.5"), {"leading_zero": True}, "3,5"),
        (1633, {"leading_zero": True}, "1.633"),
    ],
)
def test_format_number(value: Any, options: dict[str, Any], expected: str) -> None:
    assert format_number(value, **options) == expected


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (True, TypeError),
        ("1633", TypeError),
        (None, TypeError),
        (Decimal("NaN"), ValueError),
        (Decimal("Infinity"), ValueError),
        (float("inf"), ValueError),
        (float("nan"), ValueError),
    ],
)
def test_format_number_refuses(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        format_number(value)


def test_format_number_refuses_negative_decimals() -> None:
    with pytest.raises(ValueError, match="thập phân"):
        format_number(1, decimals=-1)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (195, 0, "195%"),
        (Decimal("194.5"), 0, "195%"),
        (Decimal("194.49"), 0, "194%"),
        (Decimal("83.46"), 1, "83,5%"),
        (Decimal("83.45"), 1, "83,5%"),
        (100, 1, "100,0%"),
        (Decimal("0.5"), 0, "1%"),
        (Decimal("-2.5"), 0, "-3%"),
        (1250, 0, "1.250%"),
        (45.0, 0, "45%"),
    ],
)
def test_format_percent(value: Any, decimals: int, expected: str) -> None:
    assert format_percent(value, decimals) == expected


def test_format_percent_defaults_to_whole_percent() -> None:
    assert format_percent(Decimal("83.5")) == "84%"


@pytest.mark.parametrize(
    ("value", "unit", "leading_zero", "expected"),
    [
        (1633, "đợt", False, "1.633 đợt"),
        (3, "căn nhà", True, "03 căn nhà"),
        (3, "căn nhà", False, "3 căn nhà"),
        (116572, " hội viên ", False, "116.572 hội viên"),
        (0, "mô hình", True, "0 mô hình"),
    ],
)
def test_format_count(value: int, unit: str, leading_zero: bool, expected: str) -> None:
    assert format_count(value, unit, leading_zero=leading_zero) == expected


def test_format_count_needs_a_unit() -> None:
    with pytest.raises(ValueError, match="đơn vị"):
        format_count(3, "  ")


@pytest.mark.parametrize(
    ("amount", "options", "expected"),
    [
        (4_236_500_000, {}, "trên 4,2 tỷ đồng"),
        (1_292_870_000_000, {}, "gần 1.293 tỷ đồng"),
        (738_000_000, {}, "738 triệu đồng"),
        (2_800_000_000, {}, "2,8 tỷ đồng"),
        (260_500_000, {}, "gần 261 triệu đồng"),
        (260_400_000, {}, "trên 260 triệu đồng"),
        (260_400_000, {"above": "hơn"}, "hơn 260 triệu đồng"),
        (260_500_000, {"decimals": 1}, "260,5 triệu đồng"),
        (4_850_000_000, {}, "gần 4,9 tỷ đồng"),
        (4_850_000_000, {"decimals": 2}, "4,85 tỷ đồng"),
        (4_850_300_000, {"decimals": 3, "trim_zeros": False}, "trên 4,850 tỷ đồng"),
        (4_850_300_000, {"decimals": 3}, "trên 4,85 tỷ đồng"),
        (4_249_999_999, {}, "trên 4,2 tỷ đồng"),
        (4_250_000_000, {}, "gần 4,3 tỷ đồng"),
        (3_000_000_000, {}, "3 tỷ đồng"),
        (3_000_000_000, {"decimals": 1, "trim_zeros": False}, "3,0 tỷ đồng"),
        (3_020_000_000, {}, "trên 3 tỷ đồng"),
        (12_345_000_000, {}, "trên 12,3 tỷ đồng"),
        (99_960_000_000, {}, "gần 100 tỷ đồng"),
        (123_456_000_000, {}, "trên 123 tỷ đồng"),
        (1_000_000_000, {}, "1 tỷ đồng"),
        (999_960_000, {}, "gần 1 tỷ đồng"),
        (999_400_000, {}, "trên 999 triệu đồng"),
        (1_000_000, {}, "1 triệu đồng"),
        (1_500_000, {}, "1,5 triệu đồng"),
        (45_600_000, {}, "45,6 triệu đồng"),
        (999_999, {}, "999.999 đồng"),
        (500_000, {}, "500.000 đồng"),
        (500_000, {"decimals": 2}, "500.000 đồng"),
        (Decimal("999999.6"), {}, "gần 1 triệu đồng"),
        (Decimal("1234.4"), {}, "trên 1.234 đồng"),
        (Decimal("1234.5"), {}, "gần 1.235 đồng"),
        (0, {}, "0 đồng"),
        (Decimal("0.4"), {}, "0,4 đồng"),
        (-4_236_500_000, {}, "trên -4,2 tỷ đồng"),
        (-738_000_000, {}, "-738 triệu đồng"),
        (1_292_870_000_000, {"decimals": 1}, "gần 1.292,9 tỷ đồng"),
        (1_292_870_000_000, {"decimals": 0, "below": "khoảng"}, "khoảng 1.293 tỷ đồng"),
        (10**15, {}, "1.000.000 tỷ đồng"),
        (2_800_000_000, {"currency": "VNĐ"}, "2,8 tỷ VNĐ"),
        (Decimal("2800000000.00"), {}, "2,8 tỷ đồng"),
    ],
)
def test_format_money(amount: Any, options: dict[str, Any], expected: str) -> None:
    assert format_money(amount, **options) == expected


def test_format_money_refuses_negative_decimals() -> None:
    with pytest.raises(ValueError, match="thập phân"):
        format_money(1, decimals=-1)


_SCALE_FACTORS = {"tỷ": 10**9, "triệu": 10**6}


@given(st.integers(min_value=1, max_value=10**16))
def test_format_money_qualifier_matches_the_exact_amount(amount: int) -> None:
    words = format_money(amount).split()
    assert words[-1] == "đồng"
    qualifier = words[0] if words[0] in {"trên", "gần"} else ""
    number = words[1] if qualifier else words[0]
    factor = _SCALE_FACTORS.get(words[-2], 1)
    shown = parse_number(number) * factor
    if qualifier == "trên":
        assert amount > shown
    elif qualifier == "gần":
        assert amount < shown
    else:
        assert amount == shown
    assert abs(amount - shown) <= amount * Decimal("0.05")
    assert "  " not in " ".join(words)
