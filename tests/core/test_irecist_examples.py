"""iRECIST: the rule book's worked examples E1–E6 and the §7b response, number for number."""

from __future__ import annotations

import copy

from recist_reader import score_record
from recist_reader.core.record_builder import RecordBuilder

DESIGN_7B_RECORD = {
    "schema_version": 1,
    "patient_id": "P015",
    "criteria": "iRECIST",
    "baseline_date": "2024-01-10",
    "config": {"icpd_min_days": 28, "unconfirmed_iupd_pfs": "event_if_stopped"},
    "lesions": [
        {"lesion_id": "T1", "kind": "target", "organ": "liver", "nodal": False},
        {"lesion_id": "NT1", "kind": "non-target", "organ": "peritoneum", "nodal": False},
    ],
    "visits": [
        {
            "visit_id": "BL",
            "date": "2024-01-10",
            "measurements": [
                {"lesion_id": "T1", "diameter_mm": 48.0},
                {"lesion_id": "NT1", "status": "present"},
            ],
            "new_lesions": [],
        },
        {
            "visit_id": "W8",
            "date": "2024-03-06",
            "clinically_stable": True,
            "treatment_continued": True,
            "measurements": [
                {"lesion_id": "T1", "diameter_mm": 44.0},
                {"lesion_id": "NT1", "status": "present"},
            ],
            "new_lesions": [
                {
                    "new_lesion_id": "N1",
                    "location": "liver segment 6",
                    "equivocal": False,
                    "kind": "target",
                    "organ": "liver",
                    "nodal": False,
                    "diameter_mm": 12.0,
                },
                {
                    "new_lesion_id": "N2",
                    "location": "peritoneal nodule, left flank",
                    "equivocal": False,
                    "kind": "non-target",
                    "organ": "peritoneum",
                    "nodal": False,
                    "status": "present",
                },
            ],
        },
        {
            "visit_id": "W12",
            "date": "2024-04-03",
            "clinically_stable": True,
            "treatment_continued": True,
            "measurements": [
                {"lesion_id": "T1", "diameter_mm": 45.0},
                {"lesion_id": "NT1", "status": "present", "increased": True},
            ],
            "new_lesions": [
                {
                    "new_lesion_id": "N1",
                    "location": "liver segment 6",
                    "equivocal": False,
                    "kind": "target",
                    "organ": "liver",
                    "nodal": False,
                    "diameter_mm": 17.5,
                },
                {
                    "new_lesion_id": "N2",
                    "location": "peritoneal nodule, left flank",
                    "equivocal": False,
                    "kind": "non-target",
                    "organ": "peritoneum",
                    "nodal": False,
                    "status": "present",
                },
            ],
        },
    ],
}

DESIGN_7B_RESPONSE = {
    "schema_version": 1,
    "patient_id": "P015",
    "criteria": "iRECIST",
    "baseline": {"visit_id": "BL", "date": "2024-01-10", "sum_mm": 48.0},
    "visits": [
        {
            "visit_id": "W8",
            "date": "2024-03-06",
            "day": 56,
            "sum_mm": 44.0,
            "partial_sum_mm": None,
            "nadir_mm": 48.0,
            "pct_change_baseline": -8.33,
            "pct_change_nadir": -8.33,
            "target": "iSD",
            "non_target": "non-iCR/non-iUPD",
            "new_lesions": True,
            "equivocal_new_lesions": False,
            "nlt_sum_mm": 12.0,
            "overall": "iUPD",
            "iupd_basis": ["new_lesions"],
            "icpd_triggers": [],
            "disregarded": False,
            "notes": ["I6.1 iUPD (new_lesions)"],
        },
        {
            "visit_id": "W12",
            "date": "2024-04-03",
            "day": 84,
            "sum_mm": 45.0,
            "partial_sum_mm": None,
            "nadir_mm": 44.0,
            "pct_change_baseline": -6.25,
            "pct_change_nadir": 2.27,
            "target": "iSD",
            "non_target": "non-iCR/non-iUPD",
            "new_lesions": True,
            "equivocal_new_lesions": False,
            "nlt_sum_mm": 17.5,
            "overall": "iCPD",
            "iupd_basis": [],
            "icpd_triggers": ["nlt_sum_increase"],
            "disregarded": False,
            "notes": ["I7.3 iCPD: nlt_sum_increase"],
        },
    ],
    "iupd_episodes": [
        {
            "iupd_visit_id": "W8",
            "iupd_date": "2024-03-06",
            "dated_visit_id": "W8",
            "basis": ["new_lesions"],
            "outcome": "confirmed",
            "closed_visit_id": "W12",
        }
    ],
    "progression": {
        "date": "2024-03-06",
        "visit_id": "W12",
        "dated_visit_id": "W8",
        "confirmed": True,
    },
    "pfs": {"event": True, "date": "2024-03-06"},
    "best_overall_response": {"unconfirmed": "iCPD", "confirmed": "iCPD"},
    "duration_of_response": None,
}


def test_design_7b_record_gives_exactly_the_7b_response():
    response = score_record(copy.deepcopy(DESIGN_7B_RECORD))
    config = response.pop("config")
    assert response == DESIGN_7B_RESPONSE
    assert config["icpd_min_days"] == 28
    assert config["unconfirmed_iupd_pfs"] == "event_if_stopped"
    assert list(response) == list(DESIGN_7B_RESPONSE)  # the keys in the order of §7b
    assert [list(v) for v in response["visits"]] == [list(v) for v in DESIGN_7B_RESPONSE["visits"]]


def test_design_7b_record_through_criteria_names():
    record = copy.deepcopy(DESIGN_7B_RECORD)
    by_name = score_record(record, criteria="iRECIST")
    assert by_name == score_record(record)
    recist = score_record(record, criteria="RECIST1.1")
    assert recist["criteria"] == "RECIST1.1"
    # An unequivocal new lesion at W8 is RECIST 1.1 PD there (I14, §7.5).
    assert [v["overall"] for v in recist["visits"]] == ["PD", "PD"]
    assert recist["progression"]["visit_id"] == "W8"


# ----------------------------------------------------------------------------- E1–E6
def builder(*targets, non_targets=(), **config):
    """A record with targets (id, organ, baseline mm) and non-targets (id, organ)."""
    b = RecordBuilder("E", config=config)
    for lesion_id, organ, baseline_mm in targets:
        b.target(lesion_id, organ=organ, baseline_mm=baseline_mm)
    for lesion_id, organ in non_targets:
        b.non_target(lesion_id, organ=organ)
    return b


def irecist(b, **options):
    record = b.to_dict()
    record["criteria"] = "iRECIST"
    return score_record(record, **options)


def overall(response):
    return [visit["overall"] for visit in response["visits"]]


def nlt(new_lesion_id, value, organ, **fields):
    listing = {
        "new_lesion_id": new_lesion_id,
        "location": f"{organ}, {new_lesion_id}",
        "kind": "target",
        "organ": organ,
        **fields,
    }
    listing["diameter_mm" if not isinstance(value, str) else "status"] = value
    return listing


def nlnt(new_lesion_id, organ, status="present", **fields):
    return {
        "new_lesion_id": new_lesion_id,
        "location": f"{organ}, {new_lesion_id}",
        "kind": "non-target",
        "organ": organ,
        "status": status,
        **fields,
    }


def test_e1_pseudoprogression_and_reset():
    b = builder(("T1", "liver", 40.0), ("T2", "lung", 24.0))
    b.visit(day=63, T1=48.0, T2=30.0).visit(day=91, T1=46.0, T2=29.0)
    response = irecist(b)
    assert overall(response) == ["iUPD", "iSD"]
    first, second = response["visits"]
    assert (first["sum_mm"], first["nadir_mm"], first["target"]) == (78.0, 64.0, "iUPD")
    assert first["iupd_basis"] == ["target"]
    assert (second["sum_mm"], second["nadir_mm"], second["target"]) == (75.0, 64.0, "iSD")
    assert second["notes"][-1].startswith("I7.4 iUPD of D63 reset")
    assert response["iupd_episodes"] == [
        {
            "iupd_visit_id": "D63",
            "iupd_date": "2024-03-04",
            "dated_visit_id": "D63",
            "basis": ["target"],
            "outcome": "reset",
            "closed_visit_id": "D91",
        }
    ]
    assert response["progression"] is None
    assert response["pfs"] == {"event": False, "date": "2024-04-01"}
    # RECIST 1.1: PD on day 63, BOR PD, PFS day 63.
    recist = score_record(b.to_dict())
    assert overall(recist)[0] == "PD"
    assert recist["best_overall_response"]["unconfirmed"] == "PD"
    assert recist["pfs"] == {"event": True, "date": "2024-03-04"}


def test_e2_additive_confirmation_and_the_float_trap():
    assert 32.8 - 27.8 < 5  # the trap: 4.9999999999999964 in doubles
    b = builder(("T1", "liver", 22.5))
    b.visit(day=56, T1=27.8).visit(day=84, T1=30.0).visit(day=112, T1=32.8)
    response = irecist(b)
    assert overall(response) == ["iUPD", "iUPD", "iCPD"]
    assert response["visits"][2]["icpd_triggers"] == ["target_sum_increase"]
    assert response["progression"] == {
        "date": "2024-02-26",
        "visit_id": "D112",
        "dated_visit_id": "D56",
        "confirmed": True,
    }
    assert response["best_overall_response"] == {"unconfirmed": "iCPD", "confirmed": "iCPD"}
    previous = irecist(b, icpd_increase_reference="previous")
    assert overall(previous) == ["iUPD", "iUPD", "iUPD"]  # +2.8 over day 84


def test_e3_new_lesion_targets():
    b = builder(("T1", "liver", 60.0))
    b.visit(day=56, T1=55.0, new_lesions=[nlt("N1", 12.0, "liver"), nlt("N2", 10.5, "lung")])
    b.visit(day=84, T1=55.0, new_lesions=[nlt("N1", 14.0, "liver"), nlt("N2", 13.5, "lung")])
    response = irecist(b)
    assert overall(response) == ["iUPD", "iCPD"]
    assert [v["sum_mm"] for v in response["visits"]] == [55.0, 55.0]
    assert [v["nlt_sum_mm"] for v in response["visits"]] == [22.5, 27.5]
    assert [v["target"] for v in response["visits"]] == ["iSD", "iSD"]
    assert response["visits"][0]["iupd_basis"] == ["new_lesions"]
    assert response["visits"][1]["icpd_triggers"] == ["nlt_sum_increase"]
    assert response["progression"]["date"] == "2024-02-26"  # day 56


def _e4(*, iupd_sum, last_sum):
    b = builder(("T1", "liver", 80.0))
    b.visit(day=56, T1=52.0 if iupd_sum == 52.0 else 70.0)
    b.visit(day=112, T1=iupd_sum, new_lesions=[nlnt("N1", "peritoneum")])
    b.visit(day=168, T1=last_sum, new_lesions=[nlnt("N1", "peritoneum")])
    return irecist(b)


def test_e4_faq_scenario_f_stays_iupd():
    response = _e4(iupd_sum=52.0, last_sum=52.0)
    assert overall(response) == ["iPR", "iUPD", "iUPD"]
    assert response["iupd_episodes"][0]["outcome"] == "open"
    assert response["visits"][2]["iupd_basis"] == ["new_lesions"]


def test_e4_faq_scenario_b_becomes_ipr():
    response = _e4(iupd_sum=52.0, last_sum=49.0)
    assert overall(response) == ["iPR", "iUPD", "iPR"]
    assert response["iupd_episodes"][0]["outcome"] == "reset"
    assert "target sum 49.0 mm < 52.0 mm" in response["visits"][2]["notes"][-1]


def test_e4_from_stable_disease_a_partial_response_ranks_better():
    response = _e4(iupd_sum=70.0, last_sum=52.0)
    assert overall(response) == ["iSD", "iUPD", "iPR"]
    assert "baseline disease PR now, SD at the iUPD" in response["visits"][2]["notes"][-1]


def _e5(scan_day, *, symptom_driven=False, new_lesion=False):
    b = builder(("T1", "liver", 50.0))
    b.visit(day=42, T1=50.0).visit(day=70, T1=61.0)  # +11 mm, +22 %: iUPD
    listed = [{"location": "liver segment 2", "equivocal": False}] if new_lesion else []
    b.visit(day=scan_day, T1=70.0, new_lesions=listed)  # +9 mm over the iUPD
    if symptom_driven:
        b.visits[-1]["symptom_driven"] = True
    return irecist(b)


def test_e5_early_scan_is_disregarded():
    response = _e5(91)
    assert overall(response) == ["iSD", "iUPD", "iUPD"]
    early = response["visits"][2]
    assert early["disregarded"] is True
    assert early["icpd_triggers"] == []
    assert early["iupd_basis"] == ["target"]
    assert response["iupd_episodes"][0]["outcome"] == "open"


def test_e5_scan_at_28_days_can_confirm():
    response = _e5(98)
    assert overall(response) == ["iSD", "iUPD", "iCPD"]
    assert response["visits"][2]["disregarded"] is False


def test_e5_symptom_driven_early_scan_with_a_new_lesion_confirms():
    response = _e5(91, symptom_driven=True, new_lesion=True)
    assert overall(response) == ["iSD", "iUPD", "iCPD"]
    assert response["visits"][2]["icpd_triggers"] == ["additional_new_lesion"]
    assert response["progression"]["date"] == "2024-03-11"  # day 70
    # Growth alone never confirms on an early scan, symptom-driven or not.
    assert overall(_e5(91, symptom_driven=True)) == ["iSD", "iUPD", "iUPD"]
    # A new lesion on an early scan that is not symptom-driven is disregarded too.
    assert overall(_e5(91, new_lesion=True)) == ["iSD", "iUPD", "iUPD"]


def test_e6_ibor_ipfs_and_idor_together():
    b = builder(("T1", "liver", 60.0))
    b.visit(day=49, T1=55.0)  # iSD
    b.visit(day=98, T1=50.0, new=["lung, right upper lobe"])  # iUPD (new lesion)
    b.visit(day=126, T1=40.0, new=["lung, right upper lobe"])  # iPR: targets shrink: reset
    b.visit(day=182, T1=40.0, new=["lung, right upper lobe", "liver segment 4"])  # iUPD
    b.visit(
        day=210, T1=40.0, new=["lung, right upper lobe", "liver segment 4", "adrenal, left"]
    )  # iCPD
    response = irecist(b)
    assert overall(response) == ["iSD", "iUPD", "iPR", "iUPD", "iCPD"]
    assert response["best_overall_response"] == {"unconfirmed": "iPR", "confirmed": "iSD"}
    assert response["pfs"] == {"event": True, "date": "2024-07-01"}  # day 182
    assert response["duration_of_response"] == {
        "start_date": "2024-05-06",
        "end_date": "2024-07-01",
        "days": 56,
        "censored": False,
    }
    assert [e["outcome"] for e in response["iupd_episodes"]] == ["reset", "confirmed"]
    assert response["visits"][4]["icpd_triggers"] == ["additional_new_lesion"]
