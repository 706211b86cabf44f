"""RECIST 1.1 rules R4–R15 and the register choices A1–A21, case by case."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recist_reader import RecordError, score_record
from recist_reader.core.record_builder import RecordBuilder


def targets(*specs, **config):
    """A builder with targets given as (id, organ, baseline_mm, nodal)."""
    builder = RecordBuilder("P", config=config)
    for lesion_id, organ, baseline_mm, nodal in specs:
        builder.target(lesion_id, organ=organ, baseline_mm=baseline_mm, nodal=nodal)
    return builder


def column(response, key):
    return [visit[key] for visit in response["visits"]]


# ----------------------------------------------------------------------------- sums (R4)
def test_measured_value_below_5_mm_counts_as_measured():
    builder = targets(("T1", "liver", 20.0, False), ("T2", "lung", 20.0, False))
    builder.visit(day=56, T1=3.0, T2="too_small")
    visit = score_record(builder.to_dict())["visits"][0]
    assert visit["sum_mm"] == 8.0
    assert "T2 too small to measure: counted as 5.0 mm (R4.3)" in visit["notes"]


def test_too_small_value_is_configurable():
    builder = targets(("T1", "liver", 20.0, False)).visit(day=56, T1="too_small")
    assert score_record(builder.to_dict(), too_small_mm=4)["visits"][0]["sum_mm"] == 4.0


def test_absent_counts_as_zero():
    builder = targets(("T1", "liver", 20.0, False), ("T2", "lung", 20.0, False))
    builder.visit(day=56, T1="absent", T2=0)
    visit = score_record(builder.to_dict())["visits"][0]
    assert (visit["sum_mm"], visit["target"]) == (0.0, "CR")


def test_too_small_blocks_cr_for_non_nodal_but_not_for_nodes():
    # A15: 5 mm > 0 for a non-nodal target; 5 mm < 10 mm for a node.
    builder = targets(("T1", "liver", 20.0, False)).visit(day=56, T1="too_small")
    assert score_record(builder.to_dict())["visits"][0]["target"] == "PR"
    builder = targets(("N1", "lymph node", 20.0, True)).visit(day=56, N1="too_small")
    assert score_record(builder.to_dict())["visits"][0]["target"] == "CR"


def test_merged_lesion_zero_is_not_complete_response():
    # R4.4: T2 merged into T1 is recorded 0; T1 carries the combined diameter.
    builder = targets(("T1", "liver", 30.0, False), ("T2", "liver", 20.0, False))
    builder.visit(day=56, T1=40.0, T2=0)
    visit = score_record(builder.to_dict())["visits"][0]
    assert (visit["sum_mm"], visit["target"]) == (40.0, "SD")


def test_cr_with_residual_nodes_keeps_their_short_axes_in_the_sum():
    builder = targets(("T1", "liver", 30.0, False), ("N1", "lymph node", 18.0, True))
    builder.visit(day=56, T1=0, N1=8.0)
    visit = score_record(builder.to_dict())["visits"][0]
    assert (visit["sum_mm"], visit["target"], visit["overall"]) == (8.0, "CR", "CR")


# ------------------------------------------------------------------------- nadir (R5.5)
def test_nadir_uses_complete_visits_only():
    builder = targets(("T1", "liver", 40.0, False), ("T2", "lung", 20.0, False))
    builder.visit(day=56, T1=10.0, T2=None)  # incomplete: partial 10 does not set the nadir
    builder.visit(day=112, T1=30.0, T2=15.0)  # 45 vs nadir 60 -> SD
    builder.visit(day=168, T1=50.0, T2=10.0)  # 60 vs nadir 45: +33 %, +15 mm -> PD
    response = score_record(builder.to_dict())
    assert column(response, "nadir_mm") == [60.0, 60.0, 45.0]
    assert column(response, "target") == ["NE", "SD", "PD"]
    assert column(response, "partial_sum_mm") == [10.0, None, None]


def test_progression_from_a_nadir_below_baseline():
    builder = targets(("T1", "liver", 50.0, False))
    builder.visit(day=56, T1=30.0).visit(day=112, T1=25.0).visit(day=168, T1=30.0)
    response = score_record(builder.to_dict())
    assert column(response, "target") == ["PR", "PR", "PD"]
    assert response["visits"][2]["pct_change_baseline"] == -40.0
    assert response["visits"][2]["pct_change_nadir"] == 20.0


# ------------------------------------------------------------------ missing data (R10)
def test_partial_sum_already_progressing_is_pd():
    builder = targets(("T1", "liver", 20.0, False), ("T2", "lung", 20.0, False))
    builder.visit(day=56, T1=48.0, T2="not_evaluated")  # 48 >= 1.2 * 40 and +8 mm
    visit = score_record(builder.to_dict())["visits"][0]
    assert (visit["target"], visit["overall"], visit["sum_mm"], visit["partial_sum_mm"]) == (
        "PD",
        "PD",
        None,
        48.0,
    )


def test_partial_sum_just_short_of_progression_is_ne():
    builder = targets(("T1", "liver", 20.0, False), ("T2", "lung", 20.0, False))
    builder.visit(day=56, T1=47.9, T2=None)
    assert score_record(builder.to_dict())["visits"][0]["target"] == "NE"


def test_partial_sum_never_gives_cr_pr_or_sd():
    builder = targets(("T1", "liver", 20.0, False), ("T2", "lung", 20.0, False))
    builder.visit(day=56, T1=0, T2=None)
    assert score_record(builder.to_dict())["visits"][0]["target"] == "NE"


def test_non_target_pd_or_new_lesion_is_pd_with_target_ne():
    builder = targets(("T1", "liver", 20.0, False))
    builder.non_target("NT1", organ="bone")
    builder.visit(day=56, NT1="unequivocal_progression")
    builder.visit(day=112, new=["brain"])
    response = score_record(builder.to_dict())
    assert column(response, "target") == ["NE", "NE"]
    assert column(response, "overall") == ["PD", "PD"]


# -------------------------------------------------------- reappearance after CR (R5.8)
@pytest.mark.parametrize(
    ("lesion", "nodal", "value", "target"),
    [
        ("T1", False, 3.0, "PD"),
        ("T1", False, "too_small", "PD"),
        ("T1", False, 0, "CR"),
        ("N1", True, 10.0, "PD"),
        ("N1", True, 9.9, "CR"),  # a node growing but < 10 mm is not reappearance
    ],
)
def test_reappearance_after_complete_response(lesion, nodal, value, target):
    builder = targets((lesion, "lymph node" if nodal else "liver", 40.0, nodal))
    builder.visit(day=56, **{lesion: 0 if not nodal else 5.0}).visit(day=112, **{lesion: value})
    response = score_record(builder.to_dict())
    assert column(response, "overall")[0] == "CR"
    assert response["visits"][1]["target"] == target


def test_reappearance_is_arithmetic_when_option_off():
    builder = targets(("T1", "liver", 40.0, False), pd_on_reappearance_after_cr=False)
    builder.visit(day=56, T1=0).visit(day=112, T1=3.0)
    assert column(score_record(builder.to_dict()), "target") == ["CR", "PR"]


def test_non_nodal_non_target_present_after_cr_is_pd_but_nodal_is_not():
    builder = targets(("T1", "liver", 40.0, False))
    builder.non_target("NT1", organ="peritoneum").non_target("NN1", organ="lymph node", nodal=True)
    builder.visit(day=56, T1=0, NT1="absent", NN1="absent")
    builder.visit(day=112, T1=0, NT1="absent", NN1="present")  # A21: NonCR/NonPD -> PR
    builder.visit(day=168, T1=0, NT1="present", NN1="absent")  # CR state ended at day 112
    response = score_record(builder.to_dict())
    assert column(response, "non_target") == ["CR", "NonCR/NonPD", "NonCR/NonPD"]
    assert column(response, "overall") == ["CR", "PR", "PR"]

    builder = targets(("T1", "liver", 40.0, False))
    builder.non_target("NT1", organ="peritoneum")
    builder.visit(day=56, T1=0, NT1="absent").visit(day=112, T1=0, NT1="present")
    response = score_record(builder.to_dict())
    assert column(response, "non_target") == ["CR", "PD"]
    assert response["progression"]["visit_id"] == "D112"


def test_ne_visits_do_not_end_the_cr_state():
    builder = targets(("T1", "liver", 40.0, False))
    builder.non_target("NT1", organ="bone")
    builder.visit(day=56, T1=0, NT1="absent")  # CR
    builder.visit(day=112, T1=None, NT1=None)  # NE
    builder.visit(day=168, T1=0, NT1="not_evaluated")  # PR only because NT1 not evaluated
    builder.visit(day=224, T1=2.0, NT1="absent")  # reappearance -> PD
    response = score_record(builder.to_dict())
    assert column(response, "overall") == ["CR", "NE", "PR", "PD"]


def test_documented_disease_ends_the_cr_state():
    builder = targets(("T1", "liver", 40.0, False), ("N1", "lymph node", 20.0, True))
    builder.visit(day=56, T1=0, N1=8.0)  # CR
    builder.visit(day=112, T1=0, N1=10.0)  # node back to 10 mm: PD by reappearance
    response = score_record(builder.to_dict())
    assert column(response, "target") == ["CR", "PD"]


# ------------------------------------------------------------------------- A1, A6, A7
def test_nodes_growing_under_10_mm_are_cr_not_arithmetic_pd():
    builder = targets(("N1", "lymph node", 20.0, True), ("N2", "lymph node", 16.0, True))
    builder.visit(day=56, N1=2.0, N2=2.0).visit(day=112, N1=9.0, N2=9.0)  # 4 -> 18: +350 %
    assert column(score_record(builder.to_dict()), "target") == ["CR", "CR"]
    options = {"cr_precedence_over_arithmetic_pd": False}
    assert column(score_record(builder.to_dict(), **options), "target") == ["CR", "PD"]


@pytest.mark.parametrize(("missing_is_ne", "expected"), [(True, "NE"), (False, "NonCR/NonPD")])
def test_some_non_targets_not_evaluated(missing_is_ne, expected):
    builder = RecordBuilder("P", config={"nontarget_partial_missing_is_ne": missing_is_ne})
    builder.non_target("NT1", organ="bone").non_target("NT2", organ="liver")
    builder.visit(day=56, NT1="present", NT2="not_evaluated")
    builder.visit(day=112, NT1="absent", NT2=None)  # nothing present: NE either way
    response = score_record(builder.to_dict())
    assert column(response, "non_target") == [expected, "NE"]
    assert column(response, "overall") == [expected, "NE"]


@pytest.mark.parametrize(("continuing_pr", "expected"), [(False, "SD"), (True, "PR")])
def test_continuing_partial_response(continuing_pr, expected):
    builder = targets(("T1", "liver", 100.0, False), continuing_pr=continuing_pr)
    builder.visit(day=56, T1=60.0).visit(day=112, T1=60.0).visit(
        day=168, T1=71.9
    )  # 71.9 < 1.2 * 60
    response = score_record(builder.to_dict())
    assert column(response, "target") == ["PR", "PR", expected]


# ------------------------------------------------------------------ new lesions (R7)
def test_equivocal_new_lesion_does_not_lower_a_response():
    builder = targets(("T1", "liver", 50.0, False))
    builder.visit(day=56, T1=30.0, equivocal=["lung, right lower lobe"])
    visit = score_record(builder.to_dict())["visits"][0]
    assert (visit["overall"], visit["new_lesions"], visit["equivocal_new_lesions"]) == (
        "PR",
        False,
        True,
    )


@pytest.mark.parametrize(
    "location", ["Lung, right lower lobe", "lung,  RIGHT lower lobe ", "lung,right lowerlobe"]
)
def test_confirmed_equivocal_lesion_backdates_progression(location):
    builder = targets(("T1", "liver", 50.0, False))
    builder.visit(day=56, T1=30.0)  # PR
    builder.visit(day=84, T1=30.0, equivocal=["lung, right lower lobe"])  # PR (would confirm)
    builder.visit(day=140, T1=29.0, new=[location])  # confirmed -> PD dated to day 84
    response = score_record(builder.to_dict())
    assert column(response, "overall") == ["PR", "PR", "PD"]
    assert response["progression"] == {
        "date": "2024-03-25",
        "visit_id": "D140",
        "dated_visit_id": "D84",
    }
    assert response["pfs"] == {"event": True, "date": "2024-03-25"}
    # A8: the first-sighting visit no longer counts or confirms.
    assert response["best_overall_response"] == {"unconfirmed": "PR", "confirmed": "SD"}
    assert response["duration_of_response"] == {
        "start_date": "2024-02-26",
        "end_date": "2024-03-25",
        "days": 28,
        "censored": False,
    }


def test_backdating_by_first_seen_visit_id_and_option_off():
    builder = targets(("T1", "liver", 50.0, False))
    builder.visit(day=56, T1=45.0, equivocal=["segment 4"])
    builder.visit(
        day=112,
        T1=45.0,
        new_lesions=[
            {"location": "liver segment IV", "equivocal": False, "first_seen_visit_id": "D56"}
        ],
    )
    response = score_record(builder.to_dict())
    assert response["progression"]["dated_visit_id"] == "D56"
    assert response["best_overall_response"]["confirmed"] == "PD"
    response = score_record(builder.to_dict(), backdate_equivocal_new_lesions=False)
    assert response["progression"] == {
        "date": "2024-04-22",
        "visit_id": "D112",
        "dated_visit_id": "D112",
    }
    assert response["best_overall_response"]["confirmed"] == "SD"


def test_unrelated_unequivocal_lesion_is_not_backdated():
    builder = targets(("T1", "liver", 50.0, False))
    builder.visit(day=56, T1=45.0, equivocal=["lung"]).visit(day=112, T1=45.0, new=["brain"])
    assert score_record(builder.to_dict())["progression"]["dated_visit_id"] == "D112"


# ------------------------------------------------------------- progression, PFS, DoR
def test_visits_after_progression_are_classified_but_ignored():
    builder = targets(("T1", "liver", 50.0, False))
    builder.visit(day=56, T1=30.0).visit(day=112, T1=40.0).visit(day=168, T1=20.0).visit(
        day=224, T1=20.0
    )
    response = score_record(builder.to_dict())
    assert column(response, "overall") == ["PR", "PD", "PR", "PR"]
    assert response["progression"]["visit_id"] == "D112"
    assert response["best_overall_response"] == {"unconfirmed": "PR", "confirmed": "SD"}
    assert response["pfs"] == {"event": True, "date": "2024-04-22"}
    assert response["duration_of_response"]["days"] == 56


def test_pfs_censored_at_last_evaluable_assessment():
    builder = targets(("T1", "liver", 50.0, False))
    builder.visit(day=56, T1=45.0).visit(day=112, T1=None)
    response = score_record(builder.to_dict())
    assert response["pfs"] == {"event": False, "date": "2024-02-26"}
    assert response["duration_of_response"] is None


def test_pfs_at_baseline_without_evaluable_assessment():
    builder = targets(("T1", "liver", 50.0, False)).visit(day=56, T1=None)
    response = score_record(builder.to_dict())
    assert response["pfs"] == {"event": False, "date": "2024-01-01"}
    assert response["best_overall_response"] == {"unconfirmed": "NE", "confirmed": "NE"}


def test_no_follow_up_visit():
    builder = targets(("T1", "liver", 50.0, False))
    response = score_record(builder.to_dict())
    assert response["visits"] == []
    assert response["best_overall_response"] == {"unconfirmed": "NE", "confirmed": "NE"}
    assert response["progression"] is None
    assert response["pfs"] == {"event": False, "date": "2024-01-01"}


def test_visits_are_scored_in_date_order():
    builder = targets(("T1", "liver", 50.0, False))
    builder.visit(day=56, T1=30.0).visit(day=112, T1=30.0).visit(day=168, T1=40.0)
    record = builder.to_dict()
    shuffled = dict(
        record,
        visits=[record["visits"][3], record["visits"][1], record["visits"][0], record["visits"][2]],
    )
    assert score_record(shuffled) == score_record(record)


# ------------------------------------------------------------- baseline rules (R2, R3)
def _many_targets(organs, nodal=False):
    builder = RecordBuilder("P")
    for index, organ in enumerate(organs, start=1):
        builder.target(f"T{index}", organ=organ, baseline_mm=20.0, nodal=nodal)
    return builder.to_dict()


def test_at_most_five_targets():
    score_record(_many_targets(["liver", "lung", "bone", "adrenal", "spleen"]))
    with pytest.raises(RecordError) as error:
        score_record(_many_targets(["liver", "lung", "bone", "adrenal", "spleen", "kidney"]))
    assert error.value.codes == ["too_many_targets"]
    assert error.value.problems[0].path == "lesions[5].kind"


@pytest.mark.parametrize(
    ("organs", "nodal", "ok"),
    [
        (["left lung", "Right lung", "lungs"], False, False),  # A16: one organ
        (["lung", "lung", "pleura"], False, True),
        (["liver", "Liver ", "LIVER"], False, False),
        (["mediastinum", "axilla", "groin"], True, False),  # all nodes are one organ
        (["Left kidney", "kidneys"], False, True),
        (["left adrenal", "adrenals", "right adrenal"], False, False),
        (["small bowel", "Small  Bowel", "smallbowel"], False, False),
        (["lung", "lung, right lower lobe", "lungs"], False, True),  # a lobe is named apart
    ],
)
def test_at_most_two_targets_per_organ(organs, nodal, ok):
    record = _many_targets(organs, nodal=nodal)
    if ok:
        score_record(record)
    else:
        with pytest.raises(RecordError) as error:
            score_record(record)
        assert error.value.codes == ["too_many_targets_per_organ"]
        assert error.value.problems[0].path == "lesions[2].organ"


def test_baseline_violations_become_notes_when_validation_is_off():
    record = _many_targets(["liver", "liver", "liver"])
    response = score_record(record, validate_baseline=False)
    assert response["baseline"]["notes"][0].startswith("lesions[2].organ: more than 2 targets")
    assert response["config"]["validate_baseline"] is False


def test_no_lesion_at_all_is_always_an_error():
    record = RecordBuilder("P").to_dict()
    for validate in (True, False):
        with pytest.raises(RecordError) as error:
            score_record(record, validate_baseline=validate)
        assert error.value.codes == ["no_baseline_disease"]


def test_a_zero_baseline_sum_scored_without_validation_has_no_percent_change():
    record = (
        RecordBuilder("P")
        .target("T1", organ="liver", baseline_mm=0)
        .visit(day=56, T1=3.0)
        .visit(day=112, T1=0)
        .to_dict()
    )
    with pytest.raises(RecordError):
        score_record(record)  # 0 mm is not measurable at baseline (R2.1)
    first, second = score_record(record, validate_baseline=False)["visits"]
    assert first["target"] == "SD" and first["pct_change_baseline"] is None
    assert "sum 3.0 mm vs baseline 0.0 mm (no % change from 0 mm)" in " ".join(first["notes"])
    assert second["target"] == "CR"


@settings(max_examples=300, deadline=None)
@given(
    baseline=st.lists(st.sampled_from([0, 0.5, 5, 9.9, 10, 15, 30.25]), min_size=1, max_size=3),
    later=st.lists(st.sampled_from([0, 0.1, 3, 5, 14.9, 40, "too_small", "absent"]), max_size=3),
    nodal=st.booleans(),
)
def test_any_baseline_scored_without_validation_gives_a_response(baseline, later, nodal):
    builder = RecordBuilder("P")
    for index, value_mm in enumerate(baseline):
        builder.target(f"T{index}", organ=f"organ {index}", baseline_mm=value_mm, nodal=nodal)
    values = {f"T{index}": value for index, value in enumerate(later[: len(baseline)])}
    builder.visit(day=56, **values).visit(day=84, **values)
    response = score_record(builder.to_dict(), validate_baseline=False)
    assert len(response["visits"]) == 2
    assert all(visit["overall"] in {"CR", "PR", "SD", "PD", "NE"} for visit in response["visits"])
