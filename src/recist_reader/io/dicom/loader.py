"""``load_series`` and ``list_series``: from a path to a validated :class:`Volume`."""

from __future__ import annotations

import functools
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

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


@_without_pydicom_warnings
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
    where = _where(path)
    candidates, notes = _candidates(path)
    candidate = _choose(candidates, series_uid, where)
    geometry = _geometry(candidate, where, allow_resampling=allow_resampling)
    ordered = geometry.ordered
    first = ordered[0]
    rows, columns = first.layout.rows, first.layout.columns
    dtype = output_dtype(ordered)
    resampling = geometry.sources is not None
    final_dtype = np.dtype(np.float32) if resampling else dtype
    needed = len(ordered) * rows * columns * dtype.itemsize
    if resampling:
        needed += geometry.n_slices * rows * columns * final_dtype.itemsize
    if needed > memory_budget_bytes():
        raise PixelDataError(
            f"{where}: the volume needs {needed / 1024**3:.1f} GiB, more than half of this "
            "machine's memory; load it on a larger machine"
        )
    acquired = np.empty((len(ordered), rows, columns), dtype=dtype)
    decode_frames(ordered, acquired)
    if resampling:
        array = np.empty((geometry.n_slices, rows, columns), dtype=final_dtype)
        for index, source in enumerate(geometry.sources):  # type: ignore[arg-type]
            if source.interpolated:
                np.multiply(
                    acquired[source.lower], 1.0 - source.weight, out=array[index], casting="unsafe"
                )
                array[index] += source.weight * acquired[source.upper]
            else:
                array[index] = acquired[source.lower]
        del acquired
    else:
        array = acquired
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
        notes=[*notes, *candidate.notes],
    )
