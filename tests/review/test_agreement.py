"""CRV15–CRV20: agreement statistics against textbook tables, scipy and hand computation."""

from __future__ import annotations

from fractions import Fraction

import pytest
from review_builders import BOR_SERIES, locked_read, pair, signed_adjudication, target_record

from recist_reader import review_reads
from recist_reader.review.agreement import (
    ProgressionPair,
    bor_agreement,
    clopper_pearson,
    cohen_kappa,
    investigator_vs_central,
    pd_agreement,
)


def expand(table, labels):
    """(rater 1, rater 2) pairs from a square table of counts."""
    return [
        (labels[i], labels[j])
        for i, row in enumerate(table)
        for j, n in enumerate(row)
        for _ in range(n)
    ]


def test_kappa_textbook_fleiss_levin_paik():
    """Fleiss, Levin & Paik, Statistical Methods for Rates and Proportions (3rd ed.), §18.1:
    two psychiatrists, 100 subjects; p_o = .89, p_e = .66, κ = .68."""
    labels = ["psychotic", "neurotic", "organic"]
    result = cohen_kappa(expand([[75, 1, 4], [5, 4, 1], [0, 0, 10]], labels), labels)
    assert result["n"] == 100
    assert result["p_o"] == 0.89 and result["p_e"] == 0.66
    assert result["kappa"] == float(Fraction(23, 34))
    assert round(result["kappa"], 2) == 0.68


def test_kappa_textbook_two_by_two():
    """The 2×2 example of Cohen's κ (50 items; yes/yes 20, yes/no 5, no/yes 10, no/no 15):
    p_o = 0.7, p_e = 0.5, κ = 0.4."""
    result = cohen_kappa(expand([[20, 5], [10, 15]], ["yes", "no"]))
    assert (result["p_o"], result["p_e"], result["kappa"]) == (0.7, 0.5, 0.4)
    assert result["matrix"] == {"yes": {"yes": 20, "no": 5}, "no": {"yes": 10, "no": 15}}


def test_kappa_undefined_and_empty():
    assert cohen_kappa([("PR", "PR")] * 3)["kappa"] is None
    assert cohen_kappa([]) == {"n": 0, "matrix": {}, "p_o": None, "p_e": None, "kappa": None}


E7_CONFIRMED = [("PR", "PR"), ("PR", "SD"), ("SD", "SD"), ("SD", "SD"), ("PD", "PD"), ("CR", "PR")]


def test_e7_bor_kappa_by_hand():
    result = bor_agreement(E7_CONFIRMED)
    assert result["p_o"] == float(Fraction(4, 6)) and result["p_e"] == float(Fraction(11, 36))
    assert result["kappa"] == 0.52
    assert result["responder"]["kappa"] == float(Fraction(2, 3))
    assert list(result["matrix"]) == ["CR", "PR", "SD", "NonCR/NonPD", "PD", "NE"]


@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (1, 1), (2, 6), (0, 10), (10, 10), (3, 23), (42, 100), (7, 300)]
)
@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
def test_clopper_pearson_against_scipy(k, n, alpha):
    from scipy.stats import binomtest

    expected = binomtest(k, n).proportion_ci(confidence_level=1 - alpha, method="exact")
    low, high = clopper_pearson(k, n, alpha)
    assert low == pytest.approx(expected.low, abs=1e-12)
    assert high == pytest.approx(expected.high, abs=1e-12)
    assert isinstance(low, float) and isinstance(high, float)


def test_clopper_pearson_e7_hand_values():
    low, high = clopper_pearson(2, 6)
    assert round(low, 3) == 0.043 and round(high, 3) == 0.777
    assert clopper_pearson(1, 1) == (0.025, 1.0)


def test_pd_windows():
    pairs = [("2024-05-01", "2024-05-01"), ("2024-05-01", "2024-05-31"), ("2024-05-01", "2024-07-10"),
             ("2024-05-01", None), (None, "2024-05-01"), (None, None)]  # fmt: skip
    result = pd_agreement(pairs, (0, 56))
    assert result == {
        "n": 6, "both": 3, "r1_only": 1, "r2_only": 1, "neither": 1, "status_agreement": 4 / 6,
        "windows_days": {
            "0": {"n_within": 1, "rate_given_both": 1 / 3, "rate_given_any": 1 / 5},
            "56": {"n_within": 2, "rate_given_both": 2 / 3, "rate_given_any": 2 / 5},
        },
    }  # fmt: skip


def test_e8_edr_ldr_overall_and_per_arm():
    d1, d2, d3 = "2024-03-01", "2024-05-01", "2024-07-01"
    pairs = [
        ProgressionPair(d1, d2, "A"),  # a1: investigator earlier
        ProgressionPair(d2, d2, "A"),  # a2
        ProgressionPair(d3, d2, "A"),  # a3: investigator later
        ProgressionPair(d2, None, "A"),  # b
        ProgressionPair(d2, None, "B"),  # b
        ProgressionPair(None, d2, "B"),  # c
        ProgressionPair(None, None, "B"),  # d
    ]
    result = investigator_vs_central(pairs)
    assert result["all"] == {
        "n": 7, "a1_inv_earlier": 1, "a2_same": 1, "a3_inv_later": 1, "b_inv_only": 2,
        "c_central_only": 1, "d_neither": 1, "edr": 0.6, "ldr": 0.4,
    }  # fmt: skip
    assert (result["arm:A"]["edr"], result["arm:A"]["ldr"]) == (0.5, 1 / 3)
    assert (result["arm:B"]["edr"], result["arm:B"]["ldr"]) == (1.0, 0.5)
    assert list(result) == ["all", "arm:A", "arm:B"]


def test_edr_ldr_zero_denominators():
    result = investigator_vs_central([ProgressionPair(None, None)])["all"]
    assert result["edr"] is None and result["ldr"] is None


def e7_reads():
    """E7: six patients, R1 always rad-A, R2 always rad-B; confirmed BOR pairs as in E7; the
    two discordant ones adjudicated to R2."""
    reads, adjudications = [], []
    for number, (bor1, bor2) in enumerate(E7_CONFIRMED, start=1):
        r1, r2 = pair(
            f"P{number}", BOR_SERIES[bor1], BOR_SERIES[bor2], r1_reader="rad-A", r2_reader="rad-B"
        )
        reads += [r1, r2]
        if bor1 != bor2:
            adjudications.append(signed_adjudication(r1, r2, selected="R2", by="rad-C"))
    return reads, adjudications


def test_e7_through_review_reads():
    reads, adjudications = e7_reads()
    result = review_reads(reads, adjudications)
    assert result["status_counts"] == {
        "concordant": 4, "adjudicated": 2, "awaiting_adjudication": 0, "awaiting_reads": 0, "invalid": 0,
    }  # fmt: skip
    agreement = result["agreement"]
    assert (agreement["n_pairs"], agreement["n_discordant"]) == (6, 2)
    assert agreement["adjudication_rate"] == 2 / 6
    assert round(agreement["ci_low"], 3) == 0.043 and round(agreement["ci_high"], 3) == 0.777
    assert agreement["by_trigger"] == {"bor": 2, "pd_date": 0}
    confirmed = agreement["bor"]["confirmed"]
    assert confirmed["kappa"] == 0.52 and confirmed["responder"]["kappa"] == float(Fraction(2, 3))
    # these series give the same unconfirmed BOR as confirmed
    assert agreement["bor"]["unconfirmed"]["kappa"] == 0.52
    assert agreement["readers"] == {
        "rad-A": {"n_reads": 6, "n_adjudicated": 2, "n_selected": 0, "aar": 0.0, "rdi_pct": 100 * 2 / 6},
        "rad-B": {"n_reads": 6, "n_adjudicated": 2, "n_selected": 2, "aar": 1.0, "rdi_pct": 0.0},
    }  # fmt: skip
    assert round(agreement["readers"]["rad-A"]["rdi_pct"], 1) == 33.3
    # timepoints, by hand: PR/PR ×3; PR/SD: (PR,SD)×3; SD/SD ×6; PD/PD ×3; CR/PR ×3 → 18 pairs
    timepoint = agreement["timepoint"]
    assert timepoint["n"] == 18
    assert timepoint["p_o"] == float(Fraction(12, 18))
    # R1 margins CR3 PR6 SD6 PD3; R2 PR6 SD9 PD3 → p_e = (6·6 + 6·9 + 3·3)/324
    assert timepoint["p_e"] == float(Fraction(36 + 54 + 9, 324))
    p_o, p_e = Fraction(12, 18), Fraction(99, 324)
    assert timepoint["kappa"] == float((p_o - p_e) / (1 - p_e))
    assert agreement["pd"]["both"] == 1 and agreement["pd"]["status_agreement"] == 1.0


def test_investigator_vs_central_through_review_reads():
    """Investigator PD at W16, central (concordant R1) PD at W24: a1 (investigator earlier)."""

    def record(new_at, arm):
        return target_record("P1", [50.0, 45.0, 45.0, 45.0], new={new_at: "lung"}, arm=arm)

    r1 = locked_read(record(3, None), slot="R1", reader_id="rad-1")
    r2 = locked_read(record(3, None), slot="R2", reader_id="rad-2")
    inv = locked_read(record(2, "A"), slot=None, role="investigator", reader_id="site-4")
    result = review_reads([r1, r2, inv])
    patient = result["patients"][0]
    assert patient["investigator"]["progression_date"] == "2024-05-01"
    assert patient["central"]["progression"]["date"] == "2024-06-26"
    assert result["investigator_vs_central"]["all"]["a1_inv_earlier"] == 1
    assert result["investigator_vs_central"]["all"]["edr"] == 1.0
    assert result["investigator_vs_central"]["arm:A"]["n"] == 1
