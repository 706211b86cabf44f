"""Small cohorts built with RecordBuilder, one patient per best-response path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recist_reader.core.record_builder import RecordBuilder

SAMPLE_RECORDS = Path(__file__).resolve().parents[2] / "sample_data" / "records"


def patient(patient_id: str, path: str, **fields) -> dict:
    """A one-target record whose confirmed / unconfirmed best response is set by ``path``.

    CR: 50 → 0 → 0 mm; PR: 50 → 30 → 30; uPR: 50 → 30 → 35.5 (unconfirmed PR, confirmed SD);
    SD: 50 → 45 → 45; PD: 50 → 70 at day 42; NE: no follow-up.
    """
    builder = RecordBuilder(patient_id, baseline_date="2024-01-01")
    builder.target("T1", organ="liver", baseline_mm=50.0)
    sizes = {
        "CR": (0.0, 0.0),
        "PR": (30.0, 30.0),
        "uPR": (30.0, 35.5),
        "SD": (45.0, 45.0),
        "PD": (70.0,),
        "NE": (),
    }[path]
    for visit, size in enumerate(sizes, start=1):
        builder.visit(day=42 * visit, T1=size)
    return {**builder.to_dict(), **fields}


def copy_recist_samples(folder: Path) -> Path:
    """Copy the bundled sample records whose primary criteria is RECIST 1.1 into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(SAMPLE_RECORDS.glob("*.json")):
        if json.loads(path.read_text())["criteria"] == "RECIST1.1":
            (folder / path.name).write_bytes(path.read_bytes())
    return folder


def write_records(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for record in records:
        (folder / f"{record['patient_id']}.json").write_text(json.dumps(record))
    return folder


def cohort_23() -> list[dict]:
    """23 patients: confirmed CR 1, PR 5, SD 9 (2 of them unconfirmed PR), PD 6, NE 2."""
    paths = ["CR"] + ["PR"] * 5 + ["uPR"] * 2 + ["SD"] * 7 + ["PD"] * 6 + ["NE"] * 2
    return [patient(f"P{i:02d}", path) for i, path in enumerate(paths, start=1)]


@pytest.fixture
def records_23(tmp_path) -> Path:
    return write_records(tmp_path / "records", cohort_23())
