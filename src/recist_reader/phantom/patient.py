"""A phantom patient: a baseline and follow-up visits where each lesion changes by known mm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydicom.uid import generate_uid

from .dicom import PatientInfo, StudyInfo, WrittenSeries, write_ct_series
from .geometry import Grid
from .render import render_phantom
from .shapes import Lesion, Phantom
from .truth import RecistTruth, lesion_truth, nominal_size_mm

__all__ = ["VisitPlan", "WrittenVisit", "follow_up_phantom", "patient_record", "write_patient"]


def follow_up_phantom(
    baseline: Phantom,
    changes_mm: Mapping[str, float],
    *,
    new_lesions: Sequence[Lesion] = (),
    normal: Sequence[float] = (0.0, 0.0, 1.0),
) -> Phantom:
    """The phantom at a later visit.

    Parameters
    ----------
    baseline : Phantom
    changes_mm : mapping of lesion id to float
        Change of each lesion's RECIST size (long axis; short axis for nodes) relative to
        baseline, measured in the plane through its centre with normal ``normal``; the shape is
        scaled uniformly about its centre. A size that reaches 0 removes the lesion.
        Lesions not named are unchanged.
    new_lesions : sequence of Lesion
        Lesions that appear at this visit.
    normal : 3 floats
        Normal of the measurement plane (the series' slice normal; axial by default).
    """
    unknown = set(changes_mm) - {lesion.lesion_id for lesion in baseline.lesions}
    if unknown:
        raise KeyError(f"changes_mm names unknown lesions: {sorted(unknown)}")
    lesions = []
    for lesion in baseline.lesions:
        change = float(changes_mm.get(lesion.lesion_id, 0.0))
        if change == 0.0:
            lesions.append(lesion)
            continue
        size = nominal_size_mm(lesion, normal=normal)
        if size <= 0:
            raise ValueError(f"lesion {lesion.lesion_id} has no section through its centre")
        if size + change <= 0:
            continue
        lesions.append(lesion.scaled((size + change) / size))
    return baseline.with_lesions([*lesions, *new_lesions])


@dataclass(frozen=True)
class VisitPlan:
    """One visit to generate: its date and how each lesion changed since baseline."""

    visit_id: str
    date: dt.date
    changes_mm: Mapping[str, float] = field(default_factory=dict)
    new_lesions: tuple[Lesion, ...] = ()


@dataclass(frozen=True)
class WrittenVisit:
    """A generated visit: its phantom, its series on disk and each lesion's true size."""

    plan: VisitPlan
    phantom: Phantom
    series: WrittenSeries
    truths: dict[str, RecistTruth]


def write_patient(
    directory: str | Path,
    baseline: Phantom,
    grid: Grid,
    visits: Sequence[VisitPlan],
    *,
    patient: PatientInfo | None = None,
    noise_sd_hu: float = 0.0,
    blur_sd_mm: float = 0.0,
    seed: int = 0,
    compression: str = "none",
    series_description: str = "PHANTOM AXIAL",
) -> list[WrittenVisit]:
    """Render and write one CT series per visit, under ``directory/<visit_id>/``.

    ``visits[0]`` is the baseline (its changes are ignored). Each visit is a new study (new
    StudyInstanceUID and FrameOfReferenceUID, StudyDate = the visit's date) of the same
    patient. Noise is seeded with ``seed + visit number``.
    """
    if not visits:
        raise ValueError("visits must hold at least the baseline")
    patient = patient or PatientInfo()
    directory = Path(directory)
    out = []
    for number, plan in enumerate(visits):
        phantom = (
            baseline
            if number == 0
            else follow_up_phantom(
                baseline, plan.changes_mm, new_lesions=plan.new_lesions, normal=grid.normal
            )
        )
        hu = render_phantom(
            phantom, grid, noise_sd_hu=noise_sd_hu, blur_sd_mm=blur_sd_mm, seed=seed + number
        )
        study = StudyInfo(
            study_date=plan.date,
            study_description=f"CT PHANTOM {plan.visit_id}",
            study_id=str(number + 1),
            study_uid=generate_uid(),
            frame_of_reference_uid=generate_uid(),
        )
        series = write_ct_series(
            directory / plan.visit_id,
            hu,
            grid,
            patient=patient,
            study=study,
            series_description=series_description,
            compression=compression,
        )
        truths = {lesion.lesion_id: lesion_truth(lesion, grid) for lesion in phantom.lesions}
        out.append(WrittenVisit(plan, phantom, series, truths))
    return out


def _organ(phantom: Phantom, lesion: Lesion) -> str:
    if lesion.nodal:
        return "lymph node"
    region = phantom.region_at(lesion.centre_mm)
    if region is None or region == "body":
        return "soft tissue"
    return region.split("_")[0]


def _ruler(series_uid: str, ends) -> dict[str, Any]:
    return {"series_uid": series_uid, "points_lps_mm": [list(p) for p in ends]}


def patient_record(
    visits: Sequence[WrittenVisit],
    *,
    targets: Sequence[str] | None = None,
    decimals: int = 1,
) -> dict[str, Any]:
    """The patient record (design.md section 1) a perfect reader would save for ``visits``.

    Parameters
    ----------
    visits : sequence of WrittenVisit
        From `write_patient`; the first is the baseline.
    targets : sequence of str, optional
        Baseline lesion ids measured as targets (default: every baseline lesion); the other
        baseline lesions are non-targets, ``present`` or ``absent``.
    decimals : int
        Rounding of the recorded diameters (the rulers keep the exact endpoints).

    Returns
    -------
    dict
        With the optional geometry fields: each visit's ``series``, each measurement's
        ``ruler`` (long axis; short axis for nodes), ``long_axis_mm`` and ``short_axis_mm``.
        Lesions that appear after baseline are listed as (unequivocal) new lesions.
    """
    if not visits:
        raise ValueError("visits must hold at least the baseline")
    baseline = visits[0]
    baseline_ids = [lesion.lesion_id for lesion in baseline.phantom.lesions]
    target_ids = list(baseline_ids if targets is None else targets)
    unknown = set(target_ids) - set(baseline_ids)
    if unknown:
        raise KeyError(f"targets not in the baseline: {sorted(unknown)}")
    lesions = []
    for lesion in baseline.phantom.lesions:
        entry: dict[str, Any] = {
            "lesion_id": lesion.lesion_id,
            "kind": "target" if lesion.lesion_id in target_ids else "non-target",
            "organ": _organ(baseline.phantom, lesion),
            "nodal": lesion.nodal,
        }
        if entry["kind"] == "target":
            entry["slice_thickness_mm"] = float(baseline.series.grid.spacing_mm[0])
        lesions.append(entry)
    record_visits = []
    for visit in visits:
        series = visit.series
        measurements = []
        for lesion_id in baseline_ids:
            truth = visit.truths.get(lesion_id)
            if lesion_id not in target_ids:
                status = "present" if truth and truth.recist_mm > 0 else "absent"
                measurements.append({"lesion_id": lesion_id, "status": status})
                continue
            if truth is None or truth.recist_mm == 0:
                measurements.append({"lesion_id": lesion_id, "diameter_mm": 0.0})
                continue
            main_ends = (
                truth.short_axis_endpoints_mm if truth.nodal else truth.long_axis_endpoints_mm
            )
            entry = {
                "lesion_id": lesion_id,
                "diameter_mm": round(truth.recist_mm, decimals),
                "ruler": _ruler(series.series_uid, main_ends),
                "long_axis_mm": round(truth.long_axis_mm, decimals),
                "short_axis_mm": round(truth.short_axis_mm, decimals),
            }
            if truth.nodal:
                entry["short_axis_ruler"] = entry.pop("ruler")
                entry["ruler"] = _ruler(series.series_uid, truth.long_axis_endpoints_mm)
            measurements.append(entry)
        new_lesions = [
            {
                "location": f"{_organ(visit.phantom, lesion)} ({lesion.lesion_id})",
                "equivocal": False,
            }
            for lesion in visit.phantom.lesions
            if lesion.lesion_id not in baseline_ids
        ]
        record_visits.append(
            {
                "visit_id": visit.plan.visit_id,
                "date": visit.plan.date.isoformat(),
                "measurements": measurements,
                "new_lesions": new_lesions,
                "series": [
                    {
                        "series_uid": series.series_uid,
                        "study_uid": series.study_uid,
                        "modality": "CT",
                        "description": series.description,
                    }
                ],
            }
        )
    return {
        "schema_version": 1,
        "patient_id": baseline.series.patient_id,
        "criteria": "RECIST1.1",
        "baseline_date": baseline.plan.date.isoformat(),
        "lesions": lesions,
        "visits": record_visits,
    }
