"""mRECIST rules M1–M14 and options MA1–MA25, case by case, at every threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recist_reader import RecordError, score_record

from .mrecist_helpers import both, column, hcc, new, typical, v

ROOT = Path(__file__).resolve().parents[2]


def problems_of(record, **options):
    with pytest.raises(RecordError) as error:
        score_record(record, **options)
    return [(p.path, p.code) for p in error.value.problems], str(error.value)


def one_typical(whole=50.0, viable=40.0, **config):
    b = hcc(**config)
    return typical(b, "T1", whole, viable)


# ------------------------------------------------------------------------- M1 scope
def test_m1_1_a_recist_record_can_be_scored_under_mrecist():
    path = ROOT / "sample_data" / "records" / "HCC-001_confirmed_PR.json"
    record = json.loads(path.read_text())
    response = score_record(record, criteria="mRECIST")
    assert response["criteria"] == "mRECIST"
    # Every lesion is 'other': measured whole, as RECIST 1.1 (M4.1).
    assert column(response, "sum_mm") == column(score_record(record), "sum_mm")


def test_m1_3_thresholds_are_exact_decimals():
    # (49.7 - 71.0) / 71.0 * 100 = -29.999999999999993 in floats: exactly -30 % is PR.
    b = one_typical(80.0, 71.0)
    b.visit(day=56, T1=v(80.0, 49.7))
    assert column(score_record(b.to_dict()), "target") == ["PR"]


# ------------------------------------------------------------------- M2.5 input checks
@pytest.mark.parametrize(
    ("edit", "path", "code"),
    [
        (
            lambda r: r["lesions"].append(
                {
                    "lesion_id": "N1",
                    "kind": "non-target",
                    "organ": "node",
                    "lesion_type": "porta_hepatis_node",
                }
            ),
            "lesions[1].nodal",
            "bad_lesion",
        ),
        (
            lambda r: r["lesions"][0].update(nodal=True, organ="lymph node"),
            "lesions[0].lesion_type",
            "bad_lesion",
        ),
        (
            lambda r: r["visits"][1]["measurements"][0].update(viable_status="absent"),
            "visits[1].measurements[0].viable_status",
            "bad_measurement",
        ),
        (
            lambda r: r["visits"][1]["new_lesions"].append(
                {"location": "liver segment 2", "lesion_type": "typical_hcc"}
            ),
            "visits[1].new_lesions[0].size_mm",
            "bad_new_lesion",
        ),
        (
            lambda r: r["visits"][1]["new_lesions"].append(
                {"location": "porta hepatis", "lesion_type": "porta_hepatis_node"}
            ),
            "visits[1].new_lesions[0].size_mm",
            "bad_new_lesion",
        ),
        (
            lambda r: r["visits"][1]["new_lesions"].append(
                {
                    "location": "porta hepatis",
                    "lesion_type": "porta_hepatis_node",
                    "size_mm": 22.0,
                    "nodal": False,
                }
            ),
            "visits[1].new_lesions[0].nodal",
            "bad_new_lesion",
        ),
        (
            lambda r: r["visits"][1]["new_lesions"].append(
                {"location": "ascites", "lesion_type": "effusion", "nodal": True}
            ),
            "visits[1].new_lesions[0].lesion_type",
            "bad_new_lesion",
        ),
    ],
)
def test_m2_5_input_checks_name_the_field(edit, path, code):
    b = one_typical()
    b.visit(day=56, T1=v(50.0, 30.0))
    record = b.to_dict()
    edit(record)
    problems, message = problems_of(record)
    assert (path, code) in problems
    assert "(M2.5)" in message
    # RECIST 1.1 ignores every mRECIST field (M2.5, M14.4).
    if code != "bad_lesion" or path != "lesions[1].nodal":
        score_record(record, criteria="RECIST1.1")


def test_m2_5_the_size_of_an_intrahepatic_listing_message():
    b = one_typical()
    b.visit(
        day=56,
        T1=v(50.0, 30.0),
        new_lesions=[{"location": "liver segment 2", "lesion_type": "typical_hcc"}],
    )
    _, message = problems_of(b.to_dict())
    assert message == (
        "visits[1].new_lesions[0].size_mm: required for an intrahepatic new lesion (M2.5): "
        "give its size in mm"
    )


def test_m2_5_a_numeric_diameter_stands_for_a_missing_size_and_equivocal_needs_none():
    b = one_typical()
    b.visit(
        day=56,
        T1=v(50.0, 30.0),
        new_lesions=[
            {
                "location": "liver segment 2",
                "lesion_type": "typical_hcc",
                "kind": "target",
                "new_lesion_id": "N1",
                "diameter_mm": 11.0,
            },
            {"location": "liver segment 7", "lesion_type": "atypical_hcc", "equivocal": True},
        ],
    )
    visit = score_record(b.to_dict())["visits"][0]
    assert (visit["new_lesions"], visit["equivocal_new_lesions"], visit["overall"]) == (
        True,
        True,
        "PD",
    )


def test_m2_5_a_viable_diameter_on_a_lesion_that_is_not_typical_hcc():
    b = hcc()
    b.target("T1", organ="lung", baseline_mm=30.0, baseline={"viable_diameter_mm": 20.0})
    problems, message = problems_of(b.to_dict())
    assert problems == [("visits[0].measurements[0].viable_diameter_mm", "bad_measurement")]
    assert "typical_hcc" in message


def test_m2_5_mrecist_status_belongs_to_mrecist_non_targets():
    b = one_typical()
    b.visit(day=56, T1=v(50.0, 30.0, mrecist_status="present"))
    assert problems_of(b.to_dict())[0] == [
        ("visits[1].measurements[0].mrecist_status", "bad_measurement")
    ]


# -------------------------------------------------------------------- M3 baseline
@pytest.mark.parametrize(("viable", "ok"), [(9.9, False), (10.0, True)])
def test_m3_1_baseline_viable_diameter_at_least_10_mm(viable, ok):
    b = one_typical(40.0, viable)
    if ok:
        assert score_record(b.to_dict())["baseline"]["sum_mm"] == viable
        return
    problems, message = problems_of(b.to_dict())
    assert problems == [("visits[0].measurements[0].viable_diameter_mm", "target_not_measurable")]
    assert "typical-HCC target T1 needs a baseline viable diameter ≥ 10.0 mm (M3.1)" in message


@pytest.mark.parametrize(("viable", "ok"), [(15.0, False), (16.0, True)])
def test_m3_1_with_8_mm_slices_twice_the_slice_thickness(viable, ok):
    b = hcc()
    typical(b, "T1", 40.0, viable, slice_thickness_mm=8.0)
    if ok:
        score_record(b.to_dict())
    else:
        assert problems_of(b.to_dict())[0][0][1] == "target_not_measurable"


def test_m3_1_a_missing_baseline_viable_diameter():
    b = hcc()
    b.target("T1", organ="liver", baseline_mm=40.0, lesion_type="typical_hcc")
    problems, message = problems_of(b.to_dict())
    assert problems == [
        ("visits[0].measurements[0].viable_diameter_mm", "baseline_target_not_measured")
    ]
    assert message.startswith(
        "visits[0].measurements[0].viable_diameter_mm: typical-HCC target T1 needs a baseline "
        "viable diameter ≥ 10.0 mm (M3.1)"
    )


def test_m3_2_the_liver_is_one_organ_whatever_its_segment():
    b = hcc()
    for n, segment in enumerate(["liver segment 2", "liver segment 6", "right lobe"]):
        b.target(
            f"T{n}",
            organ=segment,
            baseline_mm=40.0,
            lesion_type="typical_hcc",
            baseline={"viable_diameter_mm": 30.0},
        )
    problems, message = problems_of(b.to_dict())
    assert problems == [("lesions[2].organ", "too_many_targets_per_organ")]
    assert "(M3.2: the liver is one organ" in message


def test_m3_2_at_most_five_targets():
    b = hcc()
    for n, organ in enumerate(["lung", "bone", "adrenal", "spleen", "kidney", "brain"]):
        b.target(f"T{n}", organ=organ, baseline_mm=30.0)
    assert problems_of(b.to_dict())[0] == [("lesions[5].kind", "too_many_targets")]


@pytest.mark.parametrize("allowed", [False, True])
def test_m3_3_ma8_atypical_hcc_as_a_target(allowed):
    b = hcc(mrecist_allow_atypical_hcc_targets=allowed)
    b.target("T1", organ="liver", baseline_mm=60.0, lesion_type="atypical_hcc")
    b.visit(day=56, T1=40.0)
    if allowed:  # measured whole, as RECIST 1.1 (VR)
        response = score_record(b.to_dict())
        assert (response["baseline"]["sum_mm"], column(response, "target")) == (60.0, ["PR"])
        return
    problems, message = problems_of(b.to_dict())
    assert problems == [("lesions[0].lesion_type", "mrecist_target_not_eligible")]
    assert message == (
        "lesions[0].lesion_type: atypical_hcc cannot be an mRECIST target (M3.3, option "
        "mrecist_allow_atypical_hcc_targets): set mrecist_kind non-target"
    )


def test_m3_4_extrahepatic_targets_follow_recist_measurability():
    b = hcc()
    b.target("T1", organ="lung", baseline_mm=9.0)
    assert problems_of(b.to_dict())[0] == [
        ("visits[0].measurements[0].diameter_mm", "target_not_measurable")
    ]


@pytest.mark.parametrize(("short_axis", "ok"), [(14.9, False), (15.0, True)])
def test_m3_5_other_nodes_follow_r2_4(short_axis, ok):
    b = hcc()
    b.target("N1", organ="lymph node, para-aortic", nodal=True, baseline_mm=short_axis)
    if ok:
        score_record(b.to_dict())
    else:
        assert problems_of(b.to_dict())[0][0][1] == "target_not_measurable"


def test_m3_5_a_porta_hepatis_target_below_20_mm_is_rejected_and_may_be_excluded():
    b = hcc()
    typical(b, "T1", 50.0, 40.0)
    b.target(
        "N1", organ="porta hepatis", nodal=True, baseline_mm=17.0, lesion_type="porta_hepatis_node"
    )
    problems, message = problems_of(b.to_dict())
    assert problems == [("visits[0].measurements[1].diameter_mm", "target_not_measurable")]
    assert "(M3.5, MA3); record mrecist_kind excluded" in message
    record = b.to_dict()
    record["lesions"][1]["mrecist_kind"] = "excluded"
    mrecist, recist = both(record)
    assert (mrecist["baseline"]["sum_mm"], recist["baseline"]["sum_mm"]) == (40.0, 67.0)


def test_ma21_excluding_a_node_already_malignant_at_baseline_is_an_error():
    b = hcc()
    typical(b, "T1", 50.0, 40.0)
    b.target(
        "T3",
        organ="porta hepatis",
        nodal=True,
        baseline_mm=20.0,
        lesion_type="porta_hepatis_node",
        mrecist_kind="excluded",
    )
    problems, message = problems_of(b.to_dict())
    assert problems == [("lesions[1].mrecist_kind", "bad_lesion")]
    assert message.startswith(
        "lesions[1].mrecist_kind: T3 is a porta hepatis node of 20.0 mm at baseline; under "
        "mRECIST it is malignant"
    )


@pytest.mark.parametrize(
    ("lesion_type", "rule"), [("tumor_thrombus", "M3.6"), ("effusion", "M3.7")]
)
def test_m3_6_m3_7_thrombus_and_effusions_are_never_targets(lesion_type, rule):
    b = hcc()
    b.target("T1", organ="portal vein", baseline_mm=30.0, lesion_type=lesion_type)
    problems, message = problems_of(b.to_dict())
    assert problems == [("lesions[0].lesion_type", "mrecist_target_not_eligible")]
    assert rule in message


def test_m3_8_non_targets_present_and_enhancing_at_baseline():
    b = one_typical()
    b.non_target("NT1", organ="liver", lesion_type="typical_hcc", baseline={"enhancing": False})
    problems, message = problems_of(b.to_dict())
    assert problems == [("visits[0].measurements[1].enhancing", "baseline_nontarget_not_present")]
    assert "(M3.8)" in message
    b = one_typical()
    b.non_target("NT1", organ="bone")
    record = b.to_dict()
    record["visits"][0]["measurements"][1]["mrecist_status"] = "absent"
    assert problems_of(record)[0] == [
        ("visits[0].measurements[1]", "baseline_nontarget_not_present")
    ]


def test_m3_9_some_mrecist_disease_and_no_new_lesion_at_baseline():
    b = hcc()
    b.target(
        "N1",
        organ="porta hepatis",
        nodal=True,
        baseline_mm=17.0,
        lesion_type="porta_hepatis_node",
        mrecist_kind="excluded",
    )
    problems, _ = problems_of(b.to_dict())
    assert problems == [("lesions", "no_baseline_disease")]
    problems, _ = problems_of(b.to_dict(), validate_baseline=False)
    assert problems == [("lesions", "no_baseline_disease")]
    record = one_typical().to_dict()
    record["visits"][0]["new_lesions"] = [{"location": "lung"}]
    assert problems_of(record)[0] == [("visits[0].new_lesions[0]", "bad_new_lesion")]


def test_m3_10_baseline_violations_become_notes_without_validation():
    b = one_typical(40.0, 9.9, validate_baseline=False)
    b.visit(day=56, T1=v(40.0, 6.0))
    response = score_record(b.to_dict())
    assert response["baseline"]["sum_mm"] == 9.9
    assert "(M3.1)" in response["baseline"]["notes"][0]
    assert column(response, "target") == ["PR"]


def test_m3_10_the_sum_must_still_be_computable():
    b = hcc(validate_baseline=False)
    b.target("T1", organ="liver", baseline_mm=40.0, lesion_type="typical_hcc")
    problems, message = problems_of(b.to_dict())
    assert problems == [("visits[0].measurements", "baseline_target_not_measured")]
    assert "(M3.10, M4.2)" in message


# ------------------------------------------------------------------------- M4 the sum
def test_m4_1_viable_diameters_of_typical_targets_plus_other_targets_whole():
    b = one_typical(50.0, 40.0)
    b.target("T2", organ="lung", baseline_mm=20.0)
    b.target("N1", organ="lymph node", nodal=True, baseline_mm=16.0)
    b.visit(day=56, T1=v(49.0, 20.0), T2=18.0, N1=12.0)
    response = score_record(b.to_dict())
    assert response["baseline"]["sum_mm"] == 76.0
    assert column(response, "sum_mm") == [50.0]


@pytest.mark.parametrize(
    ("viable", "config", "expected"),
    [
        ("too_small", {}, 5.0),
        ("too_small", {"too_small_mm": 3}, 3.0),
        ("absent", {}, 0.0),
        (3.0, {}, 3.0),
    ],
)
def test_m4_3_ma17_too_small_absent_and_measured_below_5_mm(viable, config, expected):
    b = one_typical(**config)
    b.visit(day=56, T1=v(45.0, viable))
    assert column(score_record(b.to_dict()), "sum_mm") == [expected]


def test_m4_4_ma10_viable_part_not_recorded_is_not_evaluated():
    b = one_typical()
    b.target("T2", organ="lung", baseline_mm=20.0)
    b.visit(day=56, T1=v(45.0), T2=20.0)
    visit = score_record(b.to_dict())["visits"][0]
    assert (visit["sum_mm"], visit["partial_sum_mm"], visit["target"]) == (None, 20.0, "NE")
    assert (
        "T1 viable diameter not recorded: not evaluated; the whole diameter is never used "
        "(M4.4, MA10)" in visit["notes"]
    )


@pytest.mark.parametrize("measurement", [{"status": "absent"}, {"diameter_mm": 0}])
def test_m4_4_a_lesion_gone_counts_0_without_a_viable_reading(measurement):
    b = one_typical()
    b.visit(day=56, T1=measurement)
    assert column(score_record(b.to_dict()), "target") == ["CR"]


def test_m4_5_nodal_targets_keep_their_short_axis_at_cr():
    b = one_typical()
    b.target("N1", organ="lymph node", nodal=True, baseline_mm=16.0)
    b.visit(day=56, T1=v(30.0, 0.0), N1=8.0)
    visit = score_record(b.to_dict())["visits"][0]
    assert (visit["sum_mm"], visit["target"]) == (8.0, "CR")


def test_m4_6_a_merged_viable_part_is_0_but_not_cr():
    b = one_typical()
    typical(b, "T2", 30.0, 20.0)
    b.visit(day=56, T1=v(60.0, 50.0), T2=v(0.0, 0.0))
    assert column(score_record(b.to_dict()), "target") == ["SD"]


# ------------------------------------------------------------------ M5 target response
@pytest.mark.parametrize(("viable", "target"), [(28.0, "PR"), (28.04, "SD")])
def test_m5_2_m5_9_minus_30_percent_of_baseline(viable, target):
    b = one_typical(50.0, 40.0)
    b.visit(day=56, T1=v(50.0, viable))
    assert column(score_record(b.to_dict()), "target") == [target]


@pytest.mark.parametrize(
    ("nadir", "value", "config", "target"),
    [
        (10.0, 12.0, {}, "PD"),
        (10.0, 12.0, {"mrecist_pd_min_increase_mm": 5}, "PR"),
        (10.0, 11.99, {}, "PR"),
        (27.0, 32.4, {}, "PD"),
        (27.0, 32.39, {}, "SD"),
        (27.0, 32.4, {"mrecist_pd_min_increase_mm": 5.4}, "PD"),
        (27.0, 32.4, {"mrecist_pd_min_increase_mm": 5.41}, "SD"),
    ],
)
def test_m5_3_ma1_plus_20_percent_of_the_nadir_with_the_optional_minimum(
    nadir, value, config, target
):
    b = one_typical(60.0, 40.0, **config)
    b.visit(day=56, T1=v(50.0, nadir)).visit(day=112, T1=v(50.0, value))
    assert column(score_record(b.to_dict()), "target")[1] == target


@pytest.mark.parametrize(
    ("config", "target"), [({}, "PD"), ({"mrecist_pd_min_increase_mm": 5}, "PR")]
)
def test_m5_3_ma16_from_a_nadir_of_0(config, target):
    # Targets CR but the non-target persists (overall PR): 3 mm of enhancement back.
    b = one_typical(**config).non_target("NT1", organ="bone")
    b.visit(day=56, T1=v(40.0, 0.0), NT1="present").visit(day=112, T1=v(40.0, 3.0), NT1="present")
    response = score_record(b.to_dict())
    assert column(response, "overall")[0] == "PR"
    assert column(response, "target")[1] == target
    assert response["visits"][1]["pct_change_nadir"] is None  # M5.7: null when N = 0


def test_m5_3_no_rise_is_never_pd():
    b = one_typical(40.0, 20.0)
    b.visit(day=56, T1=v(40.0, 0.0)).visit(day=112, T1=v(40.0, 0.0))
    assert column(score_record(b.to_dict()), "target") == ["CR", "CR"]


def test_m5_5_the_nadir_is_the_smallest_complete_sum_and_ignores_incomplete_visits():
    b = one_typical(50.0, 40.0)
    b.target("T2", organ="lung", baseline_mm=20.0)
    b.visit(day=56, T1=v(50.0, 30.0), T2=20.0)
    b.visit(day=84, T1=v(50.0), T2=10.0)  # viable not recorded: NE, not a nadir
    b.visit(day=112, T1=v(50.0, 30.0), T2=20.0)
    response = score_record(b.to_dict())
    assert column(response, "nadir_mm") == [60.0, 50.0, 50.0]
    assert column(response, "target") == ["SD", "NE", "SD"]


@pytest.mark.parametrize(("continuing", "third"), [(False, "SD"), (True, "PR")])
def test_m5_6_continuing_pr(continuing, third):
    b = one_typical(50.0, 40.0, continuing_pr=continuing)
    # 25 is -37.5 % (PR); 29.9 is -25.25 % of baseline and +19.6 % of the nadir
    b.visit(day=56, T1=v(50.0, 25.0)).visit(day=112, T1=v(50.0, 25.0)).visit(
        day=168, T1=v(50.0, 29.9)
    )
    assert column(score_record(b.to_dict()), "target") == ["PR", "PR", third]


@pytest.mark.parametrize(
    ("config", "target"),
    [
        ({"mrecist_pd_min_increase_mm": 5}, "PD"),
        ({"mrecist_pd_min_increase_mm": 5, "pd_on_reappearance_after_cr": False}, "PR"),
    ],
)
def test_m5_8_ma15_enhancement_back_after_cr(config, target):
    b = one_typical(**config)
    b.visit(day=56, T1=v(40.0, 0.0)).visit(day=112, T1=v(40.0, 3.0))
    response = score_record(b.to_dict())
    assert column(response, "overall") == ["CR", target]
    if target == "PD":
        assert (
            "target PD: disease reappeared after CR (T1 3.0 mm) (M5.8, MA15)"
            in (response["visits"][1]["notes"])
        )


@pytest.mark.parametrize(("normal_below", "target"), [(None, "PR"), (20, "CR")])
def test_m5_1_ma4_when_a_porta_hepatis_nodal_target_is_normal(normal_below, target):
    config = (
        {} if normal_below is None else {"mrecist_porta_hepatis_node_normal_below_mm": normal_below}
    )
    b = one_typical(**config)
    b.target(
        "N1", organ="porta hepatis", nodal=True, baseline_mm=24.0, lesion_type="porta_hepatis_node"
    )
    b.visit(day=56, T1=v(30.0, 0.0), N1=15.0)
    assert column(score_record(b.to_dict()), "target") == [target]


# ----------------------------------------------------------------- M6 non-targets
def nt(lesion_type="typical_hcc", organ="liver", nodal=False, **config):
    b = one_typical(**config)
    return b.non_target("NT1", organ=organ, nodal=nodal, lesion_type=lesion_type)


@pytest.mark.parametrize(
    ("lesion_type", "non_target"),
    [
        ("typical_hcc", "CR"),
        ("tumor_thrombus", "CR"),
        ("atypical_hcc", "NonCR/NonPD"),
        ("effusion", "NonCR/NonPD"),
        ("other", "NonCR/NonPD"),
    ],
)
def test_m6_2_m6_3_ma9_loss_of_enhancement(lesion_type, non_target):
    b = nt(lesion_type)
    b.visit(day=56, T1=v(30.0, 0.0), NT1={"status": "present", "enhancing": False})
    visit = score_record(b.to_dict())["visits"][0]
    assert visit["non_target"] == non_target
    assert visit["overall"] == ("CR" if non_target == "CR" else "PR")


def test_ma18_enhancement_not_recorded_counts_as_enhancing():
    b = nt()
    b.visit(day=56, T1=v(30.0, 0.0), NT1="present")
    assert column(score_record(b.to_dict()), "non_target") == ["NonCR/NonPD"]


@pytest.mark.parametrize(
    ("cytology_w8", "cytology_w16", "config", "non_target"),
    [
        ("not_done", "not_done", {}, ["NonCR/NonPD", "NonCR/NonPD"]),
        ("negative", "malignant", {}, ["NonCR/NonPD", "PD"]),
        (None, None, {"mrecist_effusion_pd_requires_cytology": False}, ["PD", "PD"]),
    ],
)
def test_m6_4_ma2_effusion_growth_needs_malignant_cytology(
    cytology_w8, cytology_w16, config, non_target
):
    b = nt("effusion", "pleura", **config)
    for day, cytology in ((56, cytology_w8), (112, cytology_w16)):
        measurement = {"status": "unequivocal_progression"}
        if cytology:
            measurement["cytology"] = cytology
        b.visit(day=day, T1=v(40.0, 30.0), NT1=measurement)
    assert column(score_record(b.to_dict()), "non_target") == non_target


def test_ma20_malignant_cytology_found_earlier_stays_proven():
    b = nt("effusion", "peritoneum")
    b.visit(day=56, T1=v(40.0, 30.0), NT1={"status": "present", "cytology": "malignant"})
    b.visit(day=112, T1=v(40.0, 30.0), NT1={"status": "unequivocal_progression"})
    assert column(score_record(b.to_dict()), "non_target") == ["NonCR/NonPD", "PD"]


@pytest.mark.parametrize("lesion_type", ["tumor_thrombus", "atypical_hcc", "other"])
def test_m6_5_unequivocal_progression_of_other_non_targets(lesion_type):
    b = nt(lesion_type)
    b.visit(day=56, T1=v(40.0, 30.0), NT1="unequivocal_progression")
    assert column(score_record(b.to_dict()), "overall") == ["PD"]


@pytest.mark.parametrize(
    ("lesion_type", "measurement", "overall"),
    [
        ("other", {"status": "present"}, "PD"),
        ("typical_hcc", {"status": "present", "enhancing": True}, "PD"),
        ("typical_hcc", {"status": "present", "enhancing": False}, "CR"),
        ("effusion", {"status": "present"}, "PR"),
        ("effusion", {"status": "present", "cytology": "malignant"}, "PD"),
    ],
)
def test_m6_6_reappearance_after_cr(lesion_type, measurement, overall):
    b = nt(lesion_type)
    b.visit(day=56, T1=v(30.0, 0.0), NT1="absent")
    b.visit(day=112, T1=v(30.0, 0.0), NT1=measurement)
    response = score_record(b.to_dict())
    assert column(response, "overall") == ["CR", overall]


def test_m6_6_a_nodal_non_target_present_after_cr_is_not_reappearance():
    b = nt("other", "lymph node", nodal=True)
    b.visit(day=56, T1=v(30.0, 0.0), NT1="absent").visit(day=112, T1=v(30.0, 0.0), NT1="present")
    response = score_record(b.to_dict())
    assert column(response, "overall") == ["CR", "PR"]
    assert any("A21" in note for note in response["visits"][1]["notes"])


# ------------------------------------------------------------------- M7 new lesions
def with_new(*listings_by_visit, **config):
    b = one_typical(**config)
    for index, listings in enumerate(listings_by_visit, start=1):
        b.visit(
            day=56 * index, visit_id=f"W{8 * index}", T1=v(50.0, 38.0), new_lesions=list(listings)
        )
    return b.to_dict()


@pytest.mark.parametrize(
    "listing",
    [
        {"location": "lung"},  # MA13: no lesion_type
        new("lung", "other"),
        new("right portal vein", "tumor_thrombus"),  # MA11
        new("bone", "other", 4.0),
    ],
)
def test_m7_1_ma11_ma13_other_findings_count_as_recist(listing):
    visit = score_record(with_new([{"equivocal": False, **listing}]))["visits"][0]
    assert (visit["new_lesions"], visit["overall"]) == (True, "PD")


def test_m7_2_an_equivocal_listing_never_counts():
    visit = score_record(with_new([new("liver", "typical_hcc", 30.0, equivocal=True)]))["visits"][0]
    assert (visit["new_lesions"], visit["equivocal_new_lesions"], visit["overall"]) == (
        False,
        True,
        "SD",
    )


@pytest.mark.parametrize(
    ("size", "config", "counts"),
    [
        (10.0, {}, True),
        (9.9, {}, False),
        (14.9, {"mrecist_new_intrahepatic_min_mm": 15}, False),
        (15.0, {"mrecist_new_intrahepatic_min_mm": 15}, True),
    ],
)
def test_m7_3_ma5_a_new_typical_nodule_counts_from_10_mm(size, config, counts):
    visit = score_record(with_new([new("liver", "typical_hcc", size)], **config))["visits"][0]
    assert visit["new_lesions"] is counts
    assert visit["equivocal_new_lesions"] is not counts


def test_m7_3_m7_8_a_small_typical_nodule_that_grows_is_dated_to_its_first_sighting():
    response = score_record(
        with_new(
            [new("liver segment 4", "typical_hcc", 8.0)],
            [new("Liver Segment 4", "typical_hcc", 12.0)],
        )
    )
    assert column(response, "overall") == ["SD", "PD"]
    assert response["progression"] == {
        "date": "2024-02-26",
        "visit_id": "W16",
        "dated_visit_id": "W8",
    }
    assert "first seen (M7.8, MA7)" in response["visits"][1]["notes"][-1]
    assert response["best_overall_response"] == {"unconfirmed": "PD", "confirmed": "PD"}


def test_ma7_dating_back_can_be_turned_off():
    response = score_record(
        with_new(
            [new("liver segment 4", "typical_hcc", 8.0)],
            [new("liver segment 4", "typical_hcc", 12.0)],
            backdate_equivocal_new_lesions=False,
        )
    )
    assert response["progression"]["dated_visit_id"] == "W16"


@pytest.mark.parametrize(
    ("sizes", "counts_at"),
    [
        ([12.0, 22.0], 1),
        ([12.0, 21.9], None),
        ([8.0, 18.0], 1),
        ([12.0, 16.0, 22.0], 2),  # MA14: growth from the first sighting
        ([2.0, 9.9, 12.0], 2),  # grown 10 mm and now ≥ 10 mm
        ([0.5, 9.9], None),  # grown 9.4, and under 10 mm
    ],
)
def test_m7_4_ma6_ma14_an_atypical_nodule_counts_by_growth(sizes, counts_at):
    response = score_record(with_new(*[[new("segment 7", "atypical_hcc", s)] for s in sizes]))
    flags = column(response, "new_lesions")
    if counts_at is None:
        assert flags == [False] * len(sizes)
        assert response["progression"] is None
    else:
        assert flags[: counts_at + 1] == [False] * counts_at + [True]
        assert response["progression"]["visit_id"] == f"W{8 * (counts_at + 1)}"
        assert response["progression"]["dated_visit_id"] == "W8"


def test_m7_4_an_atypical_nodule_listed_typical_later_counts_at_10_mm():
    response = score_record(
        with_new([new("segment 7", "atypical_hcc", 12.0)], [new("segment 7", "typical_hcc", 14.0)])
    )
    assert column(response, "new_lesions") == [False, True]


@pytest.mark.parametrize(("growth", "counts"), [(5, True), (6, False)])
def test_ma6_growth_threshold_is_an_option(growth, counts):
    response = score_record(
        with_new(
            [new("s7", "atypical_hcc", 12.0)],
            [new("s7", "atypical_hcc", 17.0)],
            mrecist_atypical_growth_mm=growth,
        )
    )
    assert column(response, "new_lesions") == [False, counts]


def test_ma14_without_a_size_at_its_first_listing_it_cannot_qualify_by_growth():
    response = score_record(
        with_new(
            [{"location": "s7", "equivocal": True, "lesion_type": "atypical_hcc"}],
            [new("s7", "atypical_hcc", 30.0)],
        )
    )
    assert column(response, "new_lesions") == [False, False]
    assert "no size at its first listing" in response["visits"][1]["notes"][-1]


@pytest.mark.parametrize(
    ("cytologies", "config", "new_lesions"),
    [
        ((None, None), {}, [False, False]),
        (("not_done", "malignant"), {}, [False, True]),
        (("malignant", None), {}, [True, True]),  # MA20: proven at an earlier listing
        ((None, None), {"mrecist_effusion_pd_requires_cytology": False}, [True, True]),
    ],
)
def test_m7_5_a_new_effusion_counts_with_malignant_cytology(cytologies, config, new_lesions):
    visits = []
    for cytology in cytologies:
        listing = new("ascites", "effusion")
        if cytology:
            listing["cytology"] = cytology
        visits.append([listing])
    response = score_record(with_new(*visits, **config))
    assert column(response, "new_lesions") == new_lesions


@pytest.mark.parametrize(
    ("short_axis", "config", "counts"),
    [(19.9, {}, False), (20.0, {}, True), (15.0, {"mrecist_porta_hepatis_node_min_mm": 15}, True)],
)
def test_m7_6_ma3_a_new_porta_hepatis_node(short_axis, config, counts):
    response = score_record(
        with_new([new("porta hepatis", "porta_hepatis_node", short_axis)], **config)
    )
    assert column(response, "new_lesions") == [counts]


def test_m7_6_the_short_axis_of_a_new_lesion_target_stands_for_its_size():
    listing = {
        "location": "porta hepatis",
        "lesion_type": "porta_hepatis_node",
        "kind": "target",
        "new_lesion_id": "N1",
        "diameter_mm": 21.0,
    }
    assert column(score_record(with_new([listing])), "new_lesions") == [True]


@pytest.mark.parametrize(
    ("short_axis", "config", "new_lesions"),
    [(19.9, {}, False), (20.0, {}, True), (18.0, {"mrecist_porta_hepatis_node_min_mm": 18}, True)],
)
def test_m7_7_ma21_an_excluded_node_reaching_the_threshold(short_axis, config, new_lesions):
    b = one_typical(**config)
    b.target(
        "N1",
        organ="porta hepatis",
        nodal=True,
        baseline_mm=16.0,
        lesion_type="porta_hepatis_node",
        mrecist_kind="excluded",
    )
    b.visit(day=56, T1=v(50.0, 38.0), N1=short_axis)
    response = score_record(b.to_dict())
    assert column(response, "new_lesions") == [new_lesions]
    assert response["visits"][0]["sum_mm"] == 38.0


@pytest.mark.parametrize("status", ["absent", "not_evaluated"])
def test_m14_5_a_relisting_absent_or_not_evaluated_is_no_new_finding(status):
    listing = new("liver", "typical_hcc", 12.0, new_lesion_id="N1", status=status)
    visit = score_record(with_new([listing]))["visits"][0]
    assert (visit["new_lesions"], visit["equivocal_new_lesions"]) == (False, False)


def test_m7_8_a_finding_tracked_by_new_lesion_id_is_dated_to_its_first_listing():
    response = score_record(
        with_new(
            [new("segment 8 nodule", "typical_hcc", 6.0, new_lesion_id="N1")],
            [new("S8, subcapsular", "typical_hcc", 11.0, new_lesion_id="N1")],
        )
    )
    assert response["progression"]["dated_visit_id"] == "W8"


# ------------------------------------------------------------- M8–M10 tables, missing
def test_m8_target_cr_with_a_persisting_non_target_is_pr():
    b = nt("other", "bone")
    b.visit(day=56, T1=v(30.0, 0.0), NT1="present")
    visit = score_record(b.to_dict())["visits"][0]
    assert (visit["target"], visit["non_target"], visit["overall"]) == ("CR", "NonCR/NonPD", "PR")


def test_m9_ma23_no_mrecist_target_uses_table_2():
    b = hcc()
    b.target(
        "T1", organ="liver", baseline_mm=60.0, lesion_type="atypical_hcc", mrecist_kind="non-target"
    )
    b.visit(day=56, T1=40.0).visit(day=112, T1=0.0)
    mrecist, recist = both(b.to_dict())
    assert mrecist["baseline"]["sum_mm"] is None
    assert column(mrecist, "target") == ["NA", "NA"]
    assert column(mrecist, "sum_mm") == [None, None]
    assert column(mrecist, "overall") == ["NonCR/NonPD", "CR"]
    assert column(recist, "overall") == ["PR", "CR"]


def test_m10_partial_sum_pd_and_non_target_pd_with_target_ne():
    b = one_typical(50.0, 40.0)
    typical(b, "T2", 30.0, 20.0)
    b.non_target("NT1", organ="bone")
    b.visit(day=56, T1=v(50.0, 10.0), T2=v(30.0, 10.0), NT1="present")
    b.visit(day=112, T1=v(50.0, 24.0), T2=v(30.0), NT1="present")  # 24 ≥ 1.2·20
    b.visit(day=168, T1=v(50.0), T2=v(30.0, 5.0), NT1="unequivocal_progression")
    response = score_record(b.to_dict())
    assert column(response, "target") == ["PR", "PD", "NE"]
    assert "(M10.2)" in response["visits"][1]["notes"][-1]
    assert column(response, "overall") == ["PR", "PD", "PD"]


# ------------------------------------------------------------- M14 roles across criteria
def test_m14_3_a_recist_non_target_hcc_as_mrecist_target_by_its_viable_diameter():
    b = hcc()
    b.target("T1", organ="lung", baseline_mm=30.0)
    b.non_target(
        "NT1",
        organ="liver",
        lesion_type="typical_hcc",
        mrecist_kind="target",
        baseline={"viable_diameter_mm": 18.0},
    )
    b.visit(day=56, T1=30.0, NT1={"status": "present", "viable_status": "absent"})
    mrecist, recist = both(b.to_dict())
    assert (mrecist["baseline"]["sum_mm"], column(mrecist, "sum_mm")) == (48.0, [30.0])
    assert (recist["baseline"]["sum_mm"], column(recist, "non_target")) == (30.0, ["NonCR/NonPD"])


def test_m14_3_only_a_typical_hcc_non_target_can_be_an_mrecist_target():
    b = one_typical()
    b.non_target("NT1", organ="lung", mrecist_kind="target")
    problems, message = problems_of(b.to_dict())
    assert problems == [("lesions[1].mrecist_kind", "bad_lesion")]
    assert "(M14.3)" in message


@pytest.mark.parametrize(
    ("measurement", "non_target"),
    [
        (58.0, "NonCR/NonPD"),
        (0.0, "CR"),
        ("too_small", "NonCR/NonPD"),
        ("absent", "CR"),
        ("not_evaluated", "NE"),
        ({"diameter_mm": 70.0, "mrecist_status": "unequivocal_progression"}, "PD"),
    ],
)
def test_m14_3_a_recist_target_followed_as_mrecist_non_target_is_read_from_its_numbers(
    measurement, non_target
):
    b = one_typical()
    b.target(
        "T2", organ="liver", baseline_mm=60.0, lesion_type="atypical_hcc", mrecist_kind="non-target"
    )
    b.visit(day=56, T1=v(30.0, 0.0), T2=measurement)
    assert column(score_record(b.to_dict()), "non_target") == [non_target]


@pytest.mark.parametrize(("short_axis", "non_target"), [(9.9, "CR"), (10.0, "NonCR/NonPD")])
def test_m14_3_a_node_followed_as_non_target_is_present_from_10_mm(short_axis, non_target):
    b = one_typical()
    b.target("N1", organ="lymph node", nodal=True, baseline_mm=16.0, mrecist_kind="non-target")
    b.visit(day=56, T1=v(30.0, 0.0), N1=short_axis)
    assert column(score_record(b.to_dict()), "non_target") == [non_target]


def test_m14_5_mrecist_ignores_the_irecist_fields():
    b = one_typical()
    b.non_target("NT1", organ="bone")
    b.visit(day=56, T1=v(45.0, 20.0), NT1={"status": "present", "increased": True})
    record = b.to_dict()
    record["visits"][1].update(
        clinically_stable=False, treatment_continued=False, symptom_driven=True
    )
    plain = b.to_dict()
    plain["visits"][1]["measurements"][1].pop("increased")
    assert score_record(record) == score_record(plain)


# ------------------------------------------------------------- M11–M13 endpoints, MA24
def test_m11_to_m13_endpoints_inherited():
    b = one_typical(50.0, 40.0, sd_min_days=56)
    b.visit(day=42, T1=v(50.0, 40.0)).visit(day=56, T1=v(50.0, 20.0))
    b.visit(day=84, T1=v(50.0, 20.0)).visit(day=140, T1=v(50.0, 30.0))
    response = score_record(b.to_dict())
    assert column(response, "overall") == ["SD", "PR", "PR", "PD"]
    assert response["best_overall_response"] == {"unconfirmed": "PR", "confirmed": "PR"}
    assert response["progression"]["visit_id"] == "D140"
    assert response["pfs"] == {"event": True, "date": "2024-05-20"}
    assert response["duration_of_response"] == {
        "start_date": "2024-02-26",
        "end_date": "2024-05-20",
        "days": 84,
        "censored": False,
    }


def test_ma25_mrecist_echoes_its_keys_and_ignores_irecist_ones():
    b = one_typical(icpd_min_days=14, mrecist_atypical_growth_mm=8)
    b.visit(day=56, T1=v(45.0, 20.0))
    config = score_record(b.to_dict())["config"]
    assert config["mrecist_atypical_growth_mm"] == 8.0
    assert "icpd_min_days" not in config
