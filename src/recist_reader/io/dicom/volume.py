"""The loaded volume: voxels, LPS geometry and the header values a reader needs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Standard CT display windows, (center, width) in HU.
CT_WINDOW_PRESETS: dict[str, tuple[float, float]] = {
    "soft tissue": (40.0, 400.0),
    "liver": (60.0, 160.0),
    "lung": (-600.0, 1500.0),
    "bone": (400.0, 1800.0),
    "brain": (40.0, 80.0),
}


@dataclass(frozen=True, eq=False)
class Volume:
    """One image series as a 3-D array with its geometry (design.md §4).

    Attributes
    ----------
    array : ndarray, shape (slices, rows, columns)
        Voxel values; CT in Hounsfield units, MR as stored values with any rescale applied.
        From ``load_series_progressively``, possibly an
        :class:`~recist_reader.io.dicom.arriving.ArrivingSlices` still being read
        (``np.asarray`` of it waits for every slice).
    spacing_mm : tuple of float
        (slice, row, column) spacing in mm: the lengths of the affine's first three columns.
        For a gantry-tilted stack the slice step is oblique, and the slice planes are
        ``slice_interval_mm`` apart.
    affine : ndarray, shape (4, 4)
        Maps (slice index, row index, column index, 1) to LPS patient coordinates in mm.
    series_uid, modality : str
        From the header.
    study_date : str or None
        ISO date ``YYYY-MM-DD``.
    warnings : list of str
        Geometry and data findings (tilt, uneven spacing, interpolated slices, ...).
    series_key : str
        The key to pass as ``series_uid=`` (``UID#part`` when the UID was split).
    study_uid, description, patient_id, frame_of_reference_uid : str
        From the header.
    series_number : int or None
        From the header.
    window_presets : dict of str to (center, width)
        The file's windows first, then (for CT) standard presets.
    slice_positions_mm : ndarray, shape (slices, 3)
        LPS position of each slice's first voxel.
    direction : ndarray, shape (3, 3)
        Unit vectors of the slice, row and column axes (columns of the matrix), so that
        ``affine[:3, :3] == direction @ diag(spacing_mm)``; the slice axis is not
        perpendicular to the others for a gantry-tilted stack.
    slice_interval_mm : float
        Distance between slice planes, along the slice normal.
    slice_thickness_mm : float or None
        SliceThickness of the first slice.
    gantry_tilt_deg : float
        Angle between the slice axis and the slice normal (0 without tilt).
    interpolated_slices : tuple of int
        Indices of slices made by interpolation (missing slices, uneven spacing).
    source_files : tuple of str
        The acquired frames' files in slice order.
    sop_instance_uids : tuple of str
        The acquired frames' SOPInstanceUIDs in slice order (for an enhanced multi-frame
        object, the same UID for every frame).
    notes : list of str
        Files skipped while scanning, and why.
    """

    array: np.ndarray
    spacing_mm: tuple[float, float, float]
    affine: np.ndarray
    series_uid: str
    modality: str
    study_date: str | None
    warnings: list[str]
    series_key: str = ""
    study_uid: str = ""
    description: str = ""
    patient_id: str = ""
    frame_of_reference_uid: str = ""
    series_number: int | None = None
    window_presets: dict[str, tuple[float, float]] = field(default_factory=dict)
    slice_positions_mm: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    direction: np.ndarray = field(default_factory=lambda: np.eye(3))
    slice_interval_mm: float = 0.0
    slice_thickness_mm: float | None = None
    gantry_tilt_deg: float = 0.0
    interpolated_slices: tuple[int, ...] = ()
    source_files: tuple[str, ...] = ()
    sop_instance_uids: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(slices, rows, columns)."""
        return tuple(self.array.shape)  # type: ignore[return-value]

    def index_to_lps(self, index: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        """LPS mm of (slice, row, column) indices; shape (..., 3) in, (..., 3) out."""
        points = np.asarray(index, dtype=float)
        return points @ self.affine[:3, :3].T + self.affine[:3, 3]

    def lps_to_index(self, lps_mm: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        """(slice, row, column) fractional indices of LPS points; inverse of ``index_to_lps``."""
        points = np.asarray(lps_mm, dtype=float)
        return (points - self.affine[:3, 3]) @ np.linalg.inv(self.affine[:3, :3]).T


def window_presets(
    modality: str,
    file_windows: tuple[tuple[str, float, float], ...],
    array: np.ndarray,
) -> dict[str, tuple[float, float]]:
    """The file's windows, then standard CT presets; for images without any, the 1-99 % range.

    Parameters
    ----------
    modality : str
        ``CT`` adds the standard presets.
    file_windows : tuple of (name, center, width)
        WindowCenter/WindowWidth (and explanation) of the first slice.
    array : ndarray
        The voxels, used only when no window is known.
    """
    presets: dict[str, tuple[float, float]] = {}
    for number, (name, center, width) in enumerate(file_windows, start=1):
        key = f"file: {name}" if name else ("file" if number == 1 else f"file {number}")
        presets.setdefault(key, (center, width))
    if modality == "CT":
        presets.update(CT_WINDOW_PRESETS)
    if not presets and array.size:
        step = max(1, int(round((array.size / 1_000_000) ** (1 / 3))))
        sample = array[::step, ::step, ::step]
        low, high = (float(v) for v in np.percentile(sample, [1.0, 99.0]))
        if high <= low:
            high = low + 1.0
        presets["image range"] = ((low + high) / 2, high - low)
    return presets
