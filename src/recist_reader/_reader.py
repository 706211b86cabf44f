"""napari reader: DICOM files, folders, DICOMDIRs and DICOMweb URLs as image layers in mm.

Thin glue over `recist_reader.io.dicom.load_series`. Each layer's world coordinates are LPS
millimetres re-ordered (a signed permutation, ``metadata["world_to_lps"]``) so that the
series shows in its native plane with the usual radiological display: axial slices with
anterior up and the patient's left on the right, sagittal with anterior left and superior
up, coronal with superior up and the patient's left on the right. Distances in world
coordinates are millimetres.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from recist_reader.errors import SeriesError

PathOrPaths = str | Sequence[str]
LayerData = tuple[Any, dict[str, Any], str]
ReaderFunction = Callable[[PathOrPaths], list[LayerData]]

_MAX_FILES_CHECKED = 64
_MAX_ENTRIES_SEEN = 2000
_DICOM_SUFFIXES = (".dcm", ".dicom")

# World frames: rows are the LPS unit vectors of world axes 0, 1, 2 (before the sign of
# axis 0 is set to follow the slice normal), and their labels.
_E = np.eye(3)
_FRAMES: dict[int, tuple[np.ndarray, tuple[str, str, str]]] = {
    2: (np.array([_E[2], _E[1], _E[0]]), ("S", "P", "L")),  # axial
    0: (np.array([_E[0], -_E[2], _E[1]]), ("L", "I", "P")),  # sagittal
    1: (np.array([_E[1], -_E[2], _E[0]]), ("P", "I", "L")),  # coronal
}
_OPPOSITE = {"S": "I", "I": "S", "L": "R", "R": "L", "P": "A", "A": "P"}


def _is_dicom_file(path: Path) -> bool:
    if path.name.upper() == "DICOMDIR" or path.suffix.lower() in _DICOM_SUFFIXES:
        return True
    with open(path, "rb") as handle:
        head = handle.read(132)
    return len(head) == 132 and head[128:] == b"DICM"


def _folder_has_dicom(folder: Path) -> bool:
    """True when a breadth-first look at the first files under ``folder`` finds DICOM."""
    checked = seen = 0
    queue = [folder]
    while queue:
        with os.scandir(queue.pop(0)) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                seen += 1
                if seen > _MAX_ENTRIES_SEEN or checked >= _MAX_FILES_CHECKED:
                    return False
                if entry.is_dir(follow_symlinks=False):
                    queue.append(Path(entry.path))
                elif entry.is_file():
                    checked += 1
                    try:
                        if _is_dicom_file(Path(entry.path)):
                            return True
                    except OSError:
                        continue
    return False


def is_dicom_path(path: str | os.PathLike[str]) -> bool:
    """Cheap check: a DICOM file (DICM preamble, ``.dcm``), a DICOMDIR, or a folder with one.

    Never raises; reads at most 132 bytes of at most 64 files.
    """
    try:
        p = Path(path)
        if p.is_dir():
            return _folder_has_dicom(p)
        return p.is_file() and _is_dicom_file(p)
    except (OSError, ValueError):
        return False


def napari_get_reader(path: PathOrPaths) -> ReaderFunction | None:
    """npe2 get-reader hook: `read_dicom` for DICOM paths and DICOMweb study or series URLs
    (``http(s)://host/dicom-web/studies/{study}[/series/{series}]``), None for anything else."""
    if not isinstance(path, str | os.PathLike):
        if len(path) != 1:
            return None
        path = path[0]
    if is_dicomweb_resource(path):
        return read_dicom
    return read_dicom if is_dicom_path(path) else None


def is_dicomweb_resource(path: str | os.PathLike[str]) -> bool:
    """An http(s) URL naming a DICOMweb study (``.../studies/{uid}``) or series."""
    text = os.fspath(path)
    return text.lower().startswith(("http://", "https://")) and "/studies/" in text


def _notify(level: str, message: str) -> None:
    from napari.utils import notifications

    {"error": notifications.show_error, "warning": notifications.show_warning}[level](message)


def world_frame(affine: np.ndarray) -> tuple[np.ndarray, tuple[str, str, str]]:
    """The world frame for a series: rows are LPS unit vectors, and the axis labels."""
    row_dir, col_dir = affine[:3, 2], affine[:3, 1]
    normal = np.cross(row_dir, col_dir)  # the slice-plane normal, also for tilted stacks
    dominant = int(np.argmax(np.abs(normal)))
    rows, labels = _FRAMES[dominant]
    if normal[dominant] < 0:
        rows = rows.copy()
        rows[0] = -rows[0]
        labels = (_OPPOSITE[labels[0]], labels[1], labels[2])
    return rows, labels


def layer_data(
    volume: Any,
    *,
    frame: np.ndarray | None = None,
    labels: tuple[str, str, str] | None = None,
) -> LayerData:
    """The ``(data, kwargs, 'image')`` tuple of one loaded `Volume`.

    Parameters
    ----------
    volume : Volume
        From `load_series`.
    frame : (3, 3) array, optional
        Rows: the LPS unit vectors of the world axes; chosen from the series' plane when
        omitted.
    labels : 3 str, optional
        Names of the world axes (with ``frame``).
    """
    if frame is None:
        frame, labels = world_frame(volume.affine)
    spacing = np.asarray(volume.spacing_mm, float)
    lps_affine = np.asarray(volume.affine, float)
    world = np.eye(4)
    world[:3, :3] = frame @ (lps_affine[:3, :3] / spacing)  # direction cosines, world order
    world[:3, 3] = frame @ lps_affine[:3, 3]
    world_to_lps = np.eye(4)
    world_to_lps[:3, :3] = frame.T
    presets = dict(getattr(volume, "window_presets", {}) or {})
    kwargs: dict[str, Any] = {
        "name": volume.description or f"{volume.modality} series {volume.series_uid[-8:]}",
        "scale": tuple(float(s) for s in spacing),
        "affine": world,
        "axis_labels": tuple(labels),
        "units": ("mm", "mm", "mm"),
        "metadata": {
            "series_uid": volume.series_uid,
            "series_key": getattr(volume, "series_key", volume.series_uid),
            "study_uid": getattr(volume, "study_uid", ""),
            "study_date": volume.study_date,
            "modality": volume.modality,
            "description": getattr(volume, "description", ""),
            "patient_id": getattr(volume, "patient_id", ""),
            "frame_of_reference_uid": getattr(volume, "frame_of_reference_uid", ""),
            "series_number": getattr(volume, "series_number", None),
            "warnings": list(volume.warnings),
            "spacing_mm": tuple(float(s) for s in spacing),
            "affine_lps": lps_affine,
            "world_to_lps": world_to_lps,
            "window_presets": presets,
            "source_files": tuple(getattr(volume, "source_files", ())),
            "sop_instance_uids": tuple(getattr(volume, "sop_instance_uids", ())),
        },
    }
    if presets:
        centre, width = next(iter(presets.values()))
        kwargs["contrast_limits"] = (centre - width / 2, centre + width / 2)
    return volume.array, kwargs, "image"


def _report_unreadable_slices(error: SeriesError) -> None:
    _notify(
        "error",
        f"RECIST Reader: {error}. The series is incomplete: the slices that could not be read "
        "show black. Do not measure on it; fix or re-export the files and open it again.",
    )


def load_for_display(path: str | os.PathLike[str], series_uid: str | None = None) -> Any:
    """`load_series` for a viewer: an uncompressed series comes back once its headers are
    read, its slices arriving in the background (`load_series_progressively`), so napari
    shows the middle slice first; a slice that cannot be read later is notified."""
    from recist_reader.io.dicom.arriving import load_series_progressively

    return load_series_progressively(
        path, series_uid=series_uid, on_failure=_report_unreadable_slices
    )


def _load_all(path: str) -> tuple[list[Any], list[str]]:
    """Every loadable series under ``path``, and the errors of those that are not."""
    from recist_reader.io.dicom import AmbiguousSeriesError

    def load(series_uid: str | None = None) -> Any:
        return load_for_display(path, series_uid)

    try:
        return [load()], []
    except AmbiguousSeriesError as exc:
        keys = [candidate.key for candidate in exc.candidates]
    volumes, errors = [], []
    for key in keys:
        try:
            volumes.append(load(key))
        except SeriesError as exc:
            errors.append(str(exc))
    return volumes, errors


def read_dicom(path: PathOrPaths) -> list[LayerData]:
    """Read every image series under ``path`` (file, folder or DICOMDIR; or a DICOMweb study
    or series URL, its slices arriving from the server): one layer each.

    Series that cannot be loaded are reported as napari notifications; when none can, the
    result is napari's "read, nothing to show" value ``[(None,)]`` so that no other reader
    tries the folder.
    """
    if not isinstance(path, str | os.PathLike):
        path = path[0]
    path = os.fspath(path)
    try:
        volumes, errors = _load_all(path)
    except SeriesError as exc:
        volumes, errors = [], [str(exc)]
    except (OSError, MemoryError) as exc:  # never crash napari on a bad folder
        volumes, errors = [], [f"{path}: {exc}"]
    for message in errors:
        _notify("error" if not volumes else "warning", f"RECIST Reader: {message}")
    if not volumes:
        return [(None,)]  # type: ignore[list-item]
    frame, labels = world_frame(volumes[0].affine)  # one frame, so the layers overlay
    layers = [layer_data(v, frame=frame, labels=labels) for v in volumes]
    for volume in volumes:
        if volume.warnings:
            _notify(
                "warning",
                f"RECIST Reader: {volume.description or volume.series_uid}: "
                + "; ".join(volume.warnings),
            )
    return layers
