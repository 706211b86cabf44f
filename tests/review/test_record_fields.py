"""The §9.1–§9.3 record fields: optional, validated, and ignored by scoring."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from recist_reader import RecordError, score_record

RECORDS = Path(__file__).resolve().parents[2] / "sample_data" / "records"
SAMPLES = sorted(RECORDS.glob("*.json"))

FIRST_PREV = "sha256:" + "0" * 64


def with_review_fields(record: dict) -> dict:
    """``record`` with every §9.1–§9.3 field filled."""
    record = copy.deepcopy(record)
    record.update(
        study_id="NCT05831969",
        usubjid=f"NCT05831969-{record['patient_id']}",
        arm="A",
        reference_start_date=record["baseline_date"],
        read={
            "read_id": f"{record['patient_id']}-R1",
            "role": "central_reader",
            "slot": "R1",
            "reader_id": "rad-11",
            "status": "complete",
            "paradigm": "sequential_locked",
            "blinded": True,
        },
        audit=[
            {
                "at": "2024-03-08T13:58:20Z",
                "by": "rad-11",
                "action": "create",
                "visit_id": record["visits"][0]["visit_id"],
                "prev": FIRST_PREV,
            },
            {
                "at": "2024-03-08T14:29:03+01:00",
                "by": "rad-11",
                "action": "modify",
                "visit_id": record["visits"][0]["visit_id"],
                "field": "measurements[T1].diameter_mm",
                "old": 29.0,
                "new": 28.0,
                "reason": "ruler end moved",
                "prev": FIRST_PREV,
            },
        ],
    )
    for number, visit in enumerate(record["visits"]):
        visit.update(
            locked_at="2024-03-08T14:02:11.250Z",
            visit_num=number + 1 if number % 2 else number + 1.5,
            visit_name=f"WEEK {number * 8}",
            epoch="TREATMENT",
        )
        for new_lesion in visit.get("new_lesions", []):
            new_lesion["location_code"] = "LUNG"
    for lesion in record["lesions"]:
        lesion["location_code"] = "LIVER"
    return record


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_sample_scores_byte_identically_with_the_review_fields(path):
    record = json.loads(path.read_text())
    plain = json.dumps(score_record(record), sort_keys=True)
    assert json.dumps(score_record(with_review_fields(record)), sort_keys=True) == plain
    # and the plain record's response is what it was before the fields existed
    assert json.dumps(score_record(record), sort_keys=True) == plain


def test_samples_are_found():
    assert len(SAMPLES) >= 5


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("read", "slot"), "R3", "invalid_value"),
        (("read", "role"), "reviewer", "invalid_value"),
        (("read", "status"), "done", "invalid_value"),
        (("read", "paradigm"), "consensus", "invalid_value"),
        (("read", "locked_at"), "2024-03-08", "value_error"),
        (("audit", 0, "prev"), "sha256:abc", "string_pattern_mismatch"),
        (("audit", 0, "action"), "edit", "invalid_value"),
        (("audit", 0, "at"), "2024-03-08 14:02", "value_error"),
        (("audit", 0, "at"), "2024-13-08T14:02:11Z", "value_error"),
        (("visits", 0, "locked_at"), "yesterday", "value_error"),
        (("visits", 0, "visit_num"), "1", "value_error"),
        (("lesions", 0, "location_code"), "", "string_too_short"),
        (("reference_start_date",), "2024-01-10T00:00:00Z", "value_error"),
    ],
)
def test_bad_review_fields_are_named_by_path(path, value, code):
    record = with_review_fields(json.loads(SAMPLES[0].read_text()))
    target = record
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(RecordError) as error:
        score_record(record)
    expected_path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    assert [(p.path, p.code) for p in error.value.problems] == [(expected_path, code)]


def test_unknown_field_in_read_block_is_refused():
    record = with_review_fields(json.loads(SAMPLES[0].read_text()))
    record["read"]["reader_name"] = "Dr X"
    with pytest.raises(RecordError) as error:
        score_record(record)
    assert error.value.problems[0].path == "read.reader_name"


def test_the_published_record_schema_takes_the_review_fields():
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "record.schema.json"
    validator = jsonschema.Draft202012Validator(json.loads(schema_path.read_text()))
    record = with_review_fields(json.loads(SAMPLES[0].read_text()))
    validator.validate(record)
    record["audit"][1]["prev"] = "sha256:" + "A" * 64
    assert not validator.is_valid(record)
