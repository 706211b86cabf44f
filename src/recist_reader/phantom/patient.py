"""A phantom patient: a baseline and follow-up visits where each lesion changes by known mm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydicom.uid import generate_uid

from .dicom import PatientInfo, StudyInfo, WrittenSeries, write_ct_series
from .geometry import Grid
from .render import render_phantom
from .shapes import Lesion, Phantom
from .truth import RecistTruth, lesion_truth, nominal_size_mm

__all__ = ["VisitPlan", "WrittenVisit", "follow_up_phantom", "write_patient"]


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
