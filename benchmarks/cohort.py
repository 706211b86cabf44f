"""Cohort report speed: N generated patients → summary, CSVs, HTML report with plots.

Generates N records with RecordBuilder (1–3 targets, 0–2 non-targets, up to 8 visits six
weeks apart, responders, stable and progressing patients, some deaths), then in one run
measures ``json.load`` of every file (the reference) and ``recist-reader cohort DIR --json
--out OUT`` in-process (reading, validating, scoring, summary, CSVs, plots, HTML).

Goal (issue 6): 10,000 patients in under 30 s. Usage::

    python benchmarks/cohort.py [--patients 10000]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import random
import tempfile
import time
from pathlib import Path

from recist_reader.cli import main as cli_main
from recist_reader.core.record_builder import RecordBuilder

ORGANS = ["liver", "lung", "adrenal"]


def make_record(index: int, rnd: random.Random) -> dict:
    """One patient whose tumours shrink, hold or grow, with an optional new lesion or death."""
    baseline = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randint(0, 365))
    builder = RecordBuilder(f"C{index:05d}", baseline_date=baseline)
    sizes = [round(rnd.uniform(15, 80), 1) for _ in range(rnd.randint(1, 3))]
    for n, size in enumerate(sizes, start=1):
        builder.target(f"T{n}", organ=ORGANS[n - 1], baseline_mm=size)
    non_targets = rnd.randint(0, 2)
    for n in range(1, non_targets + 1):
        builder.non_target(f"NT{n}", organ="peritoneum")
    trend = rnd.choice([-0.15, -0.08, -0.02, 0.03, 0.08])
    visits = rnd.randint(0, 8)
    for visit in range(1, visits + 1):
        factor = max(0.0, 1 + trend * visit + rnd.uniform(-0.05, 0.05))
        values: dict = {f"T{n}": round(s * factor, 1) for n, s in enumerate(sizes, start=1)}
        values |= {f"NT{n}": "present" for n in range(1, non_targets + 1)}
        new = ["lung"] if rnd.random() < 0.03 else []
        builder.visit(day=42 * visit + rnd.randint(-3, 3), new=new, **values)
    record = builder.to_dict()
    last = dt.date.fromisoformat(record["visits"][-1]["date"])
    if rnd.random() < 0.25:
        record["death_date"] = (last + dt.timedelta(days=rnd.randint(1, 200))).isoformat()
    elif rnd.random() < 0.5:
        record["last_known_alive_date"] = (
            last + dt.timedelta(days=rnd.randint(0, 120))
        ).isoformat()
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    args = parser.parse_args()
    rnd = random.Random(20261125)

    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir) / "records"
        folder.mkdir()
        for index in range(args.patients):
            (folder / f"C{index:05d}.json").write_text(json.dumps(make_record(index, rnd)))
        files = sorted(folder.glob("*.json"))

        start = time.perf_counter()
        for file in files:
            with file.open("rb") as stream:
                json.load(stream)
        reference_s = time.perf_counter() - start

        out = Path(workdir) / "report"
        stdout = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(stdout):
            status = cli_main(["cohort", str(folder), "--json", "--out", str(out)])
        report_s = time.perf_counter() - start
        summary = json.loads(stdout.getvalue())
        size_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6

    print(f"patients:                 {args.patients} (exit status {status})")
    print(f"scored / invalid:         {summary['n_scored']} / {summary['n_invalid']}")
    print(
        f"ORR (confirmed):          {summary['orr']['confirmed']['rate']}; PFS median "
        f"{summary['pfs']['median_days']} days; OS events {summary['os']['events']}"
    )
    print(f"json.load of the files:   {reference_s:.2f} s (reference)")
    print(f"full cohort report:       {report_s:.2f} s ({size_mb:.1f} MB written)")
    print(f"ratio report / json.load: {report_s / reference_s:.1f}x")
    print(f"goal < 30 s:              {'met' if report_s < 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
