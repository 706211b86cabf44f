"""Reads, adjudications and studies for the SDTM export tests.

Central reads are built the way the widget's reader mode builds them (the review package's
reader actions), so their audit trails and locks are valid and ``review_reads`` resolves them.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from recist_reader.core.record_builder import RecordBuilder
from recist_reader.review import adjudication_record, complete_read, lock_timepoint, start_read

STUDY = "NCT05831969"
SAMPLE_DATA = Path(__file__).resolve().parents[3] / "sample_data"
#: The seven RECIST 1.1 sample patients (sample_data/records also holds other criteria's).
RECIST_SAMPLES = sorted((SAMPLE_DATA / "records").glob("HCC-00?_*.json"))


def recist_samples_folder(folder: Path) -> Path:
    """A copy of the seven RECIST 1.1 sample records in ``folder``."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for path in RECIST_SAMPLES:
        shutil.copy(path, folder / path.name)
    return folder


def stamp(date: str, days: int = 2, hour: int = 10) -> str:
    """ISO 8601 UTC time ``days`` after ``date``."""
    day = dt.date.fromisoformat(date) + dt.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def central_read(record: dict[str, Any], *, slot: str, reader_id: str) -> dict[str, Any]:
    """``record`` as a complete central read in ``slot``: every visit locked in date order."""
    visits = sorted(record["visits"], key=lambda v: v["date"])
    read = start_read(
        record,
        read_id=f"{record['patient_id']}-{slot}",
        reader_id=reader_id,
        at=stamp(visits[0]["date"], hour=9),
        slot=slot,
    )
    for visit in visits:
        read = lock_timepoint(read, visit["visit_id"], by=reader_id, at=stamp(visit["date"]))
    return complete_read(read)


def adjudicate(
    r1: dict[str, Any], r2: dict[str, Any], selected: str, *, by: str = "rad-19"
) -> dict[str, Any]:
    """A signed adjudication selecting ``selected`` for the patient of ``r1``/``r2``."""
    return adjudication_record(
        patient_id=r1["patient_id"],
        reads={"R1": r1, "R2": r2},
        selected_read=selected,
        adjudicator_id=by,
        adjudicated_at="2024-07-03T11:20:31Z",
        rationale="the selected read saw what the other missed",
        reason_codes=["NEW_LESION"],
    )


def p017_records() -> tuple[dict[str, Any], dict[str, Any]]:
    """R1's and R2's §1 records of the worked patient P-017 (central-review.md E1)."""

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
    records = [b.to_dict() | {"study_id": STUDY} for b in (r1, r2)]
    return records[0], records[1]


def p017(selected: str = "R1") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The worked patient: R1's and R2's reads and the adjudication selecting ``selected``."""
    r1_record, r2_record = p017_records()
    r1 = central_read(r1_record, slot="R1", reader_id="rad-11")
    r2 = central_read(r2_record, slot="R2", reader_id="rad-12")
    return [r1, r2], [adjudicate(r1, r2, selected)]


ORGANS = ("liver", "left lung", "adrenal", "bone, T10 vertebra", "spleen", "kidneys")


def generated_patient(index: int, rnd: random.Random, *, visits: int = 8) -> dict[str, Any]:
    """One investigator read: up to 5 targets (one nodal), non-targets, every status a visit
    can hold (too small, absent, not evaluated with a note, unequivocal progression),
    equivocal then confirmed new lesions, protocol visit numbers on some patients."""
    builder = RecordBuilder(f"G{index:04d}", baseline_date="2024-01-01")
    n_targets = rnd.randint(1, 5)
    sizes: dict[str, float] = {}
    organs = rnd.sample(ORGANS, n_targets)
    for n in range(1, n_targets + 1):
        nodal = n == 2
        size = round(rnd.uniform(16 if nodal else 11, 80), rnd.choice((0, 1, 2)))
        sizes[f"T{n}"] = size
        organ = "lymph node, hepatic hilum" if nodal else organs[n - 1]
        builder.target(f"T{n}", organ=organ, baseline_mm=size, nodal=nodal)
    non_targets = [f"NT{n}" for n in range(1, rnd.randint(0, 3) + 1)]
    for name in non_targets:
        builder.non_target(name, organ=rnd.choice(("peritoneum", "right pleura", "bone")))
    trend = rnd.uniform(-0.1, 0.08)
    for visit in range(1, visits):
        values: dict[str, Any] = {}
        for name, size in sizes.items():
            roll = rnd.random()
            if roll < 0.03:
                values[name] = "not_evaluated"
            elif roll < 0.06:
                values[name] = "too_small"
            elif roll < 0.08:
                values[name] = "absent"
            elif roll < 0.10:
                values[name] = None  # missing: not evaluated
            else:
                values[name] = round(
                    max(0.0, size * (1 + trend * visit + rnd.uniform(-0.05, 0.05))), 1
                )
        for name in non_targets:
            values[name] = rnd.choice(
                ["present"] * 6 + ["absent", "not_evaluated", "unequivocal_progression"]
            )
        new: list[str] = []
        equivocal: list[str] = []
        if rnd.random() < 0.08:
            equivocal.append("liver segment 7")
        if rnd.random() < 0.05:
            new.append(rnd.choice(("lung, right lower lobe", "liver segment 7", "brain")))
        builder.visit(day=42 * visit + rnd.randint(-3, 3), new=new, equivocal=equivocal, **values)
    record = builder.to_dict()
    record["study_id"] = STUDY
    for visit in record["visits"]:
        for measurement in visit["measurements"]:
            if measurement.get("status") == "not_evaluated" and rnd.random() < 0.5:
                measurement["note"] = "outside the field of view"
    if index % 3 == 0:
        for number, visit in enumerate(sorted(record["visits"], key=lambda v: v["date"])):
            visit["visit_num"] = 10 * (number + 1)
            visit["visit_name"] = "BASELINE" if number == 0 else f"WEEK {6 * number}"
            visit["epoch"] = "SCREENING" if number == 0 else "TREATMENT"
        record["reference_start_date"] = "2024-01-03"
    return record


def generated_study(
    n_patients: int = 24, *, seed: int = 20261206, visits: int = 8
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Reads and adjudications of a study: every patient has an investigator read; two thirds
    also two central reads (some concordant, some discordant and adjudicated to R1 or R2, some
    discordant and awaiting adjudication)."""
    rnd = random.Random(seed)
    records: list[dict[str, Any]] = []
    adjudications: list[dict[str, Any]] = []
    for index in range(n_patients):
        investigator = generated_patient(index, rnd, visits=visits)
        records.append(investigator)
        if index % 3 == 2:
            continue
        r1_record = _reread(investigator, rnd, shift=0.0)
        r2_record = _reread(investigator, rnd, shift=rnd.choice((0.0, 0.0, 0.25)))
        r1 = central_read(r1_record, slot="R1", reader_id="rad-1")
        r2 = central_read(r2_record, slot="R2", reader_id="rad-2")
        records.extend([r1, r2])
        if index % 4 == 1:
            adjudications.append(adjudicate(r1, r2, "R1" if index % 8 == 1 else "R2"))
    return records, adjudications


def _reread(record: dict[str, Any], rnd: random.Random, *, shift: float) -> dict[str, Any]:
    """Another reader's read of the same images: the same timepoints, the diameters a little
    different (``shift`` makes a reader see the targets that much larger after baseline)."""
    copy = {k: v for k, v in record.items() if k not in ("read", "audit")}
    copy["lesions"] = [dict(lesion) for lesion in record["lesions"]]
    baseline = record["baseline_date"]
    visits = []
    for visit in record["visits"]:
        measurements = []
        for measurement in visit["measurements"]:
            measurement = dict(measurement)
            if "diameter_mm" in measurement and visit["date"] != baseline:
                factor = 1 + shift + rnd.uniform(-0.04, 0.04)
                measurement["diameter_mm"] = round(measurement["diameter_mm"] * factor, 1)
            measurements.append(measurement)
        visits.append(
            {**visit, "measurements": measurements, "new_lesions": list(visit["new_lesions"])}
        )
    copy["visits"] = visits
    return copy


def read_xpt(path) -> tuple[list[dict[str, Any]], Any]:
    """A transport file read back by pyreadstat: rows with None for empty text and NaN, and
    its metadata."""
    import math

    import pyreadstat

    frame, meta = pyreadstat.read_xport(str(path))
    rows = []
    for record in frame.to_dict("records"):
        rows.append(
            {
                name: None
                if value == "" or (isinstance(value, float) and math.isnan(value))
                else value
                for name, value in record.items()
            }
        )
    return rows, meta
