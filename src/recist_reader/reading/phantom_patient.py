"""A complete synthetic patient to read: three CT visits of an HCC-like patient and its record.

`make_phantom_patient` writes (once) a baseline and two follow-up axial CT series in which
every lesion has a designed size, and the record a perfect reader would save for them (with
rulers in LPS and series UIDs). The read ends in a known response: PR, then PR confirmed.
Used by the napari sample data, the ``recist-reader read`` command and the tests. Pure
Python (numpy, pydicom); no Qt.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydicom.uid import generate_uid

from recist_reader.io.record_json import write_json_atomic
from recist_reader.phantom import (
    Ellipsoid,
    Grid,
    Lesion,
    LymphNode,
    PatientInfo,
    Sphere,
    StudyInfo,
    VisitPlan,
    WrittenVisit,
    body_phantom,
    follow_up_phantom,
    lesion_truth,
    patient_record,
    render_phantom,
    write_ct_series,
)

__all__ = [
    "GRID",
    "PHANTOM_PATIENT_VERSION",
    "PhantomPatient",
    "PhantomPatientError",
    "default_cache_folder",
    "designed_sizes_mm",
    "make_phantom_patient",
]

#: Bump when the generated patient changes: the cache folder is named after it.
PHANTOM_PATIENT_VERSION = 1
PATIENT_ID = "PHANTOM-HCC-001"
RECORD_NAME = "record.json"
MANIFEST_NAME = "phantom_patient.json"

#: (slices, rows, columns) at (2.5, 0.8, 0.8) mm: about 20 cm field of view, 15 cm long.
GRID = Grid.centred((60, 256, 256), (2.5, 0.8, 0.8))
_SLICE_Z_MM = [float(GRID.slice_position_mm(k)[2]) for k in range(GRID.shape[0])]

# Lesion centres sit on slice planes, so each lesion's section on its slice is its designed
# size. LPS: negative L is the patient's right (the liver side).
_BASELINE_LESIONS = (
    Lesion(
        "T1", (-45.0, -12.0, _SLICE_Z_MM[18]), Ellipsoid((32.0, 24.0, 22.0), angle_deg=30.0), -55.0
    ),
    Lesion(
        "T2", (-34.0, 14.0, _SLICE_Z_MM[12]), Ellipsoid((22.0, 18.0, 18.0), angle_deg=-20.0), -45.0
    ),
    Lesion("N1", (28.0, 30.0, _SLICE_Z_MM[22]), LymphNode(28.0, 18.0, angle_deg=60.0), 25.0),
    Lesion("NT1", (48.0, -38.0, _SLICE_Z_MM[26]), Sphere(9.0), 45.0),
)
_TARGETS = ("T1", "T2", "N1")
#: Baseline RECIST size of each target (long axis; short axis for the node), in mm.
_BASELINE_SIZE_MM = {"T1": 32.0, "T2": 22.0, "N1": 18.0}
_PLANS = (
    VisitPlan("BL", dt.date(2024, 1, 10)),
    # Sum 72 -> 47 mm (-34.7 %): PR.
    VisitPlan("W8", dt.date(2024, 3, 6), {"T1": -11.0, "T2": -8.0, "N1": -6.0}),
    # Sum 72 -> 38 mm (-47.2 %), 56 days after the first PR: PR confirmed.
    VisitPlan("W16", dt.date(2024, 5, 1), {"T1": -16.0, "T2": -10.0, "N1": -8.0}),
)

#: What scoring the saved record gives: overall response per follow-up visit, best overall
#: response (confirmed, unconfirmed).
EXPECTED_OVERALL = {"W8": "PR", "W16": "PR"}
EXPECTED_BEST_OVERALL = {"confirmed": "PR", "unconfirmed": "PR"}


class PhantomPatientError(ValueError):
    """The phantom patient cannot be written to the folder given; the message says why."""


@dataclass(frozen=True)
class PhantomPatient:
    """A generated patient on disk.

    Attributes
    ----------
    folder : Path
        Holds ``record.json`` and one series folder per visit.
    record_path : Path
        The saved record (design.md §1), rulers included.
    series_folders : dict of str to Path
        Each visit's DICOM series folder, by visit id, in date order.
    series_uids : dict of str to str
        Each visit's SeriesInstanceUID.
    expected_overall : dict of str to str
        Overall response per follow-up visit when the record is scored.
    expected_best_overall : dict of str to str
        Best overall response, ``confirmed`` and ``unconfirmed``.
    seed : int
        The image noise seed (the UIDs are derived from it too).
    """

    folder: Path
    record_path: Path
    series_folders: dict[str, Path]
    series_uids: dict[str, str]
    expected_overall: dict[str, str]
    expected_best_overall: dict[str, str]
    seed: int

    @property
    def visit_ids(self) -> list[str]:
        """The visits in date order, baseline first."""
        return list(self.series_folders)

    def record(self) -> dict[str, Any]:
        """The saved record, read from disk."""
        return json.loads(self.record_path.read_text(encoding="utf-8"))


def designed_sizes_mm(visit_id: str) -> dict[str, float]:
    """The designed RECIST size of each target at a visit (mm): the generator's ground truth."""
    plan = next((p for p in _PLANS if p.visit_id == visit_id), None)
    if plan is None:
        raise KeyError(
            f"no visit {visit_id!r}; the phantom patient has {[p.visit_id for p in _PLANS]}"
        )
    return {
        lesion_id: size + float(plan.changes_mm.get(lesion_id, 0.0))
        for lesion_id, size in _BASELINE_SIZE_MM.items()
    }


def default_cache_folder(seed: int = 0) -> Path:
    """``$XDG_CACHE_HOME/recist-reader/phantom-patient-v<version>/seed-<seed>`` (``~/.cache``
    when ``XDG_CACHE_HOME`` is unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return (
        Path(base)
        / "recist-reader"
        / f"phantom-patient-v{PHANTOM_PATIENT_VERSION}"
        / f"seed-{seed}"
    )


def make_phantom_patient(
    folder: str | os.PathLike[str] | None = None,
    *,
    seed: int = 0,
    noise_sd_hu: float = 12.0,
) -> PhantomPatient:
    """Write the phantom patient to ``folder`` unless a complete copy is already there.

    Parameters
    ----------
    folder : path, optional
        Where to write it; the cache folder `default_cache_folder` by default. It must be
        missing, empty, or hold a phantom patient written earlier (which is reused when
        complete and made with the same seed, else rewritten).
    seed : int
        Seed of the image noise and of the DICOM UIDs: the same seed gives the same images,
        UIDs and record.
    noise_sd_hu : float
        Image noise (Hounsfield units).

    Returns
    -------
    PhantomPatient

    Raises
    ------
    PhantomPatientError
        When ``folder`` holds other files.
    """
    target = Path(folder) if folder is not None else default_cache_folder(seed)
    found = _complete(target, seed, noise_sd_hu)
    if found is not None:
        return found
    if target.exists() and not (target / MANIFEST_NAME).is_file() and any(target.iterdir()):
        raise PhantomPatientError(
            f"{target}: the folder holds other files; give an empty or new folder for the "
            "phantom patient"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        _write(staging, seed, noise_sd_hu)
        found = _complete(target, seed, noise_sd_hu)
        if found is not None:  # another process wrote it meanwhile
            return found
        if target.exists():
            shutil.rmtree(target)  # our own incomplete or outdated copy
        try:
            os.rename(staging, target)
        except OSError:
            # Another process finished first: use its copy when complete.
            found = _complete(target, seed, noise_sd_hu)
            if found is None:
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    found = _complete(target, seed, noise_sd_hu)
    if found is None:  # pragma: no cover - just written
        raise PhantomPatientError(f"{target}: the phantom patient could not be written")
    return found


def _uid(seed: int, *parts: str) -> str:
    """A UID that depends only on the seed and ``parts``."""
    key = f"recist-reader phantom patient v{PHANTOM_PATIENT_VERSION} seed {seed} " + " ".join(parts)
    return generate_uid(entropy_srcs=[key])


def _write(folder: Path, seed: int, noise_sd_hu: float) -> None:
    """Render and write every visit, the record and (last) the manifest into ``folder``."""
    baseline = body_phantom(body_semi_axes_mm=(96.0, 78.0), liver=True, lesions=_BASELINE_LESIONS)
    patient = PatientInfo(PATIENT_ID, "PHANTOM^HCC")
    visits: list[WrittenVisit] = []
    for number, plan in enumerate(_PLANS):
        phantom = (
            baseline
            if number == 0
            else follow_up_phantom(baseline, plan.changes_mm, normal=GRID.normal)
        )
        hu = render_phantom(
            phantom, GRID, noise_sd_hu=noise_sd_hu, blur_sd_mm=0.5, seed=seed + number
        )
        study = StudyInfo(
            study_date=plan.date,
            study_description=f"CT ABDOMEN PHANTOM {plan.visit_id}",
            study_id=str(number + 1),
            study_uid=_uid(seed, plan.visit_id, "study"),
            frame_of_reference_uid=_uid(seed, plan.visit_id, "frame of reference"),
        )
        series = write_ct_series(
            folder / plan.visit_id,
            hu,
            GRID,
            patient=patient,
            study=study,
            series_description=f"AXIAL PORTAL VENOUS {plan.visit_id}",
            series_uid=_uid(seed, plan.visit_id, "series"),
        )
        truths = {lesion.lesion_id: lesion_truth(lesion, GRID) for lesion in phantom.lesions}
        visits.append(WrittenVisit(plan, phantom, series, truths))
    record = patient_record(visits, targets=_TARGETS, decimals=1)
    write_json_atomic(folder / RECORD_NAME, record)
    manifest = {
        "version": PHANTOM_PATIENT_VERSION,
        "seed": seed,
        "noise_sd_hu": noise_sd_hu,
        "record": RECORD_NAME,
        "visits": [
            {
                "visit_id": v.plan.visit_id,
                "folder": v.plan.visit_id,
                "series_uid": v.series.series_uid,
                "files": [p.name for p in v.series.paths],
            }
            for v in visits
        ],
        "expected_overall": EXPECTED_OVERALL,
        "expected_best_overall": EXPECTED_BEST_OVERALL,
    }
    write_json_atomic(folder / MANIFEST_NAME, manifest)


def _complete(folder: Path, seed: int, noise_sd_hu: float) -> PhantomPatient | None:
    """The patient in ``folder`` when its manifest matches and every file is there."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        manifest.get("version") != PHANTOM_PATIENT_VERSION
        or manifest.get("seed") != seed
        or manifest.get("noise_sd_hu") != noise_sd_hu
    ):
        return None
    record_path = folder / manifest["record"]
    if not record_path.is_file():
        return None
    series_folders: dict[str, Path] = {}
    series_uids: dict[str, str] = {}
    for visit in manifest["visits"]:
        visit_folder = folder / visit["folder"]
        if not all((visit_folder / name).is_file() for name in visit["files"]):
            return None
        series_folders[visit["visit_id"]] = visit_folder
        series_uids[visit["visit_id"]] = visit["series_uid"]
    return PhantomPatient(
        folder=folder,
        record_path=record_path,
        series_folders=series_folders,
        series_uids=series_uids,
        expected_overall=dict(manifest["expected_overall"]),
        expected_best_overall=dict(manifest["expected_best_overall"]),
        seed=seed,
    )
