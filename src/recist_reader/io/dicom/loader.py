"""``load_series`` and ``list_series``: from a path to a validated :class:`Volume`."""

from __future__ import annotations

import functools
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from recist_reader.io.dicom.errors import (
    AmbiguousSeriesError,
    NoSeriesFoundError,
    PixelDataError,
    SeriesError,
    UnknownSeriesError,
)
from recist_reader.io.dicom.geometry import StackGeometry, compute_geometry
from recist_reader.io.dicom.pixels import (
    check_layout,
    decode_frames,
    memory_budget_bytes,
    output_dtype,
)
from recist_reader.io.dicom.series import (
    SeriesCandidate,
    SeriesSummary,
    group_series,
    scan_path,
)
from recist_reader.io.dicom.volume import Volume, window_presets

_MAX_NOTES_IN_MESSAGE = 3
_Result = TypeVar("_Result")


def _without_pydicom_warnings(function: Callable[..., _Result]) -> Callable[..., _Result]:
    """pydicom warns about every invalid value; the loader reports what matters itself."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"pydicom(\..*)?$")
            return function(*args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class SeriesInfo:
    """A series found under a path, with its geometry but without pixels.

    Attributes
    ----------
    summary : SeriesSummary
        Key, UID, modality, description, slice count.
    shape : tuple of int or None
        (slices, rows, columns) of the volume ``load_series`` would return.
    spacing_mm : tuple of float or None
        (slice, row, column).
    affine : ndarray or None
        (slice, row, column, 1) -> LPS mm.
    warnings : list of str
        Geometry findings.
    error : str or None
        Why the series cannot be loaded (then shape, spacing and affine are None).
    """

    summary: SeriesSummary
    shape: tuple[int, int, int] | None
    spacing_mm: tuple[float, float, float] | None
    affine: np.ndarray | None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class SeriesListing:
    """Every series under a path, and the files skipped."""

    series: list[SeriesInfo]
    notes: list[str]


def _where(path: str | os.PathLike[str]) -> str:
    return os.fspath(path)


def _candidates(path: str | os.PathLike[str]) -> tuple[list[SeriesCandidate], list[str]]:
    scan = scan_path(path)
    candidates = group_series(scan)
    if not candidates:
        shown = "; ".join(scan.notes[:_MAX_NOTES_IN_MESSAGE])
        more = len(scan.notes) - _MAX_NOTES_IN_MESSAGE
        extra = f"; and {more} more" if more > 0 else ""
        raise NoSeriesFoundError(
            f"{_where(path)}: no CT/MR image series found ({len(scan.notes)} file(s) skipped: "
            f"{shown}{extra}); point at a folder of DICOM image slices"
        )
    return candidates, scan.notes


def _choose(
    candidates: list[SeriesCandidate], series_uid: str | None, where: str
) -> SeriesCandidate:
    listing = "; ".join(c.summary().describe() for c in candidates)
    if series_uid is None:
        if len(candidates) == 1:
            return candidates[0]
        raise AmbiguousSeriesError(
            f"{where}: {len(candidates)} series found, choose one with series_uid=: {listing}",
            [c.summary() for c in candidates],
        )
    series_uid = series_uid.strip()
    for candidate in candidates:
        if candidate.key == series_uid:
            return candidate
    stack = _stack(candidates, series_uid, where)
    if stack is not None:
        return stack
    parts = [c for c in candidates if c.file.series_uid == series_uid]
    if len(parts) > 1:
        part_listing = "; ".join(c.summary().describe() for c in parts)
        raise AmbiguousSeriesError(
            f"{where}: series {series_uid} was split into {len(parts)} parts ("
            f"{parts[0].split_reason.split(': ', 1)[-1]}), choose one with series_uid=: "
            f"{part_listing}",
            [c.summary() for c in parts],
        )
    raise UnknownSeriesError(
        f"{where}: no series {series_uid!r} here; the series found are: {listing}"
    )


def _stack(
    candidates: list[SeriesCandidate], series_uid: str, where: str
) -> SeriesCandidate | None:
    """The candidate for ``<key>#stack<n>``: one regular run of an unevenly spaced series."""
    match = re.fullmatch(r"(?P<base>.+)#stack(?P<number>\d+)", series_uid)
    if match is None:
        return None
    base = _choose(candidates, match["base"], where)
    geometry = compute_geometry(base.frames, where=where, series_key=base.key)
    number, stacks = int(match["number"]), geometry.regular_stacks
    if not 1 <= number <= len(stacks):
        raise UnknownSeriesError(
            f"{where}: series {base.key} has no stack {number} (it has {len(stacks)} regular "
            "stacks); see its uneven-spacing warning"
        )
    start, stop = stacks[number - 1]
    return SeriesCandidate(
        key=series_uid,
        file=base.file,
        frames=geometry.ordered[start:stop],
        split_reason=(
            f"stack {number} of {len(stacks)}: acquired slices {start + 1}-{stop} of "
            f"{len(geometry.ordered)}, regularly spaced"
        ),
        notes=list(base.notes),
    )


def _geometry(candidate: SeriesCandidate, where: str, *, allow_resampling: bool) -> StackGeometry:
    geometry = compute_geometry(
        candidate.frames,
        where=where,
        allow_resampling=allow_resampling,
        series_key=candidate.key,
    )
    for layout in {id(f.layout): f.layout for f in geometry.ordered}.values():
        check_layout(layout)
    if candidate.split_reason:
        geometry.warnings.insert(
            0,
            f"series {candidate.file.series_uid} was split ({candidate.split_reason}); this "
            f"volume is {candidate.key}",
        )
    return geometry


@_without_pydicom_warnings
def list_series(path: str | os.PathLike[str]) -> SeriesListing:
    """List the series under ``path`` with their geometry, without decoding pixels.

    Parameters
    ----------
    path : str or PathLike
        A DICOM file, folder tree or DICOMDIR.

    Returns
    -------
    SeriesListing
        One :class:`SeriesInfo` per candidate series (with ``error`` set for series that
        cannot be loaded), and notes on skipped files.

    Raises
    ------
    SeriesError
        Nothing under ``path`` is a DICOM image.
    """
    candidates, notes = _candidates(path)
    infos = []
    for candidate in candidates:
        summary = candidate.summary()
        try:
            geometry = _geometry(candidate, _where(path), allow_resampling=True)
        except SeriesError as exc:
            infos.append(SeriesInfo(summary, None, None, None, [], str(exc)))
            continue
        first = geometry.ordered[0].layout
        infos.append(
            SeriesInfo(
                summary=summary,
                shape=(geometry.n_slices, first.rows, first.columns),
                spacing_mm=geometry.spacing_mm,
                affine=geometry.affine,
                warnings=list(geometry.warnings),
            )
        )
    return SeriesListing(series=infos, notes=[*notes, *(n for c in candidates for n in c.notes)])


def load_series(
    path: str | os.PathLike[str],
    *,
    series_uid: str | None = None,
    allow_resampling: bool = True,
) -> Volume:
    """Load one DICOM image series as a :class:`Volume` with LPS geometry.

    Headers are read first and the geometry validated before any pixel is decoded; the
    pixels are then decoded into one preallocated array.

    Parameters
    ----------
    path : str or PathLike
        A DICOM file, a folder tree, or a DICOMDIR.
    series_uid : str, optional
        The SeriesInstanceUID to load (or ``UID#part`` for a split series, as listed by
        ``list_series`` and in :class:`AmbiguousSeriesError`; or ``<key>#stack<n>`` for one
        regularly spaced stack of an unevenly spaced series, as named in its warning).
        Required when the path holds several series.
    allow_resampling : bool, optional
        Missing slices or uneven spacing are resampled onto a regular grid (default, with a
        warning listing the interpolated slices); False raises :class:`GeometryError`.

    Returns
    -------
    Volume

    Raises
    ------
    SeriesError
        With a subclass naming the kind: ``NoSeriesFoundError``, ``AmbiguousSeriesError``,
        ``UnknownSeriesError``, ``DicomFileError``, ``GeometryError``, ``PixelDataError``.
    """
    return prepare_series(path, series_uid=series_uid, allow_resampling=allow_resampling).load()


@dataclass(frozen=True)
class PreparedSeries:
    """A series chosen under a path, with its headers read and its geometry validated:
    everything :func:`load_series` does before decoding a pixel.

    Attributes
    ----------
    candidate : SeriesCandidate
        The series' frames, as grouped from the headers.
    geometry : StackGeometry
        Slice order, spacing, affine and any resampling plan.
    acquired_dtype : numpy.dtype
        The type of the decoded frames (wide enough for the rescaled values).
    notes : list of str
        Files skipped while scanning, and why.
    """

    candidate: SeriesCandidate
    geometry: StackGeometry
    acquired_dtype: np.dtype
    notes: list[str]

    @property
    def acquired_shape(self) -> tuple[int, int, int]:
        """(frames, rows, columns) of the acquired frames, in slice order."""
        first = self.geometry.ordered[0].layout
        return (len(self.geometry.ordered), first.rows, first.columns)

    @property
    def needs_resampling(self) -> bool:
        """Missing slices or uneven spacing: the volume is interpolated from the frames."""
        return self.geometry.sources is not None

    @_without_pydicom_warnings
    def load(self) -> Volume:
        """Decode every frame into one preallocated array: the :class:`Volume`.

        Raises
        ------
        PixelDataError
            A frame cannot be read or decoded.
        """
        acquired = np.empty(self.acquired_shape, dtype=self.acquired_dtype)
        decode_frames(self.geometry.ordered, acquired)
        return self.volume(self.resampled(acquired))

    def resampled(self, acquired: np.ndarray) -> np.ndarray:
        """The volume's voxels from the decoded frames (``acquired`` itself on a regular grid)."""
        sources = self.geometry.sources
        if sources is None:
            return acquired
        _, rows, columns = acquired.shape
        array = np.empty((self.geometry.n_slices, rows, columns), dtype=np.float32)
        for index, source in enumerate(sources):
            if source.interpolated:
                np.multiply(
                    acquired[source.lower], 1.0 - source.weight, out=array[index], casting="unsafe"
                )
                array[index] += source.weight * acquired[source.upper]
            else:
                array[index] = acquired[source.lower]
        return array

    def volume(self, array: Any) -> Volume:
        """The :class:`Volume` of ``array`` (the voxels, or an array-like that delivers them)."""
        candidate, geometry = self.candidate, self.geometry
        ordered = geometry.ordered
        first = ordered[0]
        warnings = list(geometry.warnings)
        modality = candidate.file.modality
        if modality == "CT" and not any(f.has_rescale for f in ordered):
            warnings.append(
                "CT without RescaleSlope/RescaleIntercept: values are stored values, assumed HU"
            )
        if first.layout.photometric == "MONOCHROME1":
            warnings.append("MONOCHROME1: low values display white; invert the grey scale to view")
        return Volume(
            array=array,
            spacing_mm=geometry.spacing_mm,
            affine=geometry.affine,
            series_uid=candidate.file.series_uid,
            modality=modality,
            study_date=candidate.file.study_date,
            warnings=warnings,
            series_key=candidate.key,
            study_uid=candidate.file.study_uid,
            description=candidate.file.series_description,
            patient_id=candidate.file.patient_id,
            frame_of_reference_uid=candidate.file.frame_of_reference_uid,
            series_number=candidate.file.series_number,
            window_presets=window_presets(modality, first.windows, array),
            slice_positions_mm=geometry.slice_positions_mm,
            direction=geometry.direction,
            slice_interval_mm=geometry.slice_interval_mm,
            slice_thickness_mm=first.slice_thickness,
            gantry_tilt_deg=geometry.tilt_deg,
            interpolated_slices=geometry.interpolated_slices,
            source_files=tuple(f.path for f in ordered),
            sop_instance_uids=tuple(f.sop_instance_uid for f in ordered),
            notes=[*self.notes, *candidate.notes],
        )


@_without_pydicom_warnings
def prepare_series(
    path: str | os.PathLike[str],
    *,
    series_uid: str | None = None,
    allow_resampling: bool = True,
) -> PreparedSeries:
    """Read the headers of one series and validate its geometry and pixel layout.

    Takes the arguments of :func:`load_series` and raises the same errors, except those
    only decoding finds (a corrupt compressed frame, a file that vanished since).
    """
    where = _where(path)
    candidates, notes = _candidates(path)
    candidate = _choose(candidates, series_uid, where)
    geometry = _geometry(candidate, where, allow_resampling=allow_resampling)
    ordered = geometry.ordered
    rows, columns = ordered[0].layout.rows, ordered[0].layout.columns
    dtype = output_dtype(ordered)
    needed = len(ordered) * rows * columns * dtype.itemsize
    if geometry.sources is not None:
        needed += geometry.n_slices * rows * columns * np.dtype(np.float32).itemsize
    if needed > memory_budget_bytes():
        raise PixelDataError(
            f"{where}: the volume needs {needed / 1024**3:.1f} GiB, more than half of this "
            "machine's memory; load it on a larger machine"
        )
    return PreparedSeries(candidate, geometry, dtype, notes)
