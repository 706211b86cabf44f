"""``load_series`` and ``list_series``: from a path to a validated :class:`Volume`."""

from __future__ import annotations

import functools
import os
import re
import warnings
from collections.abc import Callable, MutableMapping
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
from recist_reader.io.dicom.headers import FrameHeader
from recist_reader.io.dicom.pixels import (
    Buffer,
    ValuesOutOfRange,
    check_layout,
    decode_frames,
    memory_budget_bytes,
    narrowest_dtype,
    output_dtype,
)
from recist_reader.io.dicom.series import (
    ScanResult,
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


def is_dicomweb_url(source: object) -> bool:
    """True for an ``http://`` or ``https://`` URL (a DICOMweb source, design.md §8.9)."""
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def candidates_of(scan: ScanResult, where: str) -> list[SeriesCandidate]:
    """The candidate series of scanned headers.

    Raises
    ------
    NoSeriesFoundError
        None of them is an image (the message lists why each was skipped).
    """
    candidates = group_series(scan)
    if not candidates:
        shown = "; ".join(scan.notes[:_MAX_NOTES_IN_MESSAGE])
        more = len(scan.notes) - _MAX_NOTES_IN_MESSAGE
        extra = f"; and {more} more" if more > 0 else ""
        raise NoSeriesFoundError(
            f"{where}: no CT/MR image series found ({len(scan.notes)} file(s) skipped: "
            f"{shown}{extra}); point at a folder of DICOM image slices"
        )
    return candidates


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
def list_series(path: str | os.PathLike[str], *, study_uid: str | None = None) -> SeriesListing:
    """List the series under ``path`` with their geometry, without decoding pixels.

    Parameters
    ----------
    path : str or PathLike
        A DICOM file, folder tree or DICOMDIR; or a DICOMweb base URL (design.md §8.9),
        which needs ``study_uid``.
    study_uid : str, optional
        The study to list, from a DICOMweb URL.

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
    if is_dicomweb_url(path):
        from recist_reader.io.dicomweb import series as dicomweb

        return dicomweb.list_series(str(path), study_uid=study_uid)
    scan = scan_path(path)
    return list_scanned(scan, _where(path))


def list_scanned(scan: ScanResult, where: str) -> SeriesListing:
    """:func:`list_series` of headers already read (from files or a server's metadata)."""
    candidates = candidates_of(scan, where)
    infos = []
    for candidate in candidates:
        summary = candidate.summary()
        try:
            geometry = _geometry(candidate, where, allow_resampling=True)
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
    notes = [*scan.notes, *(n for c in candidates for n in c.notes)]
    return SeriesListing(series=infos, notes=notes)


def load_series(
    path: str | os.PathLike[str],
    *,
    series_uid: str | None = None,
    allow_resampling: bool = True,
    study_uid: str | None = None,
) -> Volume:
    """Load one DICOM image series as a :class:`Volume` with LPS geometry.

    Headers are read first and the geometry validated before any pixel is decoded; the
    pixels are then decoded into one preallocated array.

    Parameters
    ----------
    path : str or PathLike
        A DICOM file, a folder tree, or a DICOMDIR; or a DICOMweb base URL
        (``http(s)://host:port/dicom-web``, design.md §8.9), from which the series is
        retrieved and then loaded exactly as from a folder holding the same files.
    series_uid : str, optional
        The SeriesInstanceUID to load (or ``UID#part`` for a split series, as listed by
        ``list_series`` and in :class:`AmbiguousSeriesError`; or ``<key>#stack<n>`` for one
        regularly spaced stack of an unevenly spaced series, as named in its warning).
        Required when the path holds several series.
    allow_resampling : bool, optional
        Missing slices or uneven spacing are resampled onto a regular grid (default, with a
        warning listing the interpolated slices); False raises :class:`GeometryError`.
    study_uid : str, optional
        From a DICOMweb URL: the StudyInstanceUID (found from ``series_uid`` when omitted;
        with ``study_uid`` alone, the study must hold exactly one image series).

    Returns
    -------
    Volume

    Raises
    ------
    SeriesError
        With a subclass naming the kind: ``NoSeriesFoundError``, ``AmbiguousSeriesError``,
        ``UnknownSeriesError``, ``DicomFileError``, ``GeometryError``, ``PixelDataError``;
        from a URL also ``DicomwebError`` (server unreachable, refused, HTTP errors).
    """
    if is_dicomweb_url(path):
        from recist_reader.io.dicomweb import series as dicomweb

        return dicomweb.load_series(
            str(path),
            series_uid=series_uid,
            study_uid=study_uid,
            allow_resampling=allow_resampling,
        )
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
        The type the frames are decoded into first: the narrowest that may hold their
        rescaled values (int16 for a signed CT whose values fit, see ``narrowest_dtype``).
    notes : list of str
        Files skipped while scanning, and why.
    wide_dtype : numpy.dtype or None
        The type that holds every value the headers allow (``output_dtype``), used when
        the values do not fit ``acquired_dtype``; None when it is ``acquired_dtype``.
    where : str
        The path (or URL) named in messages.
    blobs : dict of str to bytes-like, optional
        Whole files held in memory by path (instances retrieved from a server): their
        frames are decoded from there instead of from disk, each file dropped from the
        dict once decoded (so a series with blobs is loaded once).
    """

    candidate: SeriesCandidate
    geometry: StackGeometry
    acquired_dtype: np.dtype
    notes: list[str]
    wide_dtype: np.dtype | None = None
    where: str = ""
    blobs: MutableMapping[str, Buffer] | None = field(default=None, repr=False, compare=False)

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
        return self.volume(self.resampled(self.decode()))

    def decode(self, frames: list[FrameHeader] | None = None) -> np.ndarray:
        """The acquired frames, decoded in slice order into the narrowest type that holds them.

        Parameters
        ----------
        frames : list of FrameHeader, optional
            Where to read each of ``geometry.ordered`` from (the same frames, found in other
            files); default: ``geometry.ordered`` itself.

        Raises
        ------
        PixelDataError
            A frame cannot be read or decoded.
        """
        frames = self.geometry.ordered if frames is None else frames
        done: set[str] = set()
        acquired = np.empty(self.acquired_shape, dtype=self.acquired_dtype)
        try:
            decode_frames(frames, acquired, self.blobs, done)  # type: ignore[arg-type]
            return acquired
        except ValuesOutOfRange:
            if self.wide_dtype is None:  # pragma: no cover - raised only for a narrower type
                raise
        # The frames decoded hold their exact values (each was checked to fit before it
        # was written): they move to the wider array, and the others are decoded into it.
        check_memory_budget(
            self.acquired_shape,
            self.wide_dtype,
            self.geometry,
            self.where,
            also_bytes=acquired.nbytes,
        )
        wide = np.empty(self.acquired_shape, dtype=self.wide_dtype)
        for slot, frame in enumerate(frames):
            if frame.path in done:
                wide[slot] = acquired[slot]
        del acquired
        decode_frames(frames, wide, self.blobs, done)  # type: ignore[arg-type]
        return wide

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
    scan = scan_path(path)
    return prepare_scanned(
        scan, _where(path), series_uid=series_uid, allow_resampling=allow_resampling
    )


def prepare_scanned(
    scan: ScanResult, where: str, *, series_uid: str | None, allow_resampling: bool
) -> PreparedSeries:
    """:func:`prepare_series` of headers already read (from files or a server's metadata)."""
    candidate = _choose(candidates_of(scan, where), series_uid, where)
    geometry = _geometry(candidate, where, allow_resampling=allow_resampling)
    return _prepared(candidate, geometry, scan.notes, where)


def _prepared(
    candidate: SeriesCandidate, geometry: StackGeometry, notes: list[str], where: str
) -> PreparedSeries:
    """The :class:`PreparedSeries` of a chosen candidate, once its memory need is checked."""
    dtype = narrowest_dtype(geometry.ordered)
    wide = output_dtype(geometry.ordered)
    first = geometry.ordered[0].layout
    check_memory_budget((len(geometry.ordered), first.rows, first.columns), dtype, geometry, where)
    return PreparedSeries(candidate, geometry, dtype, notes, None if wide == dtype else wide, where)


def check_memory_budget(
    acquired_shape: tuple[int, int, int],
    dtype: np.dtype,
    geometry: StackGeometry,
    where: str,
    *,
    also_bytes: int = 0,
) -> None:
    """Refuse a volume that needs more than half of this machine's memory (with
    ``also_bytes`` held besides it).

    Raises
    ------
    PixelDataError
        Naming ``where`` and the size needed.
    """
    frames, rows, columns = acquired_shape
    needed = frames * rows * columns * np.dtype(dtype).itemsize + also_bytes
    if geometry.sources is not None:
        needed += geometry.n_slices * rows * columns * np.dtype(np.float32).itemsize
    if needed > memory_budget_bytes():
        raise PixelDataError(
            f"{where}: the volume needs {needed / 1024**3:.1f} GiB, more than half of this "
            "machine's memory; load it on a larger machine"
        )
