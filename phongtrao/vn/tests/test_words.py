"""Tests for :mod:`phongtrao.vn.words`: numbers and money in Vietnamese words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phongtrao.vn.parse import NumberParseError
from phongtrao.vn.words import money_in_words, number_to_words

_ONE_THOUSAND_BILLION = "một nghìn hai trăm chín mươi ba tỷ"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "không"),
        (1, "một"),
        (4, "bốn"),
        (5, "năm"),
        (9, "chín"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (19, "mười chín"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (31, "ba mươi mốt"),
        (44, "bốn mươi tư"),
        (55, "năm mươi lăm"),
        (90, "chín mươi"),
        (99, "chín mươi chín"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (104, "một trăm linh bốn"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (111, "một trăm mười một"),
        (115, "một trăm mười lăm"),
        (121, "một trăm hai mươi mốt"),
        (200, "hai trăm"),
        (500, "năm trăm"),
        (1000, "một nghìn"),
        (1001, "một nghìn không trăm linh một"),
        (1005, "một nghìn không trăm linh năm"),
        (1010, "một nghìn không trăm mười"),
        (1015, "một nghìn không trăm mười lăm"),
        (1021, "một nghìn không trăm hai mươi mốt"),
        (1100, "một nghìn một trăm"),
        (1633, "một nghìn sáu trăm ba mươi ba"),
        (5000, "năm nghìn"),
        (10_000, "mười nghìn"),
        (15_000, "mười lăm nghìn"),
        (21_000, "hai mươi mốt nghìn"),
        (24_000, "hai mươi tư nghìn"),
        (100_000, "một trăm nghìn"),
        (105_000, "một trăm linh năm nghìn"),
        (116_572, "một trăm mười sáu nghìn năm trăm bảy mươi hai"),
        (1_000_000, "một triệu"),
        (1_000_500, "một triệu năm trăm"),
        (1_000_005, "một triệu không trăm linh năm"),
        (1_050_000, "một triệu không trăm năm mươi nghìn"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (2_001_000, "hai triệu không trăm linh một nghìn"),
        (10_000_000, "mười triệu"),
        (738_000_000, "bảy trăm ba mươi tám triệu"),
        (10**9, "một tỷ"),
        (1_000_000_005, "một tỷ không trăm linh năm"),
        (1_001_000_000, "một tỷ không trăm linh một triệu"),
        (4_236_500_000, "bốn tỷ hai trăm ba mươi sáu triệu năm trăm nghìn"),
        (10**12, "một nghìn tỷ"),
        (1_293_000_000_000, _ONE_THOUSAND_BILLION),
        (
            1_292_870_000_000,
            "một nghìn hai trăm chín mươi hai tỷ tám trăm bảy mươi triệu",
        ),
        (2_000_000_000_500, "hai nghìn tỷ năm trăm"),
        (10**15, "một triệu tỷ"),
        (10**18, "một tỷ tỷ"),
        (10**18 + 1, "một tỷ tỷ không trăm linh một"),
        (5 * 10**21, "năm nghìn tỷ tỷ"),
        (-7, "âm bảy"),
        (-1005, "âm một nghìn không trăm linh năm"),
        (Decimal("1E+3"), "một nghìn"),
        (Decimal("2.0"), "hai"),
    ],
)
def test_number_to_words(value: int | Decimal, expected: str) -> None:
    assert number_to_words(value) == expected


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        (24, {"four": "bốn"}, "hai mươi bốn"),
        (24, {"four": "tư"}, "hai mươi tư"),
        (14, {"four": "tư"}, "mười bốn"),
        (104, {"four": "tư"}, "một trăm linh bốn"),
        (101, {"odd": "lẻ"}, "một trăm lẻ một"),
        (1005, {"odd": "lẻ"}, "một nghìn không trăm lẻ năm"),
        (1000, {"thousand": "ngàn"}, "một ngàn"),
        (10**12, {"thousand": "ngàn"}, "một ngàn tỷ"),
        (
            1_054_024,
            {"odd": "lẻ", "four": "bốn", "thousand": "ngàn"},
            "một triệu không trăm năm mươi bốn ngàn không trăm hai mươi bốn",
        ),
    ],
)
def test_number_to_words_options(value: int, options: dict[str, Any], expected: str) -> None:
    assert number_to_words(value, **options) == expected


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        (Decimal("2.5"), {}, "hai phẩy năm"),
        ("2,05", {}, "hai phẩy không năm"),
        (Decimal("2.05"), {}, "hai phẩy không năm"),
        (Decimal("2.50"), {}, "hai phẩy năm"),
        (Decimal("3.14"), {}, "ba phẩy mười bốn"),
        (Decimal("4.24"), {}, "bốn phẩy hai mươi tư"),
        (Decimal("4.85"), {}, "bốn phẩy tám mươi lăm"),
        (Decimal("0.125"), {}, "không phẩy một trăm hai mươi lăm"),
        (Decimal("0.005"), {}, "không phẩy không không năm"),
        (Decimal("-0.5"), {}, "âm không phẩy năm"),
        (Decimal("3.14159"), {}, "ba phẩy một bốn một năm chín"),
        (
            Decimal("3.14159"),
            {"fraction": "number"},
            "ba phẩy mười bốn nghìn một trăm năm mươi chín",
        ),
        (Decimal("3.14"), {"fraction": "digits"}, "ba phẩy một bốn"),
        (Decimal("2.05"), {"fraction": "digits"}, "hai phẩy không năm"),
        (0.1, {}, "không phẩy một"),
        ("1.633", {}, "một nghìn sáu trăm ba mươi ba"),
        ("1.633,5", {}, "một nghìn sáu trăm ba mươi ba phẩy năm"),
        ("-4,2", {}, "âm bốn phẩy hai"),
    ],
)
def test_number_to_words_decimals(value: Any, options: dict[str, Any], expected: str) -> None:
    assert number_to_words(value, **options) == expected


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (True, TypeError),
        (None, TypeError),
        (Decimal("NaN"), ValueError),
        (float("inf"), ValueError),
        ("4,200", NumberParseError),
        ("4.2", NumberParseError),
        ("", NumberParseError),
    ],
)
def test_number_to_words_refuses(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        number_to_words(value)


@pytest.mark.parametrize(
    ("amount", "options", "expected"),
    [
        (4_236_500_000, {}, "Bốn tỷ hai trăm ba mươi sáu triệu năm trăm nghìn đồng"),
        (
            4_236_500_000,
            {"even": True},
            "Bốn tỷ hai trăm ba mươi sáu triệu năm trăm nghìn đồng chẵn",
        ),
        (738_000_000, {"even": True}, "Bảy trăm ba mươi tám triệu đồng chẵn"),
        (0, {}, "Không đồng"),
        (1005, {}, "Một nghìn không trăm linh năm đồng"),
        (500_000, {}, "Năm trăm nghìn đồng"),
        (1_000_500, {}, "Một triệu năm trăm đồng"),
        (-15_000, {}, "Âm mười lăm nghìn đồng"),
        (Decimal("738000000.00"), {}, "Bảy trăm ba mươi tám triệu đồng"),
        ("1.633.000", {}, "Một triệu sáu trăm ba mươi ba nghìn đồng"),
        (1_293_000_000_000, {}, "Một nghìn hai trăm chín mươi ba tỷ đồng"),
        (24_000, {"four": "bốn", "thousand": "ngàn"}, "Hai mươi bốn ngàn đồng"),
        (101_000, {"odd": "lẻ"}, "Một trăm lẻ một nghìn đồng"),
        (2_800_000, {"currency": "đồng Việt Nam"}, "Hai triệu tám trăm nghìn đồng Việt Nam"),
    ],
)
def test_money_in_words(amount: Any, options: dict[str, Any], expected: str) -> None:
    assert money_in_words(amount, **options) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        (Decimal("1.5"), "đồng", "phần lẻ"),
        ("1,5", "đồng", "phần lẻ"),
        (1000, " ", "đơn vị"),
    ],
)
def test_money_in_words_refuses(amount: Any, currency: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        money_in_words(amount, currency=currency)


# --- property tests: read the words back with an independent parser ----------------

_DIGIT_VALUES = {
    "không": 0,
    "một": 1,
    "mốt": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "tư": 4,
    "năm": 5,
    "lăm": 5,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
}
_START_WORDS = {"âm", "mười", *_DIGIT_VALUES} - {"mốt", "tư", "lăm"}


def _words_to_int(text: str) -> int:
    """Read back an integer written by number_to_words (test oracle, no validation)."""
    tokens = text.split(" ")
    if tokens[0] == "âm":
        return -_read(tokens[1:])
    return _read(tokens)


def _read(tokens: list[str]) -> int:
    """Split at the last "tỷ" (the generator nests: high part, "tỷ", low part)."""
    if "tỷ" in tokens:
        last = len(tokens) - 1 - tokens[::-1].index("tỷ")
        return _read(tokens[:last]) * 10**9 + (
            _read(tokens[last + 1 :]) if tokens[last + 1 :] else 0
        )
    total = 0
    for scale, factor in (("triệu", 10**6), ("nghìn", 1000), ("ngàn", 1000)):
        if scale in tokens:
            index = tokens.index(scale)
            total += _read_group(tokens[:index]) * factor
            tokens = tokens[index + 1 :]
    return total + _read_group(tokens)


def _read_group(tokens: list[str]) -> int:
    """Value of the words for one group of three digits."""
    value, index = 0, 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token == "mười":
            value += 10
        elif token in {"linh", "lẻ"}:
            pass
        elif following == "trăm":
            value += _DIGIT_VALUES[token] * 100
            index += 1
        elif following == "mươi":
            value += _DIGIT_VALUES[token] * 10
            index += 1
        else:
            value += _DIGIT_VALUES[token]
        index += 1
    return value


def _check_word_order(tokens: list[str]) -> None:
    """Context rules for the special unit words and for "linh"/"lẻ"."""
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index else None
        if token == "mốt":
            assert previous == "mươi"
        if token == "lăm":
            assert previous in {"mươi", "mười"}
        if token == "tư":
            assert previous == "mươi"
        if token in {"linh", "lẻ"}:
            assert previous == "trăm"
            assert tokens[index + 1] in _DIGIT_VALUES
            assert tokens[index + 1] not in {"không", "mốt", "tư", "lăm"}
        if token == "mươi":
            assert previous not in {"không", "một"}


_BIG = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=0, max_value=2000),
    st.builds(
        lambda digits: int("".join(digits)),
        st.lists(st.sampled_from("0000015"), min_size=1, max_size=25),
    ),
)


@given(
    _BIG,
    st.sampled_from(["tư", "bốn"]),
    st.sampled_from(["linh", "lẻ"]),
    st.sampled_from(["nghìn", "ngàn"]),
)
def test_words_read_back_and_are_well_formed(
    value: int, four: Any, odd: Any, thousand: Any
) -> None:
    text = number_to_words(value, four=four, odd=odd, thousand=thousand)
    assert "  " not in text
    assert text == text.strip()
    assert text == text.lower()
    tokens = text.split(" ")
    assert tokens[0] in _START_WORDS
    assert (tokens[0] == "âm") == (value < 0)
    if value < 0:
        assert tokens[1] in _START_WORDS - {"âm"}
    if abs(value) > 0:
        assert tokens[0 if value > 0 else 1] != "không"
    _check_word_order(tokens)
    assert _words_to_int(text) == value


@given(
    st.decimals(
        min_value=Decimal("-1e12"),
        max_value=Decimal("1e12"),
        allow_nan=False,
        allow_infinity=False,
        places=6,
    )
)
def test_decimal_words_are_well_formed(value: Decimal) -> None:
    text = number_to_words(value)
    assert "  " not in text
    assert text == text.strip()
    assert ("phẩy" in text) == (value != value.to_integral_value())
    integer_words = text.split(" phẩy ")[0]
    assert _words_to_int(integer_words) == int(value)


@given(st.integers(min_value=-(10**24), max_value=10**24), st.booleans())
def test_money_in_words_is_capitalised(amount: int, even: bool) -> None:
    text = money_in_words(amount, even=even)
    assert text[0].isupper()
    assert "  " not in text
    assert text.endswith("đồng chẵn" if even else "đồng")
    body = text.removesuffix(" chẵn").removesuffix(" đồng")
    assert _words_to_int(body[0].lower() + body[1:]) == amount
