"""Cross-check: our Kaplan–Meier (scipy.stats.ecdf) against lifelines' KaplanMeierFitter.

lifelines is a test-only tool here (not a runtime dependency): the module skips without it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from recist_reader.cohort.survival import kaplan_meier

from .test_cohort_survival import PLACEBO_WEEKS, SIX_MP_RELAPSE, SIX_MP_WEEKS

lifelines = pytest.importorskip("lifelines", reason="lifelines cross-check (pip install lifelines)")


def random_cohorts():
    rng = np.random.default_rng(20261125)
    for size in (5, 30, 200):
        times = rng.integers(0, 400, size)  # whole days: many ties, events and censorings
        yield times, rng.random(size) < 0.6
    yield np.asarray(SIX_MP_WEEKS), np.asarray(SIX_MP_RELAPSE, bool)
    yield np.asarray(PLACEBO_WEEKS), np.ones(21, bool)


@pytest.mark.parametrize("index", range(5))
def test_scipy_estimates_agree_with_lifelines(index):
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    times, events = list(random_cohorts())[index]
    ours = kaplan_meier(times, events)
    theirs = KaplanMeierFitter().fit(times, events)  # exponential Greenwood (log-log) limits
    grid = np.unique(times).astype(float)
    expected = theirs.survival_function_at_times(grid).to_numpy()
    bands = theirs.confidence_interval_.reindex(grid, method="ffill").to_numpy()
    for t, value, (low, high) in zip(grid, expected, bands):
        at = ours.survival_at(t)
        assert at["survival"] == pytest.approx(value, abs=1e-12)
        if 0 < value < 1:
            assert (at["ci_low"], at["ci_high"]) == pytest.approx((low, high), abs=1e-9)
    if not any(abs(s - 0.5) < 1e-9 for s in ours.survival):  # lifelines has no midpoint rule
        median = theirs.median_survival_time_
        assert ours.median_days() == (None if math.isinf(median) else median)
    low, high = median_survival_times(theirs.confidence_interval_).to_numpy()[0]
    assert ours.median_ci_days() == (
        None if math.isinf(low) else low,
        None if math.isinf(high) else high,
    )
