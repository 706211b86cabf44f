"""Per-patient and per-visit tables (CSV) for a statistician.

Missing values are empty cells, booleans ``true``/``false``, lists joined by `` | `` and
mappings written as JSON.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from recist_reader.cohort.patients import PatientEndpoints

PER_PATIENT_COLUMNS = (
    "patient_id",
    "file",
    "baseline_date",
    "baseline_visit_id",
    "baseline_sum_mm",
    "n_follow_up_visits",
    "bor_confirmed",
    "bor_unconfirmed",
    "responder_confirmed",
    "best_pct_change_baseline",
    "progression_date",
    "progression_visit_id",
    "progression_dated_visit_id",
    "pfs_days",
    "pfs_event",
    "pfs_event_cause",
    "response_pfs_date",
    "response_pfs_event",
    "response_dor_start_date",
    "response_dor_end_date",
    "response_dor_days",
    "response_dor_censored",
    "dor_days",
    "dor_event",
    "time_to_response_days",
    "death_date",
    "last_known_alive_date",
    "os_days",
    "os_event",
    "time_on_study_days",
    "baseline_notes",
    "config",
)
"""Columns of ``per_patient.csv``: ``response_*`` are the response JSON's own values; the
``pfs_*``, ``dor_*``, ``os_*`` columns are the cohort analysis values (with deaths)."""

PER_VISIT_LEADING_COLUMNS = ("patient_id", "baseline_date", "baseline_sum_mm")
RESPONSE_VISIT_KEYS = (
    "visit_id",
    "date",
    "day",
    "sum_mm",
    "partial_sum_mm",
    "nadir_mm",
    "pct_change_baseline",
    "pct_change_nadir",
    "target",
    "non_target",
    "new_lesions",
    "equivocal_new_lesions",
    "overall",
    "notes",
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " | ".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def per_patient_rows(patients: Sequence[PatientEndpoints]) -> Iterator[dict[str, Any]]:
    """One row per patient, keyed by :data:`PER_PATIENT_COLUMNS`."""
    for p in patients:
        response = p.response
        progression = response["progression"] or {}
        dor = response["duration_of_response"] or {}
        baseline = response["baseline"]
        yield {
            "patient_id": p.patient_id,
            "file": p.file,
            "baseline_date": p.baseline_date.isoformat(),
            "baseline_visit_id": baseline["visit_id"],
            "baseline_sum_mm": baseline["sum_mm"],
            "n_follow_up_visits": len(response["visits"]),
            "bor_confirmed": p.bor_confirmed,
            "bor_unconfirmed": p.bor_unconfirmed,
            "responder_confirmed": p.responder,
            "best_pct_change_baseline": p.best_pct_change,
            "progression_date": progression.get("date"),
            "progression_visit_id": progression.get("visit_id"),
            "progression_dated_visit_id": progression.get("dated_visit_id"),
            "pfs_days": p.pfs_days,
            "pfs_event": p.pfs_event,
            "pfs_event_cause": p.pfs_cause,
            "response_pfs_date": response["pfs"]["date"],
            "response_pfs_event": response["pfs"]["event"],
            "response_dor_start_date": dor.get("start_date"),
            "response_dor_end_date": dor.get("end_date"),
            "response_dor_days": dor.get("days"),
            "response_dor_censored": dor.get("censored"),
            "dor_days": p.dor_days,
            "dor_event": p.dor_event,
            "time_to_response_days": p.time_to_response_days,
            "death_date": None if p.death_date is None else p.death_date.isoformat(),
            "last_known_alive_date": None
            if p.last_known_alive_date is None
            else p.last_known_alive_date.isoformat(),
            "os_days": p.os_days,
            "os_event": p.os_event,
            "time_on_study_days": p.time_on_study_days,
            "baseline_notes": baseline.get("notes"),
            "config": response["config"],
        }


def per_visit_columns(patients: Sequence[PatientEndpoints]) -> list[str]:
    """The leading patient columns, then every key of the response's visits (the known ones
    in design.md §2 order, then any other in order of appearance)."""
    keys = list(RESPONSE_VISIT_KEYS)
    known = set(keys)
    for p in patients:
        for visit in p.response["visits"]:
            for key in visit:
                if key not in known:
                    known.add(key)
                    keys.append(key)
    return [*PER_VISIT_LEADING_COLUMNS, *keys]


def per_visit_rows(patients: Sequence[PatientEndpoints]) -> Iterator[dict[str, Any]]:
    """One row per patient per follow-up visit, with every value of the response's visit."""
    for p in patients:
        baseline_sum = p.response["baseline"]["sum_mm"]
        for visit in p.response["visits"]:
            yield {
                "patient_id": p.patient_id,
                "baseline_date": p.baseline_date.isoformat(),
                "baseline_sum_mm": baseline_sum,
                **visit,
            }


def write_csv(
    path: str | os.PathLike[str], columns: Sequence[str], rows: Iterator[dict[str, Any]]
) -> Path:
    """Write ``rows`` (dicts keyed by ``columns``) as UTF-8 CSV with a header row."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        writer.writerows([_cell(row.get(column)) for column in columns] for row in rows)
    return target


def write_tables(
    folder: str | os.PathLike[str], patients: Sequence[PatientEndpoints]
) -> list[Path]:
    """Write ``per_patient.csv`` and ``per_visit.csv`` into ``folder``."""
    folder = Path(folder)
    return [
        write_csv(folder / "per_patient.csv", PER_PATIENT_COLUMNS, per_patient_rows(patients)),
        write_csv(folder / "per_visit.csv", per_visit_columns(patients), per_visit_rows(patients)),
    ]
