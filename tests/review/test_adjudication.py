"""CRV7–CRV10: adjudication validity, unrequired and premature adjudications, the central read."""

from __future__ import annotations

import copy

import pytest
from review_builders import BOR_SERIES, codes, only, pair, signed_adjudication, warning_codes

from recist_reader import review_reads
from recist_reader.review import AdjudicationFileError, adjudication_record, parse_adjudication


def review(reads, *adjudications, **options):
    return only(review_reads(list(reads), adjudications, **options))


def test_e1_adjudication_selects_r1(e1):
    r1, r2 = e1
    patient = review(e1, signed_adjudication(r1, r2))
    assert patient["status"] == "adjudicated" and patient["central"]["read_id"] == "P-017-R1"
    assert patient["adjudication"] == {
        "adjudication_id": "ADJ-P-017",
        "selected_read": "R1",
        "adjudicator_id": "rad-19",
        "adjudicated_at": "2024-07-03T11:20:31Z",
        "rationale": "6 mm solid nodule in the right lower lobe at W24, absent at W16 on the lung kernel",
        "reason_codes": ["NEW_LESION"],
        "required": True,
        "applied": True,
    }


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"selected_read": "R3"}, "bad_selection", "selected_read"),
        ({"selected_read": "both"}, "bad_selection", "selected_read"),
        ({"selected_read": None}, "bad_selection", "selected_read"),
        ({"rationale": ""}, "missing_rationale", "rationale"),
        ({"rationale": "   "}, "missing_rationale", "rationale"),
        ({"rationale": None}, "missing_rationale", "rationale"),
        ({"reason_codes": ["NEW_LESION", "GUT_FEELING"]}, "bad_reason_code", "reason_codes"),
        ({"reason_codes": "NEW_LESION"}, "bad_reason_code", "reason_codes"),
    ],
)
def test_invalid_adjudication_is_reported_and_not_applied(e1, change, code, path):
    r1, r2 = e1
    adjudication = signed_adjudication(r1, r2)
    adjudication.update(change)
    patient = review(e1, adjudication)
    assert patient["status"] == "awaiting_adjudication"
    assert codes(patient) == [code]
    assert patient["problems"][0]["path"] == path
    assert patient["problems"][0]["message"].startswith(f"adjudication ADJ-P-017: {path}: ")
    assert patient["central"] is None
    assert patient["adjudication"]["applied"] is False


def test_adjudicator_is_a_reader(e1):
    r1, r2 = e1
    adjudication = signed_adjudication(r1, r2, by="rad-12")
    patient = review(e1, adjudication)
    assert patient["status"] == "awaiting_adjudication" and codes(patient) == [
        "adjudicator_is_reader"
    ]
    assert "R2" in patient["problems"][0]["message"]


def test_rationale_optional_when_the_charter_says_so(e1):
    r1, r2 = e1
    adjudication = signed_adjudication(r1, r2)
    del adjudication["rationale"]
    assert review(e1, adjudication)["status"] == "awaiting_adjudication"
    assert review(e1, adjudication, require_rationale=False)["status"] == "adjudicated"


def test_stale_adjudication_after_a_read_changed(e1):
    r1, r2 = e1
    adjudication = signed_adjudication(r1, r2)
    changed = copy.deepcopy(r2)
    changed["visits"][3]["measurements"][0]["diameter_mm"] = 30.0
    patient = review([r1, changed], adjudication)
    assert patient["status"] == "awaiting_adjudication"
    assert codes(patient) == ["stale_adjudication"]
    assert patient["problems"][0]["path"] == "read_hashes.R2"
    # a longer audit trail alone does not make it stale: the hash leaves the trail out
    appended = copy.deepcopy(r2)
    appended["audit"].append(dict(appended["audit"][-1]))
    assert "stale_adjudication" not in codes(review([r1, appended], adjudication))


def test_adjudication_without_hashes_is_accepted(e1):
    r1, r2 = e1
    adjudication = signed_adjudication(r1, r2)
    del adjudication["read_hashes"], adjudication["reads"]
    assert review(e1, adjudication)["status"] == "adjudicated"


def test_adjudication_of_other_reads_is_stale(e1):
    r1, r2 = e1
    adjudication = signed_adjudication(r1, r2)
    adjudication["reads"]["R1"] = "P-017-R1-old"
    patient = review(e1, adjudication)
    assert codes(patient) == ["stale_adjudication"] and patient["problems"][0]["path"] == "reads.R1"


def test_two_adjudications(e1):
    r1, r2 = e1
    first = signed_adjudication(r1, r2)
    second = signed_adjudication(r1, r2, selected="R2", adjudication_id="ADJ-P-017-2")
    patient = review(e1, first, second)
    assert patient["status"] == "awaiting_adjudication"
    assert codes(patient) == ["duplicate_adjudication", "duplicate_adjudication"]
    assert patient["adjudication"] is None


@pytest.mark.parametrize(
    ("policy", "status", "source"), [("apply", "adjudicated", "R2"), ("ignore", "concordant", "R1")]
)
def test_crv9_unrequired_adjudication(policy, status, source):
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    patient = review(
        [r1, r2], signed_adjudication(r1, r2, selected="R2"), unrequired_adjudication=policy
    )
    assert patient["status"] == status
    assert patient["central"]["source"] == source
    assert warning_codes(patient) == ["adjudication_not_required"]
    assert patient["adjudication"]["required"] is False
    assert patient["adjudication"]["applied"] is (policy == "apply")
    assert patient["problems"] == []


def test_unrequired_adjudication_stays_out_of_the_reader_metrics():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    result = review_reads([r1, r2], [signed_adjudication(r1, r2, selected="R2")])
    assert result["agreement"]["readers"]["rad-12"] == {
        "n_reads": 1,
        "n_adjudicated": 0,
        "n_selected": 0,
        "aar": None,
        "rdi_pct": 0.0,
    }
    assert result["agreement"]["n_discordant"] == 0


def test_invalid_unrequired_adjudication_keeps_the_patient_concordant():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    patient = review([r1, r2], signed_adjudication(r1, r2, selected="R9"))
    assert patient["status"] == "concordant" and codes(patient) == ["bad_selection"]
    assert patient["warnings"] == []


@pytest.mark.parametrize("case", ["one read", "in progress", "invalid"])
def test_crv9_premature_adjudication_is_ignored(e1, case):
    r1, r2 = e1
    adjudication = signed_adjudication(r1, r2)
    if case == "one read":
        reads = [r1]
    elif case == "in progress":
        reads = [r1, {**r2, "read": {**r2["read"], "status": "in_progress"}}]
    else:
        reads = [r1, {**r2, "read": {**r2["read"], "reader_id": "rad-11"}}]
    patient = review(reads, adjudication)
    assert patient["status"] == ("invalid" if case == "invalid" else "awaiting_reads")
    assert warning_codes(patient) == ["adjudication_premature"]
    assert patient["central"] is None
    assert (
        patient["adjudication"]["applied"] is False and patient["adjudication"]["required"] is None
    )


def test_adjudication_of_a_patient_without_reads():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    adjudication = signed_adjudication(r1, r2, patient_id="P9")
    result = review_reads([r1, r2], [adjudication])
    p9 = next(p for p in result["patients"] if p["patient_id"] == "P9")
    assert p9["status"] == "awaiting_reads" and warning_codes(p9) == ["adjudication_premature"]


def test_crv7_central_outcome_is_the_selected_reads_own_response(e1):
    """No mixing: R2 selected gives R2's BOR, progression and DoR, all together."""
    r1, r2 = e1
    patient = review(e1, signed_adjudication(r1, r2, selected="R2"), full=True)
    central = patient["central"]
    assert central["read_id"] == "P-017-R2"
    assert central["progression"] is None and central["pfs"]["event"] is False
    assert central["duration_of_response"]["start_date"] == "2024-05-01"
    assert central["response"]["visits"][0]["overall"] == "SD"  # R2's W8


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "decision"}, "kind"),
        ({"adjudicator_id": ""}, "adjudicator_id"),
        ({"adjudicated_at": "2024-07-03"}, "adjudicated_at"),
        ({"signature": None}, "signature"),
        ({"unknown": 1}, "unknown"),
        ({"read_hashes": {"R1": "sha256:xyz"}}, "read_hashes.R1"),
    ],
)
def test_structurally_invalid_adjudication_names_the_field(e1, change, field):
    r1, r2 = e1
    adjudication = signed_adjudication(r1, r2)
    adjudication.update(change)
    with pytest.raises(AdjudicationFileError) as error:
        parse_adjudication(adjudication, source="adjudication-P-017.json")
    assert error.value.problems[0].startswith(f"{field}: ")
    assert str(error.value).startswith(f"adjudication-P-017.json: {field}: ")
    with pytest.raises(ValueError):
        review_reads(list(e1), [adjudication])


def test_signature_is_the_adjudicators(e1):
    r1, r2 = e1
    adjudication = signed_adjudication(r1, r2)
    adjudication["signature"]["by"] = "rad-20"
    with pytest.raises(AdjudicationFileError, match="signature.by"):
        parse_adjudication(adjudication)


def test_adjudication_record_has_every_field_of_design_9_4(e1):
    r1, r2 = e1
    document = adjudication_record(
        patient_id="P-017", reads={"R1": r1, "R2": r2}, selected_read="R1", adjudicator_id="rad-19",
        adjudicated_at="2024-07-03T11:20:31Z", rationale="new lesion", reason_codes=["NEW_LESION"],
        triggers_seen=["pd_date"],
    )  # fmt: skip
    from recist_reader import read_hash

    assert document == {
        "schema_version": 1, "kind": "adjudication", "adjudication_id": "ADJ-P-017",
        "patient_id": "P-017", "adjudicator_id": "rad-19", "adjudicated_at": "2024-07-03T11:20:31Z",
        "reads": {"R1": "P-017-R1", "R2": "P-017-R2"},
        "read_hashes": {"R1": read_hash(r1), "R2": read_hash(r2)},
        "triggers_seen": ["pd_date"], "selected_read": "R1", "reason_codes": ["NEW_LESION"],
        "rationale": "new lesion",
        "signature": {"by": "rad-19", "at": "2024-07-03T11:20:31Z",
                      "meaning": "adjudication: I select read R1 as the central read of record"},
    }  # fmt: skip
