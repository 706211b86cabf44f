"""A phantom HCC patient read under RECIST 1.1 and mRECIST: arterial and portal-venous CT.

Three visits (baseline, week 8, week 16), each with two series of one study: the arterial
phase, where the viable part of each HCC enhances and its necrosis does not, and the
portal-venous phase, where the whole lesion is hypodense. Two typical HCCs become more
necrotic while barely shrinking (viable 30 → 18 → 14 mm and 22 → 13 → 10 mm, whole 40 → 39
→ 38 mm and 28 → 27 → 27 mm); a porta hepatis node of 16 mm short axis (a RECIST 1.1 target,
below the 20 mm mRECIST threshold: ``excluded``) and a right pleural effusion (a non-target)
stay. So the one read is RECIST 1.1 SD (−2.4 %, −4.8 %) and mRECIST PR (−40.4 %, −53.8 %,
confirmed), as in mrecist-rules.md worked example 1. The record carries both criteria's
fields (design.md §7a) and the rulers a perfect reader would draw: the whole diameter on the
portal-venous series, the viable diameter on the arterial one.

Pure numpy/pydicom; no Qt.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydicom.uid import generate_uid

from .dicom import PatientInfo, StudyInfo, WrittenSeries, write_ct_series
from .geometry import Grid
from .patient import follow_up_phantom
from .render import render_phantom
from .shapes import Ellipsoid, Lesion, LymphNode, Phantom, body_phantom
from .truth import lesion_truth, nominal_size_mm, viable_truth

__all__ = [
    "HCC_EXPECTED",
    "HCC_PATIENT_VERSION",
    "HccPatient",
    "default_hcc_folder",
    "hcc_designed_sizes_mm",
    "write_hcc_patient",
]

#: Bump when the generated patient changes (a cached copy of another version is rewritten).
HCC_PATIENT_VERSION = 1
PATIENT_ID = "PHANTOM-HCC-002"
RECORD_NAME = "record.json"
MANIFEST_NAME = "hcc_patient.json"
PHASE_FOLDERS = {"portal_venous": "PV", "arterial": "ART"}

#: (slices, rows, columns) at (2.5, 0.8, 0.8) mm: a 20 cm field of view, 15 cm long.
GRID = Grid.centred((60, 256, 256), (2.5, 0.8, 0.8))
_Z = [float(GRID.slice_position_mm(k)[2]) for k in range(GRID.shape[0])]


def _along(angle_deg: float, distance_mm: float) -> tuple[float, float, float]:
    import math

    a = math.radians(angle_deg)
    return (distance_mm * math.cos(a), distance_mm * math.sin(a), 0.0)


# Centres on slice planes, so each lesion's section on its slice is its designed size. The
# viable part is an ellipsoid inside the lesion, off-centre along the long axis.
_BASELINE_LESIONS = (
    Lesion(
        "T1",
        (-45.0, -10.0, _Z[18]),
        Ellipsoid((40.0, 34.0, 30.0), angle_deg=20.0),
        contrast_hu=-35.0,
        arterial_hu=70.0,
        viable=Ellipsoid((30.0, 24.0, 22.0), angle_deg=20.0),
        viable_offset_mm=_along(20.0, 4.0),
    ),
    Lesion(
        "T2",
        (-25.0, 24.0, _Z[12]),
        Ellipsoid((28.0, 24.0, 22.0), angle_deg=-30.0),
        contrast_hu=-35.0,
        arterial_hu=70.0,
        viable=Ellipsoid((22.0, 18.0, 16.0), angle_deg=-30.0),
        viable_offset_mm=_along(-30.0, 2.5),
    ),
    Lesion("N1", (-8.0, 12.0, _Z[24]), LymphNode(24.0, 16.0, angle_deg=45.0), contrast_hu=25.0),
    Lesion(
        "NT1",
        (-52.0, 58.0, _Z[30]),
        Ellipsoid((50.0, 12.0, 60.0), angle_deg=10.0),
        fill_hu=8.0,
    ),
)
_TARGETS = ("T1", "T2", "N1")

#: Per visit: date, change of each lesion's RECIST size and of its viable diameter (mm).
_PLANS: tuple[tuple[str, dt.date, dict[str, float], dict[str, float]], ...] = (
    ("BL", dt.date(2024, 1, 10), {}, {}),
    ("W8", dt.date(2024, 3, 6), {"T1": -1.0, "T2": -1.0}, {"T1": -12.0, "T2": -9.0}),
    ("W16", dt.date(2024, 5, 1), {"T1": -2.0, "T2": -1.0, "N1": -1.0}, {"T1": -16.0, "T2": -12.0}),
)

#: What scoring the saved record gives, per criteria: overall per follow-up, BOR.
HCC_EXPECTED: dict[str, dict[str, Any]] = {
    "RECIST1.1": {
        "overall": {"W8": "SD", "W16": "SD"},
        "best_overall": {"confirmed": "SD", "unconfirmed": "SD"},
    },
    "mRECIST": {
        "overall": {"W8": "PR", "W16": "PR"},
        "best_overall": {"confirmed": "PR", "unconfirmed": "PR"},
    },
}


@dataclass(frozen=True)
class HccPatient:
    """The HCC phantom patient on disk.

    Attributes
    ----------
    folder : Path
        Holds ``record.json`` and, per visit, ``<visit>/ART`` and ``<visit>/PV`` series.
    record_path : Path
    series_folders : dict
        ``{visit_id: {"arterial": Path, "portal_venous": Path}}``, visits in date order.
    series_uids : dict
        ``{visit_id: {"arterial": uid, "portal_venous": uid}}``.
    seed : int
    """

    folder: Path
    record_path: Path
    series_folders: dict[str, dict[str, Path]]
    series_uids: dict[str, dict[str, str]]
    seed: int

    def record(self) -> dict[str, Any]:
        """The saved record, read from disk."""
        return json.loads(self.record_path.read_text(encoding="utf-8"))


def hcc_designed_sizes_mm(visit_id: str) -> dict[str, dict[str, float]]:
    """The designed sizes at a visit: ``{"recist": {lesion: mm}, "viable": {lesion: mm}}``."""
    plan = next((p for p in _PLANS if p[0] == visit_id), None)
    if plan is None:
        raise KeyError(f"no visit {visit_id!r}; the HCC patient has {[p[0] for p in _PLANS]}")
    _, _, changes, viable_changes = plan
    recist = {
        lesion: nominal_size_mm(_lesion(lesion)) + changes.get(lesion, 0.0) for lesion in _TARGETS
    }
    viable = {
        lesion: nominal_size_mm(_lesion(lesion).viable_part()) + viable_changes.get(lesion, 0.0)
        for lesion in ("T1", "T2")
    }
    return {"recist": recist, "viable": viable}


def default_hcc_folder(seed: int = 0) -> Path:
    """``$XDG_CACHE_HOME/recist-reader/hcc-patient-v<version>/seed-<seed>`` (``~/.cache``
    when ``XDG_CACHE_HOME`` is unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "recist-reader" / f"hcc-patient-v{HCC_PATIENT_VERSION}" / f"seed-{seed}"


def _lesion(lesion_id: str) -> Lesion:
    return next(lesion for lesion in _BASELINE_LESIONS if lesion.lesion_id == lesion_id)


def _visit_phantom(baseline: Phantom, changes: dict[str, float], viable_changes: dict[str, float]):
    """The phantom at a visit: lesions resized, then their viable parts resized (M2.3)."""
    phantom = follow_up_phantom(baseline, changes, normal=GRID.normal)
    lesions = []
    for lesion in phantom.lesions:
        change = viable_changes.get(lesion.lesion_id)
        if change is not None:
            start = nominal_size_mm(_lesion(lesion.lesion_id).viable_part())
            now = nominal_size_mm(lesion.viable_part())
            lesion = lesion.with_viable_scaled((start + change) / now)
        lesions.append(lesion)
    return phantom.with_lesions(lesions)


def _uid(seed: int, *parts: str) -> str:
    key = f"recist-reader HCC phantom v{HCC_PATIENT_VERSION} seed {seed} " + " ".join(parts)
    return generate_uid(entropy_srcs=[key])


def _ruler(series_uid: str, ends) -> dict[str, Any]:
    return {"series_uid": series_uid, "points_lps_mm": [list(p) for p in ends]}


def write_hcc_patient(
    folder: str | os.PathLike[str], *, seed: int = 0, noise_sd_hu: float = 10.0
) -> HccPatient:
    """Write the HCC phantom patient into ``folder`` (reused when a complete copy of this
    version and seed is there).

    Returns
    -------
    HccPatient
    """
    folder = Path(folder)
    found = _complete(folder, seed, noise_sd_hu)
    if found is not None:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    baseline = body_phantom(
        body_semi_axes_mm=(96.0, 78.0), liver=True, vessel=True, lesions=_BASELINE_LESIONS
    )
    patient = PatientInfo(PATIENT_ID, "PHANTOM^HCC^MRECIST")
    lesions: list[dict[str, Any]] = [
        {
            "lesion_id": "T1",
            "kind": "target",
            "organ": "liver",
            "nodal": False,
            "lesion_type": "typical_hcc",
            "slice_thickness_mm": 2.5,
        },
        {
            "lesion_id": "T2",
            "kind": "target",
            "organ": "liver",
            "nodal": False,
            "lesion_type": "typical_hcc",
            "slice_thickness_mm": 2.5,
        },
        {
            "lesion_id": "N1",
            "kind": "target",
            "organ": "lymph node, porta hepatis",
            "nodal": True,
            "lesion_type": "porta_hepatis_node",
            "mrecist_kind": "excluded",
            "slice_thickness_mm": 2.5,
        },
        {
            "lesion_id": "NT1",
            "kind": "non-target",
            "organ": "pleura, right (effusion)",
            "nodal": False,
            "lesion_type": "effusion",
            "location_code": "PLEURAL CAVITY",
        },
    ]
    visits: list[dict[str, Any]] = []
    manifest_visits = []
    for number, (visit_id, date, changes, viable_changes) in enumerate(_PLANS):
        phantom = baseline if number == 0 else _visit_phantom(baseline, changes, viable_changes)
        study = StudyInfo(
            study_date=date,
            study_description=f"CT LIVER MULTIPHASE {visit_id}",
            study_id=str(number + 1),
            study_uid=_uid(seed, visit_id, "study"),
            frame_of_reference_uid=_uid(seed, visit_id, "frame of reference"),
        )
        written: dict[str, WrittenSeries] = {}
        for series_number, phase in enumerate(("arterial", "portal_venous"), start=1):
            hu = render_phantom(
                phantom,
                GRID,
                noise_sd_hu=noise_sd_hu,
                blur_sd_mm=0.5,
                seed=seed + 10 * number + series_number,
                phase=phase,
            )
            label = "ARTERIAL" if phase == "arterial" else "PORTAL VENOUS"
            written[phase] = write_ct_series(
                folder / visit_id / PHASE_FOLDERS[phase],
                hu,
                GRID,
                patient=patient,
                study=study,
                series_description=f"AXIAL {label} {visit_id}",
                series_number=series_number,
                series_uid=_uid(seed, visit_id, phase),
            )
        visits.append(_visit_json(visit_id, date, phantom, written))
        manifest_visits.append(
            {
                "visit_id": visit_id,
                "series": {
                    phase: {
                        "folder": f"{visit_id}/{PHASE_FOLDERS[phase]}",
                        "series_uid": series.series_uid,
                        "files": [p.name for p in series.paths],
                    }
                    for phase, series in written.items()
                },
            }
        )
    record = {
        "schema_version": 1,
        "patient_id": PATIENT_ID,
        "criteria": "RECIST1.1",
        "baseline_date": _PLANS[0][1].isoformat(),
        "lesions": lesions,
        "visits": visits,
    }
    (folder / RECORD_NAME).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    manifest = {
        "version": HCC_PATIENT_VERSION,
        "seed": seed,
        "noise_sd_hu": noise_sd_hu,
        "record": RECORD_NAME,
        "visits": manifest_visits,
        "expected": HCC_EXPECTED,
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    found = _complete(folder, seed, noise_sd_hu)
    assert found is not None
    return found


def _visit_json(
    visit_id: str, date: dt.date, phantom: Phantom, written: dict[str, WrittenSeries]
) -> dict[str, Any]:
    """One visit of the record a perfect reader saves: whole rulers on the portal-venous
    series, viable rulers on the arterial one."""
    venous, arterial = written["portal_venous"], written["arterial"]
    measurements: list[dict[str, Any]] = []
    for lesion in phantom.lesions:
        if lesion.lesion_id not in _TARGETS:
            measurements.append({"lesion_id": lesion.lesion_id, "status": "present"})
            continue
        truth = lesion_truth(lesion, GRID)
        main = truth.short_axis_endpoints_mm if truth.nodal else truth.long_axis_endpoints_mm
        entry: dict[str, Any] = {
            "lesion_id": lesion.lesion_id,
            "diameter_mm": round(truth.recist_mm, 1),
            "ruler": _ruler(venous.series_uid, main),
            "long_axis_mm": round(truth.long_axis_mm, 1),
            "short_axis_mm": round(truth.short_axis_mm, 1),
        }
        if truth.nodal:
            entry["short_axis_ruler"] = entry.pop("ruler")
            entry["ruler"] = _ruler(venous.series_uid, truth.long_axis_endpoints_mm)
        viable = viable_truth(lesion, GRID) if lesion.lesion_id in ("T1", "T2") else None
        if viable is not None:
            entry["viable_diameter_mm"] = round(viable.long_axis_mm, 1)
            entry["viable_ruler"] = _ruler(arterial.series_uid, viable.long_axis_endpoints_mm)
        elif lesion.lesion_id in ("T1", "T2"):
            entry["viable_diameter_mm"] = 0.0
        measurements.append(entry)
    return {
        "visit_id": visit_id,
        "date": date.isoformat(),
        "measurements": measurements,
        "new_lesions": [],
        "series": [
            {
                "series_uid": series.series_uid,
                "study_uid": series.study_uid,
                "modality": "CT",
                "description": series.description,
            }
            for series in (venous, arterial)
        ],
    }


def _complete(folder: Path, seed: int, noise_sd_hu: float) -> HccPatient | None:
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (manifest.get("version"), manifest.get("seed"), manifest.get("noise_sd_hu")) != (
        HCC_PATIENT_VERSION,
        seed,
        noise_sd_hu,
    ):
        return None
    record_path = folder / manifest["record"]
    if not record_path.is_file():
        return None
    series_folders: dict[str, dict[str, Path]] = {}
    series_uids: dict[str, dict[str, str]] = {}
    for visit in manifest["visits"]:
        for phase, series in visit["series"].items():
            path = folder / series["folder"]
            if not all((path / name).is_file() for name in series["files"]):
                return None
            series_folders.setdefault(visit["visit_id"], {})[phase] = path
            series_uids.setdefault(visit["visit_id"], {})[phase] = series["series_uid"]
    return HccPatient(folder, record_path, series_folders, series_uids, seed)
