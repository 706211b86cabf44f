"""The bundled mRECIST sample patients: each shows its rule, under mRECIST and RECIST 1.1."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from recist_reader import score_record

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
RECORDS = SAMPLE_DATA / "records"

#: name: (mRECIST overall per visit, RECIST 1.1 overall per visit,
#:        BOR confirmed (mRECIST, RECIST 1.1), the rule a note must cite)
EXPECTED = {
    "HCC-201_mRECIST_viable_PR_RECIST_SD": (
        ["SD", "PR", "PR", "PR", "PR"],
        ["SD", "SD", "SD", "SD", "SD"],
        ("PR", "SD"),
        "(M5.2)",
    ),
    "HCC-202_mRECIST_CR_by_enhancement": (
        ["PR", "CR", "CR", "CR", "CR"],
        ["SD", "SD", "SD", "SD", "PR"],
        ("CR", "SD"),
        "(M6.2)",
    ),
    "HCC-203_mRECIST_effusion_needs_cytology": (
        ["SD", "SD", "SD", "PD", "PD"],
        ["SD", "PD", "PD", "PD", "PD"],
        ("SD", "SD"),
        "(M6.4, MA2)",
    ),
    "HCC-204_mRECIST_new_nodules_size_and_pattern": (
        ["SD", "PR", "PR", "PD"],
        ["SD", "PD", "PD", "PD"],
        ("SD", "SD"),
        "(M7.4, MA6)",
    ),
    "HCC-205_mRECIST_porta_hepatis_node": (
        ["SD", "SD", "SD", "PD"],
        ["SD", "SD", "SD", "SD"],
        ("SD", "SD"),
        "(M7.7, MA21)",
    ),
    "HCC-206_mRECIST_PD_without_5_mm": (
        ["PR", "PR", "PR", "PD", "PD"],
        ["SD", "SD", "SD", "SD", "SD"],
        ("PR", "SD"),
        "(M5.3)",
    ),
    "HCC-207_mRECIST_infiltrative_only": (
        ["NonCR/NonPD"] * 5,
        ["SD", "SD", "PR", "PR", "PR"],
        ("NonCR/NonPD", "PR"),
        None,
    ),
}


def load(name):
    return json.loads((RECORDS / f"{name}.json").read_text())


def test_every_mrecist_sample_is_pinned():
    assert sorted(p.stem for p in RECORDS.glob("HCC-2*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_mrecist_sample_under_both_criteria(name):
    mrecist_overall, recist_overall, (mrecist_bor, recist_bor), rule = EXPECTED[name]
    record = load(name)
    assert record["criteria"] == "mRECIST"
    responses = score_record(record, criteria=["mRECIST", "RECIST1.1"])["responses"]
    mrecist, recist = responses["mRECIST"], responses["RECIST1.1"]
    assert mrecist == score_record(record)
    assert [v["overall"] for v in mrecist["visits"]] == mrecist_overall
    assert [v["overall"] for v in recist["visits"]] == recist_overall
    assert (
        mrecist["best_overall_response"]["confirmed"],
        recist["best_overall_response"]["confirmed"],
    ) == (mrecist_bor, recist_bor)
    if rule is not None:
        assert any(rule in note for visit in mrecist["visits"] for note in visit["notes"])


def test_infiltrative_only_patient_has_no_mrecist_sum():
    mrecist = score_record(load("HCC-207_mRECIST_infiltrative_only"))
    assert mrecist["baseline"]["sum_mm"] is None
    assert {v["target"] for v in mrecist["visits"]} == {"NA"}


def test_generator_reproduces_the_committed_mrecist_records():
    sys.path.insert(0, str(SAMPLE_DATA))
    try:
        import generate_mrecist_records
    finally:
        sys.path.remove(str(SAMPLE_DATA))
    for name, make in generate_mrecist_records.PATIENTS.items():
        assert make().to_dict() == load(name), (
            f"{name}: run python sample_data/generate_mrecist_records.py"
        )
