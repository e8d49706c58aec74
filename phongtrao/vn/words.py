"""Numbers in Vietnamese words, as officials read them on documents and cheques.

Rules implemented (the library *num2words* gets several of them wrong):

* digits: không, một, hai, ba, bốn, năm, sáu, bảy, tám, chín;
* tens: ``10`` "mười", ``20`` "hai mươi"; after "mười" the unit 5 is "lăm"
  (``15`` "mười lăm") and 1 stays "một" (``11`` "mười một"), 4 stays "bốn" (``14`` "mười
  bốn"); after "mươi" 1 is "mốt" (``21`` "hai mươi mốt"), 5 is "lăm" and 4 is "tư" (or
  "bốn" with ``four="bốn"``);
* a group whose tens digit is 0 but units are not reads "linh" (or "lẻ" with
  ``odd="lẻ"``) before the unit when something precedes it in the number:
  ``101`` "một trăm linh một", ``105`` "một trăm linh năm" (never "lăm");
* numbers are read in groups of three digits with "nghìn" (or "ngàn"), "triệu" and
  "tỷ"; beyond "tỷ" the words nest: ``10**12`` "một nghìn tỷ", ``10**18`` "một tỷ tỷ",
  ``1_293_000_000_000`` "một nghìn hai trăm chín mươi ba tỷ";
* all-zero groups are skipped (``1_000_500`` "một triệu năm trăm"); every other group
  after the leading one is read with all three digits, so a zero hundreds digit reads
  "không trăm" (``1_050_000`` "một triệu không trăm năm mươi nghìn", ``1005`` "một
  nghìn không trăm linh năm");
* negative numbers start with "âm"; the decimal comma is read "phẩy". The fraction
  is read as a number after its leading zeros, each read "không" (``2,05`` "hai phẩy
  không năm", ``3,14`` "ba phẩy mười bốn"), or digit by digit with
  ``fraction="digits"``; the default ``"auto"`` reads up to three decimals as a number
  and longer fractions digit by digit. Trailing zeros of the fraction are not read
  (``Decimal("2.50")`` "hai phẩy năm").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from phongtrao.vn._decimal import Number, as_decimal, plain_parts

__all__ = ["money_in_words", "number_to_words"]

Four = Literal["tư", "bốn"]
Odd = Literal["linh", "lẻ"]
Thousand = Literal["nghìn", "ngàn"]
FractionStyle = Literal["auto", "number", "digits"]

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_BILLION = 10**9
_AUTO_FRACTION_DIGITS = 3


def number_to_words(
    value: Number | str,
    *,
    four: Four = "tư",
    odd: Odd = "linh",
    thousand: Thousand = "nghìn",
    fraction: FractionStyle = "auto",
) -> str:
    """Read ``value`` in lower-case Vietnamese words.

    ``value`` may be an ``int``, a ``Decimal``, a ``float`` (through its ``repr``) or a
    string typed the Vietnamese way (``"2,05"``, ``"1.633"``), which is read with
    :func:`phongtrao.vn.parse.parse_number` and therefore refused if ambiguous.

    >>> number_to_words(1005)
    'một nghìn không trăm linh năm'
    >>> number_to_words("2,05")
    'hai phẩy không năm'
    """
    negative, integer, fraction_digits = plain_parts(_coerce(value))
    words = ["âm"] if negative else []
    words += _read_integer(int(integer), leading=True, four=four, odd=odd, thousand=thousand)
    if fraction_digits:
        words.append("phẩy")
        words += _read_fraction(fraction_digits, fraction, four=four, odd=odd, thousand=thousand)
    return " ".join(words)


def money_in_words(
    amount: Number | str,
    *,
    currency: str = "đồng",
    even: bool = False,
    four: Four = "tư",
    odd: Odd = "linh",
    thousand: Thousand = "nghìn",
) -> str:
    """Write an amount of money in words, capitalised, as on a document or cheque.

    >>> money_in_words(4_236_500_000)
    'Bốn tỷ hai trăm ba mươi sáu triệu năm trăm nghìn đồng'
    >>> money_in_words(738_000_000, even=True)
    'Bảy trăm ba mươi tám triệu đồng chẵn'

    ``even=True`` appends "chẵn" (the "… đồng chẵn" form used to stop additions after
    the written amount). The amount must be a whole number of ``currency`` units:
    fractions of a đồng raise :class:`ValueError`.
    """
    value = _coerce(amount)
    negative, integer, fraction_digits = plain_parts(value)
    if fraction_digits:
        raise ValueError(
            f"Số tiền “{amount}” có phần lẻ dưới một {currency}; hãy làm tròn trước khi "
            f"viết bằng chữ."
        )
    unit = currency.strip()
    if not unit:
        raise ValueError("Cần ghi đơn vị tiền, ví dụ “đồng”.")
    words = ["âm"] if negative else []
    words += _read_integer(int(integer), leading=True, four=four, odd=odd, thousand=thousand)
    words.append(unit)
    if even:
        words.append("chẵn")
    text = " ".join(words)
    return text[0].upper() + text[1:]


def _coerce(value: Number | str) -> Decimal:
    """Turn the accepted inputs into a finite ``Decimal``."""
    if isinstance(value, str):
        from phongtrao.vn.parse import parse_number  # local: parse uses words in messages

        return parse_number(value)
    return as_decimal(value)


def _read_integer(n: int, *, leading: bool, four: Four, odd: Odd, thousand: Thousand) -> list[str]:
    """Words for a non-negative integer; ``leading`` is False after a higher part."""
    if n >= _BILLION:
        high, low = divmod(n, _BILLION)
        words = _read_integer(high, leading=leading, four=four, odd=odd, thousand=thousand)
        words.append("tỷ")
        if low:
            words += _read_below_billion(low, leading=False, four=four, odd=odd, thousand=thousand)
        return words
    if n == 0:
        return [_DIGITS[0]]
    return _read_below_billion(n, leading=leading, four=four, odd=odd, thousand=thousand)


def _read_below_billion(
    n: int, *, leading: bool, four: Four, odd: Odd, thousand: Thousand
) -> list[str]:
    """Words for ``0 < n < 10**9``: groups of three with "triệu" and "nghìn"."""
    groups = ((n // 1_000_000, "triệu"), (n // 1000 % 1000, thousand), (n % 1000, ""))
    words: list[str] = []
    for group, scale in groups:
        if group == 0:
            continue
        words += _read_group(group, full=not leading, four=four, odd=odd)
        if scale:
            words.append(scale)
        leading = False
    return words


def _read_group(n: int, *, full: bool, four: Four, odd: Odd) -> list[str]:
    """Words for one group ``0 < n < 1000``; ``full`` reads all three digits."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(odd)
            words.append(_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGITS[units])
    else:
        words += [_DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 4:
            words.append(four)
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(_DIGITS[units])
    return words


def _read_fraction(
    digits: str, style: FractionStyle, *, four: Four, odd: Odd, thousand: Thousand
) -> list[str]:
    """Words for the digits after the decimal comma (no trailing zeros)."""
    if style == "digits" or (style == "auto" and len(digits) > _AUTO_FRACTION_DIGITS):
        return [_DIGITS[int(d)] for d in digits]
    significant = digits.lstrip("0")
    words = [_DIGITS[0]] * (len(digits) - len(significant))
    words += _read_integer(int(significant), leading=True, four=four, odd=odd, thousand=thousand)
    return words
