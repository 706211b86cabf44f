"""iRECIST invariants on generated reads (hypothesis): episodes, labels, the same read under
RECIST 1.1 (I14)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recist_reader import score_record
from recist_reader.core.record_builder import RecordBuilder

RECIST_TO_I = {
    "CR": "iCR",
    "PR": "iPR",
    "SD": "iSD",
    "NonCR/NonPD": "non-iCR/non-iUPD",
    "NE": "NE",
    "NA": "NA",
    "PD": "iUPD",
}
OVERALL = {"iCR", "iPR", "iSD", "non-iCR/non-iUPD", "iUPD", "iCPD", "NE"}

diameters = st.decimals(min_value=0, max_value=150, places=1).map(float)
target_value = st.one_of(
    diameters, diameters, st.sampled_from(["too_small", "absent", "not_evaluated", None])
)
non_target_status = st.sampled_from(
    ["absent", "present", "present", "unequivocal_progression", "not_evaluated", None]
)


@st.composite
def reads(draw, *, with_new_lesions=True):
    """Plain or iRECIST reads: targets, non-targets, tracked and legacy new lesions."""
    n_targets = draw(st.integers(0, 4))
    n_non_targets = draw(st.integers(0 if n_targets else 1, 2))
    builder = RecordBuilder("H")
    organs = ["liver", "lung", "bone", "adrenal"]
    for index in range(n_targets):
        baseline = draw(st.decimals(min_value=15, max_value=120, places=1).map(float))
        builder.target(f"T{index}", organ=organs[index], baseline_mm=baseline)
    for index in range(n_non_targets):
        builder.non_target(f"NT{index}", organ="peritoneum")
    days = sorted(draw(st.sets(st.integers(1, 500), min_size=0, max_size=7)))
    known: dict[str, str] = {}  # tracked new lesion id -> kind, once unequivocal
    for day in days:
        values = {f"T{i}": draw(target_value) for i in range(n_targets)}
        values |= {f"NT{i}": draw(non_target_status) for i in range(n_non_targets)}
        listings = []
        if with_new_lesions:
            for lesion_id, kind in known.items():
                if draw(st.integers(0, 9)) == 0:
                    continue  # not listed: not evaluated
                if kind == "target":
                    value = draw(st.one_of(diameters, st.sampled_from(["absent", "too_small"])))
                    listings.append(_nlt(lesion_id, value))
                else:
                    status = draw(st.sampled_from(["present", "absent", "unequivocal_progression"]))
                    listings.append(_nlnt(lesion_id, status, draw(st.booleans())))
            if draw(st.integers(0, 3)) == 0:
                lesion_id = f"N{len(known) + 1}"
                if len(known) < 4 and draw(st.booleans()):
                    size = draw(st.decimals(min_value=10, max_value=40, places=1).map(float))
                    listings.append(_nlt(lesion_id, size))
                    known[lesion_id] = "target"
                else:
                    listings.append(_nlnt(lesion_id, "present", False))
                    known[lesion_id] = "non-target"
            if draw(st.integers(0, 6)) == 0:
                listings.append({"location": draw(st.sampled_from(["brain", "bone"]))})
        builder.visit(day=day, new_lesions=listings, **values)
        builder.visits[-1]["symptom_driven"] = draw(st.booleans())
    record = builder.to_dict()
    record["criteria"] = "iRECIST"
    return record


def _nlt(lesion_id, value):
    listing = {"new_lesion_id": lesion_id, "location": f"liver {lesion_id}", "kind": "target"}
    listing["status" if isinstance(value, str) else "diameter_mm"] = value
    listing["organ"] = "liver" if lesion_id in ("N1", "N2") else f"organ {lesion_id}"
    return listing


def _nlnt(lesion_id, status, increased):
    return {
        "new_lesion_id": lesion_id,
        "location": f"peritoneum {lesion_id}",
        "status": status,
        "increased": increased,
    }


common = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(reads())
def test_episode_invariants(record):
    response = score_record(record)
    visits = response["visits"]
    labels = [v["overall"] for v in visits]
    assert set(labels) <= OVERALL
    if "iCPD" in labels:  # I7.6: confirmed progression is not undone
        first = labels.index("iCPD")
        assert all(label == "iCPD" for label in labels[first:])
    by_id = {v["visit_id"]: v for v in visits}
    episodes = response["iupd_episodes"]
    assert [e["outcome"] for e in episodes[:-1]] == ["reset"] * (len(episodes) - 1)
    for episode in episodes:
        opening = by_id[episode["iupd_visit_id"]]
        assert opening["overall"] in ("iUPD", "iCPD") and opening["iupd_basis"]
        closing = by_id.get(episode["closed_visit_id"])
        if episode["outcome"] == "confirmed":
            assert closing["overall"] == "iCPD" and closing["icpd_triggers"]
        elif episode["outcome"] == "reset":
            assert closing["overall"] not in ("iUPD", "iCPD", "NE")
        else:
            assert closing is None
    for visit in visits:
        assert bool(visit["icpd_triggers"]) is (
            visit["overall"] == "iCPD" and visit["visit_id"] in _closing_ids(episodes)
        )
        if visit["disregarded"]:
            assert visit["overall"] == "iUPD" and visit["iupd_basis"]
    progression = response["progression"]
    assert response["pfs"]["event"] is (progression is not None)
    if progression is not None and progression["confirmed"]:
        confirmed = next(e for e in episodes if e["outcome"] == "confirmed")
        assert progression["visit_id"] == confirmed["closed_visit_id"]
        assert progression["dated_visit_id"] == confirmed["dated_visit_id"]
    bor = response["best_overall_response"]
    assert bor["unconfirmed"] in OVERALL and bor["confirmed"] in OVERALL
    if "iCPD" not in labels:
        assert "iCPD" not in bor.values()


def _closing_ids(episodes):
    return {e["closed_visit_id"] for e in episodes if e["outcome"] == "confirmed"}


@common
@given(reads(), st.randoms(use_true_random=False))
def test_visit_order_in_the_file_never_changes_the_result(record, rnd: random.Random):
    shuffled = dict(record, visits=rnd.sample(record["visits"], len(record["visits"])))
    assert score_record(shuffled) == score_record(record)


@common
@given(reads(with_new_lesions=False))
def test_without_progression_irecist_is_recist_1_1_with_an_i(record):
    """I14: the same read; until RECIST 1.1's first PD the time points agree label for label,
    and iRECIST never has an event before RECIST 1.1."""
    irecist = score_record(record)
    recist = score_record(record, criteria="RECIST1.1")
    for i_visit, r_visit in zip(irecist["visits"], recist["visits"]):
        assert i_visit["target"] == RECIST_TO_I[r_visit["target"]]
        assert i_visit["sum_mm"] == r_visit["sum_mm"]
        assert i_visit["nadir_mm"] == r_visit["nadir_mm"]
        assert i_visit["overall"] == RECIST_TO_I[r_visit["overall"]]
        if r_visit["overall"] == "PD":
            break
    if irecist["progression"] is not None:
        assert recist["progression"] is not None
        assert irecist["progression"]["date"] >= recist["progression"]["date"]


@common
@given(reads())
def test_clinical_status_changes_no_time_point(record):
    """I15: clinically_stable and treatment_continued only ever change iPFS (I9.2)."""
    flagged = {**record, "visits": [dict(v) for v in record["visits"]]}
    for visit in flagged["visits"][1:]:
        visit["clinically_stable"] = False
        visit["treatment_continued"] = False
    plain, stopped = score_record(record), score_record(flagged)
    assert [v["overall"] for v in plain["visits"]] == [v["overall"] for v in stopped["visits"]]
    assert plain["best_overall_response"] == stopped["best_overall_response"]
    assert plain["iupd_episodes"] == stopped["iupd_episodes"]
