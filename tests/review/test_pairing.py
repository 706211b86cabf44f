"""CRV1–CRV4 and CRV14: reads, pairing, timepoints, scoring, and invalid reads never used."""

from __future__ import annotations

import copy

import pytest
from review_builders import BOR_SERIES, codes, e1_records, locked_read, only, pair, target_record

from recist_reader import review_reads


def test_a_record_without_read_block_is_not_part_of_review(e1):
    r1, r2 = e1
    plain, _ = e1_records()
    result = review_reads([plain, r1, r2])
    assert only(result)["status"] == "awaiting_adjudication"
    assert review_reads([plain])["patients"] == []


@pytest.mark.parametrize(
    "present",
    [("R1",), ("R2",), ()],
)
def test_missing_reads_await(present):
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    reads = [r for slot, r in (("R1", r1), ("R2", r2)) if slot in present]
    inv = locked_read(
        target_record("P1", BOR_SERIES["PR"]), slot=None, role="investigator", reader_id="site-3"
    )
    patient = only(review_reads([*reads, inv]))
    assert patient["status"] == "awaiting_reads"
    assert patient["central"] is None and patient["problems"] == []


def test_an_in_progress_read_awaits_and_is_not_scored():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    r2["read"]["status"] = "in_progress"
    r2["visits"][2]["measurements"][0]["diameter_mm"] = -5  # half-entered: not scored yet
    patient = only(review_reads([r1, r2]))
    assert patient["status"] == "awaiting_reads" and patient["problems"] == []
    assert patient["reads"]["R2"]["bor"] is None
    assert patient["reads"]["R1"]["bor"] == {"unconfirmed": "PR", "confirmed": "PR"}


def test_two_reads_in_one_slot():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    other = locked_read(
        target_record("P1", BOR_SERIES["SD"]), slot="R1", reader_id="rad-13", read_id="P1-R1b"
    )
    patient = only(review_reads([r1, r2, other]))
    assert patient["status"] == "invalid"
    assert codes(patient) == ["duplicate_read"]
    assert (
        "P1-R1" in patient["problems"][0]["message"]
        and "P1-R1b" in patient["problems"][0]["message"]
    )
    assert "R1" not in patient["reads"]


def test_two_investigator_reads():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    inv = [
        locked_read(
            target_record("P1", BOR_SERIES["PR"]),
            slot=None,
            role="investigator",
            reader_id="site-3",
            read_id=f"P1-INV{i}",
        )
        for i in (1, 2)
    ]
    assert codes(only(review_reads([r1, r2, *inv]))) == ["duplicate_read"]


def test_repeated_read_id():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    q1, q2 = pair("P2", BOR_SERIES["PR"], BOR_SERIES["PR"])
    q1 = locked_read(
        target_record("P2", BOR_SERIES["PR"]), slot="R1", reader_id="rad-11", read_id="P1-R1"
    )
    result = review_reads([r1, r2, q1, q2])
    statuses = {p["patient_id"]: (p["status"], codes(p)) for p in result["patients"]}
    assert statuses == {"P1": ("concordant", []), "P2": ("invalid", ["duplicate_read"])}


def test_same_reader_in_both_slots():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"], r2_reader="rad-11")
    patient = only(review_reads([r1, r2]))
    assert patient["status"] == "invalid" and codes(patient) == ["same_reader"]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("slot", "R3", "bad_slot"),
        ("slot", None, "bad_slot"),
        ("role", "reviewer", "bad_role"),
        ("role", None, "bad_role"),
        ("status", "done", "record_error"),
        ("reader_id", "", "record_error"),
        ("read_id", None, "record_error"),
        ("reader_name", "Dr X", "record_error"),
    ],
)
def test_bad_read_block(field, value, code):
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    if value is None:
        r2["read"].pop(field)
    else:
        r2["read"][field] = value
    patient = only(review_reads([r1, r2]))
    assert patient["status"] == "invalid"
    assert code in codes(patient)
    assert any(p["path"] == f"read.{field}" for p in patient["problems"])


def test_an_investigator_read_has_no_slot():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    inv = locked_read(
        target_record("P1", BOR_SERIES["PR"]), slot=None, role="investigator", reader_id="site-3"
    )
    inv["read"]["slot"] = "R1"
    assert codes(only(review_reads([r1, r2, inv]))) == ["bad_slot"]


def test_timepoint_mismatch_on_a_visit_date():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    record = target_record("P1", BOR_SERIES["PR"], days=(56, 113, 168))
    r2 = locked_read(record, slot="R2", reader_id="rad-12")
    patient = only(review_reads([r1, r2]))
    assert patient["status"] == "invalid" and codes(patient) == ["timepoint_mismatch"]
    assert "W16 dated 2024-05-01 vs 2024-05-02" in patient["problems"][0]["message"]


def test_timepoint_mismatch_on_a_missing_visit():
    r1, _ = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    r2 = locked_read(
        target_record("P1", BOR_SERIES["PR"][:3], days=(56, 112)), slot="R2", reader_id="rad-12"
    )
    patient = only(review_reads([r1, r2]))
    assert codes(patient) == ["timepoint_mismatch"]
    assert "only in R1: W24" in patient["problems"][0]["message"]


def test_timepoint_mismatch_on_the_study():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    r1, r2 = (
        locked_read(target_record("P1", BOR_SERIES["PR"], study_id=s), slot=slot, reader_id=rid)
        for s, slot, rid in (("NCT1", "R1", "rad-1"), ("NCT2", "R2", "rad-2"))
    )
    assert codes(only(review_reads([r1, r2]))) == ["timepoint_mismatch"]


def test_scoring_config_mismatch():
    r1 = locked_read(
        target_record("P1", BOR_SERIES["PR"], config={"sd_min_days": 56}),
        slot="R1",
        reader_id="rad-1",
    )
    r2 = locked_read(target_record("P1", BOR_SERIES["PR"]), slot="R2", reader_id="rad-2")
    patient = only(review_reads([r1, r2]))
    assert patient["status"] == "invalid" and codes(patient) == ["scoring_config_mismatch"]
    assert "sd_min_days: 56 vs 42" in patient["problems"][0]["message"]
    # the same options written twice are the same config
    r2 = locked_read(
        target_record("P1", BOR_SERIES["PR"], config={"sd_min_days": 56}),
        slot="R2",
        reader_id="rad-2",
    )
    assert only(review_reads([r1, r2]))["status"] == "concordant"


def test_charter_scoring_options_apply_to_both_reads():
    """SD at day 56 counts with the default sd_min_days (42), not with 63 (CRV4)."""
    r1, r2 = pair("P1", [50.0, 45.0, 45.0, 45.0], [50.0, 45.0, 45.0, 45.0], days=(56, 70, 98))
    result = review_reads([r1, r2], scoring={"sd_min_days": 100})
    patient = only(result)
    assert result["scoring"] == {"sd_min_days": 100}
    assert (
        patient["reads"]["R1"]["bor"]
        == patient["reads"]["R2"]["bor"]
        == {"unconfirmed": "NE", "confirmed": "NE"}
    )


def test_unknown_scoring_option_raises():
    with pytest.raises(ValueError, match="sd_min_dayz"):
        review_reads([], scoring={"sd_min_dayz": 1})


def test_a_read_the_engine_rejects_makes_the_patient_invalid():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    r2 = copy.deepcopy(r2)
    r2["visits"][2]["measurements"][0]["diameter_mm"] = -5
    patient = only(review_reads([r1, r2]))
    assert patient["status"] == "invalid"
    assert codes(patient) == ["record_error"]
    assert patient["problems"][0]["path"] == "visits[2].measurements[0].diameter_mm"
    assert patient["problems"][0]["message"].startswith(
        "read P1-R2: visits[2].measurements[0].diameter_mm: "
    )
    assert patient["triggers"] == [] and patient["central"] is None


def test_an_invalid_patient_lists_every_problem_and_is_left_out_of_the_statistics():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["SD"], r2_reader="rad-11")
    r2["audit"][1]["at"] = "yesterday"
    result = review_reads([r1, r2])
    patient = only(result)
    assert sorted(codes(patient)) == ["audit_chain_broken", "bad_audit_entry", "same_reader"]
    assert result["agreement"]["n_pairs"] == 0 and result["agreement"]["adjudication_rate"] is None
