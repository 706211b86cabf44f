"""Reads with valid audit trails, built the way the widget's reader mode builds them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from recist_reader.core.record_builder import RecordBuilder
from recist_reader.review import adjudication_record, complete_read, lock_read, lock_timepoint, start_read


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
    r1.visit(day=168, visit_id="W24", T1=27.0, T2=11.0, NT1="present", new=["lung, right lower lobe"])
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
    r1: dict[str, Any], r2: dict[str, Any], *, selected: str = "R1", by: str = "rad-19", **fields: Any
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
