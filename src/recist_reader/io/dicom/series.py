"""Find DICOM files under a path and group their frames into candidate series.

Frames are grouped by SeriesInstanceUID and then split when one UID holds several
orientations, image sizes, pixel spacings, or repeated acquisitions of the same positions.
Non-DICOM files and non-image objects are skipped with a note.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from recist_reader.io.dicom.errors import DicomFileError, NoSeriesFoundError
from recist_reader.io.dicom.headers import (
    FileHeader,
    FrameHeader,
    NotDicomError,
    UnreadableDicomError,
    read_file_header,
)

_ORIENTATION_TOLERANCE = 1e-3
_SPACING_TOLERANCE_MM = 1e-4
_DUPLICATE_POSITION_MM = 0.01


@dataclass(frozen=True)
class SeriesSummary:
    """One candidate series, as listed by ``inspect`` and in ambiguity errors.

    Attributes
    ----------
    key : str
        What to pass as ``series_uid=`` to load it: the SeriesInstanceUID, followed by
        ``#<part>`` when one UID had to be split.
    series_uid, modality, description : str
        From the header.
    slices : int
        Number of frames (slices) in the candidate.
    rows, columns : int
        Image size.
    split_reason : str
        Why the UID was split (empty when it was not).
    """

    key: str
    series_uid: str
    modality: str
    description: str
    slices: int
    rows: int
    columns: int
    split_reason: str = ""

    def describe(self) -> str:
        """One line: key, modality, description and slice count."""
        description = self.description or "no description"
        text = f"{self.key} ({self.modality or '?'}, {description!r}, {self.slices} slices"
        return text + (f"; {self.split_reason})" if self.split_reason else ")")


@dataclass
class SeriesCandidate:
    """Frames that may form one volume, with the series-level header values."""

    key: str
    file: FileHeader
    frames: list[FrameHeader]
    split_reason: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> SeriesSummary:
        """The public summary of this candidate."""
        first = self.frames[0].layout
        return SeriesSummary(
            key=self.key,
            series_uid=self.file.series_uid,
            modality=self.file.modality,
            description=self.file.series_description,
            slices=len(self.frames),
            rows=first.rows,
            columns=first.columns,
            split_reason=self.split_reason,
        )


@dataclass
class ScanResult:
    """Headers of every image file found, and notes on every file skipped."""

    files: list[FileHeader]
    notes: list[str]


def _walk_files(root: str) -> Iterator[str]:
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                yield os.path.join(directory, name)


def _dicomdir_files(path: str) -> list[str]:
    """The image files a DICOMDIR references (relative to its folder)."""
    import pydicom

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            index = pydicom.dcmread(path, force=True)
        records = index.DirectoryRecordSequence
    except Exception as exc:
        raise DicomFileError(
            f"{path}: the DICOMDIR cannot be read ({type(exc).__name__}); "
            "open the folder that holds the images instead"
        ) from None
    root = os.path.dirname(os.path.abspath(path))
    files = []
    for record in records:
        file_id = record.get("ReferencedFileID")
        if not file_id:
            continue
        parts = [file_id] if isinstance(file_id, str) else list(file_id)
        files.append(os.path.join(root, *[str(p) for p in parts]))
    return files


def _is_dicomdir(path: str) -> bool:
    return os.path.basename(path).upper() == "DICOMDIR"


def scan_path(path: str | os.PathLike[str]) -> ScanResult:
    """Read the headers of every DICOM file under ``path``.

    Parameters
    ----------
    path : str or PathLike
        A DICOM file, a folder tree, or a DICOMDIR.

    Returns
    -------
    ScanResult
        Image file headers, and a note for each file skipped.

    Raises
    ------
    NoSeriesFoundError
        ``path`` does not exist or holds no file at all.
    DicomFileError
        ``path`` is a single DICOM file, or a DICOMDIR, whose header cannot be read.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise NoSeriesFoundError(f"{path}: no such file or folder; check the path")
    notes: list[str] = []
    if os.path.isdir(path):
        candidates = list(_walk_files(path))
        if not candidates:
            raise NoSeriesFoundError(f"{path}: the folder is empty; point at a DICOM series")
    elif _is_dicomdir(path):
        candidates = _dicomdir_files(path)
        if not candidates:
            raise NoSeriesFoundError(f"{path}: the DICOMDIR references no image files")
    else:
        candidates = [path]
    single_file = candidates == [path]
    files: list[FileHeader] = []
    for file_path in candidates:
        if not os.path.isfile(file_path):
            notes.append(f"{file_path}: skipped: referenced file does not exist")
            continue
        if single_file:
            _raise_if_unreadable(file_path)
        scanned = scan_file(file_path)
        if isinstance(scanned, str):
            notes.append(scanned)
        else:
            files.append(scanned)
    return ScanResult(files=files, notes=notes)


def scan_file(file_path: str) -> FileHeader | str:
    """The header of one image file, or the note saying why the file is skipped."""
    try:
        header = read_file_header(file_path)
    except NotDicomError:
        return f"{file_path}: skipped: not a DICOM file"
    except UnreadableDicomError as exc:
        return f"{file_path}: skipped: {exc}; the file is truncated or corrupt"
    except OSError as exc:
        return f"{file_path}: skipped: cannot be read ({exc.strerror})"
    if header.skip_reason:
        return f"{file_path}: skipped: {header.skip_reason}"
    return header


def _raise_if_unreadable(file_path: str) -> None:
    """A path naming one file: that it is not DICOM, or corrupt, is an error, not a note.

    Raises
    ------
    NoSeriesFoundError
        Not a DICOM file.
    DicomFileError
        Its header cannot be read.
    """
    try:
        read_file_header(file_path)
    except NotDicomError:
        raise NoSeriesFoundError(
            f"{file_path}: not a DICOM file; point at a DICOM file, folder or DICOMDIR"
        ) from None
    except UnreadableDicomError as exc:
        raise DicomFileError(
            f"{file_path}: {exc}; the file is truncated or corrupt, re-export it"
        ) from None
    except OSError:
        pass  # noted by scan_file


def _normal(orientation: tuple[float, ...]) -> np.ndarray:
    row = np.asarray(orientation[:3], dtype=float)
    column = np.asarray(orientation[3:], dtype=float)
    normal = np.cross(row, column)
    length = np.linalg.norm(normal)
    return normal / length if length > 0 else normal


def _cluster_index(value: np.ndarray | None, reps: list[np.ndarray | None], tol: float) -> int:
    for index, rep in enumerate(reps):
        if value is None and rep is None:
            return index
        if value is not None and rep is not None and np.max(np.abs(value - rep)) <= tol:
            return index
    reps.append(value)
    return len(reps) - 1


def _split(frames: list[FrameHeader]) -> tuple[list[list[FrameHeader]], str]:
    """Split one UID's frames by orientation, size and pixel spacing.

    Frames lacking an orientation or pixel spacing stay with the largest group, so that
    loading names the missing value instead of reporting a split.
    """
    orientations: list[np.ndarray | None] = []
    spacings: list[np.ndarray | None] = []
    sizes: list[tuple[int, int]] = []
    groups: dict[tuple[int, int, int], list[FrameHeader]] = {}
    incomplete: list[FrameHeader] = []
    for frame in frames:
        if frame.orientation is None or frame.pixel_spacing is None:
            incomplete.append(frame)
            continue
        size = (frame.layout.rows, frame.layout.columns)
        if size not in sizes:
            sizes.append(size)
        key = (
            _cluster_index(np.asarray(frame.orientation), orientations, _ORIENTATION_TOLERANCE),
            sizes.index(size),
            _cluster_index(np.asarray(frame.pixel_spacing), spacings, _SPACING_TOLERANCE_MM),
        )
        groups.setdefault(key, []).append(frame)
    parts = list(groups.values())
    if incomplete:
        if parts:
            max(parts, key=len).extend(incomplete)
        else:
            parts = [incomplete]
    reasons = []
    if len(orientations) > 1:
        reasons.append(f"{len(orientations)} orientations")
    if len(sizes) > 1:
        reasons.append(f"{len(sizes)} image sizes")
    if len(spacings) > 1:
        reasons.append(f"{len(spacings)} pixel spacings")
    reason = f"the series mixes {' and '.join(reasons)}" if len(parts) > 1 else ""
    return parts, reason


def _has_duplicate_positions(frames: list[FrameHeader]) -> bool:
    if any(f.position is None or f.orientation is None for f in frames):
        return False
    normal = _normal(frames[0].orientation)  # type: ignore[arg-type]
    along = np.sort([float(np.dot(normal, f.position)) for f in frames])  # type: ignore[arg-type]
    return bool(np.any(np.diff(along) < _DUPLICATE_POSITION_MM))


def _split_acquisitions(frames: list[FrameHeader]) -> list[list[FrameHeader]]:
    """Split repeated acquisitions of the same positions, if each forms a volume alone."""
    if not _has_duplicate_positions(frames):
        return [frames]
    groups: dict[tuple, list[FrameHeader]] = {}
    for frame in frames:
        groups.setdefault(frame.acquisition_key, []).append(frame)
    if len(groups) < 2 or any(len(g) < 2 or _has_duplicate_positions(g) for g in groups.values()):
        return [frames]  # not separable: the loader reports the duplicate positions
    return [groups[k] for k in sorted(groups, key=lambda k: tuple(str(v) for v in k))]


def group_series(scan: ScanResult) -> list[SeriesCandidate]:
    """Group frames into candidate series (see module docstring)."""
    by_uid: dict[str, list[tuple[FileHeader, FrameHeader]]] = {}
    seen: dict[tuple[str, int | None], str] = {}
    notes: dict[str, list[str]] = {}
    for file in scan.files:
        uid = file.series_uid or f"(no SeriesInstanceUID in {os.path.dirname(file.path)})"
        for frame in file.frames:
            identity = (frame.sop_instance_uid, frame.frame_index)
            if frame.sop_instance_uid and identity in seen:
                notes.setdefault(uid, []).append(
                    f"{frame.path}: skipped: same SOPInstanceUID as {seen[identity]} (a copy)"
                )
                continue
            seen[identity] = frame.path
            by_uid.setdefault(uid, []).append((file, frame))
    candidates: list[SeriesCandidate] = []
    for uid, entries in by_uid.items():
        files = {id(f): f for f, _ in entries}
        first_file = entries[0][0]
        frames = [frame for _, frame in entries]
        parts, reason = _split(frames)
        final_parts: list[list[FrameHeader]] = []
        for part in parts:
            acquisitions = _split_acquisitions(part)
            if len(acquisitions) > 1:
                reason = (reason + "; " if reason else "") + (
                    f"it repeats {len(acquisitions)} acquisitions of the same positions"
                )
            final_parts.extend(acquisitions)
        for number, part in enumerate(final_parts, start=1):
            key = uid if len(final_parts) == 1 else f"{uid}#{number}"
            owner = next((f for f in files.values() if f.path == part[0].path), first_file)
            split_reason = f"part {number} of {len(final_parts)}: {reason}" if reason else ""
            candidates.append(
                SeriesCandidate(
                    key=key,
                    file=owner,
                    frames=part,
                    split_reason=split_reason,
                    notes=list(notes.get(uid, [])),
                )
            )
    candidates.sort(key=lambda c: (c.file.series_number is None, c.file.series_number or 0, c.key))
    return candidates
