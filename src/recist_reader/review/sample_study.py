"""The bundled phantom BICR study (``sample_data/bicr``): three patients read by two blinded
readers, with investigator reads and one adjudication.

- P-001: concordant (both readers: confirmed PR, no progression).
- P-009: discordant on best overall response (central-review.md E4: R1 confirmed PR, R2
  confirmed SD); awaiting adjudication.
- P-017: discordant on the date of progression (E1: R1 PD at W24, R2 none); adjudicated to
  R1. R1's trail starts with the four entries printed in design.md §9.3.

``python -m recist_reader.review.sample_study FOLDER`` writes the files; a test checks that
the bundled ones are these.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from recist_reader.core.record_builder import RecordBuilder
from recist_reader.review.adjudication import adjudication_record
from recist_reader.review.reader_actions import (
    append_audit_entry,
    complete_read,
    lock_timepoint,
    record_change,
    start_read,
)

STUDY_ID = "NCT05831969"
BASELINE = "2024-01-10"
VISITS = (("W8", 56, 2, "WEEK 8"), ("W16", 112, 3, "WEEK 16"), ("W24", 168, 4, "WEEK 24"))
#: (patient, slot or INV, reader) → (T1, T2) per visit (BL, W8, W16, W24), new lesion visit.
READS: dict[tuple[str, str], dict[str, Any]] = {
    ("P-001", "R1"): {"reader": "rad-11", "t1": [50, 30, 29, 29], "t2": [16, 9, 8, 8]},
    ("P-001", "R2"): {"reader": "rad-12", "t1": [52, 31, 31, 30], "t2": [15, 9, 9, 8]},
    ("P-001", "INV"): {"reader": "site-04", "t1": [48, 30, 30, 30], "t2": [16, 10, 9, 9]},
    ("P-009", "R1"): {"reader": "rad-11", "t1": [40, 22, 21, 22], "t2": [20, 12, 12, 12]},
    ("P-009", "R2"): {"reader": "rad-12", "t1": [41, 26, 28, 28], "t2": [20, 14, 15, 15]},
    ("P-017", "R1"): {
        "reader": "rad-11",
        "t1": [42, 28, 27, 27],
        "t2": [18, 12, 11, 11],
        "new": "W24",
    },
    ("P-017", "R2"): {"reader": "rad-12", "t1": [44, 34, 30, 29], "t2": [17, 13, 12, 12]},
    ("P-017", "INV"): {
        "reader": "site-07",
        "t1": [45, 30, 30, 31],
        "t2": [18, 12, 12, 12],
        "new": "W16",
    },
}
ARMS = {"P-001": "A", "P-009": "B", "P-017": "A"}


def _record(patient_id: str, spec: dict[str, Any], *, with_arm: bool) -> dict[str, Any]:
    builder = RecordBuilder(patient_id, baseline_date=BASELINE)
    builder.target("T1", organ="liver", baseline_mm=float(spec["t1"][0]), location_code="LIVER")
    builder.target(
        "T2", organ="lymph node", nodal=True, baseline_mm=float(spec["t2"][0]),
        location_code="PORTA HEPATIS LYMPH NODE",
    )  # fmt: skip
    builder.non_target("NT1", organ="peritoneum", location_code="PERITONEUM")
    for index, (visit_id, day, _, _) in enumerate(VISITS, start=1):
        new = ["lung, right lower lobe"] if spec.get("new") == visit_id else []
        builder.visit(
            day=day, visit_id=visit_id, T1=float(spec["t1"][index]), T2=float(spec["t2"][index]),
            NT1="present", new=new,
        )  # fmt: skip
    record = builder.to_dict()
    record = {
        "schema_version": 1, "patient_id": patient_id, "study_id": STUDY_ID,
        **{k: v for k, v in record.items() if k not in ("schema_version", "patient_id")},
    }  # fmt: skip
    if with_arm:
        record["arm"] = ARMS[patient_id]
        record["reference_start_date"] = "2024-01-12"
    schedule = {"BL": (1, "BASELINE", "SCREENING")}
    schedule.update({v: (num, name, "TREATMENT") for v, _, num, name in VISITS})
    for visit in record["visits"]:
        visit["visit_num"], visit["visit_name"], visit["epoch"] = schedule[visit["visit_id"]]
    for visit in record["visits"]:
        for lesion in visit["new_lesions"]:
            lesion["location_code"] = "LUNG"
    return record


def _at(date: str, days: int, time: str) -> str:
    import datetime as dt

    return f"{(dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat()}T{time}Z"


def _design_example_read(record: dict[str, Any]) -> dict[str, Any]:
    """P-017's R1: the trail of design.md §9.3 (create, lock BL, modify W8, lock W8), then W16
    and W24 locked."""
    read = {**record, "read": {"read_id": "P-017-R1", "role": "central_reader", "slot": "R1",
                               "reader_id": "rad-11", "status": "in_progress",
                               "paradigm": "sequential_locked"}}  # fmt: skip
    read = append_audit_entry(
        read, {"at": "2024-03-08T13:58:20Z", "by": "rad-11", "action": "create", "visit_id": "BL"}
    )
    read = lock_timepoint(read, "BL", by="rad-11", at="2024-03-08T14:02:11Z")
    read = record_change(
        read, visit_id="W8", field="measurements[T1].diameter_mm", old=29.0, new=28.0,
        by="rad-11", at="2024-03-08T14:29:03Z", reason="ruler end moved to the capsule",
    )  # fmt: skip
    read = lock_timepoint(read, "W8", by="rad-11", at="2024-03-08T14:31:40Z")
    read = lock_timepoint(read, "W16", by="rad-11", at="2024-05-03T09:12:05Z")
    read = lock_timepoint(read, "W24", by="rad-11", at="2024-06-28T16:45:52Z")
    return complete_read(read)


def _locked_read(record: dict[str, Any], patient_id: str, slot: str, reader: str) -> dict[str, Any]:
    role = "investigator" if slot == "INV" else "central_reader"
    read = start_read(
        record, read_id=f"{patient_id}-{slot}", reader_id=reader, role=role,
        slot=None if slot == "INV" else slot, at=_at(BASELINE, 2, "08:30:00"),
        blinded=None if slot == "INV" else True,
    )  # fmt: skip
    for visit in read["visits"]:
        read = lock_timepoint(
            read, visit["visit_id"], by=reader, at=_at(visit["date"], 2, "15:00:00")
        )
    return complete_read(read)


def sample_study() -> dict[str, dict[str, Any]]:
    """File name → document of every file of the study."""
    files: dict[str, dict[str, Any]] = {}
    for (patient_id, slot), spec in READS.items():
        record = _record(patient_id, spec, with_arm=slot == "INV")
        if (patient_id, slot) == ("P-017", "R1"):
            read = _design_example_read(record)
        else:
            read = _locked_read(record, patient_id, slot, spec["reader"])
        files[f"{patient_id}-{slot}.json"] = read
    files["adjudication-P-017.json"] = adjudication_record(
        patient_id="P-017",
        reads={"R1": files["P-017-R1.json"], "R2": files["P-017-R2.json"]},
        selected_read="R1",
        adjudicator_id="rad-19",
        adjudicated_at="2024-07-03T11:20:31Z",
        rationale="6 mm solid nodule in the right lower lobe at W24 (series 4, image 212), absent at "
        "W16 on 1.25 mm lung kernel; unequivocal new lesion. R2 did not review the lung window.",
        reason_codes=["NEW_LESION"],
        triggers_seen=["pd_date"],
        adjudication_id="ADJ-P-017-1",
    )
    return files


def study_file_text(document: dict[str, Any]) -> str:
    """How a study file is written: indented JSON."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_sample_study(folder: str | Path) -> list[Path]:
    """Write the study's files into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, document in sample_study().items():
        path = folder / name
        path.write_text(study_file_text(document), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for written in write_sample_study(sys.argv[1] if len(sys.argv) > 1 else "sample_data/bicr"):
        print(written)
