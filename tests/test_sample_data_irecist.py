"""The bundled iRECIST sample patients: each shows its rule, under iRECIST and RECIST 1.1."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from recist_reader import score_record

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
RECORDS = SAMPLE_DATA / "records"

#: name: (episodes as (iUPD visit, dated visit, basis, outcome, closed visit),
#:        icpd triggers by visit, iPFS (event, date, confirmed), RECIST 1.1 first PD visit)
EXPECTED = {
    "HCC-101_iRECIST_pseudoprogression": (
        [("W8", "W8", ["target"], "reset", "W12")],
        {},
        (False, "2025-02-11", None),
        "W8",
    ),
    "HCC-102_iRECIST_confirmed_further_growth": (
        [("W8", "W8", ["target"], "confirmed", "W16")],
        {"W16": ["target_sum_increase"]},
        (True, "2024-06-10", True),
        "W8",
    ),
    "HCC-103_iRECIST_new_lesion_targets": (
        [("W8", "W8", ["new_lesions"], "confirmed", "W12")],
        {"W12": ["nlt_sum_increase"]},
        (True, "2024-07-08", True),
        "W8",
    ),
    "HCC-104_iRECIST_new_lesion_persists": (
        [("W16", "W16", ["new_lesions"], "open", None)],
        {},
        (False, "2024-08-19", None),
        "W16",
    ),
    "HCC-105_iRECIST_early_scan_disregarded": (
        [("W10", "W10", ["target"], "confirmed", "W14")],
        {"W14": ["target_sum_increase"]},
        (True, "2024-09-09", True),
        "W10",
    ),
    "HCC-106_iRECIST_reset_then_confirmed": (
        [
            ("W14", "W14", ["new_lesions"], "reset", "W18"),
            ("W26", "W26", ["new_lesions"], "confirmed", "W30"),
        ],
        {"W30": ["additional_new_lesion"]},
        (True, "2024-07-08", True),
        "W14",
    ),
    "HCC-107_iRECIST_non_target_increase": (
        [("W16", "W16", ["non_target"], "confirmed", "W24")],
        {"W24": ["non_target_increase"]},
        (True, "2024-06-03", True),
        "W16",
    ),
    "HCC-108_iRECIST_unconfirmed_treatment_stopped": (
        [("W24", "W24", ["target"], "open", None)],
        {},
        (True, "2025-02-03", False),
        "W24",
    ),
    "HCC-109_iRECIST_equivocal_backdated": (
        [("W24", "W16", ["new_lesions"], "confirmed", "W28")],
        {"W28": ["nlnt_increase"]},
        (True, "2024-06-10", True),
        "W24",
    ),
    "HCC-110_iRECIST_new_lesion_not_assessed": (
        [("W8", "W8", ["new_lesions"], "reset", "W12")],
        {},
        (False, "2025-03-24", None),
        "W8",
    ),
}


def load(name):
    return json.loads((RECORDS / f"{name}.json").read_text())


def test_every_irecist_sample_is_pinned():
    found = {p.stem for p in RECORDS.glob("*.json") if load(p.stem)["criteria"] == "iRECIST"}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_irecist_sample(name):
    episodes, triggers, (event, pfs_date, confirmed), recist_pd = EXPECTED[name]
    response = score_record(load(name))
    assert response["criteria"] == "iRECIST"
    assert [
        (e["iupd_visit_id"], e["dated_visit_id"], e["basis"], e["outcome"], e["closed_visit_id"])
        for e in response["iupd_episodes"]
    ] == episodes
    assert {
        v["visit_id"]: v["icpd_triggers"] for v in response["visits"] if v["icpd_triggers"]
    } == (triggers)
    assert response["pfs"] == {"event": event, "date": pfs_date}
    assert (response["progression"] or {}).get("confirmed") == confirmed
    recist = score_record(load(name), criteria="RECIST1.1")
    first_pd = next(v["visit_id"] for v in recist["visits"] if v["overall"] == "PD")
    assert first_pd == recist_pd


def test_early_scan_is_disregarded_and_sets_no_nadir():
    visits = score_record(load("HCC-105_iRECIST_early_scan_disregarded"))["visits"]
    early = next(v for v in visits if v["visit_id"] == "U13")
    assert early["disregarded"] is True and early["overall"] == "iUPD"
    assert [v["nadir_mm"] for v in visits] == [75.0, 75.0, 75.0, 75.0, 75.0]


def test_new_lesion_target_sum_is_kept_apart():
    visits = score_record(load("HCC-103_iRECIST_new_lesion_targets"))["visits"]
    assert [v["nlt_sum_mm"] for v in visits] == [22.5, 27.5, 31.0, 36.0]
    assert [v["sum_mm"] for v in visits] == [55.0, 55.0, 56.0, 58.0]


def test_generator_reproduces_the_committed_irecist_records():
    sys.path.insert(0, str(SAMPLE_DATA))
    try:
        import generate_irecist_records
    finally:
        sys.path.remove(str(SAMPLE_DATA))
    assert set(generate_irecist_records.PATIENTS) == set(EXPECTED)
    for name, make in generate_irecist_records.PATIENTS.items():
        assert make() == load(name), f"{name}: run python sample_data/generate_irecist_records.py"
