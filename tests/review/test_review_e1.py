"""Worked example E1 (central-review.md §8): the §9.5 output for patient P-017, exactly."""

from __future__ import annotations

import json

from review_builders import signed_adjudication

from recist_reader import review_reads


def test_e1_is_discordant_on_the_pd_date_and_awaits_adjudication(e1):
    result = review_reads(list(e1))
    (patient,) = result["patients"]
    assert patient["status"] == "awaiting_adjudication"
    assert patient["triggers"] == ["pd_date"]
    assert patient["discordance"] == {
        "pd_date": {"R1": "2024-06-26", "R2": None, "days_apart": None}
    }
    assert patient["central"] is None
    assert patient["problems"] == [] and patient["warnings"] == []


def test_e1_adjudicated_output_matches_design_9_5(e1):
    r1, r2 = e1
    result = review_reads([r1, r2], [signed_adjudication(r1, r2)])
    print(json.dumps(result, indent=1))
    assert result["schema_version"] == 1
    assert result["options"] == {
        "triggers": ["bor", "pd_date"],
        "bor_type": "confirmed",
        "bor_compare": "category",
        "pd_date_tolerance_days": 0,
        "response_date_tolerance_days": 0,
        "concordant_source": "R1",
        "paradigm": "sequential_locked",
        "unlock_policy": "forbid",
        "require_change_reason": True,
        "require_rationale": True,
        "unrequired_adjudication": "apply",
        "pd_date_windows_days": [0, 56],
        "alpha": 0.05,
    }
    assert result["scoring"] == {}
    assert result["n_patients"] == 1
    assert result["status_counts"] == {
        "concordant": 0,
        "adjudicated": 1,
        "awaiting_adjudication": 0,
        "awaiting_reads": 0,
        "invalid": 0,
    }
    (patient,) = result["patients"]
    assert patient["patient_id"] == "P-017"
    assert patient["status"] == "adjudicated"
    assert patient["reads"] == {
        "R1": {
            "read_id": "P-017-R1",
            "reader_id": "rad-11",
            "status": "complete",
            "bor": {"unconfirmed": "PR", "confirmed": "PR"},
            "progression_date": "2024-06-26",
            "first_response_date": "2024-03-06",
        },
        "R2": {
            "read_id": "P-017-R2",
            "reader_id": "rad-12",
            "status": "complete",
            "bor": {"unconfirmed": "PR", "confirmed": "PR"},
            "progression_date": None,
            "first_response_date": "2024-05-01",
        },
    }
    assert patient["triggers"] == ["pd_date"]
    adjudication = patient["adjudication"]
    assert {k: adjudication[k] for k in ("selected_read", "adjudicator_id", "required")} == {
        "selected_read": "R1",
        "adjudicator_id": "rad-19",
        "required": True,
    }
    assert adjudication["applied"] is True
    assert patient["central"] == {
        "source": "R1",
        "basis": "adjudicated",
        "read_id": "P-017-R1",
        "best_overall_response": {"unconfirmed": "PR", "confirmed": "PR"},
        "progression": {"date": "2024-06-26", "visit_id": "W24", "dated_visit_id": "W24"},
        "pfs": {"event": True, "date": "2024-06-26"},
        "duration_of_response": {
            "start_date": "2024-03-06",
            "end_date": "2024-06-26",
            "days": 112,
            "censored": False,
        },
    }
    assert patient["investigator"] is None
    assert patient["problems"] == [] and patient["warnings"] == []

    agreement = result["agreement"]
    assert agreement["n_pairs"] == 1 and agreement["n_discordant"] == 1
    assert agreement["adjudication_rate"] == 1.0
    assert agreement["ci_low"] == 0.025 and agreement["ci_high"] == 1.0
    assert agreement["by_trigger"] == {"bor": 0, "pd_date": 1}
    confirmed = agreement["bor"]["confirmed"]
    assert confirmed["n"] == 1 and confirmed["matrix"]["PR"]["PR"] == 1
    assert (confirmed["p_o"], confirmed["p_e"], confirmed["kappa"]) == (1.0, 1.0, None)
    assert confirmed["responder"] == {
        "n": 1,
        "matrix": {
            "responder": {"responder": 1, "non_responder": 0},
            "non_responder": {"responder": 0, "non_responder": 0},
        },
        "p_o": 1.0,
        "p_e": 1.0,
        "kappa": None,
    }
    assert agreement["pd"] == {
        "n": 1,
        "both": 0,
        "r1_only": 1,
        "r2_only": 0,
        "neither": 0,
        "status_agreement": 0.0,
        "windows_days": {
            "0": {"n_within": 0, "rate_given_both": None, "rate_given_any": 0.0},
            "56": {"n_within": 0, "rate_given_both": None, "rate_given_any": 0.0},
        },
    }
    assert agreement["timepoint"] == {"n": 3, "p_o": 1 / 3, "p_e": 4 / 9, "kappa": -0.2}
    assert agreement["readers"] == {
        "rad-11": {"n_reads": 1, "n_adjudicated": 1, "n_selected": 1, "aar": 1.0, "rdi_pct": 0.0},
        "rad-12": {"n_reads": 1, "n_adjudicated": 1, "n_selected": 0, "aar": 0.0, "rdi_pct": 100.0},
    }
    assert result["investigator_vs_central"] == {
        "all": {
            "n": 0,
            "a1_inv_earlier": 0,
            "a2_same": 0,
            "a3_inv_later": 0,
            "b_inv_only": 0,
            "c_central_only": 0,
            "d_neither": 0,
            "edr": None,
            "ldr": None,
        }
    }
    # plain JSON: every number a float or int, no Fraction or numpy scalar
    assert json.loads(json.dumps(result)) == result
