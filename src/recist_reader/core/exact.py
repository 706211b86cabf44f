"""Exact decimal arithmetic for thresholds (rule book R1.4).

Every number is taken at the decimal value it is written with: the float ``49.7`` is
``Decimal("49.7")``, not the nearest binary fraction. Sums and threshold products are computed
in a context wide enough to be exact; only displayed percentages are rounded (A11).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact

# 120 significant digits: exact for any sum or product of diameters written with at most
# 17 significant digits between 1e-100 and 1e3 mm (the range the record model accepts).
EXACT = Context(prec=120, traps=[Inexact])
# Display percentages: 50 digits decide half-up rounding at any displayed decimal.
_DISPLAY = Context(prec=50)

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
    for value in values:
        total = EXACT.add(total, value)
    return total


def times(value: Decimal, factor: Decimal | int) -> Decimal:
    """Product without rounding."""
    return EXACT.multiply(value, Decimal(factor))


def minus(a: Decimal, b: Decimal) -> Decimal:
    """Difference without rounding."""
    return EXACT.subtract(a, b)


@functools.lru_cache(maxsize=4096)
def pct_change(value: Decimal, reference: Decimal, decimals: int) -> float | None:
    """``100·(value − reference)/reference`` rounded half-up for display; None if reference is 0.

    Cached: a visit's change is shown in its notes and in its JSON.
    """
    if reference == 0:
        return None
    ratio = _DISPLAY.divide(_DISPLAY.multiply(_DISPLAY.subtract(value, reference), 100), reference)
    return float(ratio.quantize(_QUANTA[decimals], rounding=ROUND_HALF_UP, context=_DISPLAY))


_QUANTA = {decimals: Decimal(1).scaleb(-decimals) for decimals in range(11)}


def mm_text(value: Decimal) -> str:
    """A length for notes, as written, with at least one decimal (``5.0``, ``30.25``)."""
    text = format(value, "f")
    return text if "." in text else text + ".0"


def to_json_number(value: Decimal) -> float | int:
    """A JSON number for an exact decimal (float; exact values print as written)."""
    return float(value)
