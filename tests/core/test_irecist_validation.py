"""iRECIST record validation (design.md §7b, I1.2, I5.3, I5.4): each error names its JSON path."""

from __future__ import annotations

import pytest

from recist_reader import RecordError, score_record
from recist_reader.core.record_builder import RecordBuilder


def record(*visits, **config):
    """Target T1 (liver, 50 mm); ``visits`` are (day, new-lesion listings, T1 value)."""
    builder = RecordBuilder("P", config=config)
    builder.target("T1", organ="liver", baseline_mm=50.0)
    for day, listings, value in visits:
        builder.visit(day=day, new_lesions=list(listings), T1=value)
    result = builder.to_dict()
    result["criteria"] = "iRECIST"
    return result


def nlt(new_lesion_id, value, organ="liver", **fields):
    listing = {"new_lesion_id": new_lesion_id, "location": organ, "kind": "target", "organ": organ}
    listing["status" if isinstance(value, str) else "diameter_mm"] = value
    return {**listing, **fields}


def nlnt(new_lesion_id, organ="peritoneum", **fields):
    return {"new_lesion_id": new_lesion_id, "location": organ, "organ": organ, **fields}


def problems(data, **options):
    with pytest.raises(RecordError) as error:
        score_record(data, **options)
    return [(p.path, p.code) for p in error.value.problems]


def test_new_lesion_at_baseline():
    data = record((56, [], 40.0))
    data["visits"][0]["new_lesions"] = [nlnt("N1")]
    assert problems(data) == [("visits[0].new_lesions[0]", "baseline_new_lesions")]


def test_the_same_new_lesion_twice_at_one_visit():
    data = record((56, [nlnt("N1"), nlnt("N1", organ="bone")], 40.0))
    assert problems(data) == [("visits[1].new_lesions[1].new_lesion_id", "duplicate_new_lesion")]


def test_a_legacy_location_listed_twice_is_one_finding():
    data = record((56, [{"location": "Liver"}, {"location": " liver "}], 40.0))
    response = score_record(data)
    assert response["visits"][0]["overall"] == "iUPD"


@pytest.mark.parametrize(
    ("later", "path"),
    [
        (nlt("N1", 12.0, organ="peritoneum"), "visits[2].new_lesions[0].kind"),
        (nlnt("N1", nodal=True), "visits[2].new_lesions[0].nodal"),
        (nlnt("N1", organ="bone"), "visits[2].new_lesions[0].organ"),
        (nlnt("N1", equivocal=True), "visits[2].new_lesions[0].equivocal"),
    ],
)
def test_a_tracked_new_lesion_keeps_kind_nodal_and_organ(later, path):
    data = record((56, [nlnt("N1")], 40.0), (84, [later], 40.0))
    assert problems(data) == [(path, "inconsistent_new_lesion")]


def test_organ_text_may_change_within_the_same_organ():
    data = record(
        (56, [nlnt("N1", organ="left lung")], 40.0), (84, [nlnt("N1", organ="Lungs")], 40.0)
    )
    assert [v["overall"] for v in score_record(data)["visits"]] == ["iUPD", "iUPD"]


def test_kind_may_differ_while_the_lesion_is_equivocal():
    data = record(
        (56, [nlnt("N1", equivocal=True)], 40.0),
        (84, [nlt("N1", 12.0)], 40.0),
        (112, [nlt("N1", 12.0)], 40.0),
    )
    response = score_record(data)
    assert [v["nlt_sum_mm"] for v in response["visits"]] == [None, 12.0, 12.0]


def test_every_problem_is_reported_with_its_path():
    data = record(
        (56, [nlt("N1", 9.0), nlt("N2", "too_small", organ="lung")], 40.0),
        (84, [nlt("N1", 9.0), nlt("N2", 5.0, organ="lung"), nlt("N3", 14.0, nodal=True)], 40.0),
    )
    assert problems(data) == [
        ("visits[1].new_lesions[0].diameter_mm", "new_target_not_measurable"),
        ("visits[1].new_lesions[1].diameter_mm", "new_target_not_measured"),
        ("visits[2].new_lesions[2].diameter_mm", "new_target_not_measurable"),
    ]
    with pytest.raises(RecordError) as error:
        score_record(data)
    message = str(error.value)
    assert (
        "visits[1].new_lesions[0].diameter_mm: new-lesion target 'N1' is not measurable: 9.0 mm "
        "is below the measurable size 10.0 mm for CT with 5.0 mm slices" in message
    )
    assert "a node of 10 to < 15 mm short axis is pathological but not measurable" in message


def test_validation_off_turns_measurability_and_limits_into_notes():
    data = record(
        (56, [nlt("N1", 9.0), nlt("N2", 12.0)], 40.0),
        (84, [nlt("N1", 0), nlt("N2", 12.0)], 40.0),
        irecist_validate_new_lesions=False,
    )
    response = score_record(data)
    first, second = response["visits"]
    assert first["notes"][0] == (
        "visits[1].new_lesions[0].diameter_mm: new-lesion target 'N1' is not measurable: "
        "9.0 mm is below the measurable size 10.0 mm for CT with 5.0 mm slices (R2.1: ≥ 10 mm "
        "and ≥ twice the slice thickness); record it as a new-lesion non-target (I5.3): "
        "followed as a new-lesion non-target (IA7)"
    )
    # N1 is followed as a non-target: it is not in the NLT sum, and 0 mm is gone.
    assert [first["nlt_sum_mm"], second["nlt_sum_mm"]] == [12.0, 12.0]
    assert response["config"]["irecist_validate_new_lesions"] is False


def test_validation_off_too_many_new_lesion_targets_follows_the_sixth_as_a_non_target():
    organs = ["liver", "lung", "bone", "brain", "spleen", "kidney"]
    listings = [nlt(f"N{i}", 10.0, organ=o) for i, o in enumerate(organs, start=1)]
    data = record((56, listings, 40.0), (84, listings, 40.0), irecist_validate_new_lesions=False)
    response = score_record(data)
    assert [v["nlt_sum_mm"] for v in response["visits"]] == [50.0, 50.0]
    assert any(
        "too many" not in note and "number 6" in note for note in response["visits"][0]["notes"]
    )


def test_structural_errors_stay_errors_with_validation_off():
    data = record(
        (56, [nlnt("N1")], 40.0),
        (84, [nlt("N1", 12.0, organ="peritoneum")], 40.0),
        irecist_validate_new_lesions=False,
    )
    assert problems(data) == [("visits[2].new_lesions[0].kind", "inconsistent_new_lesion")]


def test_recist_1_1_scoring_ignores_the_irecist_validations():
    data = record((56, [nlt("N1", 9.0)], 40.0))
    assert score_record(data, criteria="RECIST1.1")["visits"][0]["overall"] == "PD"
