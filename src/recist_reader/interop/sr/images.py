"""The images an SR refers to: finding a visit's series by UID, and mapping rulers between
patient coordinates (LPS, mm) and a slice's SCOORD image coordinates.

Image coordinates are (column, row) with (0, 0) the top-left **corner** of the top-left pixel:
the centre of pixel (row r, column c) is (c + 0.5, r + 0.5) — the DICOM SCOORD convention and
that of Cornerstone's ``imageToWorldCoords`` (dicom-sr.md §1b). highdicom's transformers do the
arithmetic.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from highdicom.spatial import ImageToReferenceTransformer, ReferenceToImageTransformer
from pydicom import Dataset, dcmread

#: How far (mm) a ruler's end point or a marked point may lie off a slice plane (§8.2).
ON_SLICE_TOLERANCE_MM = 0.05


@dataclass(frozen=True)
class SliceGeometry:
    """Where one single-frame image lies in patient space.

    Attributes
    ----------
    sop_class_uid, sop_instance_uid : str
        The image's SOP Class and SOP Instance UIDs.
    position : tuple of float
        ImagePositionPatient (LPS mm of the centre of the top-left pixel).
    orientation : tuple of float
        ImageOrientationPatient (row cosines, then column cosines).
    pixel_spacing : tuple of float
        PixelSpacing: (between rows, between columns), mm.
    """

    sop_class_uid: str
    sop_instance_uid: str
    position: tuple[float, float, float]
    orientation: tuple[float, float, float, float, float, float]
    pixel_spacing: tuple[float, float]

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> SliceGeometry | None:
        """The geometry of a single-frame image; None when the header lacks a value."""
        try:
            return cls(
                str(dataset.SOPClassUID),
                str(dataset.SOPInstanceUID),
                tuple(float(v) for v in dataset.ImagePositionPatient),  # type: ignore[arg-type]
                tuple(float(v) for v in dataset.ImageOrientationPatient),  # type: ignore[arg-type]
                tuple(float(v) for v in dataset.PixelSpacing),  # type: ignore[arg-type]
            )
        except (AttributeError, TypeError, ValueError):
            return None

    def _kwargs(self) -> dict[str, Sequence[float]]:
        return {
            "image_position": self.position,
            "image_orientation": self.orientation,
            "pixel_spacing": self.pixel_spacing,
        }

    def to_image(self, points_lps_mm: Sequence[Sequence[float]]) -> np.ndarray:
        """(n, 3) array: (column, row, distance from the slice plane in mm) of LPS points."""
        return ReferenceToImageTransformer(**self._kwargs())(np.asarray(points_lps_mm, float))

    def to_lps(self, image_points: Sequence[Sequence[float]]) -> np.ndarray:
        """(n, 3) LPS mm of (column, row) image points on this slice."""
        return ImageToReferenceTransformer(**self._kwargs())(np.asarray(image_points, float))

    def off_plane_mm(self, points_lps_mm: Sequence[Sequence[float]]) -> float:
        """The largest distance (mm) of the points from this slice's plane."""
        return float(np.abs(self.to_image(points_lps_mm)[:, 2]).max())


@dataclass
class SeriesHeaders:
    """One series' instance headers (no pixel data), in instance order."""

    series_uid: str
    datasets: list[Dataset]
    _slices: list[tuple[SliceGeometry, Dataset]] | None = field(default=None, repr=False)
    _planes: tuple | None = field(default=None, repr=False)

    @property
    def study_uid(self) -> str:
        return str(self.datasets[0].StudyInstanceUID)

    @property
    def modality(self) -> str:
        return str(self.datasets[0].get("Modality", ""))

    def slices(self) -> list[tuple[SliceGeometry, Dataset]]:
        """Each single-frame image with usable geometry, and its header."""
        if self._slices is not None:
            return self._slices
        found = []
        for dataset in self.datasets:
            if int(dataset.get("NumberOfFrames", 1) or 1) != 1:
                continue
            geometry = SliceGeometry.from_dataset(dataset)
            if geometry is not None:
                found.append((geometry, dataset))
        self._slices = found
        return found

    def _off_plane_mm(self, points_lps_mm: Sequence[Sequence[float]]) -> np.ndarray:
        """For each slice of :meth:`slices`, the largest distance (mm) of the points from its
        plane."""
        if self._planes is None:
            slices = self.slices()
            positions = np.array([g.position for g, _ in slices], float).reshape(-1, 3)
            orientations = np.array([g.orientation for g, _ in slices], float).reshape(-1, 6)
            normals = np.cross(orientations[:, :3], orientations[:, 3:])
            normals /= np.linalg.norm(normals, axis=1, keepdims=True)
            self._planes = (slices, positions, normals)
        _slices, positions, normals = self._planes
        points = np.asarray(points_lps_mm, float)
        offsets = points[None, :, :] - positions[:, None, :]
        return np.abs(np.einsum("spk,sk->sp", offsets, normals)).max(axis=1)

    def slice_holding(
        self, points_lps_mm: Sequence[Sequence[float]]
    ) -> tuple[SliceGeometry, Dataset] | None:
        """The acquired slice every point lies on (within ``ON_SLICE_TOLERANCE_MM``), or None."""
        distances = self._off_plane_mm(points_lps_mm)
        if distances.size == 0 or distances.min() > ON_SLICE_TOLERANCE_MM:
            return None
        return self.slices()[int(distances.argmin())]

    def nearest_slice_mm(self, points_lps_mm: Sequence[Sequence[float]]) -> float | None:
        """The smallest off-plane distance (mm) of the points from any slice (for messages)."""
        distances = self._off_plane_mm(points_lps_mm)
        return float(distances.min()) if distances.size else None


def is_dicomweb_url(source: str | os.PathLike[str]) -> bool:
    """Whether ``source`` is a DICOMweb base URL (http:// or https://)."""
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def read_series_headers(
    source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], series_uids: Iterable[str]
) -> dict[str, SeriesHeaders]:
    """The headers of every instance of the wanted series found under a folder.

    Parameters
    ----------
    source : path or sequence of paths
        DICOM files, folders searched recursively, or DICOMDIRs.
    series_uids : iterable of str
        The SeriesInstanceUIDs wanted.

    Returns
    -------
    dict
        ``SeriesHeaders`` by series UID, for the series found (the others are absent).

    Raises
    ------
    recist_reader.errors.SeriesError
        ``source`` does not exist or holds no file.
    """
    from recist_reader.io.dicom.series import scan_path

    wanted = set(series_uids)
    sources = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    paths: dict[str, list[str]] = {}
    for path in sources:
        for header in scan_path(path).files:
            if header.series_uid in wanted and header.path not in paths.get(header.series_uid, []):
                paths.setdefault(header.series_uid, []).append(header.path)
    found: dict[str, SeriesHeaders] = {}
    for series_uid, files in paths.items():
        datasets = []
        for path in files:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                datasets.append(dcmread(path, stop_before_pixels=True))
        datasets.sort(key=lambda ds: (int(ds.get("InstanceNumber") or 0), str(ds.SOPInstanceUID)))
        found[series_uid] = SeriesHeaders(series_uid, datasets)
    return found
