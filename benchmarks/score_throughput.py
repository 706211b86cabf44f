"""Scoring throughput: records/s through the API and the CLI, RECIST 1.1 and mRECIST.

Generates N RECIST 1.1 records (5 targets + 3 non-targets, 8 visits each) and N HCC records
read for mRECIST (2 typical-HCC targets with viable diameters, a porta hepatis node, 2 other
targets; tumour thrombus, effusion and bone non-targets; typed new liver nodules), then in one
run measures ``json.load`` of the files (the reference), ``score_record`` over the loaded
dicts (RECIST 1.1; the HCC reads under RECIST 1.1 and under mRECIST), and
``recist-reader score DIR --out OUT -q`` on the RECIST folder, start-up included.

The RECIST records are also scored under iRECIST. Criteria are compared in CPU time of this
process (``time.process_time``), chunk by chunk of 250 records, timed in turn and the best of
``--rounds`` kept, so that other work on a shared machine does not tilt the ratios.
``--compare-src DIR`` also times the RECIST 1.1 API of another source tree (e.g. a
``git worktree`` of main: ``--compare-src /tmp/main-tree/src``) on the same records, in turns
with this one.

Goals (issues 2, 11, 12): ≥ 5,000 RECIST 1.1 records/s through the API on one core; 10,000
records through the CLI in under 5 s; mRECIST (on the HCC reads) and iRECIST (on the RECIST
records) within 20 % of RECIST 1.1's records/s on the same records. Usage::

    python benchmarks/score_throughput.py [--records 10000] [--compare-src DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recist_reader import score_record
from recist_reader.core.record_builder import RecordBuilder

ORGANS = ["liver", "lung", "adrenal", "bone", "spleen"]

#: Times ``score_record`` over the record files of a folder (run in this or another tree).
TIMER = """
import json, sys, time
from pathlib import Path
from recist_reader import score_record
records = [json.loads(p.read_text()) for p in sorted(Path(sys.argv[1]).glob("*.json"))]
criteria = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
options = {} if criteria is None else {"criteria": criteria}
score_record(records[0], **options)
start = time.process_time()
for record in records:
    score_record(record, **options)
print(time.process_time() - start)
"""


def make_record(index: int, rnd: random.Random) -> dict:
    builder = RecordBuilder(f"B{index:05d}", baseline_date="2024-01-01")
    sizes = [round(rnd.uniform(15, 80), 1) for _ in ORGANS]
    for n, (organ, size) in enumerate(zip(ORGANS, sizes), start=1):
        builder.target(f"T{n}", organ=organ, baseline_mm=size)
    for n in range(1, 4):
        builder.non_target(f"NT{n}", organ="peritoneum")
    trend = rnd.uniform(-0.08, 0.06)
    for visit in range(1, 8):
        factor = max(0.0, 1 + trend * visit + rnd.uniform(-0.05, 0.05))
        values = {f"T{n}": round(size * factor, 1) for n, size in enumerate(sizes, start=1)}
        values |= {f"NT{n}": rnd.choice(["present", "present", "absent"]) for n in range(1, 4)}
        new = ["lung"] if rnd.random() < 0.02 else []
        builder.visit(day=42 * visit + rnd.randint(-3, 3), new=new, **values)
    return builder.to_dict()


def make_hcc_record(index: int, rnd: random.Random) -> dict:
    """An HCC read for mRECIST: 5 targets (2 scored by viable diameter) + 3 non-targets."""
    builder = RecordBuilder(f"H{index:05d}", baseline_date="2024-01-01", criteria="mRECIST")
    whole = [round(rnd.uniform(30, 80), 1) for _ in range(2)]
    viable = [round(w * rnd.uniform(0.5, 0.9), 1) for w in whole]
    for n in range(2):
        builder.target(
            f"T{n + 1}",
            organ="liver",
            baseline_mm=whole[n],
            lesion_type="typical_hcc",
            baseline={"viable_diameter_mm": viable[n]},
        )
    node = round(rnd.uniform(20, 30), 1)
    builder.target(
        "N1", organ="porta hepatis", nodal=True, baseline_mm=node, lesion_type="porta_hepatis_node"
    )
    others = [round(rnd.uniform(15, 60), 1) for _ in range(2)]
    builder.target("T3", organ="lung", baseline_mm=others[0])
    builder.target("T4", organ="adrenal", baseline_mm=others[1])
    builder.non_target("NT1", organ="portal vein", lesion_type="tumor_thrombus")
    builder.non_target("NT2", organ="peritoneum", lesion_type="effusion")
    builder.non_target("NT3", organ="bone")
    trend = rnd.uniform(-0.12, 0.06)
    for visit in range(1, 8):
        factor = max(0.0, 1 + trend * visit + rnd.uniform(-0.05, 0.05))
        necrosis = max(0.0, factor - rnd.uniform(0, 0.2))
        values: dict = {
            f"T{n + 1}": {
                "diameter_mm": round(whole[n] * factor, 1),
                "viable_diameter_mm": round(viable[n] * necrosis, 1),
            }
            for n in range(2)
        }
        values["N1"] = round(node * factor, 1)
        values["T3"] = round(others[0] * factor, 1)
        values["T4"] = round(others[1] * factor, 1)
        values["NT1"] = {"status": "present", "enhancing": rnd.random() < 0.7}
        values["NT2"] = rnd.choice(
            ["present", "present", {"status": "unequivocal_progression", "cytology": "not_done"}]
        )
        values["NT3"] = rnd.choice(["present", "absent"])
        new_lesions = []
        if rnd.random() < 0.05:
            new_lesions.append(
                {
                    "location": "liver segment 6",
                    "equivocal": False,
                    "lesion_type": rnd.choice(["typical_hcc", "atypical_hcc"]),
                    "size_mm": round(rnd.uniform(5, 25), 1),
                }
            )
        builder.visit(day=42 * visit + rnd.randint(-3, 3), new_lesions=new_lesions, **values)
    return builder.to_dict()


def cpu_seconds(records: list[dict], criteria: str) -> float:
    """CPU seconds of one pass of ``score_record(record, criteria=criteria)`` over ``records``."""
    start = time.process_time()
    for record in records:
        score_record(record, criteria=criteria)
    return time.process_time() - start


def criteria_comparison(
    records: list[dict], criteria: tuple[str, ...], *, rounds: int = 3, chunk: int = 250
) -> dict[str, float]:
    """CPU seconds per criteria over ``records``: chunk by chunk, the criteria timed in turn
    ``rounds`` times, the best of each kept (a busy moment slows both or neither)."""
    score_record(records[0], criteria=list(criteria))  # warm up imports
    seconds = dict.fromkeys(criteria, 0.0)
    for first in range(0, len(records), chunk):
        part = records[first : first + chunk]
        best: dict[str, float] = {}
        for _ in range(rounds):
            for name in criteria:
                spent = cpu_seconds(part, name)
                best[name] = min(best.get(name, spent), spent)
        for name in criteria:
            seconds[name] += best[name]
    return seconds


def tree_seconds(src: str, folder: Path, rounds: int) -> float:
    """Best CPU time of the RECIST 1.1 API of the source tree ``src`` over ``folder``."""
    import os

    env = dict(os.environ, PYTHONPATH=src)
    return min(
        float(
            subprocess.run(
                [sys.executable, "-c", TIMER, str(folder)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(rounds)
    )


def write_records(folder: Path, records: list[dict]) -> list[Path]:
    folder.mkdir()
    for record in records:
        (folder / f"{record['patient_id']}.json").write_text(json.dumps(record))
    return sorted(folder.glob("*.json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many API timings")
    parser.add_argument(
        "--compare-src",
        metavar="DIR",
        help="also time the RECIST 1.1 API of this source tree (e.g. main's src)",
    )
    args = parser.parse_args()
    rnd = random.Random(20261125)

    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir) / "records"
        files = write_records(folder, [make_record(i, rnd) for i in range(args.records)])
        hcc_folder = Path(workdir) / "hcc"
        write_records(hcc_folder, [make_hcc_record(i, rnd) for i in range(args.records)])

        start = time.perf_counter()
        records = []
        for path in files:
            with path.open() as stream:
                records.append(json.load(stream))
        json_seconds = time.perf_counter() - start
        hcc_records = [json.loads(p.read_text()) for p in sorted(hcc_folder.glob("*.json"))]

        on_recist = criteria_comparison(records, ("RECIST1.1", "iRECIST"), rounds=args.rounds)
        on_hcc = criteria_comparison(hcc_records, ("RECIST1.1", "mRECIST"), rounds=args.rounds)
        recist = on_recist["RECIST1.1"]
        compared = None
        if args.compare_src:
            # In turns, so that both trees meet the same load.
            here_src = str(Path(__file__).resolve().parents[1] / "src")
            here = compared = float("inf")
            for _ in range(args.rounds):
                here = min(here, tree_seconds(here_src, folder, 1))
                compared = min(compared, tree_seconds(args.compare_src, folder, 1))

        out = Path(workdir) / "out"
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "recist_reader.cli",
                "score",
                str(folder),
                "--out",
                str(out),
                "-q",
            ],
            check=True,
        )
        cli_seconds = time.perf_counter() - start
        written = len(list(out.glob("*.response.json")))

    n = len(files)
    print(f"records: {n} RECIST (5 targets + 3 non-targets x 8 visits), {n} HCC reads")
    print(f"json.load (reference): {json_seconds:.3f} s, {n / json_seconds:,.0f} records/s")
    print(
        f"score_record RECIST 1.1 (API, CPU): {recist:.3f} s, {n / recist:,.0f} records/s "
        f"= {recist / json_seconds:.1f}x json.load   [goal >= 5,000 records/s]"
    )
    if compared is not None:
        print(
            f"  RECIST 1.1 API of this tree vs {args.compare_src}, same records, in turns: "
            f"{n / here:,.0f} vs {n / compared:,.0f} records/s = {compared / here:.2f}x"
        )
    for label, seconds, other in (
        ("RECIST records under iRECIST", on_recist, "iRECIST"),
        ("HCC reads under mRECIST", on_hcc, "mRECIST"),
    ):
        reference, scored = n / seconds["RECIST1.1"], n / seconds[other]
        print(
            f"{label} (API, CPU): {scored:,.0f} records/s vs RECIST 1.1 {reference:,.0f} on the "
            f"same records = {scored / reference:.2f}x   [goal >= 0.80x]"
        )
    print(
        f"recist-reader score --out (CLI, start-up included): {cli_seconds:.2f} s for {written} "
        f"records = {cli_seconds / json_seconds:.1f}x json.load   [goal < 5 s for 10,000]"
    )


if __name__ == "__main__":
    main()
