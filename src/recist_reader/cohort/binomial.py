"""Response rates with exact (Clopper–Pearson) confidence intervals."""

from __future__ import annotations

from typing import Any

from scipy.stats import binomtest

RATE_DECIMALS = 4


def rate_with_exact_ci(
    responders: int, n: int, *, confidence_level: float = 0.95
) -> dict[str, Any]:
    """A proportion and its exact two-sided Clopper–Pearson confidence interval.

    Parameters
    ----------
    responders : int
        Number of patients with the outcome (e.g. confirmed CR or PR).
    n : int
        Denominator: every scored patient (intention to treat; NE is a non-responder).
    confidence_level : float

    Returns
    -------
    dict
        ``{"responders", "n", "rate", "ci_low", "ci_high"}``, the last three rounded to
        4 decimals; ``null`` (None) when ``n`` is 0.

    Examples
    --------
    >>> rate_with_exact_ci(6, 23)
    {'responders': 6, 'n': 23, 'rate': 0.2609, 'ci_low': 0.1023, 'ci_high': 0.4841}
    """
    if not 0 <= responders <= n:
        raise ValueError(f"responders must be between 0 and n={n}, got {responders}")
    if n == 0:
        return {"responders": 0, "n": 0, "rate": None, "ci_low": None, "ci_high": None}
    interval = binomtest(responders, n).proportion_ci(
        confidence_level=confidence_level, method="exact"
    )
    return {
        "responders": responders,
        "n": n,
        "rate": round(responders / n, RATE_DECIMALS),
        "ci_low": round(float(interval.low), RATE_DECIMALS),
        "ci_high": round(float(interval.high), RATE_DECIMALS),
    }
