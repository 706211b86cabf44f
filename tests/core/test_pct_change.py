"""The displayed % change (A11) matches the straightforward exact computation, digit for digit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from recist_reader.core.exact import pct_change


def reference_pct_change(value: Decimal, reference: Decimal, decimals: int) -> float | None:
    """The earlier implementation: exact fractions, divmod, then half-up away from zero."""
    if reference == 0:
        return None
    value_num, value_den = value.as_integer_ratio()
    ref_num, ref_den = reference.as_integer_ratio()
    scale = 10**decimals
    numerator = (value_num * ref_den - ref_num * value_den) * 100 * scale
    denominator = value_den * ref_num
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    negative = numerator < 0
    quotient, remainder = divmod(-numerator if negative else numerator, denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return (-quotient if negative else quotient) / scale


millimetres = st.one_of(
    st.decimals(min_value=0, max_value=1000, places=1),
    st.decimals(min_value=0, max_value=1000, places=3),
    st.decimals(min_value=0, max_value=5000, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("1e-100"), Decimal("0E-8"), Decimal("5E+2"), Decimal("1000")]),
)


@given(millimetres, millimetres, st.integers(0, 10))
@example(Decimal("66.665"), Decimal("100"), 2)  # -33.335 exactly: -33.34
@example(Decimal("33.335"), Decimal("100"), 2)  # -66.665 exactly: -66.67
@example(Decimal("100.005"), Decimal("100"), 2)  # +0.005 exactly: +0.01
@example(Decimal("99.995"), Decimal("100"), 2)  # -0.005 exactly: -0.01
@example(Decimal("99.9999"), Decimal("100"), 0)  # rounds to -0: shown as 0
@example(Decimal("1e-100"), Decimal("1000"), 10)
@example(Decimal("1000"), Decimal("1e-100"), 10)
@example(Decimal("5"), Decimal("0"), 2)
def test_pct_change_matches_the_exact_fraction(value, reference, decimals):
    shown = pct_change(value, reference, decimals)
    expected = reference_pct_change(value, reference, decimals)
    assert shown == expected
    assert repr(shown) == repr(expected)  # the same float, sign of zero included


@pytest.mark.parametrize("decimals", range(11))
def test_exact_halves_round_away_from_zero_at_every_precision(decimals):
    half = Decimal(5).scaleb(-decimals - 1)  # 0.5 units of the last shown digit, in %
    for change in (half, -half, 3 * half, -3 * half, Decimal(-33) - half):
        value = Decimal(100) + change  # against 100: the change in % is ``change`` itself
        expected = float((abs(change) + half).quantize(Decimal(1).scaleb(-decimals), "ROUND_DOWN"))
        assert pct_change(value, Decimal(100), decimals) == (expected if change > 0 else -expected)
