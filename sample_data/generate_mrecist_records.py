"""Write the bundled mRECIST sample patient records (sample_data/records/HCC-2*.json).

Patients of the liver-cancer trial read for mRECIST and RECIST 1.1 in one sitting
(design.md §7a): typical-HCC targets carry a viable (arterially enhancing) diameter beside
their whole diameter, lesions carry their type, and the reader records enhancement,
cytology and the size and pattern of new liver nodules. Each patient shows one special rule
of ``mrecist-rules.md``; the primary criteria is mRECIST. Run
``python sample_data/generate_mrecist_records.py`` to regenerate them;
``tests/test_sample_data.py`` and ``tests/test_sample_data_mrecist.py`` pin the responses
under both criteria.
"""

from __future__ import annotations

from typing import Any

from generate_records import WEEKS, visit_ids, write_records

from recist_reader.core.record_builder import RecordBuilder


def hcc(patient_id: str, baseline_date: str, **config: Any) -> RecordBuilder:
    return RecordBuilder(patient_id, baseline_date=baseline_date, config=config, criteria="mRECIST")


def typical(b: RecordBuilder, lesion_id: str, organ: str, whole_mm: float, viable_mm: float):
    b.target(
        lesion_id,
        organ=organ,
        baseline_mm=whole_mm,
        lesion_type="typical_hcc",
        baseline={"viable_diameter_mm": viable_mm},
    )


def v(whole: float, viable: float | str) -> dict:
    """A typical-HCC target reading: whole diameter and viable diameter (or viable status)."""
    key = "viable_status" if isinstance(viable, str) else "viable_diameter_mm"
    return {"diameter_mm": whole, key: viable}


def viable_response_without_shrinkage():
    """M4.1, M5.2: necrosis grows, the lesions barely shrink: mRECIST PR, RECIST 1.1 SD."""
    b = hcc("HCC-201", "2024-02-12")
    typical(b, "T1", "liver, segment 8", 52.0, 41.0)
    typical(b, "T2", "liver, segment 6", 31.0, 24.0)
    b.non_target("NT1", organ="portal vein, right branch", lesion_type="tumor_thrombus")
    readings = [
        (v(51.0, 33.0), v(31.0, 19.0), True),
        (v(50.0, 26.0), v(30.0, 15.0), True),
        (v(50.0, 22.0), v(30.0, 12.0), False),
        (v(49.0, 21.0), v(29.0, 12.0), False),
        (v(49.0, 21.0), v(29.0, 11.0), False),
    ]
    for day, vid, (t1, t2, enhancing) in zip(WEEKS, visit_ids(5), readings):
        b.visit(
            day=day, visit_id=vid, T1=t1, T2=t2, NT1={"status": "present", "enhancing": enhancing}
        )
    return b


def complete_response_by_enhancement():
    """M5.1, M6.2: no enhancement left in the target nor in the thrombus: mRECIST CR while
    the lesions remain visible (RECIST 1.1 SD, then PR)."""
    b = hcc("HCC-202", "2024-03-04")
    typical(b, "T1", "liver, segment 7", 46.0, 35.0)
    b.non_target("NT1", organ="portal vein, main trunk", lesion_type="tumor_thrombus")
    readings = [
        (v(44.0, 12.0), True),
        (v(41.0, 0.0), False),
        (v(38.0, "absent"), False),
        (v(33.0, 0.0), False),
        (v(31.0, 0.0), False),
    ]
    for day, vid, (t1, enhancing) in zip(WEEKS, visit_ids(5), readings):
        b.visit(day=day, visit_id=vid, T1=t1, NT1={"status": "present", "enhancing": enhancing})
    return b


def effusion_without_cytology():
    """M6.4, MA2, MA20: ascites grows from week 12 (RECIST 1.1 PD); mRECIST waits for
    malignant cytology, found at week 24."""
    b = hcc("HCC-203", "2024-01-15")
    typical(b, "T1", "liver, segment 4", 48.0, 38.0)
    b.target("T2", organ="lung, right lower lobe", baseline_mm=18.0)
    b.non_target("NT1", organ="peritoneum (ascites)", lesion_type="effusion")
    readings = [
        (v(46.0, 30.0), 17.0, {"status": "present"}),
        (v(45.0, 26.0), 16.0, {"status": "unequivocal_progression", "cytology": "not_done"}),
        (v(45.0, 25.0), 16.0, {"status": "unequivocal_progression", "cytology": "negative"}),
        (v(46.0, 26.0), 17.0, {"status": "unequivocal_progression", "cytology": "malignant"}),
        (v(47.0, 28.0), 17.0, {"status": "unequivocal_progression"}),
    ]
    for day, vid, (t1, t2, nt1) in zip(WEEKS, visit_ids(5), readings):
        b.visit(day=day, visit_id=vid, T1=t1, T2=t2, NT1=nt1)
    return b


def new_nodules_by_size_and_pattern():
    """M7.3, M7.4, M7.8: an atypical 12 mm nodule (not counted) grows to 23 mm; a typical
    9 mm nodule is not counted; PD is dated to the atypical nodule's first sighting."""
    b = hcc("HCC-204", "2024-04-08")
    typical(b, "T1", "liver, segment 5", 40.0, 32.0)
    nodule = {"location": "liver, segment 3", "equivocal": False, "lesion_type": "atypical_hcc"}
    small = {"location": "liver, segment 2", "equivocal": False, "lesion_type": "typical_hcc"}
    readings = [
        (v(39.0, 24.0), []),
        (v(38.0, 20.0), [{**nodule, "size_mm": 12.0}]),
        (v(38.0, 19.0), [{**nodule, "size_mm": 16.0}, {**small, "size_mm": 9.0}]),
        (v(38.0, 19.0), [{**nodule, "size_mm": 23.0}, {**small, "size_mm": 9.0}]),
    ]
    for day, vid, (t1, new_lesions) in zip(WEEKS, visit_ids(4), readings):
        b.visit(day=day, visit_id=vid, T1=t1, new_lesions=new_lesions)
    return b


def porta_hepatis_node_grows():
    """M3.5, M7.7, MA21: a 17 mm porta hepatis node is a RECIST 1.1 target but not mRECIST
    disease; at 22 mm it is a new malignant node under mRECIST while RECIST 1.1 stays SD."""
    b = hcc("HCC-205", "2024-05-20")
    typical(b, "T1", "liver, segment 8", 45.0, 34.0)
    b.target(
        "N1",
        organ="lymph node, porta hepatis",
        nodal=True,
        baseline_mm=17.0,
        lesion_type="porta_hepatis_node",
        mrecist_kind="excluded",
    )
    readings = [
        (v(44.0, 30.0), 17.0),
        (v(44.0, 29.0), 18.0),
        (v(44.0, 29.0), 19.9),
        (v(44.0, 30.0), 22.0),
    ]
    for day, vid, (t1, n1) in zip(WEEKS, visit_ids(4), readings):
        b.visit(day=day, visit_id=vid, T1=t1, N1=n1)
    return b


def progression_without_a_5_mm_rise():
    """M5.3, MA1, MA16: the viable sum rises 10 -> 12 mm (+20 %, +2 mm): mRECIST PD by
    default; RECIST 1.1 SD throughout (30 % of 34 mm never reached)."""
    b = hcc("HCC-206", "2024-06-03")
    typical(b, "T1", "liver, segment 6", 34.0, 20.0)
    readings = [v(30.0, 14.0), v(26.0, 10.0), v(25.0, 10.0), v(24.0, 12.0), v(25.0, 14.0)]
    for day, vid, t1 in zip(WEEKS, visit_ids(5), readings):
        b.visit(day=day, visit_id=vid, T1=t1)
    return b


def infiltrative_disease_only():
    """M3.3, M9, MA23: an infiltrative (atypical) HCC is a RECIST 1.1 target but an mRECIST
    non-target, read from its numbers (M14.3); mRECIST uses Table 2."""
    b = hcc("HCC-207", "2024-02-26")
    b.target(
        "T1",
        organ="liver, right lobe",
        baseline_mm=88.0,
        lesion_type="atypical_hcc",
        mrecist_kind="non-target",
    )
    b.non_target("NT1", organ="lymph node, para-aortic", nodal=True)
    sizes = [
        (80.0, "present"),
        (64.0, "present"),
        (60.0, "absent"),
        (59.0, "absent"),
        (61.0, "absent"),
    ]
    for day, vid, (t1, nt1) in zip(WEEKS, visit_ids(5), sizes):
        b.visit(day=day, visit_id=vid, T1=t1, NT1=nt1)
    return b


PATIENTS = {
    "HCC-201_mRECIST_viable_PR_RECIST_SD": viable_response_without_shrinkage,
    "HCC-202_mRECIST_CR_by_enhancement": complete_response_by_enhancement,
    "HCC-203_mRECIST_effusion_needs_cytology": effusion_without_cytology,
    "HCC-204_mRECIST_new_nodules_size_and_pattern": new_nodules_by_size_and_pattern,
    "HCC-205_mRECIST_porta_hepatis_node": porta_hepatis_node_grows,
    "HCC-206_mRECIST_PD_without_5_mm": progression_without_a_5_mm_rise,
    "HCC-207_mRECIST_infiltrative_only": infiltrative_disease_only,
}


def main() -> None:
    write_records(PATIENTS)


if __name__ == "__main__":
    main()
