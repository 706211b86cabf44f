"""Exact decimal arithmetic for thresholds (rule book R1.4).

Every number is taken at the decimal value it is written with: the float ``49.7`` is
``Decimal("49.7")``, not the nearest binary fraction. Sums and threshold products are computed
in a context wide enough to be exact; only displayed percentages are rounded (A11).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Context, Decimal, Inexact

# 120 significant digits: exact for any sum or product of diameters written with at most
# 17 significant digits between 1e-100 and 1e3 mm (the range the record model accepts).
EXACT = Context(prec=120, traps=[Inexact])

ZERO = Decimal(0)


def to_decimal(value: int | float | Decimal) -> Decimal:
    """The decimal value ``value`` is written with.

    Parameters
    ----------
    value : int, float or Decimal
        A float is read through its shortest round-trip representation (``repr``), which is
        the decimal literal it was parsed from.

    Examples
    --------
    >>> to_decimal(49.7)
    Decimal('49.7')
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value))


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """Sum without rounding."""
    total = ZERO
    add = EXACT.add
    for value in values:
        total = add(total, value)
    return total


#: ``times(value, factor)``: product without rounding (an int factor is taken exactly).
#: The context's own method: thresholds call it at every visit.
times = EXACT.multiply

#: ``minus(a, b)``: difference without rounding.
minus = EXACT.subtract


def pct_change(value: Decimal, reference: Decimal, decimals: int) -> float | None:
    """``100·(value − reference)/reference`` rounded half-up for display; None if reference is 0.

    Computed on integers (the exact fractions of both decimals), so the rounding is exact:
    ``100 → 66.665`` is −33.335 % and shows as −33.34.

    Examples
    --------
    >>> pct_change(Decimal("66.665"), Decimal("100"), 2)
    -33.34
    """
    if not reference:
        return None
    value_num, value_den = value.as_integer_ratio()
    ref_num, ref_den = reference.as_integer_ratio()
    numerator = (value_num * ref_den - ref_num * value_den) * 100
    denominator = value_den * ref_num
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    scale = 10**decimals
    # Half-up, away from zero: floor(|x|·scale + 1/2) = floor((2·|n|·scale + d) / 2d).
    if numerator < 0:
        return -((-2 * numerator * scale + denominator) // (2 * denominator)) / scale
    return ((2 * numerator * scale + denominator) // (2 * denominator)) / scale


def mm_text(value: Decimal) -> str:
    """A length for notes, as written, with at least one decimal (``5.0``, ``30.25``)."""
    text = str(value)  # the same digits as format(value, "f") unless in exponent notation
    if "E" in text:
        text = format(value, "f")
    return text if "." in text else text + ".0"


def to_json_number(value: Decimal | None) -> float | None:
    """A JSON number for an exact decimal (float; exact values print as written); None stays
    None (JSON null)."""
    return None if value is None else float(value)
