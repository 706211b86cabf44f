"""New-lesion listings under RECIST 1.1 (design.md §7.5) and the §7b entry forms."""

from __future__ import annotations

import pytest

from recist_reader import RecordError, score_record
from recist_reader.core.new_lesions import NewLesionFindings, location_key
from recist_reader.core.record import NewLesion
from recist_reader.core.record_builder import RecordBuilder
from recist_reader.core.validation import parse_record


def patient():
    builder = RecordBuilder("P", baseline_date="2024-01-10")
    return builder.target("T1", organ="liver", baseline_mm=50.0)


def column(response, key):
    return [visit[key] for visit in response["visits"]]


@pytest.mark.parametrize("status", ["absent", "not_evaluated"])
def test_a_listing_recorded_absent_or_not_evaluated_is_no_new_finding(status):
    builder = patient()
    builder.visit(day=56, T1=30.0)
    listing = {"new_lesion_id": "N1", "location": "lung", "status": status}
    builder.visit(day=112, T1=30.0, new_lesions=[listing])
    response = score_record(builder.to_dict())
    assert column(response, "overall") == ["PR", "PR"]
    assert response["visits"][1]["new_lesions"] is False
    assert response["visits"][1]["equivocal_new_lesions"] is False
    assert response["progression"] is None
    assert any("not a new finding" in note for note in response["visits"][1]["notes"])


@pytest.mark.parametrize("status", ["present", "unequivocal_progression", None])
def test_any_other_unequivocal_listing_is_a_new_lesion(status):
    builder = patient()
    listing = {"new_lesion_id": "N1", "location": "lung", "equivocal": False}
    if status is not None:
        listing["status"] = status
    builder.visit(day=56, T1=30.0, new_lesions=[listing])
    response = score_record(builder.to_dict())
    assert column(response, "overall") == ["PD"]
    assert response["visits"][0]["new_lesions"] is True


def test_a_new_lesion_target_listing_counts_under_recist():
    builder = patient()
    listing = {
        "new_lesion_id": "N1",
        "location": "liver segment 6",
        "kind": "target",
        "organ": "liver",
        "diameter_mm": 12.0,
    }
    builder.visit(day=56, T1=30.0, new_lesions=[listing])
    assert column(score_record(builder.to_dict()), "overall") == ["PD"]


def test_a_tracked_lesion_is_dated_to_its_first_sighting_by_its_id():
    # Equivocal at D56 under one location text, unequivocal at D112 under another: the
    # new_lesion_id makes them one finding (§7.5), so PD is dated to D56 (R7.3, A8).
    builder = patient()
    builder.visit(
        day=56,
        T1=30.0,
        new_lesions=[{"new_lesion_id": "N1", "location": "right lung", "equivocal": True}],
    )
    builder.visit(
        day=112,
        T1=30.0,
        new_lesions=[{"new_lesion_id": "N1", "location": "lung, RLL nodule", "equivocal": False}],
    )
    response = score_record(builder.to_dict())
    assert column(response, "overall") == ["PR", "PD"]
    assert response["progression"] == {
        "date": "2024-03-06",
        "visit_id": "D112",
        "dated_visit_id": "D56",
    }
    assert "first seen as equivocal (R7.3, A8)" in response["visits"][1]["notes"][-1]


def test_a_different_id_at_the_same_location_is_another_finding():
    builder = patient()
    builder.visit(
        day=56,
        T1=30.0,
        new_lesions=[{"new_lesion_id": "N1", "location": "lung", "equivocal": True}],
    )
    builder.visit(
        day=112,
        T1=30.0,
        new_lesions=[{"new_lesion_id": "N2", "location": "lung", "equivocal": False}],
    )
    assert score_record(builder.to_dict())["progression"]["dated_visit_id"] == "D112"


def test_later_listings_of_a_tracked_lesion_point_back_to_its_first_sighting():
    builder = patient()
    listing = {"new_lesion_id": "N1", "location": "peritoneum", "equivocal": True}
    builder.visit(day=56, T1=30.0, new_lesions=[listing])
    builder.visit(day=84, T1=30.0, new_lesions=[{**listing, "status": "absent"}])
    builder.visit(day=112, T1=30.0, new_lesions=[{**listing, "equivocal": False}])
    parsed = parse_record(builder.to_dict())
    findings = NewLesionFindings(parsed)
    last = parsed.visits[3]
    assert [v.visit_id for v, _ in findings.listings(last, last.new_lesions[0])] == [
        "D56",
        "D84",
        "D112",
    ]
    assert findings.first_sighting(last, last.new_lesions[0]).visit_id == "D56"
    response = score_record(builder.to_dict())
    assert response["progression"]["dated_visit_id"] == "D56"


def test_first_seen_visit_id_given_on_an_earlier_listing_of_the_finding():
    builder = patient()
    builder.visit(day=28, T1=45.0, equivocal=["lung"])
    builder.visit(
        day=56,
        T1=45.0,
        new_lesions=[{"location": "lung", "equivocal": True, "first_seen_visit_id": "D28"}],
    )
    builder.visit(day=112, T1=45.0, new=["LUNG"])
    response = score_record(builder.to_dict())
    assert response["progression"]["dated_visit_id"] == "D28"


def test_location_identity_ignores_case_and_spaces():
    assert location_key(" Liver  Segment 6 ") == location_key("liversegment6")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"lesion_type": "porta_hepatis_node"}, True),
        ({}, False),
        ({"lesion_type": "porta_hepatis_node", "nodal": False}, False),
        ({"lesion_type": "other", "nodal": True}, True),
    ],
)
def test_nodal_defaults_to_true_only_for_a_porta_hepatis_listing(fields, expected):
    assert NewLesion(location="x", **fields).nodal_or_default is expected


# ------------------------------------------------------------------- NLT and NLNT forms
@pytest.mark.parametrize(
    ("listing", "path"),
    [
        ({"kind": "target"}, "visits[1].new_lesions[0]"),
        (
            {"kind": "target", "diameter_mm": 12.0, "status": "too_small"},
            "visits[1].new_lesions[0].status",
        ),
        ({"kind": "target", "status": "present"}, "visits[1].new_lesions[0].status"),
        ({"diameter_mm": 12.0}, "visits[1].new_lesions[0].diameter_mm"),
        ({"kind": "non-target", "status": "too_small"}, "visits[1].new_lesions[0].status"),
    ],
)
def test_new_lesion_forms_are_checked_with_their_path(listing, path):
    builder = patient()
    builder.visit(day=56, T1=30.0, new_lesions=[{"location": "lung", **listing}])
    with pytest.raises(RecordError) as error:
        score_record(builder.to_dict())
    assert [(p.path, p.code) for p in error.value.problems] == [(path, "bad_new_lesion")]


@pytest.mark.parametrize(
    "listing",
    [
        {"kind": "target", "diameter_mm": 12.0, "method": "CT", "slice_thickness_mm": 2.5},
        {"kind": "target", "status": "too_small"},
        {"kind": "non-target", "status": "present", "increased": True},
        {"status": "unequivocal_progression"},
        {"lesion_type": "typical_hcc", "size_mm": 14.0, "nodal": False, "cytology": "not_done"},
        {
            "ruler": {"series_uid": "1.2", "points_lps_mm": [[0, 0, 0], [1, 0, 0]]},
            "short_axis_ruler": {"series_uid": "1.2", "points_lps_mm": [[0, 0, 0], [0, 1, 0]]},
            "reader": "rad-1",
            "measured_at": "2024-03-06T10:00:00Z",
            "note": "x",
        },
    ],
)
def test_valid_new_lesion_forms(listing):
    builder = patient()
    builder.visit(day=56, T1=30.0, new_lesions=[{"location": "lung", **listing}])
    parse_record(builder.to_dict())
