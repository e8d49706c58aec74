"""Exact conversion of numeric inputs to :class:`~decimal.Decimal` (private helpers)."""

from __future__ import annotations

from decimal import Context, Decimal, getcontext

__all__ = ["Number", "as_decimal", "plain_parts", "wide_context"]

#: What the formatting and reading functions accept as a number.
#: ``float`` is converted through its shortest ``repr`` (``0.1`` -> ``Decimal("0.1")``),
#: so the digits are the ones the caller sees, not the binary approximation.
Number = Decimal | int | float


def as_decimal(value: Number) -> Decimal:
    """Convert ``value`` to a finite :class:`Decimal` without losing digits.

    Raises :class:`TypeError` for ``bool`` and non-numbers, :class:`ValueError` for
    NaN and infinities.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise TypeError(f"Cần một số (int, Decimal hoặc float), không phải {type(value).__name__}.")
    result = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not result.is_finite():
        raise ValueError(f"Không thể trình bày giá trị không hữu hạn “{value}”.")
    return result


def plain_parts(value: Decimal) -> tuple[bool, str, str]:
    """Split a finite decimal into ``(negative, integer digits, fraction digits)``.

    The fraction loses its trailing zeros (``Decimal("2.50")`` -> ``(False, "2", "5")``);
    the integer part has no leading zeros except a lone ``"0"``. No context precision
    is involved, so very long numbers keep every digit. Negative zero counts as zero.
    """
    text = format(value.copy_abs(), "f")
    integer, _, fraction = text.partition(".")
    integer = integer.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    negative = value.is_signed() and (integer != "0" or fraction != "")
    return negative, integer, fraction


def wide_context(value: Decimal, decimals: int) -> Context:
    """A decimal context precise enough to quantize ``value`` to ``decimals`` places exactly."""
    digits = len(value.as_tuple().digits)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite values only
    context = getcontext().copy()
    context.prec = max(28, digits + max(exponent, 0) + decimals + 2)
    return context
