"""Read numbers the way Vietnamese users type them, refusing anything ambiguous.

Vietnamese writing uses ``.`` to group thousands and ``,`` as the decimal mark:
``1.633`` is one thousand six hundred thirty-three and ``4,2`` is four point two.
Users also paste figures written the English way, so a reader that "does its best"
would silently turn ``4.2`` into ``42`` or ``1,633`` into ``1,633``. These functions
never guess: anything that is not unambiguously a Vietnamese number is refused with a
:class:`NumberParseError` (a :class:`ValueError`) whose message, in Vietnamese, quotes
the input and says how to type it.

Accepted
    * optional sign ``-``, ``+`` or ``−`` (U+2212) written directly before the digits;
    * digits ``0``-``9`` only (no other scripts, no exponent, no ``NaN``/``∞``);
    * thousands grouped with dots (``1.633.000``) or with single spaces, including
      non-breaking, narrow non-breaking and thin spaces (``1 633 000``) but not both;
      the first group has 1-3 digits and does not start with ``0``, the others exactly 3;
    * plain digits without grouping (``1633``, also ``03``);
    * one decimal comma with at least one digit on each side (``4,2``, ``0,5``,
      ``1.633,25``);
    * surrounding whitespace.

Refused
    * a dot that does not group thousands (``4.2``, ``1.63``, ``1.633.00``,
      ``12.34.567``, ``1..2``, ``0.633``);
    * ``d,ddd`` / ``dd,ddd`` / ``ddd,ddd`` (no dot, 1-3 integer digits not starting with
      ``0``, exactly three decimals): it could be a Vietnamese decimal (``4,200`` = 4,2)
      or an English thousands separator (``4,200`` = 4.200). ``0,500`` and ``1633,250``
      are not ambiguous (no English writer groups thousands that way) and are read as
      decimals, as are ``1.633,250`` and ``4,2000``;
    * more than one comma, a dot after the comma, spaces inside the decimals;
    * a trailing ``%``: see below.

Percent sign
    :func:`parse_number` refuses ``45%``: a field that expects a count or an amount
    should not silently accept a rate, and whether ``45%`` means 45 or 0,45 depends on
    the field. Use :func:`parse_percent` for rate fields: it accepts an optional
    trailing ``%`` (with or without a space before it) and returns the number of
    percent, ``"45%"`` -> ``Decimal("45")`` (not ``0.45``).
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["NumberParseError", "parse_number", "parse_percent"]

_DIGITS = "0123456789"
_GROUP_SPACES = " \u00a0\u202f\u2009"
_SIGNS = {"-": "-", "\u2212": "-", "+": ""}

_DOT_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+")
_SPACE_GROUPED = re.compile(rf"[1-9][0-9]{{0,2}}(?:[{_GROUP_SPACES}][0-9]{{3}})+")
_ENGLISH_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")
_ENGLISH_THOUSANDS = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+")
_SHORT_INTEGER = re.compile(r"[1-9][0-9]{0,2}")

_EXAMPLE = "ví dụ 1.633 hoặc 4,2"
_DOT_RULE = (
    "Dấu chấm dùng để phân cách hàng nghìn; số thập phân dùng dấu phẩy, ví dụ 4,2. "
    "Sau mỗi dấu chấm phải có đúng ba chữ số, ví dụ 1.633.000."
)


class NumberParseError(ValueError):
    """A text that cannot be read as a number without guessing.

    ``text`` is the input as given and ``reason`` the Vietnamese explanation; ``str()``
    of the error is the full message to show the user, quoting the input:
    “Không đọc được số “4.2”. Dấu chấm dùng để phân cách hàng nghìn; …”.
    """

    def __init__(self, text: str, reason: str) -> None:
        """Build the user-facing message from the input and the reason."""
        self.text = text
        self.reason = reason
        shown = text.strip()
        opening = f"Không đọc được số “{shown}”." if shown else "Chưa nhập số."
        super().__init__(f"{opening} {reason[:1].upper()}{reason[1:]}")


def parse_number(text: str) -> Decimal:
    """Read ``text`` written with Vietnamese separators and return its exact value.

    >>> parse_number("1.633")
    Decimal('1633')
    >>> parse_number("1.633,25")
    Decimal('1633.25')
    >>> parse_number("4,2")
    Decimal('4.2')

    The result keeps the typed decimals (``"4,20"`` -> ``Decimal("4.20")``); negative
    zero is returned as zero. Raises :class:`NumberParseError` (a :class:`ValueError`)
    for anything ambiguous or malformed; see the module documentation for the rules.
    """
    if not isinstance(text, str):
        raise TypeError(f"Cần một chuỗi ký tự, không phải {type(text).__name__}.")
    body = text.strip()
    if body.endswith("%"):
        raise NumberParseError(
            text,
            "ô này cần một số, không nhận dấu phần trăm “%”. "
            "Hãy nhập số không kèm dấu %, ví dụ 45.",
        )
    return _parse(text, body)


def parse_percent(text: str) -> Decimal:
    """Read a percentage typed with or without a trailing ``%``; return the percent.

    ``"45%"``, ``"45 %"`` and ``"45"`` all give ``Decimal("45")``; ``"83,5%"`` gives
    ``Decimal("83.5")``. The number itself follows the rules of :func:`parse_number`.
    """
    if not isinstance(text, str):
        raise TypeError(f"Cần một chuỗi ký tự, không phải {type(text).__name__}.")
    body = text.strip()
    if body.endswith("%"):
        body = body[:-1].rstrip()
        if not body:
            raise NumberParseError(text, "chỉ có dấu “%”, thiếu con số, ví dụ 45%.")
    if "%" in body:
        raise NumberParseError(text, "dấu “%” chỉ được đặt một lần, ở cuối số, ví dụ 45%.")
    return _parse(text, body)


def _parse(text: str, body: str) -> Decimal:
    """Parse the stripped ``body``; ``text`` is the original input for messages."""
    if not body:
        raise NumberParseError(text, f"ô đang để trống; hãy nhập một số, {_EXAMPLE}.")

    sign = ""
    if body[0] in _SIGNS:
        sign = _SIGNS[body[0]]
        body = body[1:]
        if not body:
            raise NumberParseError(text, f"chỉ có dấu, thiếu chữ số, {_EXAMPLE}.")
        if body[0] in _GROUP_SPACES or body[0].isspace():
            raise NumberParseError(text, "dấu âm/dương phải viết liền với chữ số, ví dụ -5.")

    _check_characters(text, body)

    if body.count(",") > 1:
        reason = "có nhiều dấu phẩy; dấu phẩy chỉ dùng một lần để ngăn phần thập phân, ví dụ 4,2."
        if _ENGLISH_THOUSANDS.fullmatch(body):
            reason += (
                f" Nếu đây là số có phân cách hàng nghìn, hãy dùng dấu chấm: "
                f"{sign}{body.replace(',', '.')}."
            )
        raise NumberParseError(text, reason)

    integer, comma, fraction = body.partition(",")
    if comma:
        if "." in fraction:
            raise NumberParseError(
                text,
                "dấu chấm đứng sau dấu phẩy. Cách viết Việt Nam dùng dấu chấm phân cách "
                "hàng nghìn và dấu phẩy ngăn phần thập phân, ví dụ 1.633,25.",
            )
        if any(ch in _GROUP_SPACES for ch in fraction):
            raise NumberParseError(
                text, "phần thập phân (sau dấu phẩy) không được có khoảng trắng, ví dụ 4,25."
            )
        if not integer:
            raise NumberParseError(
                text, f"thiếu phần nguyên trước dấu phẩy; hãy viết 0,{fraction or '5'}."
            )
        if not fraction:
            raise NumberParseError(text, "thiếu chữ số sau dấu phẩy, ví dụ 4,2.")

    digits = _integer_digits(text, integer, sign, has_comma=bool(comma))

    if comma and len(fraction) == 3 and _SHORT_INTEGER.fullmatch(integer):
        raise NumberParseError(text, _ambiguous_reason(sign, integer, fraction))

    value = Decimal(f"{sign}{digits}.{fraction}" if fraction else f"{sign}{digits}")
    return value.copy_abs() if value.is_zero() else value


def _check_characters(text: str, body: str) -> None:
    """Refuse any character other than digits, separators and group spaces."""
    for ch in body:
        if ch in _DIGITS or ch in ".," or ch in _GROUP_SPACES:
            continue
        if ch in _SIGNS:
            reason = f"dấu “{ch}” chỉ được đặt ở đầu số, ví dụ -5."
        elif ch == "%":
            reason = "dấu “%” chỉ được đặt ở cuối một tỷ lệ phần trăm, ví dụ 45%."
        elif ch.isspace():
            reason = "có khoảng trắng không hợp lệ; chỉ dùng một dấu cách giữa các nhóm ba chữ số."
        else:
            reason = (
                f"có ký tự “{ch}” không phải chữ số. Chỉ dùng chữ số 0-9, dấu chấm phân cách "
                f"hàng nghìn và dấu phẩy thập phân, {_EXAMPLE}."
            )
        raise NumberParseError(text, reason)


def _integer_digits(text: str, integer: str, sign: str, *, has_comma: bool) -> str:
    """Validate the part before the comma and return it without separators."""
    has_dot = "." in integer
    has_space = any(ch in _GROUP_SPACES for ch in integer)
    if has_dot and has_space:
        raise NumberParseError(
            text,
            "dùng lẫn dấu chấm và khoảng trắng để phân cách hàng nghìn; "
            "hãy chỉ dùng dấu chấm, ví dụ 1.633.000.",
        )
    if has_dot:
        if not _DOT_GROUPED.fullmatch(integer):
            reason = _DOT_RULE
            if not has_comma and _ENGLISH_DECIMAL.fullmatch(integer):
                reason += f" Nếu đây là số thập phân, hãy gõ {sign}{integer.replace('.', ',')}."
            raise NumberParseError(text, reason)
        return integer.replace(".", "")
    if has_space:
        if not _SPACE_GROUPED.fullmatch(integer):
            raise NumberParseError(
                text,
                "khoảng trắng chỉ dùng để phân cách hàng nghìn: một dấu cách, mỗi nhóm sau "
                "có đúng ba chữ số, ví dụ 1 633 000 (hoặc 1.633.000).",
            )
        return "".join(ch for ch in integer if ch in _DIGITS)
    return integer


def _ambiguous_reason(sign: str, integer: str, fraction: str) -> str:
    """Explain both readings of ``d,ddd`` and how to type each unambiguously."""
    from phongtrao.vn.words import number_to_words  # local: words reads strings via parse

    as_thousands = f"{sign}{integer}.{fraction}"
    as_plain = f"{sign}{integer}{fraction}"
    short = fraction.rstrip("0")
    if not short:
        as_decimal = f"{sign}{integer}"
        advice = as_decimal
    elif len(short) < 3:
        as_decimal = f"{sign}{integer},{short}"
        advice = as_decimal
    else:
        as_decimal = f"{sign}{integer},{fraction}"
        advice = f"{as_decimal}0 (thêm một chữ số 0 ở cuối để khỏi nhầm)"
    decimal_words = number_to_words(Decimal(f"{sign}{integer}.{fraction}"))
    thousands_words = number_to_words(int(as_plain))
    return (
        f"không rõ nghĩa vì có thể là {as_decimal} ({decimal_words}) nếu dấu phẩy ngăn phần "
        f"thập phân, hoặc là {as_thousands} ({thousands_words}) nếu dấu phẩy phân cách hàng "
        f"nghìn theo kiểu tiếng Anh. Nếu là {as_decimal}, hãy gõ {advice}; nếu là "
        f"{as_thousands}, hãy gõ {as_thousands} hoặc {as_plain}."
    )
