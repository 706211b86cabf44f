"""The bundled sample patients score to the responses their names promise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from recist_reader import score_record

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
RECORDS = SAMPLE_DATA / "records"

EXPECTED = {
    # name: (overall per visit, BOR confirmed, BOR unconfirmed, progression (visit, dated), DoR days)
    "HCC-001_confirmed_PR": (["SD", "PR", "PR", "PR", "PR"], "PR", "PR", None, 126),
    "HCC-002_CR_residual_nodes": (["PR", "CR", "CR", "CR", "CR"], "CR", "CR", None, 168),
    "HCC-003_PD_from_nadir": (
        ["SD", "PR", "PR", "PR", "PD", "PD"],
        "PR",
        "PR",
        ("W30", "W30"),
        126,
    ),
    "HCC-004_PD_new_lesion": (["SD", "SD", "SD", "PD"], "SD", "SD", ("W24", "W24"), None),
    "HCC-005_equivocal_then_PD": (["PR", "PR", "PR", "PD", "PR"], "SD", "PR", ("W24", "W12"), 42),
    "HCC-006_non_target_only": (
        ["NonCR/NonPD"] * 4 + ["PD"],
        "NonCR/NonPD",
        "NonCR/NonPD",
        ("W30", "W30"),
        None,
    ),
    "HCC-007_NE_missed_lesion": (["SD", "NE", "PR", "PR", "PR"], "PR", "PR", None, 84),
    # iRECIST reads (sample_data/generate_irecist_records.py; tests/test_sample_data_irecist.py)
    "HCC-101_iRECIST_pseudoprogression": (
        ["iUPD", "iSD", "iSD", "iPR", "iPR"],
        "iPR",
        "iPR",
        None,
        56,
    ),
    "HCC-102_iRECIST_confirmed_further_growth": (
        ["iUPD", "iUPD", "iCPD", "iCPD"],
        "iCPD",
        "iCPD",
        ("W16", "W8"),
        None,
    ),
    "HCC-103_iRECIST_new_lesion_targets": (
        ["iUPD", "iCPD", "iCPD", "iCPD"],
        "iCPD",
        "iCPD",
        ("W12", "W8"),
        None,
    ),
    "HCC-104_iRECIST_new_lesion_persists": (
        ["iPR", "iUPD", "iUPD", "iUPD"],
        "iSD",
        "iPR",
        None,
        112,
    ),
    "HCC-105_iRECIST_early_scan_disregarded": (
        ["iSD", "iUPD", "iUPD", "iCPD", "iCPD"],
        "iSD",
        "iSD",
        ("W14", "W10"),
        None,
    ),
    "HCC-106_iRECIST_reset_then_confirmed": (
        ["iSD", "iUPD", "iPR", "iUPD", "iCPD"],
        "iSD",
        "iPR",
        ("W30", "W26"),
        56,
    ),
    "HCC-107_iRECIST_non_target_increase": (
        ["iSD", "iUPD", "iUPD", "iCPD"],
        "iSD",
        "iSD",
        ("W24", "W16"),
        None,
    ),
    "HCC-108_iRECIST_unconfirmed_treatment_stopped": (
        ["iSD", "iSD", "iSD", "iUPD"],
        "iSD",
        "iSD",
        ("W24", "W24"),
        None,
    ),
    "HCC-109_iRECIST_equivocal_backdated": (
        ["iPR", "iPR", "iUPD", "iCPD"],
        "iSD",
        "iPR",
        ("W28", "W16"),
        56,
    ),
    "HCC-110_iRECIST_new_lesion_not_assessed": (
        ["iUPD", "iPR", "NE", "iPR"],
        "iPR",
        "iPR",
        None,
        112,
    ),
    # mRECIST reads (sample_data/generate_mrecist_records.py; tests/test_sample_data_mrecist.py)
    "HCC-201_mRECIST_viable_PR_RECIST_SD": (["SD", "PR", "PR", "PR", "PR"], "PR", "PR", None, 126),
    "HCC-202_mRECIST_CR_by_enhancement": (["PR", "CR", "CR", "CR", "CR"], "CR", "CR", None, 168),
    "HCC-203_mRECIST_effusion_needs_cytology": (
        ["SD", "SD", "SD", "PD", "PD"],
        "SD",
        "SD",
        ("W24", "W24"),
        None,
    ),
    "HCC-204_mRECIST_new_nodules_size_and_pattern": (
        ["SD", "PR", "PR", "PD"],
        "SD",
        "SD",
        ("W24", "W12"),
        None,
    ),
    "HCC-205_mRECIST_porta_hepatis_node": (
        ["SD", "SD", "SD", "PD"],
        "SD",
        "SD",
        ("W24", "W24"),
        None,
    ),
    "HCC-206_mRECIST_PD_without_5_mm": (
        ["PR", "PR", "PR", "PD", "PD"],
        "PR",
        "PR",
        ("W24", "W24"),
        125,
    ),
    "HCC-207_mRECIST_infiltrative_only": (
        ["NonCR/NonPD"] * 5,
        "NonCR/NonPD",
        "NonCR/NonPD",
        None,
        None,
    ),
}


def load(name):
    return json.loads((RECORDS / f"{name}.json").read_text())


def test_every_sample_is_pinned():
    assert sorted(p.stem for p in RECORDS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_patient(name):
    overall, confirmed, unconfirmed, progression, dor_days = EXPECTED[name]
    response = score_record(load(name))
    assert [v["overall"] for v in response["visits"]] == overall
    assert 5 <= len(response["visits"]) + 1 <= 8
    assert response["best_overall_response"] == {"confirmed": confirmed, "unconfirmed": unconfirmed}
    if progression is None:
        assert response["progression"] is None
    else:
        assert (
            response["progression"]["visit_id"],
            response["progression"]["dated_visit_id"],
        ) == progression
    dor = response["duration_of_response"]
    assert (dor and dor["days"]) == dor_days


def test_cr_patient_keeps_residual_nodes_in_the_sum():
    visits = score_record(load("HCC-002_CR_residual_nodes"))["visits"]
    assert all(v["sum_mm"] > 0 for v in visits if v["target"] == "CR")


def test_pd_patient_progresses_from_a_nadir_below_baseline():
    response = score_record(load("HCC-003_PD_from_nadir"))
    pd_visit = next(v for v in response["visits"] if v["overall"] == "PD")
    assert pd_visit["nadir_mm"] < response["baseline"]["sum_mm"]
    assert pd_visit["pct_change_nadir"] >= 20 and pd_visit["sum_mm"] - pd_visit["nadir_mm"] >= 5


def test_generator_reproduces_the_committed_records(tmp_path):
    sys.path.insert(0, str(SAMPLE_DATA))
    try:
        import generate_records
    finally:
        sys.path.remove(str(SAMPLE_DATA))
    for name, make in generate_records.PATIENTS.items():
        assert make().to_dict() == load(name), f"{name}: run python sample_data/generate_records.py"


def test_scoring_the_sample_records_from_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "recist_reader.cli", "score", str(RECORDS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Best overall response:") == len(EXPECTED)
