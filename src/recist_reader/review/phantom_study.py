"""A central review on the phantom patient's images, for the reader and adjudicator modes'
tests, screenshots and demonstrations.

The phantom patient (:mod:`recist_reader.reading.phantom_patient`: baseline, W8, W16 CT with
lesions of designed size) is read twice. R1 (``rad-11``) reads it exactly: PR at W8, confirmed
at W16. R2 (``rad-12``) measures every W8 target 20 % longer: SD at W8, PR at W16, so an
unconfirmed PR and a confirmed SD — discordant on the best overall response. The reads are
written to their own folder, apart from the images (a reader opens only their own read).
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recist_reader.review.reader_actions import complete_read, lock_timepoint, start_read

PATIENT_ID = "PHANTOM-HCC-001"
R2_W8_SCALE = 1.2


@dataclass(frozen=True)
class PhantomReview:
    """The written study: ``reads_folder`` holds the reads, ``images_folder`` the series."""

    reads_folder: Path
    images_folder: Path

    def read_path(self, slot: str) -> Path:
        return self.reads_folder / f"{PATIENT_ID}-{slot}.json"


def _scaled(points: list[list[float]], factor: float) -> list[list[float]]:
    middle = [(a + b) / 2 for a, b in zip(*points)]
    return [[m + (p - m) * factor for p, m in zip(point, middle)] for point in points]


def _r2_record(record: dict[str, Any]) -> dict[str, Any]:
    """The phantom record with each W8 target measured ``R2_W8_SCALE`` times longer."""
    record = copy.deepcopy(record)
    visit = next(v for v in record["visits"] if v["visit_id"] == "W8")
    for measurement in visit["measurements"]:
        if "diameter_mm" not in measurement:
            continue
        key = "short_axis_ruler" if "short_axis_ruler" in measurement else "ruler"
        measurement[key]["points_lps_mm"] = _scaled(measurement[key]["points_lps_mm"], R2_W8_SCALE)
        scaled = round(measurement["diameter_mm"] * R2_W8_SCALE, 1)
        measurement["diameter_mm"] = scaled
        measurement["short_axis_mm" if key == "short_axis_ruler" else "long_axis_mm"] = scaled
    return record


def _with_new_lesion(record: dict[str, Any]) -> dict[str, Any]:
    """The phantom record with an unequivocal new lesion marked at W16 (a reader who saw it)."""
    record = copy.deepcopy(record)
    visit = next(v for v in record["visits"] if v["visit_id"] == "W16")
    anchor = next(m["ruler"] for m in visit["measurements"] if m["lesion_id"] == "T2")
    point = [(a + b) / 2 for a, b in zip(*anchor["points_lps_mm"])]
    point = [point[0] + 20.0, point[1] - 30.0, point[2]]
    visit["new_lesions"] = [
        {"location": "liver segment 6", "equivocal": False, "point_lps_mm": point,
         "series_uid": anchor["series_uid"]}
    ]  # fmt: skip
    return record


def _read(
    record: dict[str, Any], slot: str, reader_id: str, *, locked: int | None
) -> dict[str, Any]:
    """``record`` as a read; its first ``locked`` visits locked (all, and complete, when None)."""
    read = start_read(
        record, read_id=f"{PATIENT_ID}-{slot}", reader_id=reader_id, slot=slot,
        at="2024-01-10T08:30:00Z",
    )  # fmt: skip
    visits = sorted(read["visits"], key=lambda v: v["date"])
    for visit in visits if locked is None else visits[:locked]:
        read = lock_timepoint(
            read, visit["visit_id"], by=reader_id, at=f"{visit['date']}T16:00:00Z"
        )
    return complete_read(read) if locked is None else read


def make_phantom_review(
    folder: str | os.PathLike[str],
    *,
    r1_locked: int | None = None,
    discordance: str = "bor",
    seed: int = 0,
) -> PhantomReview:
    """Write the two reads of the phantom patient into ``folder`` (its images stay in the
    phantom patient's cache folder).

    Parameters
    ----------
    folder : path
        The reads folder (created).
    r1_locked : int, optional
        Leave R1 in progress with only its first ``r1_locked`` visits locked (reader-mode
        tests); by default both reads are complete.
    discordance : str
        ``bor``: R2 measures W8 20 % longer (confirmed PR vs SD). ``pd_date``: R2 reads the
        targets as R1, but R1 marks a new liver lesion at W16 that R2 did not (PD at W16 vs
        none, as in central-review.md E1).
    seed : int
        The phantom patient's seed.
    """
    from recist_reader.reading.phantom_patient import make_phantom_patient

    patient = make_phantom_patient(seed=seed)
    record = patient.record()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    study = PhantomReview(folder, patient.folder)
    if discordance not in ("bor", "pd_date"):
        raise ValueError(f"discordance must be bor or pd_date, got {discordance!r}")
    r1 = _with_new_lesion(record) if discordance == "pd_date" else record
    r2 = _r2_record(record) if discordance == "bor" else record
    reads = {
        "R1": _read(r1, "R1", "rad-11", locked=r1_locked),
        "R2": _read(r2, "R2", "rad-12", locked=None),
    }
    for slot, read in reads.items():
        study.read_path(slot).write_text(json.dumps(read, indent=2) + "\n", encoding="utf-8")
    return study
