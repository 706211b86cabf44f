"""Reads with valid audit trails, built the way the widget's reader mode builds them."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from recist_reader.core.record_builder import RecordBuilder
from recist_reader.review import (
    adjudication_record,
    complete_read,
    lock_read,
    lock_timepoint,
    start_read,
)


def stamp(date: str, days: int = 2, hour: int = 10, minute: int = 0) -> str:
    """``date`` + ``days`` at ``hour:minute`` UTC, ISO 8601."""
    day = dt.date.fromisoformat(date) + dt.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00Z"


def locked_read(
    record: dict[str, Any],
    *,
    slot: str | None,
    reader_id: str,
    read_id: str | None = None,
    role: str = "central_reader",
    paradigm: str = "sequential_locked",
    complete: bool = True,
    lock_after_days: int = 2,
) -> dict[str, Any]:
    """``record`` as a read: created at baseline, each visit locked ``lock_after_days`` after
    its date in date order (sequential) or the read locked after the last visit (global)."""
    read_id = read_id or f"{record['patient_id']}-{slot or 'INV'}"
    visits = sorted(record["visits"], key=lambda v: v["date"])
    read = start_read(
        record,
        read_id=read_id,
        reader_id=reader_id,
        at=stamp(visits[0]["date"], lock_after_days, 9),
        role=role,
        slot=slot,
        paradigm=paradigm,
    )
    if paradigm == "global":
        read = lock_read(read, by=reader_id, at=stamp(visits[-1]["date"], lock_after_days))
    else:
        for visit in visits:
            read = lock_timepoint(
                read, visit["visit_id"], by=reader_id, at=stamp(visit["date"], lock_after_days)
            )
    return complete_read(read) if complete else read


def e1_records() -> tuple[dict[str, Any], dict[str, Any]]:
    """The two §1 records of central-review.md E1 (patient P-017)."""

    def builder(t1: float, t2: float) -> RecordBuilder:
        b = RecordBuilder("P-017", baseline_date="2024-01-10")
        b.target("T1", organ="liver", baseline_mm=t1)
        b.target("T2", organ="lymph node", nodal=True, baseline_mm=t2)
        return b.non_target("NT1", organ="peritoneum")

    r1 = builder(42.0, 18.0)
    r1.visit(day=56, visit_id="W8", T1=28.0, T2=12.0, NT1="present")
    r1.visit(day=112, visit_id="W16", T1=27.0, T2=11.0, NT1="present")
    r1.visit(
        day=168, visit_id="W24", T1=27.0, T2=11.0, NT1="present", new=["lung, right lower lobe"]
    )
    r2 = builder(44.0, 17.0)
    r2.visit(day=56, visit_id="W8", T1=34.0, T2=13.0, NT1="present")
    r2.visit(day=112, visit_id="W16", T1=30.0, T2=12.0, NT1="present")
    r2.visit(day=168, visit_id="W24", T1=29.0, T2=12.0, NT1="present")
    records = []
    for b in (r1, r2):
        record = b.to_dict()
        record["study_id"] = "NCT05831969"
        records.append(record)
    return records[0], records[1]


def e1_reads() -> tuple[dict[str, Any], dict[str, Any]]:
    r1, r2 = e1_records()
    return (
        locked_read(r1, slot="R1", reader_id="rad-11"),
        locked_read(r2, slot="R2", reader_id="rad-12"),
    )


def signed_adjudication(
    r1: dict[str, Any],
    r2: dict[str, Any],
    *,
    selected: str = "R1",
    by: str = "rad-19",
    **fields: Any,
) -> dict[str, Any]:
    """An adjudication of the patient of ``r1``/``r2`` with the current read hashes."""
    document = adjudication_record(
        patient_id=r1["patient_id"],
        reads={"R1": r1, "R2": r2},
        selected_read=selected,
        adjudicator_id=by,
        adjudicated_at="2024-07-03T11:20:31Z",
        rationale="6 mm solid nodule in the right lower lobe at W24, absent at W16 on the lung kernel",
        reason_codes=["NEW_LESION"],
        triggers_seen=["pd_date"],
    )
    document.update(fields)
    return document


DAYS = (56, 112, 168)


def target_record(
    patient_id: str,
    diameters: list[float | None],
    *,
    days: tuple[int, ...] = DAYS,
    equivocal: dict[int, str] | None = None,
    new: dict[int, str] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A one-target record: ``diameters`` at baseline then at each of ``days`` (None: not
    evaluated); ``equivocal``/``new`` map a follow-up number (1-based) to a new-lesion site."""
    builder = RecordBuilder(patient_id, baseline_date="2024-01-10")
    builder.target("T1", organ="liver", baseline_mm=diameters[0])
    for number, (day, value) in enumerate(zip(days, diameters[1:]), start=1):
        builder.visit(
            day=day,
            visit_id=f"W{day // 7}",
            T1=value,
            equivocal=[equivocal[number]] if equivocal and number in equivocal else [],
            new=[new[number]] if new and number in new else [],
        )
    record = builder.to_dict()
    record.update(top)
    return record


#: Target diameters (baseline 50 mm, then W8, W16, W24) giving each confirmed BOR.
BOR_SERIES = {
    "CR": [50.0, 0.0, 0.0, 0.0],
    "PR": [50.0, 30.0, 30.0, 30.0],
    "SD": [50.0, 45.0, 45.0, 45.0],
    "PD": [50.0, 70.0, 75.0, 80.0],
}


def pair(
    patient_id: str,
    r1_diameters: list[float | None],
    r2_diameters: list[float | None],
    *,
    r1_reader: str = "rad-11",
    r2_reader: str = "rad-12",
    **kwargs: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two complete locked reads of a one-target patient."""
    return (
        locked_read(
            target_record(patient_id, r1_diameters, **kwargs), slot="R1", reader_id=r1_reader
        ),
        locked_read(
            target_record(patient_id, r2_diameters, **kwargs), slot="R2", reader_id=r2_reader
        ),
    )


def only(result: dict[str, Any]) -> dict[str, Any]:
    """The single patient of a review output."""
    (patient,) = result["patients"]
    return patient


def codes(patient: dict[str, Any]) -> list[str]:
    return [p["code"] for p in patient["problems"]]


def warning_codes(patient: dict[str, Any]) -> list[str]:
    return [w["code"] for w in patient["warnings"]]


def scripted_read(
    record: dict[str, Any],
    entries: list[dict[str, Any]],
    *,
    slot: str = "R2",
    reader_id: str = "rad-12",
    paradigm: str = "sequential_locked",
    status: str = "complete",
    read_locked_at: str | None = None,
) -> dict[str, Any]:
    """A read whose trail is ``entries`` (after a create), chained, with each visit's
    ``locked_at`` set from its last lock entry (removed after a later unlock)."""
    from recist_reader.review import append_audit_entry

    read = copy.deepcopy(record)
    read["read"] = {
        "read_id": f"{record['patient_id']}-{slot}",
        "role": "central_reader",
        "slot": slot,
        "reader_id": reader_id,
        "status": status,
        "paradigm": paradigm,
    }
    if read_locked_at:
        read["read"]["locked_at"] = read_locked_at
    first = min(v["date"] for v in record["visits"])
    read = append_audit_entry(
        read, {"at": stamp(first, 1), "by": reader_id, "action": "create", "visit_id": None}
    )
    for entry in entries:
        read = append_audit_entry(read, {"by": reader_id, **entry})
        visit = next((v for v in read["visits"] if v["visit_id"] == entry.get("visit_id")), None)
        if visit is not None and entry["action"] == "lock":
            visit["locked_at"] = entry["at"]
        if visit is not None and entry["action"] == "unlock":
            visit.pop("locked_at", None)
    return read


def day(n: int, hour: int = 10) -> str:
    """Day ``n`` after the 2024-01-10 baseline, at ``hour`` UTC."""
    return (
        (dt.datetime(2024, 1, 10, hour, tzinfo=dt.timezone.utc) + dt.timedelta(days=n))
        .isoformat()
        .replace("+00:00", "Z")
    )
