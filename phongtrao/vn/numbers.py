"""Write numbers, percentages, counts and amounts of money the Vietnamese way.

Vietnamese writing groups thousands with ``.`` and uses ``,`` as the decimal mark:
``1.633``, ``116.572``, ``4,2``. Rounding is always half up (``0,5`` -> ``1``), as in
official reports, never banker's rounding. Inputs are ``int``, ``Decimal`` or ``float``
(converted through ``repr``, so ``0.1`` is exactly ``0,1``); ``bool``, NaN and
infinities are refused.

Amounts of money follow the way officials round them in prose (see
:func:`format_money`): "trên 4,2 tỷ đồng", "gần 1.293 tỷ đồng", "738 triệu đồng".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from phongtrao.vn._decimal import Number, as_decimal, plain_parts, wide_context

__all__ = [
    "MONEY_SCALES",
    "format_count",
    "format_money",
    "format_number",
    "format_percent",
]

#: Scales used by :func:`format_money`, largest first: factor and word.
#: Below one million the amount is written in full in đồng.
MONEY_SCALES: tuple[tuple[int, str], ...] = ((10**9, "tỷ"), (10**6, "triệu"), (1, ""))

#: In automatic mode, scaled amounts below this get one decimal, others none.
_AUTO_ONE_DECIMAL_BELOW = 100


def format_number(value: Number, decimals: int | None = None, leading_zero: bool = False) -> str:
    """Write ``value`` with ``.`` between thousands and ``,`` before the decimals.

    ``decimals=None`` writes the exact value without trailing zeros
    (``Decimal("4.20")`` -> ``"4,2"``); an integer rounds half up to that many places
    and keeps trailing zeros (``format_number(4.2, 2)`` -> ``"4,20"``).
    ``leading_zero=True`` writes whole numbers from 1 to 9 with two digits, as
    officials write "03 căn nhà" (also ``-3`` -> ``"-03"``); zero stays ``"0"`` and
    numbers with shown decimals are not padded.

    >>> format_number(1633)
    '1.633'
    >>> format_number(Decimal("-1633.25"))
    '-1.633,25'
    """
    rounded = _round(as_decimal(value), decimals)
    negative, integer, fraction = plain_parts(rounded)
    if decimals is not None:
        fraction = fraction.ljust(decimals, "0")
    grouped = f"{int(integer):,}".replace(",", ".")
    if leading_zero and not fraction and len(grouped) == 1 and grouped != "0":
        grouped = "0" + grouped
    text = f"{grouped},{fraction}" if fraction else grouped
    return f"-{text}" if negative else text


def format_percent(value: Number, decimals: int = 0) -> str:
    """Write a percentage: ``value`` is in percent (``195`` -> ``"195%"``, not 0,195).

    Rounded half up to ``decimals`` places (default: whole percent), trailing zeros
    kept so columns line up: ``format_percent(Decimal("83.46"), 1)`` -> ``"83,5%"``,
    ``format_percent(100, 1)`` -> ``"100,0%"``. No space before ``%``.
    """
    return f"{format_number(value, decimals)}%"


def format_count(value: Number, unit_label: str, leading_zero: bool = False) -> str:
    """Write a count with its unit: ``format_count(1633, "đợt")`` -> ``"1.633 đợt"``.

    ``leading_zero=True`` gives "03 căn nhà" for counts below ten (see
    :func:`format_number`). The count is written exactly, without rounding.
    """
    label = unit_label.strip()
    if not label:
        raise ValueError("Cần ghi đơn vị tính, ví dụ “đợt” hoặc “căn nhà”.")
    return f"{format_number(value, leading_zero=leading_zero)} {label}"


def format_money(
    amount: Number,
    *,
    decimals: int | None = None,
    above: str = "trên",
    below: str = "gần",
    currency: str = "đồng",
    trim_zeros: bool = True,
) -> str:
    """Write an amount of money rounded by scale, with a qualifier, as officials do.

    The rule:

    1. pick the largest scale of :data:`MONEY_SCALES` the amount reaches: tỷ
       (10^9), triệu (10^6), otherwise whole đồng written in full ("500.000 đồng");
    2. divide and round half up to ``decimals`` places. ``None`` (automatic) means
       one decimal below 100 of the scale and none from 100 up ("4,2 tỷ",
       "738 triệu", "1.293 tỷ"); amounts in đồng are always rounded to whole đồng.
       If rounding reaches the next scale (999.960.000 -> 1.000 triệu) the next scale
       is used instead ("gần 1 tỷ đồng");
    3. compare the exact amount with the shown one (in absolute value): equal -> no
       qualifier, exact larger -> ``above`` ("trên", or its synonym "hơn"), exact
       smaller -> ``below`` ("gần").

    Trailing zeros of the shown number are dropped ("3 tỷ", not "3,0 tỷ") unless
    ``trim_zeros=False`` ("trên 4,850 tỷ đồng" with ``decimals=3``). Negative
    amounts keep their sign after the qualifier ("trên -4,2 tỷ đồng"). A non-zero
    amount under half a đồng, which would round to 0, is written exactly ("0,4 đồng").

    >>> format_money(4_236_500_000)
    'trên 4,2 tỷ đồng'
    >>> format_money(1_292_870_000_000)
    'gần 1.293 tỷ đồng'
    >>> format_money(4_850_000_000, decimals=2)
    '4,85 tỷ đồng'
    """
    if decimals is not None and decimals < 0:
        raise ValueError(f"Số chữ số thập phân phải từ 0 trở lên, không phải {decimals}.")
    exact = as_decimal(amount)
    magnitude = exact.copy_abs()
    index = next(i for i, (factor, _) in enumerate(MONEY_SCALES) if magnitude >= factor or i == 2)
    while True:
        factor, word = MONEY_SCALES[index]
        scaled = magnitude.scaleb(-_exponent(factor))
        places = _money_places(scaled, factor, decimals)
        shown = _round(scaled, places)
        if index > 0 and shown * factor >= MONEY_SCALES[index - 1][0]:
            index -= 1
            continue
        break
    if shown.is_zero() and not magnitude.is_zero():
        # Less than half a đồng: rounding would print "trên 0 đồng"; show it exactly.
        return f"{format_number(exact)} {currency.strip()}".strip()
    shown_amount = shown.scaleb(_exponent(factor))
    if magnitude > shown_amount:
        qualifier = above.strip()
    elif magnitude < shown_amount:
        qualifier = below.strip()
    else:
        qualifier = ""
    signed = -shown if exact.is_signed() and not shown.is_zero() else shown
    number = format_number(signed, None if trim_zeros else places)
    parts = [qualifier, number, word, currency.strip()]
    return " ".join(part for part in parts if part)


def _round(value: Decimal, decimals: int | None) -> Decimal:
    """Round half up to ``decimals`` places; ``None`` leaves the value as it is."""
    if decimals is None:
        return value
    if decimals < 0:
        raise ValueError(f"Số chữ số thập phân phải từ 0 trở lên, không phải {decimals}.")
    context = wide_context(value, decimals)
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=context)


def _money_places(scaled: Decimal, factor: int, decimals: int | None) -> int:
    """Decimal places for a scaled amount: whole đồng, the caller's choice, or automatic."""
    if factor == 1:
        return 0
    if decimals is not None:
        return decimals
    return 1 if scaled < _AUTO_ONE_DECIMAL_BELOW else 0


def _exponent(factor: int) -> int:
    """The power of ten of a scale factor (``10**9`` -> 9)."""
    return len(str(factor)) - 1
