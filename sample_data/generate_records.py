"""Write the bundled sample patient records (sample_data/records/*.json).

Seven clinically plausible patients of a liver-cancer (HCC) trial, scanned every ~6 weeks,
each showing one path through RECIST 1.1. Run ``python sample_data/generate_records.py`` to
regenerate them; ``tests/test_sample_data.py`` pins the expected responses.
"""

from __future__ import annotations

import json
from pathlib import Path

from recist_reader.core.record_builder import RecordBuilder

RECORDS = Path(__file__).resolve().parent / "records"
WEEKS = (43, 85, 127, 168, 211, 253)  # scan days after baseline, with real-life jitter


def visit_ids(n):
    return [f"W{round(day / 7)}" for day in WEEKS[:n]]


def confirmed_partial_response():
    b = RecordBuilder("HCC-001", baseline_date="2024-02-05")
    b.target("T1", organ="liver", baseline_mm=48.0).target("T2", organ="liver", baseline_mm=35.0)
    b.target("T3", organ="right lung", baseline_mm=22.0)
    b.non_target("NT1", organ="portal vein (tumour thrombus)")
    sizes = [
        (40.0, 29.0, 18.0),
        (32.0, 22.0, 14.0),
        (29.0, 20.0, 12.0),
        (28.0, 19.0, 12.0),
        (30.0, 20.0, 13.0),
    ]
    for day, vid, (t1, t2, t3) in zip(WEEKS, visit_ids(5), sizes):
        b.visit(day=day, visit_id=vid, T1=t1, T2=t2, T3=t3, NT1="present")
    return b


def complete_response_with_residual_nodes():
    b = RecordBuilder("HCC-002", baseline_date="2024-03-11")
    b.target("T1", organ="liver", baseline_mm=25.0)
    b.target(
        "N1",
        organ="lymph node, porta hepatis",
        nodal=True,
        baseline_mm=17.0,
        location_code="PORTA HEPATIS LYMPH NODE",
    )
    b.target("N2", organ="lymph node, retroperitoneal", nodal=True, baseline_mm=16.0)
    sizes = [(14.0, 12.0, 11.0), (0, 8.0, 7.0), (0, 7.0, 6.0), (0, 7.0, 6.0), (0, 6.0, "too_small")]
    for day, vid, (t1, n1, n2) in zip(WEEKS, visit_ids(5), sizes):
        b.visit(day=day, visit_id=vid, T1=t1, N1=n1, N2=n2)
    return b


def progression_from_nadir():
    b = RecordBuilder("HCC-003", baseline_date="2024-01-22")
    b.target("T1", organ="liver", baseline_mm=52.0).target("T2", organ="liver", baseline_mm=28.0)
    b.non_target("NT1", organ="lung, multiple small nodules")
    sizes = [(40.0, 20.0), (34.0, 18.0), (29.0, 15.0), (32.0, 18.0), (35.0, 18.0), (38.0, 20.0)]
    for day, vid, (t1, t2) in zip(WEEKS, visit_ids(6), sizes):
        b.visit(day=day, visit_id=vid, T1=t1, T2=t2, NT1="present")
    return b


def progression_by_new_lesion():
    b = RecordBuilder("HCC-004", baseline_date="2024-04-02")
    b.target("T1", organ="liver", baseline_mm=61.0)
    b.target("T2", organ="adrenal gland, left", baseline_mm=24.0)
    b.non_target("NT1", organ="liver, satellite nodules")
    sizes = [(58.0, 24.0), (55.0, 22.0), (57.0, 23.0), (56.0, 23.0)]
    for index, (day, vid, (t1, t2)) in enumerate(zip(WEEKS, visit_ids(4), sizes)):
        new = ["lung, left upper lobe, 12 mm nodule"] if index == 3 else []
        b.visit(day=day, visit_id=vid, T1=t1, T2=t2, NT1="present", new=new)
    return b


def equivocal_new_lesion_confirmed_later():
    b = RecordBuilder("HCC-005", baseline_date="2024-02-19")
    b.target("T1", organ="liver", baseline_mm=44.0).target(
        "T2", organ="peritoneum", baseline_mm=21.0
    )
    b.non_target("NT1", organ="ascites", location_code="PERITONEAL CAVITY")
    sizes = [(30.0, 14.0), (29.0, 14.0), (29.0, 13.0), (30.0, 14.0), (30.0, 14.0)]
    for index, (day, vid, (t1, t2)) in enumerate(zip(WEEKS, visit_ids(5), sizes)):
        equivocal = ["bone, T10 vertebral body"] if index in (1, 2) else []
        new = ["Bone, T10 vertebral body"] if index == 3 else []
        b.visit(day=day, visit_id=vid, T1=t1, T2=t2, NT1="present", equivocal=equivocal, new=new)
    return b


def non_target_only():
    b = RecordBuilder("HCC-006", baseline_date="2024-05-06")
    b.non_target("NT1", organ="liver, infiltrative tumour")
    b.non_target("NT2", organ="peritoneal carcinomatosis", location_code="PERITONEUM")
    b.non_target("NT3", organ="lymph node, hepatic hilum", nodal=True)
    statuses = [
        ("present", "present", "present"),
        ("present", "present", "absent"),
        ("present", "present", "absent"),
        ("present", "present", "absent"),
        ("present", "unequivocal_progression", "absent"),
    ]
    for day, vid, (nt1, nt2, nt3) in zip(WEEKS, visit_ids(5), statuses):
        b.visit(day=day, visit_id=vid, NT1=nt1, NT2=nt2, NT3=nt3)
    return b


def not_evaluable_visit():
    b = RecordBuilder("HCC-007", baseline_date="2024-03-25")
    b.target("T1", organ="liver", baseline_mm=40.0)
    b.target("T2", organ="lung, right lower lobe", baseline_mm=20.0, slice_thickness_mm=1.25)
    b.non_target("NT1", organ="bone, left iliac")
    sizes = [
        (35.0, 18.0, "present"),
        (30.0, None, "present"),
        (26.0, 14.0, "present"),
        (25.0, 13.0, "present"),
        (25.0, 12.0, "present"),
    ]
    for day, vid, (t1, t2, nt1) in zip(WEEKS, visit_ids(5), sizes):
        b.visit(day=day, visit_id=vid, T1=t1, T2=t2, NT1=nt1)
    return b


PATIENTS = {
    "HCC-001_confirmed_PR": confirmed_partial_response,
    "HCC-002_CR_residual_nodes": complete_response_with_residual_nodes,
    "HCC-003_PD_from_nadir": progression_from_nadir,
    "HCC-004_PD_new_lesion": progression_by_new_lesion,
    "HCC-005_equivocal_then_PD": equivocal_new_lesion_confirmed_later,
    "HCC-006_non_target_only": non_target_only,
    "HCC-007_NE_missed_lesion": not_evaluable_visit,
}


def write_records(patients) -> None:
    """Write each patient's record as ``records/<name>.json`` (printing its path)."""
    RECORDS.mkdir(exist_ok=True)
    for name, make in patients.items():
        path = RECORDS / f"{name}.json"
        path.write_text(json.dumps(make().to_dict(), indent=2) + "\n", encoding="utf-8")
        print(path)


def main() -> None:
    write_records(PATIENTS)


if __name__ == "__main__":
    main()
