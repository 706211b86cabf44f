"""iRECIST rules I1–I15, case by case, with exact values at every threshold."""

from __future__ import annotations

import pytest

from recist_reader import RecordError, score_record
from recist_reader.core.record_builder import RecordBuilder

ORGANS = ("liver", "lung", "adrenal", "kidney", "spleen")


class Read:
    """An iRECIST read built visit by visit (days after 2024-01-01)."""

    def __init__(self, targets=(50.0,), non_targets=(), nodal_targets=(), **config):
        self.builder = RecordBuilder("P", config=config)
        for index, baseline_mm in enumerate(targets, start=1):
            self.builder.target(f"T{index}", organ=ORGANS[index - 1], baseline_mm=baseline_mm)
        for index, baseline_mm in enumerate(nodal_targets, start=1):
            self.builder.target(
                f"N{index}", organ="lymph node", nodal=True, baseline_mm=baseline_mm
            )
        for index, organ in enumerate(non_targets, start=1):
            self.builder.non_target(f"NT{index}", organ=organ)

    def at(self, day, *new_lesions, **values):
        """A follow-up on ``day``; values by lesion id (dicts are measurements' extra fields);
        ``symptom_driven``, ``clinically_stable``, ``treatment_continued`` go on the visit."""
        visit_fields = {
            key: values.pop(key)
            for key in ("symptom_driven", "clinically_stable", "treatment_continued")
            if key in values
        }
        extras = {key: values.pop(key) for key in list(values) if isinstance(values[key], dict)}
        self.builder.visit(day=day, new_lesions=list(new_lesions), **values)
        visit = self.builder.visits[-1]
        visit.update(visit_fields)
        for lesion_id, fields in extras.items():
            visit["measurements"].append({"lesion_id": lesion_id, **fields})
        return self

    def record(self, criteria="iRECIST"):
        record = self.builder.to_dict()
        record["criteria"] = criteria
        return record

    def score(self, criteria="iRECIST", **options):
        return score_record(self.record(), criteria=criteria, **options)


def nlt(new_lesion_id, value, organ="liver", **fields):
    """A new-lesion target listing (``value``: mm, or a target status)."""
    listing = {
        "new_lesion_id": new_lesion_id,
        "location": f"{organ} ({new_lesion_id})",
        "kind": "target",
        "organ": organ,
        **fields,
    }
    listing["status" if isinstance(value, str) else "diameter_mm"] = value
    return listing


def nlnt(new_lesion_id, status="present", organ="peritoneum", **fields):
    """A new-lesion non-target listing."""
    return {
        "new_lesion_id": new_lesion_id,
        "location": f"{organ} ({new_lesion_id})",
        "kind": "non-target",
        "organ": organ,
        "status": status,
        **fields,
    }


def legacy(location, equivocal=False):
    """A RECIST 1.1-style new-lesion listing (no new_lesion_id)."""
    return {"location": location, "equivocal": equivocal}


def col(response, key="overall"):
    return [visit[key] for visit in response["visits"]]


def increased(status="present"):
    return {"status": status, "increased": True}


# ------------------------------------------------------------------ I1 scope, arithmetic
def test_i1_3_new_lesion_target_plus_5_mm_float_trap():
    assert 17.9 - 12.9 < 5  # 4.999999999999998 in doubles
    read = Read().at(56, nlt("N1", 12.9), T1=50.0).at(84, nlt("N1", 17.9), T1=50.0)
    response = read.score()
    assert col(response) == ["iUPD", "iCPD"]
    assert response["visits"][1]["icpd_triggers"] == ["nlt_sum_increase"]
    short = Read().at(56, nlt("N1", 12.9), T1=50.0).at(84, nlt("N1", 17.8), T1=50.0).score()
    assert col(short) == ["iUPD", "iUPD"]


def test_i1_1_unsupported_criteria_is_rejected():
    with pytest.raises(RecordError) as error:
        score_record(Read().at(56, T1=40.0).record(), criteria="iRECIST2")
    assert "unsupported_criteria" in error.value.codes


# ------------------------------------------------------------------ I2, I3 targets
def test_i2_baseline_rules_are_recist_1_1():
    read = Read(targets=(20.0, 20.0, 20.0, 20.0, 20.0))
    read.builder.target("T6", organ="bone", baseline_mm=20.0)
    with pytest.raises(RecordError) as error:
        read.at(56, T1=20.0).score()
    assert error.value.codes == ["too_many_targets"]


@pytest.mark.parametrize(
    ("follow_up_mm", "target"),
    [(35.0, "iPR"), (35.1, "iSD"), (60.0, "iUPD"), (59.9, "iSD")],
)
def test_i3_1_target_categories_at_their_thresholds(follow_up_mm, target):
    # B = 50: iPR at 10·S ≤ 7·B (35.0); iUPD at 5·S ≥ 6·N and S − N ≥ 5 (60.0).
    response = Read().at(56, T1=follow_up_mm).score()
    assert col(response, "target") == [target]
    assert col(response) == [target]


def test_i3_1_iupd_needs_5_mm_as_well_as_20_percent():
    # B = 20: 24.9 is +24.5 % but +4.9 mm: iSD; 25.0 is +25 % and +5.0 mm: iUPD.
    assert col(Read(targets=(20.0,)).at(56, T1=24.9).score()) == ["iSD"]
    assert col(Read(targets=(20.0,)).at(56, T1=25.0).score()) == ["iUPD"]


def test_i3_2_missing_targets_are_ne_unless_the_evaluated_ones_progress():
    response = Read(targets=(20.0, 20.0)).at(56, T1=48.0).score()
    assert (col(response, "target"), col(response)) == (["iUPD"], ["iUPD"])
    assert response["visits"][0]["partial_sum_mm"] == 48.0
    assert response["visits"][0]["iupd_basis"] == ["target"]
    assert col(Read(targets=(20.0, 20.0)).at(56, T1=47.9).score()) == ["NE"]


def test_i3_3_reappearance_after_icr_is_iupd():
    read = Read(targets=(30.0,), non_targets=("peritoneum",))
    read.at(56, T1=0, NT1="absent").at(112, T1=3.0, NT1="absent")
    response = read.score()
    assert col(response) == ["iCR", "iUPD"]
    assert response["visits"][1]["target"] == "iUPD"
    read = Read(targets=(30.0,), non_targets=("peritoneum",))
    read.at(56, T1=0, NT1="absent").at(112, T1=0, NT1="present")
    response = read.score()
    assert col(response, "non_target") == ["iCR", "iUPD"]
    assert response["visits"][1]["iupd_basis"] == ["non_target"]


def test_i3_4_nadir_includes_ne_and_iupd_visits_but_not_disregarded_scans():
    read = Read(targets=(50.0,))
    read.at(56, nlnt("N1"), T1=50.0)  # iUPD (new lesion)
    read.at(84, nlnt("N1", "absent"), T1=40.0)  # reset: iSD
    read.at(140, T1=38.0)  # N1 not listed: overall NE (IA6), but the sum 38 sets the nadir
    read.at(168, nlnt("N1", "absent"), T1=46.0)  # 46 vs 38: +21 %, +8 mm: iUPD (not vs 40)
    read.at(182, nlnt("N1", "absent"), T1=30.0)  # 14 days: disregarded, its 30 sets nothing
    read.at(196, nlnt("N1", "absent"), T1=40.0)  # 40 vs nadir 38 is not PD: reset
    response = read.score()
    assert col(response) == ["iUPD", "iSD", "NE", "iUPD", "iUPD", "iSD"]
    assert col(response, "nadir_mm") == [50.0, 50.0, 40.0, 38.0, 38.0, 38.0]
    assert col(response, "disregarded") == [False, False, False, False, True, False]


def test_a7_continuing_pr_applies_under_irecist():
    read = Read(targets=(100.0,)).at(56, T1=70.0).at(112, T1=80.0)
    assert col(read.score()) == ["iPR", "iSD"]
    assert col(read.score(continuing_pr=True)) == ["iPR", "iPR"]


# ------------------------------------------------------------------ I4 non-targets
def test_i4_non_target_categories_and_labels():
    read = Read(targets=(), non_targets=("bone", "pleura"))
    read.at(56, NT1="present", NT2="absent").at(112, NT1="absent", NT2="absent")
    response = read.score()
    assert col(response, "non_target") == ["non-iCR/non-iUPD", "iCR"]
    assert col(response, "target") == ["NA", "NA"]
    assert col(response) == ["non-iCR/non-iUPD", "iCR"]


def test_i4_2_increased_does_not_change_the_category():
    read = Read(non_targets=("bone",)).at(56, T1=50.0, NT1=increased())
    assert col(read.score(), "non_target") == ["non-iCR/non-iUPD"]
    assert col(read.score()) == ["iSD"]
    assert col(read.score(criteria="RECIST1.1")) == ["SD"]


# ------------------------------------------------------------------ I5 new lesions
def test_i5_1_a_tracked_lesion_not_listed_again_is_not_evaluated():
    read = Read(targets=(50.0,)).at(56, nlnt("N1"), T1=50.0).at(84, T1=30.0)
    response = read.score()
    assert col(response) == ["iUPD", "NE"]
    assert (
        "new lesion N1 not listed at this visit: not evaluated (I5.1, IA6)"
        in (response["visits"][1]["notes"])
    )


def test_i5_2_equivocal_lesion_is_not_new_until_unequivocal_then_dated_back():
    read = Read(targets=(50.0,))
    read.at(56, nlnt("N1", equivocal=True), T1=40.0)
    read.at(112, nlnt("N1"), T1=40.0)
    read.at(140, nlnt("N1"), nlnt("N2"), T1=40.0)
    response = read.score()
    assert col(response) == ["iSD", "iUPD", "iCPD"]
    assert col(response, "equivocal_new_lesions") == [True, False, False]
    assert response["iupd_episodes"][0]["dated_visit_id"] == "D56"
    assert response["iupd_episodes"][0]["iupd_visit_id"] == "D112"
    assert response["progression"] == {
        "date": "2024-02-26",
        "visit_id": "D140",
        "dated_visit_id": "D56",
        "confirmed": True,
    }
    # IA18: the time points from the first sighting to the day before the iUPD drop out.
    assert response["best_overall_response"]["unconfirmed"] == "iCPD"
    undated = read.score(backdate_equivocal_new_lesions=False)
    assert undated["progression"]["date"] == "2024-04-22"
    assert undated["best_overall_response"]["unconfirmed"] == "iSD"


@pytest.mark.parametrize(
    ("fields", "value", "valid"),
    [
        ({}, 10.0, True),
        ({}, 9.9, False),
        ({"nodal": True, "organ": "lymph node"}, 15.0, True),
        ({"nodal": True, "organ": "lymph node"}, 14.9, False),
        ({"slice_thickness_mm": 8.0}, 16.0, True),
        ({"slice_thickness_mm": 8.0}, 15.9, False),
        ({"method": "CXR", "organ": "lung"}, 20.0, True),
        ({"method": "CXR", "organ": "lung"}, 19.9, False),
    ],
)
def test_i5_3_new_lesion_target_must_be_measurable(fields, value, valid):
    read = Read().at(56, nlt("N1", value, **fields), T1=50.0)
    if valid:
        assert read.score()["visits"][0]["nlt_sum_mm"] == value
        return
    with pytest.raises(RecordError) as error:
        read.score()
    assert [(p.path, p.code) for p in error.value.problems] == [
        ("visits[1].new_lesions[0].diameter_mm", "new_target_not_measurable")
    ]


def test_i5_3_new_lesion_target_needs_a_diameter_at_its_first_listing():
    with pytest.raises(RecordError) as error:
        Read().at(56, nlt("N1", "too_small"), T1=50.0).score()
    assert [(p.path, p.code) for p in error.value.problems] == [
        ("visits[1].new_lesions[0].diameter_mm", "new_target_not_measured")
    ]


def test_i5_4_at_most_five_new_lesion_targets():
    organs = ["liver", "lung", "bone", "brain", "spleen", "kidney"]
    five = [nlt(f"N{i}", 12.0, organ=organ) for i, organ in enumerate(organs[:5], start=1)]
    assert Read().at(56, *five, T1=50.0).score()["visits"][0]["nlt_sum_mm"] == 60.0
    with pytest.raises(RecordError) as error:
        Read().at(56, *five, T1=50.0).at(
            84, *five, nlt("N6", 12.0, organ="kidney"), T1=50.0
        ).score()
    assert [(p.path, p.code) for p in error.value.problems] == [
        ("visits[2].new_lesions[5].kind", "too_many_new_lesion_targets")
    ]


@pytest.mark.parametrize(
    ("organs", "nodal"),
    [
        (("left lung", "right lung", "lungs"), False),
        (("lymph node, hilar", "lymph node, axillary", "lymph node, inguinal"), True),
    ],
)
def test_i5_4_at_most_two_new_lesion_targets_per_organ(organs, nodal):
    value = 15.0 if nodal else 10.0
    listings = [
        nlt(f"N{i}", value, organ=organ, nodal=nodal) for i, organ in enumerate(organs, start=1)
    ]
    with pytest.raises(RecordError) as error:
        Read().at(56, *listings, T1=50.0).score()
    assert [(p.path, p.code) for p in error.value.problems] == [
        ("visits[1].new_lesions[2].organ", "too_many_new_lesion_targets_per_organ")
    ]


def test_i5_5_nlt_sum_is_never_added_to_the_target_sum():
    read = Read(targets=(50.0,))
    read.at(56, nlt("N1", 20.0), nlt("N2", 12.0, organ="lung"), T1=30.0)
    read.at(84, nlt("N1", "too_small"), nlt("N2", "absent", organ="lung"), T1=30.0)
    response = read.score()
    assert col(response, "sum_mm") == [30.0, 30.0]
    assert col(response, "nadir_mm") == [50.0, 30.0]
    assert col(response, "pct_change_baseline") == [-40.0, -40.0]
    assert col(response, "nlt_sum_mm") == [32.0, 5.0]  # too_small = 5, absent = 0
    assert col(response, "target") == ["iPR", "iPR"]


def test_i5_6_known_new_lesion_targets_progress_against_their_own_nadir():
    read = Read(targets=(50.0,))
    read.at(56, nlt("N1", 20.0), T1=40.0)  # iUPD (new lesion)
    read.at(84, nlt("N1", 10.0), T1=30.0)  # iPR: better than SD: reset; NLT nadir 10
    read.at(140, nlt("N1", 14.9), T1=30.0)  # +4.9 mm: iPR
    read.at(196, nlt("N1", 15.0), T1=30.0)  # 15 vs 10: +50 %, +5 mm: iUPD again
    response = read.score()
    assert col(response) == ["iUPD", "iPR", "iPR", "iUPD"]
    assert response["visits"][3]["iupd_basis"] == ["new_lesions"]
    assert [e["outcome"] for e in response["iupd_episodes"]] == ["reset", "open"]


def test_i5_6_known_new_lesion_non_target_progresses_when_unequivocal_not_when_increased():
    def read(status_then):
        r = Read(targets=(50.0,))
        r.at(56, nlnt("N1"), T1=40.0)
        r.at(84, nlnt("N1"), T1=30.0)  # reset
        r.at(140, status_then, T1=30.0)
        return r.score()

    assert col(read(nlnt("N1", increased=True))) == ["iUPD", "iPR", "iPR"]
    assert col(read(nlnt("N1", "unequivocal_progression"))) == ["iUPD", "iPR", "iUPD"]


def test_i5_7_resolved_new_lesions_allow_icr():
    read = Read(targets=(30.0,), nodal_targets=())
    read.at(56, nlt("N1", 12.0), nlnt("N2"), nlt("L1", 16.0, organ="lymph node", nodal=True), T1=0)
    read.at(
        84, nlt("N1", 0), nlnt("N2", "absent"), nlt("L1", 9.9, organ="lymph node", nodal=True), T1=0
    )
    read.at(
        140,
        nlt("N1", 0),
        nlnt("N2", "absent"),
        nlt("L1", 9.0, organ="lymph node", nodal=True),
        T1=0,
    )
    response = read.score()
    assert col(response) == ["iUPD", "iCR", "iCR"]
    assert col(response, "new_lesions") == [True, False, False]
    assert col(response, "nlt_sum_mm") == [28.0, 9.9, 9.0]


def test_i5_8_tracked_new_lesion_not_evaluated_makes_the_visit_ne():
    read = Read(targets=(50.0,))
    read.at(56, nlnt("N1"), T1=40.0).at(84, nlnt("N1", "absent"), T1=30.0)
    read.at(140, nlnt("N1", "not_evaluated"), T1=30.0)
    assert col(read.score()) == ["iUPD", "iPR", "NE"]


def test_i5_9_legacy_lesion_is_carried_forward_and_never_resolves():
    read = Read(targets=(30.0,))
    read.at(56, legacy("lung nodule"), T1=20.0)  # iUPD (new lesion)
    read.at(84, T1=10.0)  # not listed again: still present, not missing; PR better than SD
    read.at(140, T1=0)  # targets gone, the legacy lesion is not: iPR, never iCR
    response = read.score()
    assert col(response) == ["iUPD", "iPR", "iPR"]
    assert "new lesion lung nodule persists" in response["visits"][2]["notes"][-1]


# ------------------------------------------------------------------ I6 iUPD
def test_i6_1_basis_lists_every_category_that_progresses():
    read = Read(targets=(50.0,), non_targets=("bone",))
    read.at(56, legacy("brain"), T1=60.0, NT1="unequivocal_progression")
    response = read.score()
    assert response["visits"][0]["iupd_basis"] == ["target", "non_target", "new_lesions"]
    assert response["visits"][0]["notes"][0] == "I6.1 iUPD (target, non_target, new_lesions)"


def test_i6_2_after_a_reset_the_bar_is_reset():
    read = Read(targets=(50.0,))
    read.at(56, T1=60.0)  # iUPD: 60 vs 50
    read.at(84, T1=54.0)  # reset: 54 vs nadir 50 is not PD
    read.at(140, T1=65.0)  # +5 over the old iUPD (60), and 65 vs nadir 50: +30 %, +15 mm
    read.at(168, T1=68.0)  # +3 over the new iUPD: not confirmed
    response = read.score()
    assert col(response) == ["iUPD", "iSD", "iUPD", "iUPD"]
    assert [e["outcome"] for e in response["iupd_episodes"]] == ["reset", "open"]


def test_i6_2_growth_that_would_have_confirmed_is_not_enough_after_a_reset():
    read = Read(targets=(50.0,))
    read.at(56, T1=50.0)  # nadir 50
    read.at(98, T1=60.0)  # iUPD
    read.at(126, T1=40.0)  # iSD (reset); nadir 40
    read.at(182, T1=47.0)  # +7 over 40 but +17.5 %: not PD; the old iUPD bar would say iCPD
    assert col(read.score()) == ["iSD", "iUPD", "iSD", "iSD"]


def test_i6_4_iupd_does_not_end_the_assessment():
    read = Read(targets=(50.0,)).at(56, T1=60.0).at(84, T1=62.0).at(112, T1=30.0)
    assert col(read.score()) == ["iUPD", "iUPD", "iPR"]


# ------------------------------------------------------------------ I7 confirmation
def test_i7_1_late_confirmation_is_used_with_a_note():
    read = Read(targets=(50.0,)).at(56, T1=60.0).at(120, T1=65.0)
    response = read.score()
    assert col(response) == ["iUPD", "iCPD"]
    assert response["visits"][1]["notes"][0] == (
        "I7.1 confirmation scan 64 days after the iUPD of D56, later than the recommended "
        "4–8 weeks: still used (IA2)"
    )
    exactly_8_weeks = Read(targets=(50.0,)).at(56, T1=60.0).at(112, T1=65.0).score()
    assert not any("I7.1" in note for note in exactly_8_weeks["visits"][1]["notes"])


def test_i7_1_any_eligible_assessment_of_the_open_episode_can_confirm():
    # S17 Table 3 example 7: iUPD, iUPD, iCPD.
    read = Read(targets=(50.0,)).at(56, T1=60.0).at(84, T1=62.0).at(112, T1=65.0)
    assert col(read.score()) == ["iUPD", "iUPD", "iCPD"]


@pytest.mark.parametrize(("days_after", "expected"), [(27, "iUPD"), (28, "iCPD")])
def test_i7_2_confirmation_needs_28_days(days_after, expected):
    read = Read(targets=(50.0,)).at(56, T1=60.0).at(56 + days_after, T1=65.0)
    response = read.score()
    assert col(response)[1] == expected
    assert response["visits"][1]["disregarded"] is (days_after == 27)


def test_i7_2_disregarded_scan_resets_nothing():
    read = Read(targets=(50.0,)).at(56, T1=60.0).at(70, T1=40.0).at(84, T1=61.0)
    response = read.score()
    assert col(response) == ["iUPD", "iUPD", "iUPD"]  # day 70 would reset; it is disregarded
    assert col(response, "nadir_mm") == [50.0, 50.0, 50.0]


def test_i7_3a_target_sum_plus_5_mm_from_the_first_iupd():
    read = Read(targets=(50.0,)).at(56, T1=60.0)
    assert col(read.at(84, T1=64.9).score()) == ["iUPD", "iUPD"]
    read = Read(targets=(50.0,)).at(56, T1=60.0).at(84, T1=65.0)
    assert read.score()["visits"][1]["icpd_triggers"] == ["target_sum_increase"]


def test_i7_3a_missing_targets_the_evaluated_ones_alone_may_confirm():
    # B = 50; the iUPD sum is 62: T1 alone (T2 not evaluated) must reach 62 + 5 = 67.
    read = Read(targets=(30.0, 20.0)).at(56, T1=40.0, T2=22.0).at(84, T1=45.0)
    response = read.score()
    assert col(response) == ["iUPD", "NE"]  # targets NE, not progressing: nothing to hold
    read = Read(targets=(30.0, 20.0)).at(56, T1=40.0, T2=22.0).at(84, T1=67.0)
    assert read.score()["visits"][1]["icpd_triggers"] == ["target_sum_increase"]


def test_i7_3b_target_progression_when_targets_were_not_in_the_basis():
    read = Read(targets=(50.0,)).at(56, legacy("liver"), T1=40.0).at(84, T1=48.0)
    response = read.score()
    assert col(response) == ["iUPD", "iCPD"]
    assert response["visits"][1]["icpd_triggers"] == ["target_progression"]


def test_i7_3c_any_further_non_target_increase_confirms():
    def read(status):
        r = Read(targets=(50.0,), non_targets=("bone",))
        r.at(56, T1=50.0, NT1="unequivocal_progression")
        r.at(84, T1=50.0, NT1=status)
        return r.score()

    assert col(read("unequivocal_progression")) == ["iUPD", "iUPD"]  # no change: not confirmed
    response = read(increased("unequivocal_progression"))
    assert col(response) == ["iUPD", "iCPD"]
    assert response["visits"][1]["icpd_triggers"] == ["non_target_increase"]
    assert col(read(increased("present"))) == ["iUPD", "iCPD"]  # need not be unequivocal


def test_i7_3c_newly_unequivocal_after_a_continuing_visit_confirms():
    r = Read(targets=(50.0,), non_targets=("bone", "pleura"))
    r.at(56, T1=50.0, NT1="unequivocal_progression", NT2="present")
    r.at(84, T1=50.0, NT1="unequivocal_progression", NT2="unequivocal_progression")
    response = r.score()
    assert col(response) == ["iUPD", "iCPD"]
    assert response["visits"][1]["icpd_triggers"] == ["non_target_increase"]


def test_i7_3d_non_target_progression_when_non_targets_were_not_in_the_basis():
    r = Read(targets=(50.0,), non_targets=("bone",))
    r.at(56, T1=60.0, NT1=increased()).at(84, T1=60.0, NT1="unequivocal_progression")
    response = r.score()
    assert col(response) == ["iUPD", "iCPD"]
    assert response["visits"][1]["icpd_triggers"] == ["non_target_progression"]
    # increased alone does not confirm a target-driven episode
    r = Read(targets=(50.0,), non_targets=("bone",))
    r.at(56, T1=60.0).at(84, T1=60.0, NT1=increased())
    assert col(r.score()) == ["iUPD", "iUPD"]


def test_i7_3e_nlnt_increase_confirms_a_new_lesion_episode():
    r = (
        Read(targets=(50.0,))
        .at(56, nlnt("N1"), T1=50.0)
        .at(84, nlnt("N1", increased=True), T1=50.0)
    )
    response = r.score()
    assert col(response) == ["iUPD", "iCPD"]
    assert response["visits"][1]["icpd_triggers"] == ["nlnt_increase"]


def test_i7_3e_new_lesion_progression_when_new_lesions_were_not_in_the_basis():
    r = Read(targets=(50.0,))
    r.at(56, nlt("N1", 20.0), T1=40.0)  # iUPD (new lesion)
    r.at(84, nlt("N1", 10.0), T1=30.0)  # reset (iPR)
    r.at(140, nlt("N1", 10.0), T1=40.0)  # 40 vs nadir 30: iUPD (targets)
    r.at(168, nlt("N1", 15.0), T1=40.0)  # NLT 15 vs its nadir 10: +50 %, +5 mm
    response = r.score()
    assert col(response) == ["iUPD", "iPR", "iUPD", "iCPD"]
    assert response["visits"][2]["iupd_basis"] == ["target"]
    assert response["visits"][3]["icpd_triggers"] == ["new_lesion_progression"]


def test_i7_3f_an_additional_new_lesion_confirms_whatever_the_basis():
    r = Read(targets=(50.0,)).at(56, T1=60.0).at(84, nlnt("N1"), T1=40.0)
    response = r.score()
    assert col(response) == ["iUPD", "iCPD"]
    assert response["visits"][1]["icpd_triggers"] == ["additional_new_lesion"]


def test_i7_3f_a_lesion_first_seen_on_a_disregarded_scan_confirms_at_the_next_eligible_one():
    r = (
        Read(targets=(50.0,))
        .at(56, T1=60.0)
        .at(70, nlnt("N1"), T1=60.0)
        .at(84, nlnt("N1"), T1=60.0)
    )
    response = r.score()
    assert col(response) == ["iUPD", "iUPD", "iCPD"]
    assert response["visits"][2]["icpd_triggers"] == ["additional_new_lesion"]


def test_i7_3_several_triggers_are_all_listed_in_order():
    r = Read(targets=(50.0,), non_targets=("bone",))
    r.at(56, T1=60.0).at(84, nlnt("N1"), T1=65.0, NT1="unequivocal_progression")
    assert r.score()["visits"][1]["icpd_triggers"] == [
        "target_sum_increase",
        "non_target_progression",
        "additional_new_lesion",
    ]
    assert r.score()["visits"][1]["notes"][-1] == (
        "I7.3 iCPD: target_sum_increase, non_target_progression, additional_new_lesion"
    )


def test_i7_4_no_reset_while_a_category_is_not_evaluated():
    r = Read(targets=(50.0,), non_targets=("bone",))
    r.at(56, T1=60.0, NT1="present").at(84, T1=40.0, NT1="not_evaluated")
    response = r.score()
    assert col(response) == ["iUPD", "NE"]  # S17 Table 3 example 8: iUPD, NE …
    assert response["iupd_episodes"][0]["outcome"] == "open"
    assert response["visits"][1]["iupd_basis"] == ["target"]


def test_i7_5_a_basis_category_still_progressing_keeps_iupd_over_ne():
    # IA15: target iUPD persists while the non-target is not evaluated.
    r = Read(targets=(50.0,), non_targets=("bone",))
    r.at(56, T1=60.0, NT1="present").at(84, T1=61.0, NT1="not_evaluated")
    assert col(r.score()) == ["iUPD", "iUPD"]


def test_i7_6_after_icpd_every_time_point_is_icpd():
    r = Read(targets=(50.0,)).at(56, T1=60.0).at(84, T1=65.0).at(112, T1=20.0)
    response = r.score()
    assert col(response) == ["iUPD", "iCPD", "iCPD"]
    assert col(response, "target") == ["iUPD", "iUPD", "iPR"]
    assert response["best_overall_response"]["unconfirmed"] == "iCPD"


# ------------------------------------------------------------------ I8 table rows
@pytest.mark.parametrize(
    ("target_mm", "non_target", "n1", "expected"),
    [
        (0, "absent", "absent", "iCR"),
        (0, None, "absent", "iCR"),  # no non-targets (NA)
        (0, "absent", "present", "iPR"),  # IA13: a persisting new lesion blocks iCR
        (0, "present", "absent", "iPR"),
        (0, "not_evaluated", "absent", "iPR"),
        (30.0, "present", "absent", "iPR"),
        (30.0, "not_evaluated", "present", "iPR"),
        (38.0, "present", "present", "iSD"),
        (None, "present", "present", "NE"),
        (38.0, "present", "not_evaluated", "NE"),  # IA6
        (41.0, "present", "present", "iUPD"),  # 41 vs nadir 34: +20.6 %, +7 mm
        (38.0, "unequivocal_progression", "present", "iUPD"),
    ],
)
def test_i8_1_time_point_table_without_an_open_episode(target_mm, non_target, n1, expected):
    # Day 56 opens an episode with the new lesion N1; day 84 resets it (targets PR, better
    # than SD at the iUPD; nadir 34); day 140 is the row under test.
    r = Read(targets=(50.0,), non_targets=("bone",) if non_target else ())
    with_non_target = {"NT1": "present"} if non_target else {}
    r.at(56, nlnt("N1"), T1=50.0, **with_non_target)
    r.at(84, nlnt("N1"), T1=34.0, **with_non_target)
    if non_target:
        with_non_target = {"NT1": non_target}
    r.at(140, nlnt("N1", n1), T1=target_mm, **with_non_target)
    response = r.score()
    assert col(response) == ["iUPD", "iPR", expected]


def test_i8_2_non_target_only_patient_never_gets_ipr_or_isd():
    r = Read(targets=(), non_targets=("bone",))
    r.at(56, nlnt("N1"), NT1="present").at(84, nlnt("N1", "absent"), NT1="absent")
    r.at(140, nlnt("N1", "absent"), NT1="absent")
    assert col(r.score()) == ["iUPD", "iCR", "iCR"]
    r = Read(targets=(), non_targets=("bone",))
    r.at(56, legacy("liver"), NT1="present").at(84, NT1="absent")
    response = r.score()
    assert col(response) == ["iUPD", "non-iCR/non-iUPD"]


# ------------------------------------------------------------------ I9 iPFS
def test_i9_1_ipfs_is_dated_to_the_confirmed_episode():
    # ADM: SD, SD, iUPD, PR, PR, iUPD, iCPD -> the date of the second iUPD.
    r = Read(targets=(50.0,))
    r.at(42, T1=45.0).at(84, T1=45.0).at(126, legacy("bone"), T1=45.0)
    r.at(154, T1=30.0).at(196, T1=30.0).at(238, T1=36.0).at(266, T1=42.0)
    response = r.score()
    assert col(response) == ["iSD", "iSD", "iUPD", "iPR", "iPR", "iUPD", "iCPD"]
    assert response["progression"] == {
        "date": "2024-08-26",
        "visit_id": "D266",
        "dated_visit_id": "D238",
        "confirmed": True,
    }
    assert response["pfs"] == {"event": True, "date": "2024-08-26"}


@pytest.mark.parametrize(
    ("policy", "visit_fields", "event"),
    [
        ("event_if_stopped", {}, False),
        ("event_if_stopped", {"treatment_continued": False}, True),
        ("event_if_stopped", {"clinically_stable": False}, True),
        ("event_if_stopped", {"clinically_stable": True, "treatment_continued": True}, False),
        ("event", {}, True),
        ("censor", {"treatment_continued": False}, False),
    ],
)
def test_i9_2_unconfirmed_iupd_at_the_end_of_the_record(policy, visit_fields, event):
    r = Read(targets=(50.0,)).at(42, T1=45.0).at(84, T1=60.0, **visit_fields)
    response = r.score(unconfirmed_iupd_pfs=policy)
    assert response["pfs"]["event"] is event
    if event:
        assert response["progression"] == {
            "date": "2024-03-25",
            "visit_id": "D84",
            "dated_visit_id": "D84",
            "confirmed": False,
        }
        assert response["pfs"]["date"] == "2024-03-25"
    else:
        assert response["progression"] is None
        assert response["pfs"]["date"] == "2024-03-25"  # the iUPD is the last evaluable
    assert response["iupd_episodes"][0]["outcome"] == "open"


def test_i9_2_a_later_visit_of_the_episode_saying_treatment_stopped_makes_it_an_event():
    r = Read(targets=(50.0,)).at(84, T1=60.0).at(98, T1=60.0, treatment_continued=False)
    response = r.score()
    assert response["progression"]["confirmed"] is False
    assert response["progression"]["visit_id"] == "D84"


def test_i9_3_censored_at_the_last_evaluable_assessment_not_ne_not_disregarded():
    r = Read(targets=(50.0,), non_targets=("bone",))
    r.at(42, T1=45.0, NT1="present").at(84, T1=60.0, NT1="present")
    r.at(98, T1=60.0, NT1="present")  # disregarded
    r.at(120, T1=40.0, NT1="not_evaluated")  # NE
    response = r.score(unconfirmed_iupd_pfs="censor")
    assert col(response) == ["iSD", "iUPD", "iUPD", "NE"]
    assert response["pfs"] == {"event": False, "date": "2024-03-25"}


def test_i9_3_a_reset_iupd_is_no_event():
    r = Read(targets=(50.0,)).at(56, T1=60.0).at(84, T1=50.0)
    response = r.score()
    assert response["progression"] is None
    assert response["pfs"] == {"event": False, "date": "2024-03-25"}


# ------------------------------------------------------------------ I11, I12 iBOR
def _bor(read):
    return read.score()["best_overall_response"]


def test_i11_table_3_iupd_then_icpd():
    r = Read(targets=(50.0,)).at(56, T1=60.0).at(84, T1=65.0)
    assert _bor(r) == {"unconfirmed": "iCPD", "confirmed": "iCPD"}


def test_i11_table_3_iupd_iupd_icpd():
    r = Read(targets=(50.0,)).at(56, T1=60.0).at(84, T1=62.0).at(112, T1=66.0)
    assert _bor(r) == {"unconfirmed": "iCPD", "confirmed": "iCPD"}


def test_i11_table_3_iupd_then_ne():
    r = Read(targets=(50.0, 20.0)).at(56, T1=70.0, T2=20.0)
    for day in (84, 112, 140, 168):
        r.at(day, T1=40.0)
    response = r.score()
    assert col(response) == ["iUPD", "NE", "NE", "NE", "NE"]
    assert response["best_overall_response"] == {"unconfirmed": "iUPD", "confirmed": "iUPD"}


def test_i11_table_3_icr_icr_iupd_icpd():
    r = Read(targets=(30.0,)).at(56, T1=0).at(84, T1=0)
    r.at(112, legacy("lung"), T1=0).at(140, legacy("lung"), legacy("bone"), T1=0)
    response = r.score()
    assert col(response) == ["iCR", "iCR", "iUPD", "iCPD"]
    assert response["best_overall_response"] == {"unconfirmed": "iCR", "confirmed": "iCR"}


def test_i11_table_3_iupd_ipr_icr():
    r = Read(targets=(50.0,)).at(56, T1=60.0).at(84, T1=30.0).at(140, T1=0)
    response = r.score()
    assert col(response) == ["iUPD", "iPR", "iCR"]
    assert response["best_overall_response"]["unconfirmed"] == "iCR"
    assert response["best_overall_response"]["confirmed"] == "iPR"  # iPR -> iCR, 56 days


@pytest.mark.parametrize(("sd_day", "expected"), [(41, "iUPD"), (42, "iSD")])
def test_i11_3_isd_counts_from_day_42(sd_day, expected):
    r = Read(targets=(50.0,)).at(sd_day, T1=50.0).at(sd_day + 42, T1=60.0)
    assert _bor(r)["unconfirmed"] == expected


def test_i12_an_iupd_between_breaks_the_confirmation():
    r = Read(targets=(50.0,)).at(56, T1=30.0).at(84, legacy("lung"), T1=30.0).at(112, T1=25.0)
    response = r.score()
    assert col(response) == ["iPR", "iUPD", "iPR"]
    assert response["best_overall_response"]["confirmed"] == "iSD"
    r.at(140, T1=25.0)  # a later iPR pair after the reset is confirmed
    assert r.score()["best_overall_response"]["confirmed"] == "iPR"


def test_i12_non_target_only_unconfirmed_icr_is_non_icr_non_iupd():
    r = Read(targets=(), non_targets=("bone",)).at(56, NT1="absent")
    assert _bor(r) == {"unconfirmed": "iCR", "confirmed": "non-iCR/non-iUPD"}


# ------------------------------------------------------------------ I13 iDoR
def test_i13_response_before_a_reset_iupd_starts_the_clock():
    r = Read(targets=(50.0,))
    r.at(56, T1=30.0).at(84, legacy("lung"), T1=30.0).at(112, T1=25.0)  # iPR, iUPD, iPR
    r.at(168, legacy("bone"), T1=25.0).at(196, legacy("brain"), T1=25.0)  # iUPD, iCPD
    response = r.score()
    assert col(response) == ["iPR", "iUPD", "iPR", "iUPD", "iCPD"]
    assert response["duration_of_response"] == {
        "start_date": "2024-02-26",
        "end_date": "2024-06-17",
        "days": 112,
        "censored": False,
    }


def test_i13_censored_at_the_last_evaluable_assessment():
    r = Read(targets=(50.0,)).at(56, T1=30.0).at(112, T1=30.0).at(140, T1=None)
    response = Read(targets=(50.0, 10.0)).at(56, T1=30.0, T2=5.0).at(112, T1=30.0, T2=5.0)
    response = response.at(140, T1=30.0).score()
    assert col(response) == ["iPR", "iPR", "NE"]
    assert response["duration_of_response"] == {
        "start_date": "2024-02-26",
        "end_date": "2024-04-22",
        "days": 56,
        "censored": True,
    }
    assert r  # the one-target read has no NE visit


# ------------------------------------------------------------------ I14 one read
def test_i14_plain_recist_record_scores_identically_through_either_entry_point():
    r = Read(targets=(50.0,)).at(56, T1=30.0).at(112, legacy("lung"), T1=30.0)
    record = r.record(criteria="RECIST1.1")
    assert score_record(record) == score_record(record, criteria="RECIST1.1")


def test_i14_without_progression_the_time_points_are_recist_with_an_i():
    r = Read(targets=(50.0,), non_targets=("bone",))
    r.at(42, T1=45.0, NT1="present").at(84, T1=30.0, NT1="present").at(126, T1=0, NT1="absent")
    irecist, recist = r.score(), r.score(criteria="RECIST1.1")
    assert col(irecist) == ["i" + label for label in col(recist)]
    assert col(irecist, "sum_mm") == col(recist, "sum_mm")
    assert col(irecist, "pct_change_nadir") == col(recist, "pct_change_nadir")


def test_i14_tracked_new_lesion_is_recist_pd_at_its_first_sighting():
    r = Read(targets=(40.0, 24.0))
    r.at(63, nlt("N1", 12.0), T1=40.0, T2=24.0).at(91, nlt("N1", 11.0), T1=40.0, T2=24.0)
    recist = r.score(criteria="RECIST1.1")
    assert col(recist)[0] == "PD"
    assert recist["progression"]["visit_id"] == "D63"
    assert col(r.score()) == ["iUPD", "iUPD"]


# ------------------------------------------------------------------ I15 clinical status
def test_i15_clinical_status_never_changes_a_time_point():
    plain = Read(targets=(50.0,)).at(56, T1=60.0).at(84, T1=61.0).score()
    flagged = (
        Read(targets=(50.0,))
        .at(56, T1=60.0, clinically_stable=False, treatment_continued=False)
        .at(84, T1=61.0, clinically_stable=False)
        .score(unconfirmed_iupd_pfs="censor")
    )
    assert col(plain) == col(flagged) == ["iUPD", "iUPD"]
    assert flagged["progression"] is None
