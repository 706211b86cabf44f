"""Each criteria reads its own fields (design.md §7.1, §7a compatibility, M14.4).

Removing every mRECIST field of a record never changes its RECIST 1.1 response; the §7a and
§7b example records are valid records and conform to the published schema.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recist_reader import score_record
from recist_reader.core.validation import parse_record

from .test_properties import records

jsonschema = pytest.importorskip("jsonschema")

EXAMPLES = Path(__file__).resolve().parent / "spec_examples"
SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"

LESION_FIELDS = ("lesion_type", "mrecist_kind")
MEASUREMENT_FIELDS = (
    "viable_diameter_mm",
    "viable_status",
    "enhancing",
    "cytology",
    "mrecist_status",
    "viable_ruler",
)
NEW_LESION_FIELDS = ("lesion_type", "size_mm", "nodal", "cytology")
LESION_TYPES = [
    "typical_hcc",
    "atypical_hcc",
    "tumor_thrombus",
    "effusion",
    "porta_hepatis_node",
    "other",
]
RULER = {"series_uid": "1.2.3", "points_lps_mm": [[0.0, 0.0, 0.0], [12.5, 0.0, 0.0]]}


def without_mrecist_fields(record: dict) -> dict:
    """``record`` with every field of design.md §7a removed."""
    stripped = copy.deepcopy(record)
    stripped["criteria"] = "RECIST1.1"
    config = stripped.get("config", {})
    for key in [k for k in config if k.startswith("mrecist_")]:
        del config[key]
    for lesion in stripped["lesions"]:
        for name in LESION_FIELDS:
            lesion.pop(name, None)
    for visit in stripped["visits"]:
        for measurement in visit["measurements"]:
            for name in MEASUREMENT_FIELDS:
                measurement.pop(name, None)
        for listing in visit["new_lesions"]:
            for name in NEW_LESION_FIELDS:
                listing.pop(name, None)
    return stripped


@st.composite
def records_with_mrecist_fields(draw):
    record = draw(records())
    record["criteria"] = draw(st.sampled_from(["RECIST1.1", "mRECIST", "iRECIST"]))
    if draw(st.booleans()):
        record.setdefault("config", {})["mrecist_pd_min_increase_mm"] = draw(
            st.sampled_from([0, 5, 2.5])
        )
        record["config"]["mrecist_allow_atypical_hcc_targets"] = draw(st.booleans())
    for lesion in record["lesions"]:
        if draw(st.booleans()):
            lesion["lesion_type"] = draw(st.sampled_from(LESION_TYPES))
        if draw(st.booleans()):
            lesion["mrecist_kind"] = draw(st.sampled_from(["target", "non-target", "excluded"]))
    for visit in record["visits"]:
        for measurement in visit["measurements"]:
            choice = draw(st.integers(0, 6))
            if choice == 1:
                measurement["viable_diameter_mm"] = draw(
                    st.decimals(min_value=0, max_value=80, places=1).map(float)
                )
                measurement["viable_ruler"] = RULER
            elif choice == 2:
                measurement["viable_status"] = draw(
                    st.sampled_from(["too_small", "absent", "not_evaluated"])
                )
            elif choice == 3:
                measurement["enhancing"] = draw(st.booleans())
            elif choice == 4:
                measurement["cytology"] = draw(
                    st.sampled_from(["malignant", "negative", "not_done"])
                )
            elif choice == 5:
                measurement["mrecist_status"] = draw(
                    st.sampled_from(
                        ["absent", "present", "unequivocal_progression", "not_evaluated"]
                    )
                )
        for listing in visit["new_lesions"]:
            if draw(st.booleans()):
                listing["lesion_type"] = draw(st.sampled_from(LESION_TYPES))
                listing["size_mm"] = draw(
                    st.decimals(min_value=0, max_value=40, places=1).map(float)
                )
            if draw(st.booleans()):
                listing["nodal"] = draw(st.booleans())
            if draw(st.booleans()):
                listing["cytology"] = draw(st.sampled_from(["malignant", "negative", "not_done"]))
    return record


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records_with_mrecist_fields())
def test_removing_every_mrecist_field_never_changes_the_recist_response(record):
    stripped = without_mrecist_fields(record)
    assert json.dumps(score_record(record, criteria="RECIST1.1")) == json.dumps(
        score_record(stripped)
    )


def validator(name):
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("name", ["design_7a_P014.json", "design_7b_P015.json"])
def test_the_design_examples_are_valid_records(name):
    record = json.loads((EXAMPLES / name).read_text())
    validator("record").validate(record)
    parse_record(record)
    response = score_record(record, criteria="RECIST1.1")
    validator("response").validate(response)
    assert response["criteria"] == "RECIST1.1"


def test_the_7a_example_under_recist_is_pd_at_w8():
    # design.md §7a: sum 129 -> 126 mm (SD), NT3 unequivocal progression and an unequivocal
    # new lesion -> overall PD.
    record = json.loads((EXAMPLES / "design_7a_P014.json").read_text())
    (visit,) = score_record(record, criteria="RECIST1.1")["visits"]
    assert (visit["sum_mm"], visit["target"], visit["non_target"], visit["new_lesions"]) == (
        126.0,
        "SD",
        "PD",
        True,
    )
    assert visit["overall"] == "PD"


@pytest.mark.parametrize(
    ("edit", "valid"),
    [
        (lambda m: m.update(viable_diameter_mm=12.0, viable_status="absent"), False),
        (lambda m: m.update(viable_diameter_mm=-1), False),
        (lambda m: m.update(viable_status="present"), False),
        (lambda m: m.update(cytology="positive"), False),
        (lambda m: m.update(viable_diameter_mm=12.0, viable_ruler=RULER), True),
        (lambda m: m.update(increased=True), True),
    ],
)
def test_the_schema_checks_the_mrecist_measurement_fields(edit, valid):
    record = json.loads((EXAMPLES / "design_7a_P014.json").read_text())
    measurement = record["visits"][1]["measurements"][0]
    measurement.pop("viable_diameter_mm")
    edit(measurement)
    assert validator("record").is_valid(record) is valid


@pytest.mark.parametrize(
    ("listing", "valid"),
    [
        ({"kind": "target", "diameter_mm": 12.0}, True),
        ({"kind": "target", "status": "too_small"}, True),
        ({"kind": "target"}, False),
        ({"kind": "target", "diameter_mm": 12.0, "status": "absent"}, False),
        ({"kind": "target", "status": "present"}, False),
        ({"status": "present", "increased": True}, True),
        ({"kind": "non-target", "status": "too_small"}, False),
        ({"diameter_mm": 12.0}, False),
        ({}, True),
    ],
)
def test_the_schema_tells_new_lesion_targets_from_non_targets(listing, valid):
    record = json.loads((EXAMPLES / "design_7b_P015.json").read_text())
    record["visits"][1]["new_lesions"] = [{"location": "lung", **listing}]
    assert validator("record").is_valid(record) is valid


# ------------------------------------------------------------------ mRECIST properties
def _without_notes(response: dict) -> dict:
    kept = {k: v for k, v in response.items() if k not in ("criteria", "config")}
    kept["visits"] = [
        {k: v for k, v in visit.items() if k != "notes"} for visit in response["visits"]
    ]
    return kept


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_mrecist_of_other_lesions_with_a_5_mm_minimum_is_recist(record):
    """M4.1, MA12, MA13: lesions that are neither HCC, thrombus, effusion nor porta hepatis
    nodes are measured and judged as RECIST 1.1; with MA1 = 5 mm the calls are RECIST's."""
    mrecist = score_record(record, criteria="mRECIST", mrecist_pd_min_increase_mm=5)
    recist = score_record(record, criteria="RECIST1.1")
    assert _without_notes(mrecist) == _without_notes(recist)


@st.composite
def records_with_new_liver_findings(draw):
    record = draw(records())
    for visit in record["visits"][1:]:
        for listing in visit["new_lesions"]:
            lesion_type = draw(st.sampled_from(LESION_TYPES))
            listing["lesion_type"] = lesion_type
            listing["size_mm"] = draw(st.decimals(min_value=0, max_value=40, places=1).map(float))
            if lesion_type == "porta_hepatis_node":
                listing["nodal"] = True
            if draw(st.booleans()):
                listing["cytology"] = draw(st.sampled_from(["malignant", "negative", "not_done"]))
    return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records_with_new_liver_findings(), st.randoms(use_true_random=False))
def test_mrecist_qualifiers_never_make_a_listing_count_more_than_under_recist(record, rnd):
    """design.md §7a: size, pattern and cytology can only make a listing count less."""
    mrecist = score_record(record, criteria="mRECIST")
    recist = score_record(record, criteria="RECIST1.1")
    for m_visit, r_visit in zip(mrecist["visits"], recist["visits"]):
        assert not m_visit["new_lesions"] or r_visit["new_lesions"]
    shuffled = dict(record, visits=rnd.sample(record["visits"], len(record["visits"])))
    assert score_record(shuffled, criteria="mRECIST") == mrecist
    validator("response").validate(mrecist)
