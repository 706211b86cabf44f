"""Kaplan–Meier estimates (scipy.stats.ecdf) with the conventions a trial report needs.

Conventions
-----------
- Estimator: Kaplan–Meier product limit, from :func:`scipy.stats.ecdf` on right-censored
  data. An event and a censoring on the same day: the event is counted first (the censored
  patient is still at risk that day), as in SAS, R and lifelines.
- Pointwise confidence limits: Greenwood variance with the log-log transform ("exponential
  Greenwood", ``method="log-log"`` in scipy; SAS ``CONFTYPE=LOGLOG``, R
  ``conf.type="log-log"``, lifelines' default). They are undefined where the estimate is 1
  or 0; there the limits are taken as 1 or 0 for the median's interval and reported as
  ``null`` for a rate.
- Median: the smallest time at which the estimate is ≤ 0.5. When the estimate is exactly 0.5
  over an interval, the midpoint of that interval (SAS LIFETEST, R survfit); when that
  interval runs to the end of follow-up, its start. ``null`` when not reached.
- Median confidence interval: Brookmeyer & Crowley (1982) with the log-log transform, i.e. the
  times at which the pointwise log-log interval contains 0.5: lower limit the first time the
  lower band is ≤ 0.5, upper limit the first time the upper band is ≤ 0.5 (``null`` when it
  never is: not reached).
- Survival at a time ``t`` (e.g. 6 months): the estimate at ``t`` (right-continuous);
  ``null`` when ``t`` lies beyond the last observed time and the curve has not reached 0.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

DAYS_PER_MONTH = 365.25 / 12
"""Days in an average month: 6 months = 182.625 days, 12 months = 365.25 days."""

_HALF_TOLERANCE = 1e-9  # products of fractions such as 3/4 · 2/3 land 1e-16 off 0.5


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan–Meier curve with log-log pointwise confidence limits.

    Attributes
    ----------
    times_days : ndarray of float, shape (k,)
        Distinct observed times (events and censorings), ascending.
    survival, ci_low, ci_high : ndarray of float, shape (k,)
        Estimate and pointwise limits just after each time (right-continuous); limits set to
        the estimate where the log-log formula is undefined (estimate 1 or 0).
    durations_days : ndarray of float, shape (n,)
        Every patient's time, ascending.
    observed : ndarray of bool, shape (n,)
        Whether each time in ``durations_days`` is an event (else censored).
    confidence_level : float
    """

    times_days: np.ndarray
    survival: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    durations_days: np.ndarray
    observed: np.ndarray
    confidence_level: float

    @property
    def n(self) -> int:
        """Number of patients."""
        return int(self.durations_days.size)

    @property
    def events(self) -> int:
        """Number of events."""
        return int(self.observed.sum())

    def median_days(self) -> float | None:
        """Kaplan–Meier median (see the module conventions); None when not reached."""
        return _first_at_or_below_half(self.times_days, self.survival, midpoint=True)

    def median_ci_days(self) -> tuple[float | None, float | None]:
        """Brookmeyer–Crowley limits of the median with the log-log transform."""
        return (
            _first_at_or_below_half(self.times_days, self.ci_low, midpoint=False),
            _first_at_or_below_half(self.times_days, self.ci_high, midpoint=False),
        )

    def survival_at(self, day: float) -> dict[str, float | None] | None:
        """Estimate and pointwise limits at ``day``; None beyond the follow-up (see module)."""
        if self.n == 0:
            return None
        last = self.times_days[-1]
        if day > last and self.survival[-1] > 0:
            return None
        index = int(np.searchsorted(self.times_days, day, side="right")) - 1
        if index < 0:
            return {"survival": 1.0, "ci_low": None, "ci_high": None}
        estimate = float(self.survival[index])
        defined = 0 < estimate < 1
        return {
            "survival": estimate,
            "ci_low": float(self.ci_low[index]) if defined else None,
            "ci_high": float(self.ci_high[index]) if defined else None,
        }

    def at_risk(self, days: np.ndarray | list[float]) -> np.ndarray:
        """Number of patients still at risk (time ≥ day) at each of ``days``."""
        days = np.asarray(days, dtype=float)
        return self.n - np.searchsorted(self.durations_days, days, side="left")

    def steps(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(x, estimate, low, high)`` from day 0 (estimate 1), for a ``where="post"`` step
        plot; censoring times are included so the curve runs to the last follow-up."""
        x = np.concatenate([[0.0], self.times_days])
        one = np.ones(1)
        return (
            x,
            np.concatenate([one, self.survival]),
            np.concatenate([one, self.ci_low]),
            np.concatenate([one, self.ci_high]),
        )

    def censored_points(self) -> tuple[np.ndarray, np.ndarray]:
        """``(days, estimate)`` of each censored patient, for tick marks on the curve."""
        days = self.durations_days[~self.observed]
        index = np.searchsorted(self.times_days, days, side="right") - 1
        return days, self.survival[index]

    def summary(self, *, rate_months: tuple[int, ...] = (6, 12)) -> dict[str, Any]:
        """``{"n", "events", "median_days", "ci_low_days", "ci_high_days",
        "rate_<m>_months"...}`` as in the cohort summary (design.md §5), rates rounded to 4
        decimals."""
        low, high = self.median_ci_days()
        result: dict[str, Any] = {
            "n": self.n,
            "events": self.events,
            "median_days": self.median_days(),
            "ci_low_days": low,
            "ci_high_days": high,
        }
        for months in rate_months:
            rate = self.survival_at(months * DAYS_PER_MONTH)
            result[f"rate_{months}_months"] = (
                None
                if rate is None
                else {k: None if v is None else round(v, 4) for k, v in rate.items()}
            )
        return result


def kaplan_meier(
    durations_days: np.ndarray | list[float],
    events: np.ndarray | list[bool],
    *,
    confidence_level: float = 0.95,
) -> KaplanMeier:
    """Kaplan–Meier estimate of the survival function from right-censored times.

    Parameters
    ----------
    durations_days : array_like of float, shape (n,)
        Time from the origin (baseline) to the event or the censoring, ≥ 0.
    events : array_like of bool, shape (n,)
        True for an event, False for a censored time.
    confidence_level : float

    Returns
    -------
    KaplanMeier

    Raises
    ------
    ValueError
        When the arrays differ in length, or a time is negative or not finite.
    """
    durations = np.asarray(durations_days, dtype=float)
    observed = np.asarray(events, dtype=bool)
    if durations.shape != observed.shape or durations.ndim != 1:
        raise ValueError(
            f"durations and events must be 1-D of one length, got {durations.shape} and {observed.shape}"
        )
    if durations.size and (not np.all(np.isfinite(durations)) or durations.min() < 0):
        raise ValueError("durations must be finite and ≥ 0 days")
    order = np.argsort(durations, kind="stable")
    durations, observed = durations[order], observed[order]
    if durations.size == 0:
        empty = np.empty(0)
        return KaplanMeier(empty, empty, empty, empty, durations, observed, confidence_level)
    result = stats.ecdf(stats.CensoredData.right_censored(durations, ~observed))
    survival = np.asarray(result.sf.probabilities, dtype=float)
    with warnings.catch_warnings():
        # scipy warns where the log-log limits are undefined (estimate 1 or 0): handled below.
        warnings.simplefilter("ignore", RuntimeWarning)
        interval = result.sf.confidence_interval(confidence_level, method="log-log")
    low = np.asarray(interval.low.probabilities, dtype=float)
    high = np.asarray(interval.high.probabilities, dtype=float)
    undefined = np.isnan(low) | np.isnan(high)
    low = np.where(undefined, survival, low)
    high = np.where(undefined, survival, high)
    return KaplanMeier(
        times_days=np.asarray(result.sf.quantiles, dtype=float),
        survival=survival,
        ci_low=low,
        ci_high=high,
        durations_days=durations,
        observed=observed,
        confidence_level=confidence_level,
    )


def _first_at_or_below_half(
    times: np.ndarray, curve: np.ndarray, *, midpoint: bool
) -> float | None:
    below = np.flatnonzero(curve <= 0.5 + _HALF_TOLERANCE)
    if below.size == 0:
        return None
    first = int(below[0])
    if midpoint and abs(curve[first] - 0.5) <= _HALF_TOLERANCE:
        later = np.flatnonzero(curve[first:] < 0.5 - _HALF_TOLERANCE)
        if later.size:
            return (float(times[first]) + float(times[first + int(later[0])])) / 2
    return float(times[first])
