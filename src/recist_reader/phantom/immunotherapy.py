"""Phantom patients on immunotherapy: a pseudo-progression and a confirmed progression.

Each scenario is a baseline and follow-ups in which every lesion, the new ones included, has a
designed size; :func:`write_immunotherapy_patient` renders and writes the CT series and the
iRECIST record a perfect reader would save (new lesions tracked with ``new_lesion_id``,
design.md §7b). Scored under iRECIST and RECIST 1.1 the record gives the scenario's
``expected_*`` responses.

- ``pseudo-progression``: at the first follow-up the targets grow by 22 % and a new liver
  lesion appears (RECIST 1.1: PD; iRECIST: iUPD); four weeks later everything has shrunk
  (iPR: the iUPD is reset), and at week 20 the new lesion is gone (iPR, confirmed).
- ``confirmed-progression``: the same start, then the targets grow by 7 mm more and the new
  lesion by 6 mm: iCPD at week 12, dated to week 8.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dicom import PatientInfo
from .geometry import Grid
from .patient import VisitPlan, WrittenVisit, _organ, _ruler, patient_record, write_patient
from .shapes import Ellipsoid, Lesion, Phantom, Sphere, body_phantom

__all__ = [
    "IMMUNOTHERAPY_GRID",
    "SCENARIOS",
    "ImmunotherapyPatient",
    "ImmunotherapyScenario",
    "default_immunotherapy_folder",
    "make_immunotherapy_patient",
    "tracked_patient_record",
    "write_immunotherapy_patient",
]

#: Bump when a generated patient changes: a cached copy of another version is rewritten.
IMMUNOTHERAPY_PATIENT_VERSION = 1
RECORD_NAME = "record.json"
MANIFEST_NAME = "immunotherapy_patient.json"

#: (slices, rows, columns) at (2.5, 0.8, 0.8) mm, as the RECIST phantom patient.
IMMUNOTHERAPY_GRID = Grid.centred((60, 256, 256), (2.5, 0.8, 0.8))
_Z = [float(IMMUNOTHERAPY_GRID.slice_position_mm(k)[2]) for k in range(60)]
_BASELINE_DATE = dt.date(2024, 2, 5)


@dataclass(frozen=True)
class ImmunotherapyScenario:
    """A phantom patient's designed course and what scoring its read gives.

    Attributes
    ----------
    name, patient_id, description : str
    baseline_lesions : tuple of Lesion
        Lesion centres sit on slice planes, so each section is its designed size.
    targets : tuple of str
        Baseline lesions measured as targets; the others are non-targets.
    plans : tuple of VisitPlan
        The baseline first; each follow-up's size changes and the new lesions present then.
    new_lesion_targets : tuple of str
        New lesions the reader measures as new-lesion targets (the others are new-lesion
        non-targets).
    expected_overall : dict
        Overall response per follow-up, by criteria (``iRECIST``, ``RECIST1.1``).
    expected_best_overall : dict
        ``{"confirmed", "unconfirmed"}`` best overall response, by criteria.
    """

    name: str
    patient_id: str
    description: str
    baseline_lesions: tuple[Lesion, ...]
    targets: tuple[str, ...]
    plans: tuple[VisitPlan, ...]
    new_lesion_targets: tuple[str, ...] = ()
    expected_overall: dict[str, list[str]] = field(default_factory=dict)
    expected_best_overall: dict[str, dict[str, str]] = field(default_factory=dict)

    def baseline_phantom(self) -> Phantom:
        """The baseline body with its lesions."""
        return body_phantom(
            body_semi_axes_mm=(96.0, 78.0), liver=True, lesions=self.baseline_lesions
        )


_LESIONS = (
    Lesion("T1", (-45.0, -12.0, _Z[18]), Ellipsoid((32.0, 24.0, 22.0), angle_deg=30.0), -55.0),
    Lesion("T2", (-30.0, 16.0, _Z[12]), Ellipsoid((22.0, 18.0, 18.0), angle_deg=-20.0), -45.0),
    Lesion("NT1", (48.0, -38.0, _Z[26]), Sphere(9.0), 45.0),
)


def _new_liver_lesion(diameter_mm: float) -> Lesion:
    """The new liver lesion NL1 (segment 6 in the phantom's liver) at ``diameter_mm``."""
    return Lesion("NL1", (-58.0, 14.0, _Z[32]), Sphere(diameter_mm), -50.0)


def _day(days: int) -> dt.date:
    return _BASELINE_DATE + dt.timedelta(days=days)


# Baseline sum T1 32 + T2 22 = 54 mm.
_WEEK8 = VisitPlan(  # 40 + 26 = 66 mm: +22.2 %, +12 mm; NL1 12 mm
    "W8", _day(56), {"T1": 8.0, "T2": 4.0}, (_new_liver_lesion(12.0),)
)

PSEUDO_PROGRESSION = ImmunotherapyScenario(
    name="pseudo-progression",
    patient_id="PHANTOM-IO-001",
    description=(
        "pseudo-progression: targets +22 % and a new liver lesion at week 8 (iUPD; RECIST 1.1 "
        "PD), all shrinking at week 12 (iPR, the iUPD reset), the new lesion gone at week 20"
    ),
    baseline_lesions=_LESIONS,
    targets=("T1", "T2"),
    plans=(
        VisitPlan("BL", _BASELINE_DATE),
        _WEEK8,
        # 23 + 14 = 37 mm: -31.5 % from baseline; NL1 6 mm
        VisitPlan("W12", _day(84), {"T1": -9.0, "T2": -8.0}, (_new_liver_lesion(6.0),)),
        # 20 + 12 = 32 mm; NL1 gone
        VisitPlan("W20", _day(140), {"T1": -12.0, "T2": -10.0}),
    ),
    new_lesion_targets=("NL1",),
    expected_overall={"iRECIST": ["iUPD", "iPR", "iPR"], "RECIST1.1": ["PD", "PD", "PR"]},
    expected_best_overall={
        "iRECIST": {"confirmed": "iPR", "unconfirmed": "iPR"},
        "RECIST1.1": {"confirmed": "PD", "unconfirmed": "PD"},
    },
)

CONFIRMED_PROGRESSION = ImmunotherapyScenario(
    name="confirmed-progression",
    patient_id="PHANTOM-IO-002",
    description=(
        "confirmed progression: targets +22 % and a new liver lesion at week 8 (iUPD), then "
        "the targets +7 mm and the new lesion +6 mm more at week 12 (iCPD, dated to week 8)"
    ),
    baseline_lesions=_LESIONS,
    targets=("T1", "T2"),
    plans=(
        VisitPlan("BL", _BASELINE_DATE),
        _WEEK8,
        # 45 + 28 = 73 mm: +7 over the iUPD; NL1 18 mm: +6
        VisitPlan("W12", _day(84), {"T1": 13.0, "T2": 6.0}, (_new_liver_lesion(18.0),)),
    ),
    new_lesion_targets=("NL1",),
    expected_overall={"iRECIST": ["iUPD", "iCPD"], "RECIST1.1": ["PD", "PD"]},
    expected_best_overall={
        "iRECIST": {"confirmed": "iCPD", "unconfirmed": "iCPD"},
        "RECIST1.1": {"confirmed": "PD", "unconfirmed": "PD"},
    },
)

#: The scenarios by name.
SCENARIOS: dict[str, ImmunotherapyScenario] = {
    scenario.name: scenario for scenario in (PSEUDO_PROGRESSION, CONFIRMED_PROGRESSION)
}


def tracked_patient_record(
    visits: Sequence[WrittenVisit],
    *,
    targets: Sequence[str] | None = None,
    new_lesion_targets: Sequence[str] = (),
    decimals: int = 1,
) -> dict[str, Any]:
    """The iRECIST record a perfect reader would save for ``visits`` (design.md §7b).

    As :func:`~recist_reader.phantom.patient_record`, with every lesion that appears after
    baseline tracked: listed with its ``new_lesion_id`` (the phantom lesion id) at every
    visit from its appearance on, ``absent`` once gone. Those in ``new_lesion_targets`` are
    new-lesion targets measured with a ruler; the others new-lesion non-targets.
    """
    record = patient_record(visits, targets=targets, decimals=decimals)
    record["criteria"] = "iRECIST"
    baseline_ids = {lesion.lesion_id for lesion in visits[0].phantom.lesions}
    seen: dict[str, str] = {}  # lesion id -> organ, in order of appearance
    for visit, entry in zip(visits, record["visits"]):
        present = {
            lesion.lesion_id: lesion
            for lesion in visit.phantom.lesions
            if lesion.lesion_id not in baseline_ids
        }
        for lesion_id, lesion in present.items():
            seen.setdefault(lesion_id, _organ(visit.phantom, lesion))
        listings = []
        for lesion_id, organ in seen.items():
            listing: dict[str, Any] = {
                "new_lesion_id": lesion_id,
                "location": f"{organ} ({lesion_id})",
                "equivocal": False,
                "kind": "target" if lesion_id in new_lesion_targets else "non-target",
                "organ": organ,
            }
            truth = visit.truths.get(lesion_id)
            gone = lesion_id not in present or truth is None or truth.recist_mm == 0
            if listing["kind"] == "non-target":
                listing["status"] = "absent" if gone else "present"
            elif gone:
                listing["status"] = "absent"
            else:
                ends = (
                    truth.short_axis_endpoints_mm if truth.nodal else truth.long_axis_endpoints_mm
                )
                listing["nodal"] = truth.nodal
                listing["diameter_mm"] = round(truth.recist_mm, decimals)
                listing["slice_thickness_mm"] = float(visit.series.grid.spacing_mm[0])
                listing["ruler"] = _ruler(visit.series.series_uid, ends)
            listings.append(listing)
        entry["new_lesions"] = listings
    return record


def write_immunotherapy_patient(
    directory: str | Path,
    scenario: str | ImmunotherapyScenario,
    *,
    noise_sd_hu: float = 12.0,
    seed: int = 0,
) -> tuple[list[WrittenVisit], dict[str, Any]]:
    """Render and write a scenario's CT series under ``directory/<visit_id>/``.

    Returns
    -------
    (visits, record)
        The written visits and the iRECIST record of a perfect read
        (:func:`tracked_patient_record`), not yet saved.
    """
    found = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
    visits = write_patient(
        directory,
        found.baseline_phantom(),
        IMMUNOTHERAPY_GRID,
        found.plans,
        patient=PatientInfo(found.patient_id, "PHANTOM^IMMUNOTHERAPY"),
        noise_sd_hu=noise_sd_hu,
        blur_sd_mm=0.5,
        seed=seed,
        series_description="AXIAL PORTAL VENOUS",
    )
    record = tracked_patient_record(
        visits, targets=found.targets, new_lesion_targets=found.new_lesion_targets
    )
    return visits, record


@dataclass(frozen=True)
class ImmunotherapyPatient:
    """A scenario written to disk: its folder (one series folder per visit) and its record."""

    scenario: ImmunotherapyScenario
    folder: Path
    record_path: Path


def default_immunotherapy_folder(name: str, seed: int = 0) -> Path:
    """``$XDG_CACHE_HOME/recist-reader/immunotherapy-v<version>/<name>/seed-<seed>``
    (``~/.cache`` when ``XDG_CACHE_HOME`` is unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return (
        Path(base)
        / "recist-reader"
        / f"immunotherapy-v{IMMUNOTHERAPY_PATIENT_VERSION}"
        / name
        / f"seed-{seed}"
    )


def make_immunotherapy_patient(
    name: str,
    folder: str | Path | None = None,
    *,
    seed: int = 0,
    noise_sd_hu: float = 12.0,
) -> ImmunotherapyPatient:
    """Write a scenario's series and its saved read (``record.json``) into ``folder``
    (:func:`default_immunotherapy_folder` by default), unless a complete copy of this version,
    seed and noise is there already."""
    scenario = SCENARIOS[name]
    target = Path(folder) if folder is not None else default_immunotherapy_folder(name, seed)
    manifest_path = target / MANIFEST_NAME
    wanted = {
        "version": IMMUNOTHERAPY_PATIENT_VERSION,
        "scenario": name,
        "seed": seed,
        "noise_sd_hu": noise_sd_hu,
    }
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if (
        manifest is not None
        and {key: manifest.get(key) for key in wanted} == wanted
        and all((target / file).is_file() for file in manifest["files"])
    ):
        return ImmunotherapyPatient(scenario, target, target / RECORD_NAME)
    if target.exists():
        shutil.rmtree(target)
    visits, record = write_immunotherapy_patient(
        target, scenario, noise_sd_hu=noise_sd_hu, seed=seed
    )
    (target / RECORD_NAME).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    files = [RECORD_NAME] + [
        str(path.relative_to(target)) for visit in visits for path in visit.series.paths
    ]
    manifest_path.write_text(
        json.dumps({**wanted, "files": files}, indent=2) + "\n", encoding="utf-8"
    )
    return ImmunotherapyPatient(scenario, target, target / RECORD_NAME)
