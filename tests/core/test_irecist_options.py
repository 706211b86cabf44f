"""iRECIST options IA1–IA21: each choice of the ambiguity register, default and alternatives."""

from __future__ import annotations

import pytest

from recist_reader import RecordError, score_record
from recist_reader.core.record_builder import RecordBuilder

DEFAULTS = {
    "icpd_min_days": 28,
    "icpd_increase_reference": "first_iupd",
    "reset_after_new_lesion_iupd": "improvement",
    "unconfirmed_iupd_pfs": "event_if_stopped",
    "irecist_new_lesion_missing_is_ne": True,
    "irecist_validate_new_lesions": True,
}


def read(*visits, targets=(("T1", "liver", 50.0),), **config):
    """A record; ``visits`` are (day, new-lesion listings, {lesion: value})."""
    builder = RecordBuilder("P", config=config)
    for lesion_id, organ, baseline_mm in targets:
        builder.target(lesion_id, organ=organ, baseline_mm=baseline_mm)
    for day, listings, values in visits:
        builder.visit(day=day, new_lesions=list(listings), **values)
    record = builder.to_dict()
    record["criteria"] = "iRECIST"
    return record


def nl(new_lesion_id, status="present", **fields):
    """A tracked new-lesion non-target."""
    return {"new_lesion_id": new_lesion_id, "location": f"peritoneum {new_lesion_id}", **fields} | (
        {"status": status}
    )


def nlt(new_lesion_id, value_mm, organ="liver"):
    return {
        "new_lesion_id": new_lesion_id,
        "location": f"{organ} {new_lesion_id}",
        "kind": "target",
        "organ": organ,
        "diameter_mm": value_mm,
    }


def overall(response):
    return [visit["overall"] for visit in response["visits"]]


def test_every_irecist_option_has_its_documented_default():
    config = score_record(read((56, [], {"T1": 40.0})))["config"]
    assert {key: config[key] for key in DEFAULTS} == DEFAULTS


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("icpd_min_days", -1),
        ("icpd_min_days", "28"),
        ("icpd_increase_reference", "nadir"),
        ("reset_after_new_lesion_iupd", "always"),
        ("unconfirmed_iupd_pfs", "yes"),
        ("irecist_new_lesion_missing_is_ne", "true"),
        ("irecist_validate_new_lesions", 1),
    ],
)
def test_bad_option_values_are_rejected_with_their_path(key, value):
    with pytest.raises(RecordError) as error:
        score_record(read((56, [], {"T1": 40.0})), **{key: value})
    assert [p.path for p in error.value.problems] == [f"options.{key}"]


# ---------------------------------------------------------------------------- IA1
@pytest.mark.parametrize(("min_days", "expected"), [(28, "iUPD"), (26, "iCPD"), (0, "iCPD")])
def test_ia1_icpd_min_days(min_days, expected):
    record = read((56, [], {"T1": 60.0}), (83, [], {"T1": 65.0}))  # 27 days later
    response = score_record(record, icpd_min_days=min_days)
    assert overall(response) == ["iUPD", expected]
    assert response["visits"][1]["disregarded"] is (expected == "iUPD")


# ---------------------------------------------------------------------------- IA3
def test_ia3_new_lesion_target_increases_add_up_from_the_first_iupd():
    record = read(
        (56, [nlt("N1", 12.0)], {"T1": 50.0}),
        (84, [nlt("N1", 16.0)], {"T1": 50.0}),  # +4 (FAQ: 4 + 2 mm confirms)
        (112, [nlt("N1", 18.0)], {"T1": 50.0}),  # +6 from the first iUPD, +2 from the last
    )
    assert overall(score_record(record)) == ["iUPD", "iUPD", "iCPD"]
    previous = score_record(record, icpd_increase_reference="previous")
    assert overall(previous) == ["iUPD", "iUPD", "iUPD"]


def test_ia3_previous_reference_skips_disregarded_scans():
    record = read(
        (56, [], {"T1": 60.0}),
        (70, [], {"T1": 70.0}),  # disregarded: not a reference
        (84, [], {"T1": 63.0}),
        (112, [], {"T1": 68.0}),  # +5 over day 84
    )
    response = score_record(record, icpd_increase_reference="previous")
    assert overall(response) == ["iUPD", "iUPD", "iUPD", "iCPD"]


# ---------------------------------------------------------------------------- IA4
def _new_lesion_episode(last_sum, last_status="present"):
    return read(
        (56, [], {"T1": 34.0}),  # iPR
        (112, [nl("N1")], {"T1": 34.0}),  # iUPD by a new lesion; baseline disease PR, 34
        (168, [nl("N1", last_status)], {"T1": last_sum}),
    )


@pytest.mark.parametrize(
    ("policy", "last_sum", "last_status", "expected"),
    [
        ("improvement", 34.0, "present", "iUPD"),  # scenario F
        ("improvement", 33.0, "present", "iPR"),  # scenario B
        ("improvement", 34.0, "absent", "iPR"),  # every new lesion resolved
        ("non_pd", 34.0, "present", "iPR"),
        ("resolution", 33.0, "present", "iUPD"),
        ("resolution", 34.0, "absent", "iPR"),
    ],
)
def test_ia4_reset_after_new_lesion_iupd(policy, last_sum, last_status, expected):
    response = score_record(
        _new_lesion_episode(last_sum, last_status), reset_after_new_lesion_iupd=policy
    )
    assert overall(response) == ["iPR", "iUPD", expected]
    assert response["iupd_episodes"][0]["outcome"] == ("reset" if expected == "iPR" else "open")


def test_ia4_does_not_hold_back_a_reset_of_an_episode_without_new_lesions():
    record = read((56, [], {"T1": 60.0}), (84, [], {"T1": 55.0}))
    response = score_record(record, reset_after_new_lesion_iupd="resolution")
    assert overall(response) == ["iUPD", "iSD"]


# ---------------------------------------------------------------------------- IA6
def test_ia6_missing_tracked_new_lesion_option():
    record = read(
        (56, [nl("N1")], {"T1": 40.0}),
        (84, [nl("N1", "absent")], {"T1": 30.0}),  # reset: iPR
        (140, [], {"T1": 30.0}),  # N1 not listed
        (168, [], {"T1": 0}),
    )
    assert overall(score_record(record)) == ["iUPD", "iPR", "NE", "NE"]
    lenient = score_record(record, irecist_new_lesion_missing_is_ne=False)
    # Not NE, but an unassessed new lesion still blocks iCR.
    assert overall(lenient) == ["iUPD", "iPR", "iPR", "iPR"]


def test_ia6_missing_lesion_does_not_hide_progression_elsewhere():
    record = read(
        (56, [nl("N1")], {"T1": 40.0}),
        (84, [nl("N1", "absent")], {"T1": 30.0}),
        (140, [], {"T1": 40.0}),
    )
    assert overall(score_record(record)) == ["iUPD", "iPR", "iUPD"]


# ---------------------------------------------------------------------------- IA12
def test_ia12_legacy_lesion_cannot_grow_or_resolve():
    record = read(
        (56, [{"location": "lung"}], {"T1": 50.0}),
        (84, [{"location": "lung"}], {"T1": 50.0}),  # unchanged and SD: no improvement
        (112, [{"location": "lung"}], {"T1": 50.0}),
    )
    response = score_record(record)
    assert overall(response) == ["iUPD", "iUPD", "iUPD"]
    assert [visit["new_lesions"] for visit in response["visits"]] == [True, True, True]
    response = score_record(record, reset_after_new_lesion_iupd="resolution")
    assert overall(response) == ["iUPD", "iUPD", "iUPD"]


# ---------------------------------------------------------------------------- IA17
def test_ia17_nlt_nadir_over_visits_that_measured_the_same_lesions():
    record = read(
        (56, [nlt("N1", 20.0)], {"T1": 34.0}),  # iUPD (new lesion); PR
        (84, [nlt("N1", 10.0)], {"T1": 30.0}),  # reset (same PR, smaller sum); {N1} nadir 10
        (140, [nlt("N1", 10.0), nlt("N2", 10.0, "lung")], {"T1": 30.0}),  # new lesion: iUPD
        (168, [nlt("N1", 10.0), nlt("N2", 10.0, "lung")], {"T1": 25.0}),  # reset; {N1,N2} 20
        (224, [nlt("N1", 10.0), nlt("N2", 14.0, "lung")], {"T1": 25.0}),  # 24 vs 20: +4 mm
        (252, [nlt("N1", 10.0), nlt("N2", 15.0, "lung")], {"T1": 25.0}),  # 25 vs 20: PD
    )
    response = score_record(record)
    assert overall(response) == ["iUPD", "iPR", "iUPD", "iPR", "iPR", "iUPD"]
    assert [v["nlt_sum_mm"] for v in response["visits"]] == [20.0, 10.0, 20.0, 20.0, 24.0, 25.0]


# ---------------------------------------------------------------------------- IA19
def test_ia19_improvement_from_an_ne_baseline_disease():
    record = read(
        (56, [nl("N1")], {"T1": 50.0}),  # T2 not evaluated: baseline disease NE at the iUPD
        (84, [nl("N1")], {"T1": 50.0, "T2": 20.0}),  # SD, evaluable: better than NE
        targets=(("T1", "liver", 50.0), ("T2", "lung", 20.0)),
    )
    response = score_record(record)
    assert overall(response) == ["iUPD", "iSD"]
    assert (
        "baseline disease SD now, NE at the iUPD (IA4 improvement)"
        in (response["visits"][1]["notes"][-1])
    )
