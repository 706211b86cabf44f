"""SDTM export speed: 1,000 patients × 8 visits to tu/tr/rs (.xpt and .csv).

Generates N investigator records (5 targets, one of them a node, + 3 non-targets, 8 visits,
a few new lesions), then in one run measures ``score_record`` over them (the reference: the
export scores every read once too) and ``export_sdtm`` writing XPT and CSV, validation
included; prints both times and their ratio. ``--central`` adds two blinded central reads per
patient with a valid audit trail (the review then decides --ACPTFL).

Goal (issue 15): 1,000 patients × 8 visits exported in under 10 s on the project's 2-core
machine. Usage::

    python benchmarks/sdtm_export.py [--patients 1000] [--central]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from typing import Any

from recist_reader import export_sdtm, score_record
from recist_reader.core.record_builder import RecordBuilder

ORGANS = ["liver", "lung", "adrenal", "bone", "spleen"]


def make_record(index: int, rnd: random.Random, visits: int) -> dict[str, Any]:
    builder = RecordBuilder(f"B{index:05d}", baseline_date="2024-01-01")
    sizes = [round(rnd.uniform(15, 80), 1) for _ in ORGANS]
    for n, (organ, size) in enumerate(zip(ORGANS, sizes), start=1):
        if n == 5:
            builder.target(f"T{n}", organ="lymph node", nodal=True, baseline_mm=size)
        else:
            builder.target(f"T{n}", organ=organ, baseline_mm=size)
    for n in range(1, 4):
        builder.non_target(f"NT{n}", organ="peritoneum")
    trend = rnd.uniform(-0.08, 0.06)
    for visit in range(1, visits):
        factor = max(0.0, 1 + trend * visit + rnd.uniform(-0.05, 0.05))
        values: dict[str, Any] = {
            f"T{n}": round(size * factor, 1) for n, size in enumerate(sizes, start=1)
        }
        values |= {f"NT{n}": rnd.choice(["present", "present", "absent"]) for n in range(1, 4)}
        new = ["lung, right lower lobe"] if rnd.random() < 0.02 else []
        builder.visit(day=42 * visit + rnd.randint(-3, 3), new=new, **values)
    return builder.to_dict() | {"study_id": "NCT05831969"}


def central_reads(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Two complete central reads of ``record``, every visit locked in date order."""
    from recist_reader.review import complete_read, lock_timepoint, start_read

    reads = []
    for slot, reader in (("R1", "rad-1"), ("R2", "rad-2")):
        visits = sorted(record["visits"], key=lambda v: v["date"])
        read = start_read(
            record,
            read_id=f"{record['patient_id']}-{slot}",
            reader_id=reader,
            at=f"{visits[0]['date']}T09:00:00Z",
            slot=slot,
        )
        for visit in visits:
            read = lock_timepoint(
                read, visit["visit_id"], by=reader, at=f"{visit['date']}T18:00:00Z"
            )
        reads.append(complete_read(read))
    return reads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--visits", type=int, default=8)
    parser.add_argument("--central", action="store_true", help="add two central reads each")
    args = parser.parse_args()
    rnd = random.Random(20261206)
    records = [make_record(i, rnd, args.visits) for i in range(args.patients)]
    if args.central:
        records += [read for record in list(records) for read in central_reads(record)]

    score_record(records[0])  # warm up imports
    start, cpu = time.perf_counter(), time.process_time()
    for record in records:
        score_record(record)
    score_seconds, score_cpu = time.perf_counter() - start, time.process_time() - cpu

    with tempfile.TemporaryDirectory() as out:
        export_sdtm(records[:2], [], out)  # warm up imports (pandas, pyreadstat)
        start, cpu = time.perf_counter(), time.process_time()
        summary = export_sdtm(records, [], out)
        export_seconds, export_cpu = time.perf_counter() - start, time.process_time() - cpu

    rows = summary["rows"]
    print(
        f"{args.patients} patients x {args.visits} visits, {len(records)} reads -> "
        f"TU {rows['TU']}, TR {rows['TR']}, RS {rows['RS']} rows (xpt + csv)"
    )
    print(f"score_record (reference): {score_seconds:7.2f} s wall, {score_cpu:6.2f} s CPU")
    print(
        f"export_sdtm:              {export_seconds:7.2f} s wall, {export_cpu:6.2f} s CPU "
        f"(goal < 10 s; {export_seconds / score_seconds:.1f}x scoring the same reads)"
    )


if __name__ == "__main__":
    main()
