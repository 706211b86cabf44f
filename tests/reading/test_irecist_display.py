"""The iRECIST texts of the reading dock: tracked lesions, criteria side by side, episodes."""

from __future__ import annotations

import json
from pathlib import Path

from recist_reader import score_record
from recist_reader.reading.irecist_display import (
    best_response_text,
    comparison_rows,
    criteria_to_compare,
    episode_lines,
    new_lesion_value_text,
    tracked_lesion_rows,
)
from recist_reader.reading.new_lesion_tracking import TrackedNewLesion

RECORDS = Path(__file__).resolve().parents[2] / "sample_data" / "records"


def sample(name):
    return json.loads((RECORDS / f"{name}.json").read_text())


def test_tracked_lesion_rows_say_what_is_still_to_assess():
    target = TrackedNewLesion("NL1", "liver segment 6", "target", "liver", False, "W8")
    node = TrackedNewLesion("NL2", "hilar node", "non-target", "lymph node", True, "W8")
    rows = tracked_lesion_rows(
        [(target, {"diameter_mm": 17.5}), (node, {"status": "present", "increased": True})]
    )
    assert rows == [
        ("NL1", "liver segment 6", "liver", "NLT", "17.5 mm", ""),
        ("NL2", "hilar node", "lymph node", "NLNT node", "present", "yes"),
    ]
    assert new_lesion_value_text(None) == "not assessed"
    assert new_lesion_value_text({"status": "unequivocal_progression"}) == (
        "unequivocal progression"
    )


def test_criteria_compared_are_recist_and_irecist_and_mrecist_for_an_mrecist_read():
    record = sample("HCC-101_iRECIST_pseudoprogression")
    assert criteria_to_compare(record) == ("RECIST1.1", "iRECIST")
    record["lesions"][0]["lesion_type"] = "typical_hcc"
    assert criteria_to_compare(record) == ("RECIST1.1", "mRECIST", "iRECIST")


def test_rows_best_responses_and_episodes_of_a_confirmed_progression():
    record = sample("HCC-109_iRECIST_equivocal_backdated")
    responses = {name: score_record(record, criteria=name) for name in ("RECIST1.1", "iRECIST")}
    assert comparison_rows(responses) == [
        ("W8", "2024-04-15", "PR", "iPR"),
        ("W16", "2024-06-10", "PR", "iPR"),
        ("W24", "2024-08-05", "PD", "iUPD"),
        ("W28", "2024-09-02", "PD", "iCPD"),
    ]
    assert best_response_text(responses) == (
        "Best overall response (confirmed / unconfirmed): RECIST1.1 SD / PR; iRECIST iSD / iPR"
    )
    assert episode_lines(responses["iRECIST"]) == [
        "iUPD at W24 (2024-08-05) by new lesions, dated to W16 (first seen as equivocal): "
        "confirmed at W28 (iCPD: new-lesion non-target increase)",
        "iPFS event on 2024-06-10 (confirmed)",
    ]
    assert episode_lines(responses["RECIST1.1"]) == []


def test_open_episode_and_early_scan():
    response = score_record(sample("HCC-104_iRECIST_new_lesion_persists"))
    assert episode_lines(response) == [
        "iUPD at W16 (2024-06-24) by new lesions: open, to be confirmed at a scan 28 days or "
        "more after it"
    ]
    response = score_record(sample("HCC-105_iRECIST_early_scan_disregarded"))
    rows = comparison_rows({"iRECIST": response, "mRECIST": None})
    assert rows[2] == ("U13", "2024-09-30", "iUPD (early scan)", "–")
