"""The worked examples of ``mrecist-rules.md`` and the design.md §7a example, exact numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recist_reader import score_record

from .mrecist_helpers import both, column, hcc, new, typical, v

EXAMPLES = Path(__file__).resolve().parent / "spec_examples"


def test_design_7a_example_under_mrecist():
    record = json.loads((EXAMPLES / "design_7a_P014.json").read_text())
    response = score_record(record)
    assert response["criteria"] == "mRECIST"
    assert response["baseline"]["sum_mm"] == 59.0  # T1 viable 41 + NT1 viable 18
    (w8,) = response["visits"]
    assert (w8["sum_mm"], w8["target"], w8["non_target"]) == (12.0, "PR", "NonCR/NonPD")
    assert (w8["new_lesions"], w8["equivocal_new_lesions"], w8["overall"]) == (False, True, "PR")
    assert (
        "NT3: effusion progression without malignant cytology is not PD (M6.4, MA2)"
        in (w8["notes"])
    )
    assert any("NT2" in note and "(M6.2)" in note for note in w8["notes"])
    assert response["config"]["mrecist_pd_min_increase_mm"] == 5.0
    assert response["config"]["sd_min_days"] == 42
    recist = score_record(record, criteria="RECIST1.1")
    (w8,) = recist["visits"]
    assert (recist["baseline"]["sum_mm"], w8["sum_mm"], w8["overall"]) == (129.0, 126.0, "PD")


def test_example_1_viable_pr_while_recist_is_sd():
    b = hcc()
    typical(b, "T1", 50.0, 40.0)
    typical(b, "T2", 30.0, 20.0)
    b.visit(day=56, visit_id="W8", T1=v(48.0, 28.0), T2=v(30.0, 14.0))
    b.visit(day=112, visit_id="W16", T1=v(48.0, 28.0), T2=v(30.0, 14.0))
    mrecist, recist = both(b.to_dict())
    assert (mrecist["baseline"]["sum_mm"], recist["baseline"]["sum_mm"]) == (60.0, 80.0)
    assert column(mrecist, "sum_mm") == [42.0, 42.0]
    assert column(mrecist, "pct_change_baseline") == [-30.0, -30.0]  # 10·42 = 420 ≤ 7·60
    assert column(mrecist, "target") == ["PR", "PR"]
    assert mrecist["best_overall_response"] == {"unconfirmed": "PR", "confirmed": "PR"}
    assert column(recist, "sum_mm") == [78.0, 78.0]
    assert column(recist, "pct_change_baseline") == [-2.5, -2.5]
    assert column(recist, "target") == ["SD", "SD"]


def test_example_2_cr_by_enhancement_while_the_lesion_still_measures():
    b = hcc()
    typical(b, "T1", 45.0, 35.0)
    b.visit(day=56, visit_id="W8", T1=v(40.0, 0.0)).visit(day=112, visit_id="W16", T1=v(40.0, 0.0))
    mrecist, recist = both(b.to_dict())
    assert column(mrecist, "target") == ["CR", "CR"]
    assert column(mrecist, "overall") == ["CR", "CR"]
    assert mrecist["best_overall_response"]["confirmed"] == "CR"
    assert column(recist, "pct_change_baseline") == [-11.11, -11.11]
    assert column(recist, "overall") == ["SD", "SD"]


@pytest.mark.parametrize(("minimum", "third"), [(None, "PD"), (5, "PR")])
def test_example_3_pd_without_a_5_mm_rise(minimum, third):
    config = {} if minimum is None else {"mrecist_pd_min_increase_mm": minimum}
    b = hcc(**config)
    typical(b, "T1", 30.0, 20.0)
    b.visit(day=56, T1=v(28.0, 10.0)).visit(day=112, T1=v(28.0, 10.0)).visit(
        day=168, T1=v(29.0, 12.0)
    )
    response = score_record(b.to_dict())
    assert column(response, "target") == ["PR", "PR", third]
    assert response["visits"][2]["nadir_mm"] == 10.0
    assert response["visits"][2]["pct_change_nadir"] == 20.0  # 5·12 = 60 ≥ 6·10
    assert response["visits"][2]["pct_change_baseline"] == -40.0
    assert response["best_overall_response"]["confirmed"] == "PR"


def test_example_4_plus_19_9_percent_is_sd():
    b = hcc()
    typical(b, "T1", 60.0, 50.0)
    b.visit(day=56, T1=v(60.0, 59.95))
    (visit,) = score_record(b.to_dict())["visits"]
    assert (visit["target"], visit["pct_change_nadir"]) == ("SD", 19.9)  # 299.75 < 300


def test_example_5_effusion_growth_without_cytology():
    b = hcc()
    typical(b, "T1", 50.0, 40.0)
    b.non_target("NT1", organ="pleura", lesion_type="effusion")
    b.visit(
        day=56,
        visit_id="W8",
        T1=v(50.0, 38.0),
        NT1={"status": "unequivocal_progression", "cytology": "not_done"},
    )
    mrecist, recist = both(b.to_dict())
    assert (mrecist["visits"][0]["non_target"], mrecist["visits"][0]["overall"]) == (
        "NonCR/NonPD",
        "SD",
    )
    assert mrecist["progression"] is None
    assert (recist["visits"][0]["non_target"], recist["visits"][0]["overall"]) == ("PD", "PD")
    assert recist["progression"]["visit_id"] == "W8"


@pytest.mark.parametrize(
    ("sizes", "mrecist_overall", "recist_overall"),
    [
        ([("typical_hcc", 10.0)], ["PD"], ["PD"]),
        ([("typical_hcc", 9.9)], ["SD"], ["PD"]),
        ([("atypical_hcc", 12.0), ("atypical_hcc", 22.0)], ["SD", "PD"], ["PD", "PD"]),
        ([("atypical_hcc", 12.0), ("atypical_hcc", 21.9)], ["SD", "SD"], ["PD", "PD"]),
    ],
)
def test_example_6_new_nodules(sizes, mrecist_overall, recist_overall):
    b = hcc()
    typical(b, "T1", 50.0, 40.0)
    for week, (lesion_type, size) in enumerate(sizes, start=1):
        b.visit(
            day=56 * week,
            visit_id=f"W{8 * week}",
            T1=v(50.0, 38.0),
            new_lesions=[new("liver segment 6", lesion_type, size)],
        )
    mrecist, recist = both(b.to_dict())
    assert column(mrecist, "overall") == mrecist_overall
    assert column(recist, "overall") == recist_overall
    if mrecist_overall[-1] == "PD" and len(sizes) == 2:
        # dated to the first sighting (M7.8)
        assert mrecist["progression"] == {
            "date": "2024-02-26",
            "visit_id": "W16",
            "dated_visit_id": "W8",
        }


@pytest.mark.parametrize(("short_axis", "valid"), [(19.9, False), (20.0, True)])
def test_example_7_porta_hepatis_target_threshold(short_axis, valid):
    b = hcc()
    typical(b, "T1", 50.0, 40.0)
    b.target(
        "N1",
        organ="lymph node, porta hepatis",
        nodal=True,
        baseline_mm=short_axis,
        lesion_type="porta_hepatis_node",
    )
    b.visit(day=56, T1=v(50.0, 40.0), N1=short_axis)
    if valid:
        assert score_record(b.to_dict())["baseline"]["sum_mm"] == 40.0 + short_axis
    else:
        with pytest.raises(Exception) as error:
            score_record(b.to_dict())
        assert error.value.codes == ["target_not_measurable"]


def test_example_7_excluded_node_reaching_22_mm_is_a_derived_new_lesion():
    b = hcc()
    b.target("T1", organ="lung", baseline_mm=40.0)
    b.target(
        "N1",
        organ="lymph node, porta hepatis",
        nodal=True,
        baseline_mm=17.0,
        lesion_type="porta_hepatis_node",
        mrecist_kind="excluded",
    )
    b.visit(day=56, visit_id="W8", T1=40.0, N1=22.0)
    mrecist, recist = both(b.to_dict())
    assert (recist["baseline"]["sum_mm"], recist["visits"][0]["sum_mm"]) == (57.0, 62.0)
    assert recist["visits"][0]["pct_change_baseline"] == 8.77
    assert recist["visits"][0]["overall"] == "SD"
    visit = mrecist["visits"][0]
    assert (visit["sum_mm"], visit["target"], visit["new_lesions"], visit["overall"]) == (
        40.0,
        "SD",
        True,
        "PD",
    )
    assert any("(M7.7, MA21)" in note for note in visit["notes"])


@pytest.mark.parametrize(("short_axis", "overall"), [(19.9, "SD"), (20.0, "PD")])
def test_example_7_new_porta_hepatis_node(short_axis, overall):
    b = hcc()
    typical(b, "T1", 50.0, 40.0)
    b.visit(
        day=56,
        T1=v(50.0, 40.0),
        new_lesions=[new("porta hepatis node", "porta_hepatis_node", short_axis)],
    )
    visit = score_record(b.to_dict())["visits"][0]
    assert visit["overall"] == overall
    assert visit["equivocal_new_lesions"] is (overall == "SD")


def test_example_8_different_pd_dates_from_one_read():
    b = hcc()
    typical(b, "T1", 40.0, 30.0)
    b.non_target("NT1", organ="peritoneum", lesion_type="effusion")
    b.visit(
        day=56,
        visit_id="W8",
        T1=v(40.0, 20.0),
        NT1={"status": "unequivocal_progression", "cytology": "not_done"},
        new_lesions=[new("liver segment 3", "typical_hcc", 7.0)],
    )
    b.visit(
        day=112,
        visit_id="W16",
        T1=v(40.0, 20.0),
        NT1={"status": "unequivocal_progression", "cytology": "malignant"},
        new_lesions=[new("liver segment 3", "typical_hcc", 8.0)],
    )
    mrecist, recist = both(b.to_dict())
    assert column(recist, "overall") == ["PD", "PD"]
    assert recist["progression"]["dated_visit_id"] == "W8"
    assert column(mrecist, "target") == ["PR", "PR"]
    assert column(mrecist, "non_target") == ["NonCR/NonPD", "PD"]
    assert column(mrecist, "overall") == ["PR", "PD"]
    assert mrecist["progression"] == {
        "date": "2024-04-22",
        "visit_id": "W16",
        "dated_visit_id": "W16",
    }
    assert mrecist["best_overall_response"] == {"unconfirmed": "PR", "confirmed": "SD"}
