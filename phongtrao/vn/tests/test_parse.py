"""Tests for :mod:`phongtrao.vn.parse`: Vietnamese number input, refusing ambiguity."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phongtrao.vn.numbers import format_number
from phongtrao.vn.parse import NumberParseError, parse_number, parse_percent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.633", Decimal("1633")),
        ("116.572", Decimal("116572")),
        ("1.633.000", Decimal("1633000")),
        ("1.292.870.000.000", Decimal("1292870000000")),
        ("4,2", Decimal("4.2")),
        ("1.633,25", Decimal("1633.25")),
        ("1633", Decimal("1633")),
        (" 42 ", Decimal("42")),
        ("\t42\n", Decimal("42")),
        ("-5", Decimal("-5")),
        ("+5", Decimal("5")),
        ("\u22125", Decimal("-5")),
        ("-1.633,5", Decimal("-1633.5")),
        ("0", Decimal("0")),
        ("-0", Decimal("0")),
        ("0,5", Decimal("0.5")),
        ("03", Decimal("3")),
        ("4,20", Decimal("4.20")),
        ("4,2000", Decimal("4.2")),
        ("1 633 000", Decimal("1633000")),
        ("1\u00a0633\u00a0000", Decimal("1633000")),
        ("1\u202f633", Decimal("1633")),
        ("1 633,25", Decimal("1633.25")),
        ("1.633,250", Decimal("1633.25")),
        ("0,500", Decimal("0.5")),
        ("1633,250", Decimal("1633.25")),
        ("999.999.999.999.999.999.999.999.999.999", Decimal("9" * 30)),
    ],
)
def test_parse_number_reads_vietnamese_numbers(text: str, expected: Decimal) -> None:
    result = parse_number(text)
    assert result == expected
    assert isinstance(result, Decimal)


def test_parse_number_keeps_typed_decimals_and_drops_negative_zero() -> None:
    assert str(parse_number("4,20")) == "4.20"
    assert not parse_number("-0,0").is_signed()


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["Chưa nhập số", "để trống"]),
        ("   ", ["Chưa nhập số"]),
        ("abc", ["“abc”", "“a”", "không phải chữ số"]),
        ("12a", ["“12a”", "“a”"]),
        ("1e5", ["“1e5”", "“e”"]),
        ("∞", ["“∞”"]),
        ("NaN", ["“NaN”"]),
        ("-inf", ["“-inf”"]),
        ("١٢", ["“١٢”"]),
        ("1.63", ["“1.63”", "Dấu chấm dùng để phân cách hàng nghìn", "hãy gõ 1,63"]),
        (
            "4.2",
            [
                "“4.2”",
                "Dấu chấm dùng để phân cách hàng nghìn; số thập phân dùng dấu phẩy, ví dụ 4,2",
                "hãy gõ 4,2",
            ],
        ),
        ("0.5", ["“0.5”", "hãy gõ 0,5"]),
        ("0.633", ["“0.633”", "hãy gõ 0,633"]),
        ("1633.000", ["“1633.000”", "Dấu chấm"]),
        ("1.633.00", ["“1.633.00”", "đúng ba chữ số"]),
        ("12.34.567", ["“12.34.567”", "Dấu chấm"]),
        ("1..2", ["“1..2”", "Dấu chấm"]),
        (".5", ["“.5”", "Dấu chấm"]),
        ("5.", ["“5.”", "Dấu chấm"]),
        ("1.6330", ["“1.6330”", "Dấu chấm"]),
        (
            "4,200",
            ["“4,200”", "không rõ nghĩa", "4,2 (bốn phẩy hai)", "4.200 (bốn nghìn hai trăm)"],
        ),
        ("4,200", ["hãy gõ 4,2;", "hãy gõ 4.200 hoặc 4200"]),
        (
            "1,633",
            [
                "“1,633”",
                "1,633 (một phẩy sáu trăm ba mươi ba)",
                "1.633 (một nghìn sáu trăm ba mươi ba)",
                "hãy gõ 1,6330",
                "hãy gõ 1.633 hoặc 1633",
            ],
        ),
        ("4,000", ["“4,000”", "4 (bốn)", "4.000 (bốn nghìn)"]),
        ("-1,500", ["“-1,500”", "-1,5 (âm một phẩy năm)", "-1.500"]),
        ("999,999", ["“999,999”", "không rõ nghĩa"]),
        ("1,2,3", ["“1,2,3”", "nhiều dấu phẩy"]),
        ("1,633,000", ["“1,633,000”", "hãy dùng dấu chấm: 1.633.000"]),
        ("1,633.25", ["“1,633.25”", "dấu chấm đứng sau dấu phẩy"]),
        ("1.633 000", ["“1.633 000”", "dùng lẫn"]),
        ("1  633", ["“1  633”", "khoảng trắng"]),
        ("1 63", ["“1 63”", "khoảng trắng"]),
        ("1 633,2 5", ["“1 633,2 5”", "phần thập phân"]),
        (",5", ["“,5”", "0,5"]),
        ("4,", ["“4,”", "thiếu chữ số sau dấu phẩy"]),
        ("-", ["“-”", "thiếu chữ số"]),
        ("- 5", ["“- 5”", "viết liền"]),
        ("5-3", ["“5-3”", "ở đầu số"]),
        ("--5", ["“--5”", "ở đầu số"]),
        ("45%", ["“45%”", "%"]),
        ("4\t2", ["“4\t2”", "khoảng trắng"]),
    ],
)
def test_parse_number_refuses_with_vietnamese_message(text: str, fragments: list[str]) -> None:
    with pytest.raises(NumberParseError) as caught:
        parse_number(text)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment.casefold() in message.casefold()
    assert caught.value.text == text
    assert isinstance(caught.value, ValueError)


def test_parse_number_refuses_non_strings() -> None:
    with pytest.raises(TypeError):
        parse_number(1633)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45%", Decimal("45")),
        ("45 %", Decimal("45")),
        ("45\u00a0%", Decimal("45")),
        ("45", Decimal("45")),
        ("83,5%", Decimal("83.5")),
        ("-2,5%", Decimal("-2.5")),
        ("1.250%", Decimal("1250")),
    ],
)
def test_parse_percent_returns_percent_points(text: str, expected: Decimal) -> None:
    assert parse_percent(text) == expected


@pytest.mark.parametrize("text", ["%", " % ", "45%%", "4%5", "4.5%", "4,500%", ""])
def test_parse_percent_refuses(text: str) -> None:
    with pytest.raises(NumberParseError):
        parse_percent(text)


def _is_ambiguous_output(value: Decimal) -> bool:
    """True where format_number writes ``d,ddd``, which the parser must refuse."""
    integer, _, fraction = format(value.copy_abs(), "f").partition(".")
    fraction = fraction.rstrip("0")
    return len(fraction) == 3 and 1 <= int(integer) <= 999


@given(
    st.decimals(
        min_value=Decimal("-1e15"),
        max_value=Decimal("1e15"),
        allow_nan=False,
        allow_infinity=False,
        places=4,
    )
)
def test_formatted_numbers_read_back(value: Decimal) -> None:
    text = format_number(value)
    if _is_ambiguous_output(value):
        with pytest.raises(NumberParseError, match="Không rõ nghĩa"):
            parse_number(text)
    else:
        assert parse_number(text) == value


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_formatted_integers_read_back(value: int) -> None:
    assert parse_number(format_number(value)) == value


@given(st.text(alphabet="0123456789.,-+ %\u00a0eE", max_size=14))
def test_parse_number_only_returns_finite_decimals_or_refuses(text: str) -> None:
    try:
        result = parse_number(text)
    except NumberParseError as error:
        assert str(error).startswith(("Không đọc được số “", "Chưa nhập số."))
    else:
        assert result.is_finite()
        assert "." not in text.strip() or "," in text or len(text.split(".")[-1]) >= 3
