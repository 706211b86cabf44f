"""Write the bundled iRECIST sample patient records (sample_data/records/HCC-1*.json).

Patients of the liver-cancer trial's PD-1 inhibitor arm, read for iRECIST: new lesions are
tracked with a ``new_lesion_id`` and measured (new-lesion targets) or assessed (new-lesion
non-targets) at every later visit; each visit records whether the patient was clinically
stable and stayed on treatment (design.md §7b). Each patient shows one rule of
``irecist-rules.md``. Run ``python sample_data/generate_irecist_records.py`` to regenerate them;
``tests/test_sample_data_irecist.py`` pins the expected responses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recist_reader.core.record_builder import RecordBuilder

RECORDS = Path(__file__).resolve().parent / "records"

Record = dict[str, Any]


def nlt(new_lesion_id: str, value: float | str, location: str, organ: str, **fields: Any) -> dict:
    """A new-lesion target listing: ``value`` in mm, or a target status."""
    listing = {
        "new_lesion_id": new_lesion_id,
        "location": location,
        "equivocal": False,
        "kind": "target",
        "organ": organ,
        **fields,
    }
    listing["status" if isinstance(value, str) else "diameter_mm"] = value
    return listing


def nlnt(new_lesion_id: str, location: str, organ: str, status: str = "present", **fields) -> dict:
    """A new-lesion non-target listing."""
    return {
        "new_lesion_id": new_lesion_id,
        "location": location,
        "equivocal": False,
        "kind": "non-target",
        "organ": organ,
        "status": status,
        **fields,
    }


class Patient:
    """A RecordBuilder for an iRECIST read: visits carry the clinical status (§7b)."""

    def __init__(self, patient_id: str, baseline_date: str):
        self.builder = RecordBuilder(patient_id, baseline_date=baseline_date)

    def visit(
        self,
        visit_id: str,
        day: int,
        *new_lesions: dict,
        stable: bool = True,
        continued: bool = True,
        symptom_driven: bool = False,
        **values: Any,
    ) -> Patient:
        increased = {k: v for k, v in values.items() if isinstance(v, dict)}
        plain = {k: v for k, v in values.items() if not isinstance(v, dict)}
        self.builder.visit(day=day, visit_id=visit_id, new_lesions=list(new_lesions), **plain)
        visit = self.builder.visits[-1]
        visit["measurements"] += [{"lesion_id": k, **v} for k, v in increased.items()]
        visit["clinically_stable"] = stable
        visit["treatment_continued"] = continued
        if symptom_driven:
            visit["symptom_driven"] = True
        return self

    def record(self) -> Record:
        record = self.builder.to_dict()
        record["criteria"] = "iRECIST"
        return record


def increased(status: str = "present") -> dict:
    """A non-target larger than at its previous assessment (I4.2)."""
    return {"status": status, "increased": True}


def pseudoprogression() -> Record:
    """I3.1, I7.4: +20 % exactly at week 8 (RECIST 1.1 PD), shrinking from week 12: reset."""
    p = Patient("HCC-101", "2024-06-03")
    b = p.builder
    b.target("T1", organ="liver", baseline_mm=45.0).target("T2", organ="liver", baseline_mm=30.0)
    b.target("T3", organ="lung, right lower lobe", baseline_mm=20.0)
    b.non_target("NT1", organ="portal vein (tumour thrombus)")
    sizes = [(57, 54.0, 36.0, 24.0), (85, 50.0, 33.0, 22.0), (141, 38.0, 25.0, 16.0)]
    sizes += [(197, 30.0, 20.0, 13.0), (253, 28.0, 18.0, 12.0)]
    for day, t1, t2, t3 in sizes:
        p.visit(f"W{round(day / 7)}", day, T1=t1, T2=t2, T3=t3, NT1="present")
    return p.record()


def confirmed_by_further_growth() -> Record:
    """I7.3a, IA3, I1.3: increases add up to +5.0 mm exactly (27.8 -> 32.8: a float trap)."""
    p = Patient("HCC-102", "2024-04-15")
    p.builder.target("T1", organ="liver", baseline_mm=22.5)
    p.builder.non_target("NT1", organ="lung, multiple small nodules")
    for visit_id, day, t1 in [("W8", 56, 27.8), ("W12", 84, 30.0), ("W16", 112, 32.8)]:
        p.visit(visit_id, day, T1=t1, NT1="present")
    p.visit("W24", 168, T1=35.0, NT1="present", stable=False, continued=False)
    return p.record()


def new_lesion_targets_confirmed() -> Record:
    """I5.5, I7.3e: two new-lesion targets; their sum grows by 5.0 mm; the target sum never
    includes them."""
    p = Patient("HCC-103", "2024-05-13")
    p.builder.target("T1", organ="liver", baseline_mm=60.0)
    p.builder.non_target("NT1", organ="portal vein (tumour thrombus)")
    n1, n2 = "liver segment 6", "lung, left upper lobe"
    p.visit(
        "W8", 56, nlt("N1", 12.0, n1, "liver"), nlt("N2", 10.5, n2, "lung"), T1=55.0, NT1="present"
    )
    p.visit(
        "W12", 84, nlt("N1", 14.0, n1, "liver"), nlt("N2", 13.5, n2, "lung"), T1=55.0, NT1="present"
    )
    p.visit(
        "W16",
        112,
        nlt("N1", 16.0, n1, "liver"),
        nlt("N2", 15.0, n2, "lung"),
        T1=56.0,
        NT1="present",
    )
    p.visit(
        "W24",
        168,
        nlt("N1", 19.0, n1, "liver"),
        nlt("N2", 17.0, n2, "lung"),
        T1=58.0,
        NT1="present",
        continued=False,
    )
    return p.record()


def new_lesion_persists() -> Record:
    """I7.4, IA4 (FAQ scenario F), I9.2: a new lesion after a PR, unchanged since: the iUPD
    stays open; the patient stays on treatment, so iPFS is censored."""
    p = Patient("HCC-104", "2024-03-04")
    p.builder.target("T1", organ="liver", baseline_mm=80.0)
    p.visit("W8", 56, T1=52.0)
    nodule = "peritoneal nodule, left flank"
    p.visit("W16", 112, nlnt("N1", nodule, "peritoneum"), T1=52.0)
    p.visit("W20", 140, nlnt("N1", nodule, "peritoneum"), T1=52.0)
    p.visit("W24", 168, nlnt("N1", nodule, "peritoneum"), T1=52.0)
    return p.record()


def early_scan_disregarded() -> Record:
    """I7.2, IA1: an unscheduled scan 21 days after the iUPD is disregarded; the scan at
    28 days confirms."""
    p = Patient("HCC-105", "2024-07-01")
    p.builder.target("T1", organ="liver", baseline_mm=50.0)
    p.builder.target("T2", organ="adrenal gland, right", baseline_mm=25.0)
    p.visit("W6", 42, T1=50.0, T2=25.0)
    p.visit("W10", 70, T1=62.0, T2=30.0)
    p.visit("U13", 91, T1=70.0, T2=31.0)
    p.visit("W14", 98, T1=68.0, T2=30.0)
    p.visit("W22", 154, T1=72.0, T2=33.0, stable=False, continued=False)
    return p.record()


def reset_then_confirmed() -> Record:
    """I6.2, I9.1, I11–I13 (worked example E6): a new lesion, a reset by a PR, a second new
    lesion, a third that confirms: iBOR iPR (unconfirmed) / iSD, iPFS at the second iUPD,
    iDoR 56 days."""
    p = Patient("HCC-106", "2024-01-08")
    p.builder.target("T1", organ="liver", baseline_mm=60.0)
    lung = nlnt("N1", "lung, right upper lobe", "lung")
    liver = nlnt("N2", "liver segment 4", "liver")
    p.visit("W7", 49, T1=55.0)
    p.visit("W14", 98, lung, T1=50.0)
    p.visit("W18", 126, lung, T1=40.0)
    p.visit("W26", 182, lung, liver, T1=40.0)
    p.visit("W30", 210, lung, liver, nlnt("N3", "adrenal gland, left", "adrenal"), T1=40.0)
    return p.record()


def non_target_increase_confirms() -> Record:
    """I7.3c, IA9: non-target progression, then any further increase confirms it."""
    p = Patient("HCC-107", "2024-02-12")
    p.builder.target("T1", organ="liver", baseline_mm=40.0)
    p.builder.non_target("NT1", organ="portal vein (tumour thrombus)")
    p.builder.non_target("NT2", organ="lymph node, hepatic hilum", nodal=True)
    p.visit("W8", 56, T1=38.0, NT1="present", NT2="present")
    p.visit("W16", 112, T1=36.0, NT1="unequivocal_progression", NT2="present")
    p.visit("W20", 140, T1=36.0, NT1="unequivocal_progression", NT2="present")
    p.visit("W24", 168, T1=37.0, NT1=increased("unequivocal_progression"), NT2="present")
    return p.record()


def unconfirmed_treatment_stopped() -> Record:
    """I9.2, IA5, I15: an iUPD never confirmed because the patient deteriorated and stopped
    treatment: an iPFS event at the iUPD, ``confirmed: false``."""
    p = Patient("HCC-108", "2024-08-19")
    p.builder.target("T1", organ="liver", baseline_mm=50.0)
    p.builder.target("T2", organ="lung, left lower lobe", baseline_mm=30.0)
    p.visit("W6", 42, T1=47.0, T2=29.0)
    p.visit("W12", 84, T1=45.0, T2=27.0)
    p.visit("W18", 126, T1=46.0, T2=27.0)
    p.visit("W24", 168, T1=60.0, T2=30.0, stable=False, continued=False)
    return p.record()


def equivocal_then_unequivocal() -> Record:
    """I5.2, I6.3, IA18: a bone lesion equivocal at week 16 is unequivocal at week 24: the
    iUPD is dated back to week 16, and the iPR of week 16 leaves the iBOR window."""
    p = Patient("HCC-109", "2024-02-19")
    p.builder.target("T1", organ="liver", baseline_mm=44.0)
    p.builder.target("T2", organ="peritoneum", baseline_mm=21.0)
    p.builder.non_target("NT1", organ="ascites", location_code="PERITONEAL CAVITY")
    bone = "bone, T10 vertebral body"
    p.visit("W8", 56, T1=30.0, T2=14.0, NT1="present")
    p.visit("W16", 112, nlnt("N1", bone, "bone", equivocal=True), T1=29.0, T2=14.0, NT1="present")
    p.visit("W24", 168, nlnt("N1", bone, "bone"), T1=29.0, T2=13.0, NT1="present")
    p.visit("W28", 196, nlnt("N1", bone, "bone", increased=True), T1=30.0, T2=14.0, NT1="present")
    return p.record()


def tracked_lesion_not_assessed() -> Record:
    """I5.1, I5.8, IA6, IA13: a new lung lesion; after the reset it must be assessed at every
    visit: not listed at week 20, that visit is NE; gone at week 28, the targets' PR stands."""
    p = Patient("HCC-110", "2024-09-09")
    p.builder.target("T1", organ="liver", baseline_mm=50.0)
    lung = "lung, right middle lobe"
    p.visit("W8", 56, nlnt("N1", lung, "lung"), T1=45.0)
    p.visit("W12", 84, nlnt("N1", lung, "lung"), T1=30.0)
    p.visit("W20", 140, T1=30.0)
    p.visit("W28", 196, nlnt("N1", lung, "lung", status="absent"), T1=28.0)
    return p.record()


PATIENTS: dict[str, Callable[[], Record]] = {
    "HCC-101_iRECIST_pseudoprogression": pseudoprogression,
    "HCC-102_iRECIST_confirmed_further_growth": confirmed_by_further_growth,
    "HCC-103_iRECIST_new_lesion_targets": new_lesion_targets_confirmed,
    "HCC-104_iRECIST_new_lesion_persists": new_lesion_persists,
    "HCC-105_iRECIST_early_scan_disregarded": early_scan_disregarded,
    "HCC-106_iRECIST_reset_then_confirmed": reset_then_confirmed,
    "HCC-107_iRECIST_non_target_increase": non_target_increase_confirms,
    "HCC-108_iRECIST_unconfirmed_treatment_stopped": unconfirmed_treatment_stopped,
    "HCC-109_iRECIST_equivocal_backdated": equivocal_then_unequivocal,
    "HCC-110_iRECIST_new_lesion_not_assessed": tracked_lesion_not_assessed,
}


def main() -> None:
    RECORDS.mkdir(exist_ok=True)
    for name, make in PATIENTS.items():
        path = RECORDS / f"{name}.json"
        path.write_text(json.dumps(make(), indent=2) + "\n", encoding="utf-8")
        print(path)


if __name__ == "__main__":
    main()
