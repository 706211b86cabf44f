"""Kaplan–Meier estimates against a textbook example, a hand computation and lifelines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from recist_reader.cohort.survival import kaplan_meier

# Freireich EJ et al. Blood 1963;21:699–716, remission times in weeks of the 21 children on
# 6-mercaptopurine (+ = censored), as tabulated by Gehan EA, Biometrika 1965;52:203–223 and
# Kleinbaum DG, Klein M, "Survival Analysis: A Self-Learning Text", 3rd ed., Springer 2012,
# ch. 2 (the "remission data"), whose Kaplan–Meier median is 23 weeks (placebo arm: 8).
SIX_MP_WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_RELAPSE = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PLACEBO_WEEKS = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def hand_kaplan_meier(times, events, level=0.95):
    """Product limit with Greenwood variance and log-log limits, written from the formulas
    (Kalbfleisch & Prentice 1980; Collett, "Modelling Survival Data", 3rd ed., §2.2)."""
    z = stats.norm.ppf(1 - (1 - level) / 2)
    times, events = np.asarray(times, float), np.asarray(events, bool)
    rows, survival, greenwood = [], 1.0, 0.0
    for t in np.unique(times[events]):
        at_risk = int((times >= t).sum())
        deaths = int(((times == t) & events).sum())
        survival *= 1 - deaths / at_risk
        if at_risk > deaths:
            greenwood += deaths / (at_risk * (at_risk - deaths))
        if 0 < survival < 1:
            se = math.sqrt(greenwood) / abs(math.log(survival))
            low = survival ** math.exp(z * se)
            high = survival ** math.exp(-z * se)
        else:
            low = high = survival
        rows.append((t, survival, low, high))
    return rows


def test_six_mp_median_and_brookmeyer_crowley_interval():
    curve = kaplan_meier(SIX_MP_WEEKS, SIX_MP_RELAPSE)
    assert (curve.n, curve.events) == (21, 9)
    assert curve.median_days() == 23.0  # the textbook median (Kleinbaum & Klein, ch. 2)
    # Brookmeyer–Crowley with log-log limits (SAS LIFETEST's default CONFTYPE=LOGLOG): the
    # pointwise lower limit first falls to ≤ 0.5 at 13 weeks (0.4316; at 10 weeks 0.5032);
    # the upper limit never does (0.6801 at the end): (13, not reached).
    assert curve.median_ci_days() == (13.0, None)
    assert curve.survival_at(13)["ci_low"] == pytest.approx(0.4316, abs=5e-5)
    assert curve.survival_at(10)["ci_low"] == pytest.approx(0.5032, abs=5e-5)
    # Textbook survival estimates (Kleinbaum & Klein, ch. 2): 0.857, 0.807, 0.753, ...
    expected = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    for week, value in expected.items():
        assert curve.survival_at(week)["survival"] == pytest.approx(value, abs=5e-4)


def test_placebo_arm_median_and_interval():
    curve = kaplan_meier(PLACEBO_WEEKS, [1] * 21)
    assert curve.median_days() == 8.0  # the textbook median
    assert curve.median_ci_days() == (4.0, 11.0)


@pytest.mark.parametrize(
    ("times", "events"),
    [(SIX_MP_WEEKS, SIX_MP_RELAPSE), (PLACEBO_WEEKS, [1] * 21)],
    ids=["6-MP", "placebo"],
)
def test_curve_and_limits_match_the_hand_computation(times, events):
    curve = kaplan_meier(times, events)
    for t, survival, low, high in hand_kaplan_meier(times, events):
        at = curve.survival_at(t)
        assert at["survival"] == pytest.approx(survival, rel=1e-12)
        if 0 < survival < 1:
            assert (at["ci_low"], at["ci_high"]) == pytest.approx((low, high), rel=1e-9)


@pytest.mark.parametrize(
    ("times", "events", "median"),
    [
        ([1, 2, 3, 4], [1, 1, 1, 1], 2.5),  # S = 0.5 on [2, 3): midpoint (SAS, R)
        ([1, 2, 3, 4], [1, 1, 0, 1], 3.0),  # S = 0.5 on [2, 4): midpoint 3
        ([1, 2, 3], [1, 1, 0], 2.0),  # S = 0.5 from 2 to the end: its start
        ([5, 6, 7], [0, 0, 0], None),  # no event
        ([], [], None),
    ],
)
def test_median_conventions(times, events, median):
    assert kaplan_meier(times, events).median_days() == median


def test_at_risk_counts_and_rates_beyond_follow_up():
    curve = kaplan_meier(SIX_MP_WEEKS, SIX_MP_RELAPSE)
    assert curve.at_risk([0, 6, 7, 10, 20, 35, 36]).tolist() == [21, 21, 17, 15, 8, 1, 0]
    assert curve.survival_at(36) is None  # past the last (censored) follow-up
    assert curve.survival_at(3) == {"survival": 1.0, "ci_low": None, "ci_high": None}
    assert kaplan_meier([1, 2], [1, 1]).survival_at(99)["survival"] == 0.0


def test_invalid_durations_are_refused():
    with pytest.raises(ValueError, match="≥ 0"):
        kaplan_meier([-1, 2], [1, 1])
    with pytest.raises(ValueError, match="one length"):
        kaplan_meier([1, 2], [1])
