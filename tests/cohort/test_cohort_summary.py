"""Cohort figures against values computed by hand on small cohorts."""

from __future__ import annotations

import pytest
from scipy import stats

from recist_reader.cohort import (
    cohort_curves,
    patient_endpoints,
    rate_with_exact_ci,
    score_cohort,
    summarize_cohort,
)
from recist_reader.core.record_builder import RecordBuilder
from recist_reader.core.scoring import score_record
from recist_reader.core.validation import parse_record

from .conftest import cohort_23, patient


def summary_of(records):
    patients = [patient_endpoints(parse_record(record), score_record(record)) for record in records]
    return summarize_cohort(patients, config={})


def clopper_pearson(x, n, level=0.95):
    """The textbook beta-quantile form of the exact interval (Clopper & Pearson 1934)."""
    alpha = 1 - level
    low = 0.0 if x == 0 else stats.beta.ppf(alpha / 2, x, n - x + 1)
    high = 1.0 if x == n else stats.beta.ppf(1 - alpha / 2, x + 1, n - x)
    return round(low, 4), round(high, 4)


def test_orr_6_of_23_matches_the_published_exact_interval():
    # 6/23 = 0.2609, exact 95 % CI 0.1023–0.4841 (design.md §5; beta quantiles agree).
    assert rate_with_exact_ci(6, 23) == {
        "responders": 6,
        "n": 23,
        "rate": 0.2609,
        "ci_low": 0.1023,
        "ci_high": 0.4841,
    }
    assert clopper_pearson(6, 23) == (0.1023, 0.4841)


@pytest.mark.parametrize(("x", "n"), [(0, 12), (12, 12), (1, 1), (15, 23), (8, 23), (37, 101)])
def test_exact_interval_agrees_with_beta_quantiles(x, n):
    block = rate_with_exact_ci(x, n)
    assert (block["ci_low"], block["ci_high"]) == clopper_pearson(x, n)
    assert block["rate"] == round(x / n, 4)


def test_no_patient_gives_null_rates():
    assert rate_with_exact_ci(0, 0)["rate"] is None
    with pytest.raises(ValueError, match="between 0 and n"):
        rate_with_exact_ci(3, 2)


def test_23_patient_cohort_counts_and_rates():
    summary = summary_of(cohort_23())
    assert summary["n_scored"] == 23 and summary["n_invalid"] == 0
    assert summary["best_overall_response"] == {
        "confirmed": {"CR": 1, "PR": 5, "SD": 9, "NonCR/NonPD": 0, "PD": 6, "NE": 2},
        "unconfirmed": {"CR": 1, "PR": 7, "SD": 7, "NonCR/NonPD": 0, "PD": 6, "NE": 2},
    }
    assert summary["orr"]["confirmed"] == {
        "responders": 6,
        "n": 23,
        "rate": 0.2609,
        "ci_low": 0.1023,
        "ci_high": 0.4841,
    }
    assert summary["orr"]["unconfirmed"]["responders"] == 8
    assert summary["orr"]["unconfirmed"]["rate"] == round(8 / 23, 4)
    # DCR: CR + PR + SD = 15 of 23; NE and PD are not disease control.
    assert summary["dcr"]["confirmed"]["responders"] == 15
    assert (summary["dcr"]["confirmed"]["ci_low"], summary["dcr"]["confirmed"]["ci_high"]) == (
        clopper_pearson(15, 23)
    )
    # DoR over the 6 confirmed responders; nobody progressed: all censored at day 84 - 42.
    assert summary["dor"]["n"] == 6 and summary["dor"]["events"] == 0
    assert summary["dor"]["median_days"] is None
    assert summary["time_to_response"] == {
        "n": 6,
        "median_days": 42.0,
        "min_days": 42,
        "max_days": 42,
    }
    assert summary["os"] is None


def test_pfs_with_a_death_before_progression():
    # Hand-computed Kaplan–Meier (days): 42 event (PD), 84 event (PD), 84 censored,
    # 100 event (death, no PD), 126 censored.
    #   S(42) = 4/5 = 0.8;  S(84) = 0.8 · 3/4 = 0.6 (the censored 84 still at risk);
    #   S(100) = 0.6 · 1/2 = 0.3  → median 100 days.
    def pd_at(pid, day):
        builder = RecordBuilder(pid, baseline_date="2024-01-01")
        builder.target("T1", organ="liver", baseline_mm=50.0)
        for d in range(42, day, 42):
            builder.visit(day=d, T1=45.0)
        builder.visit(day=day, T1=70.0)
        return builder.to_dict()

    def stable_until(pid, day, **fields):
        builder = RecordBuilder(pid, baseline_date="2024-01-01")
        builder.target("T1", organ="liver", baseline_mm=50.0)
        for d in range(42, day + 1, 42):
            builder.visit(day=d, T1=45.0)
        return {**builder.to_dict(), **fields}

    records = [
        pd_at("A", 42),
        pd_at("B", 84),
        stable_until("C", 84),
        stable_until("D", 84, death_date="2024-04-10"),  # day 100
        stable_until("E", 126, last_known_alive_date="2024-07-19"),  # day 200
    ]
    summary = summary_of(records)
    pfs = summary["pfs"]
    assert (pfs["n"], pfs["events"], pfs["deaths"]) == (5, 3, 1)
    assert pfs["median_days"] == 100.0
    assert pfs["rate_6_months"] is None  # 182.6 days is past the last follow-up (126)
    # OS: D died on day 100 with D and E (censored day 200) at risk: S(100) = 1/2, flat to
    # the end → median 100 days (start of the flat part); 6 months (182.6 d) within follow-up.
    os_ = summary["os"]
    assert (os_["n"], os_["events"]) == (5, 1)
    assert os_["median_days"] == 100.0
    assert os_["rate_6_months"]["survival"] == 0.5
    assert os_["rate_12_months"] is None  # 365.25 days is past the last follow-up (200)


def test_os_rate_at_six_months_is_defined_within_follow_up():
    records = [
        patient("A", "SD", death_date="2024-04-10"),  # day 100, event
        patient("B", "SD", last_known_alive_date="2025-01-02"),  # day 367, censored
    ]
    os_ = summary_of(records)["os"]
    # S(100) = 1/2; 6 and 12 months (182.625, 365.25 days) lie within follow-up (367 days).
    assert os_["rate_6_months"]["survival"] == 0.5
    assert os_["median_days"] == 100.0  # flat at exactly 0.5 to the end: its start
    assert os_["rate_12_months"]["survival"] == 0.5


def test_dor_ends_at_death_when_the_response_is_censored():
    records = [
        patient("A", "PR", death_date="2024-05-01"),  # responded day 42, died day 121
        patient("B", "PR"),
    ]
    patients = [patient_endpoints(parse_record(r), score_record(r)) for r in records]
    assert (patients[0].dor_days, patients[0].dor_event) == (121 - 42, True)
    assert (patients[1].dor_days, patients[1].dor_event) == (84 - 42, False)
    assert patients[0].pfs_cause == "death" and patients[0].pfs_days == 121


def test_waterfall_value_ignores_visits_after_progression():
    builder = RecordBuilder("W", baseline_date="2024-01-01")
    builder.target("T1", organ="liver", baseline_mm=50.0)
    builder.visit(day=42, T1=40.0).visit(day=84, new=["lung"], T1=45.0).visit(day=126, T1=10.0)
    record = builder.to_dict()
    endpoints = patient_endpoints(parse_record(record), score_record(record))
    assert endpoints.progression_days == 84
    assert endpoints.best_pct_change == -20.0  # not -80 from after PD (A13)


def test_score_cohort_collects_everything(records_23):
    cohort = score_cohort([records_23])
    assert len(cohort.patients) == 23 and not cohort.invalid
    curves = cohort_curves(cohort.patients)
    summary = summarize_cohort(cohort.patients, config=cohort.config, curves=curves)
    assert summary["config"]["sd_min_days"] == 42
    # PFS: 6 PD at day 42; 15 censored at day 84 (last evaluable); 2 NE censored at day 0.
    # S(42) = 15/21 (2 censored at 0 leave 21 at risk) = 0.7143 → median not reached.
    assert summary["pfs"]["events"] == 6
    assert summary["pfs"]["median_days"] is None
    assert curves.pfs.survival_at(42)["survival"] == pytest.approx(15 / 21)
