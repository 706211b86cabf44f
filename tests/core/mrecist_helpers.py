"""Builders for mRECIST test records (rule book ``mrecist-rules.md``)."""

from __future__ import annotations

from typing import Any

from recist_reader import score_record
from recist_reader.core.record_builder import RecordBuilder


def hcc(patient_id: str = "H", **config: Any) -> RecordBuilder:
    """An empty mRECIST record (baseline 2024-01-01)."""
    return RecordBuilder(patient_id, baseline_date="2024-01-01", config=config, criteria="mRECIST")


def typical(builder: RecordBuilder, lesion_id: str, whole_mm: float, viable_mm: float, **fields):
    """Add a typical-HCC target with its whole and viable baseline diameters."""
    return builder.target(
        lesion_id,
        organ="liver",
        baseline_mm=whole_mm,
        lesion_type="typical_hcc",
        baseline={"viable_diameter_mm": viable_mm},
        **fields,
    )


def v(whole: float | None = None, viable: float | str | None = None, **fields) -> dict:
    """A target measurement: whole diameter and viable diameter (or viable status)."""
    measurement: dict[str, Any] = dict(fields)
    if whole is not None:
        measurement["diameter_mm"] = whole
    if isinstance(viable, str):
        measurement["viable_status"] = viable
    elif viable is not None:
        measurement["viable_diameter_mm"] = viable
    return measurement


def new(location: str, lesion_type: str, size_mm: float | None = None, **fields) -> dict:
    listing: dict[str, Any] = {"location": location, "equivocal": False, "lesion_type": lesion_type}
    if size_mm is not None:
        listing["size_mm"] = size_mm
    return {**listing, **fields}


def both(record: dict, **options: Any) -> tuple[dict, dict]:
    """The mRECIST and RECIST 1.1 responses of one read."""
    combined = score_record(record, criteria=["mRECIST", "RECIST1.1"], **options)["responses"]
    return combined["mRECIST"], combined["RECIST1.1"]


def column(response: dict, key: str) -> list:
    return [visit[key] for visit in response["visits"]]
