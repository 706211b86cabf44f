"""Validate a stack of frames step by step and compute its LPS affine.

The checks follow the order of highdicom's ``get_volume_from_series``: every frame has a
position, orientation and pixel spacing; they share one orientation and spacing; the
positions are distinct and lie on one line; the spacing along the slice normal is regular.
Gantry tilt gives a sheared affine (pixels untouched). Missing slices and uneven spacing
are resampled onto a regular grid along the slice axis (or refused, on request).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from recist_reader.io.dicom.errors import GeometryError
from recist_reader.io.dicom.headers import FrameHeader

#: A shear is reported as gantry tilt when it moves the last slice this many pixels in-plane.
_TILT_REPORT_PIXELS = 0.1
#: Largest distance (in pixels) of a slice position from the stack's line.
_COLLINEAR_PIXELS = 0.1
#: Weights this close to 0 or 1 copy the acquired slice instead of interpolating.
_EXACT_WEIGHT = 1e-3
#: Resampling may create at most this many slices per acquired slice.
_MAX_RESAMPLING_FACTOR = 8


def _median(values: np.ndarray) -> float:
    """``np.median`` of a 1-D array of finite values, without importing numpy.ma (15 ms)."""
    ordered = np.sort(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return float((ordered[middle - 1] + ordered[middle]) / 2)


def spacing_tolerance_mm(spacing_mm: float) -> float:
    """Allowed deviation of a slice gap from the typical gap: 1 % or 0.01 mm."""
    return max(0.01, 0.01 * abs(spacing_mm))


@dataclass(frozen=True)
class SliceSource:
    """How one output slice is made from acquired slices (indices into ``ordered``).

    ``weight`` 0 means a plain copy of ``lower``; otherwise
    ``(1 - weight) * lower + weight * upper``.
    """

    lower: int
    upper: int
    weight: float

    @property
    def interpolated(self) -> bool:
        """True when the slice is not an acquired slice."""
        return self.weight != 0.0


@dataclass
class StackGeometry:
    """The validated geometry of a stack.

    Attributes
    ----------
    ordered : list of FrameHeader
        Acquired frames ordered by position along the slice normal.
    sources : list of SliceSource or None
        How each output slice is made; None when output slices are the acquired ones.
    affine : ndarray, shape (4, 4)
        (slice, row, column, 1) -> LPS mm.
    spacing_mm : tuple of float
        Norms of the affine's first three columns: (slice, row, column).
    slice_positions_mm : ndarray, shape (slices, 3)
        LPS position of each output slice's first pixel.
    slice_interval_mm : float
        Distance between slice planes along the normal.
    tilt_deg : float
        Angle between the slice axis and the slice normal (0 for untilted stacks).
    warnings : list of str
        What was found and what was done about it.
    regular_stacks : list of (start, stop)
        For uneven spacing: runs of ``ordered`` (stop exclusive) that are each regularly
        spaced and can be loaded exactly on their own; empty otherwise.
    """

    ordered: list[FrameHeader]
    sources: list[SliceSource] | None
    affine: np.ndarray
    spacing_mm: tuple[float, float, float]
    slice_positions_mm: np.ndarray
    slice_interval_mm: float
    tilt_deg: float
    direction: np.ndarray
    warnings: list[str] = field(default_factory=list)
    regular_stacks: list[tuple[int, int]] = field(default_factory=list)

    @property
    def n_slices(self) -> int:
        """Number of output slices."""
        return len(self.slice_positions_mm)

    @property
    def interpolated_slices(self) -> tuple[int, ...]:
        """Indices of output slices made by interpolation."""
        if self.sources is None:
            return ()
        return tuple(i for i, s in enumerate(self.sources) if s.interpolated)


def _fail(where: str, problem: str, fix: str) -> GeometryError:
    return GeometryError(f"{where}: {problem}; {fix}")


def _unit_orientation(frame: FrameHeader, where: str) -> tuple[np.ndarray, np.ndarray]:
    row = np.asarray(frame.orientation[:3], dtype=float)  # type: ignore[index]
    column = np.asarray(frame.orientation[3:], dtype=float)  # type: ignore[index]
    for name, vector in (("row", row), ("column", column)):
        length = float(np.linalg.norm(vector))
        if not 0.99 <= length <= 1.01:
            raise _fail(
                where,
                f"ImageOrientationPatient's {name} direction has length {length:.3g}, not 1",
                "the header is corrupt; re-export the series",
            )
    row, column = row / np.linalg.norm(row), column / np.linalg.norm(column)
    if abs(float(np.dot(row, column))) > 0.01:
        raise _fail(
            where,
            "ImageOrientationPatient's row and column directions are not perpendicular",
            "the header is corrupt; re-export the series",
        )
    return row, column


def _check_frames(frames: list[FrameHeader], where: str) -> None:
    """Every frame has usable geometry, one orientation and one pixel spacing."""
    for frame in frames:
        label = f"{where}: {frame.label}" if where != frame.path else frame.label
        if frame.problems:
            raise _fail(label, frame.problems[0], "the header is corrupt; re-export the series")
        for keyword, value in (
            ("ImagePositionPatient", frame.position),
            ("ImageOrientationPatient", frame.orientation),
            ("PixelSpacing", frame.pixel_spacing),
        ):
            if value is None:
                frame_name = "" if frame.frame_index is None else f" frame {frame.frame_index + 1}"
                raise _fail(
                    f"{frame.path}{frame_name}",
                    f"has no {keyword}, so its position in the patient is unknown",
                    "millimetres cannot be measured on it; use the original CT/MR series",
                )
        if min(frame.pixel_spacing) <= 0:  # type: ignore[type-var]
            raise _fail(
                frame.path,
                f"PixelSpacing {list(frame.pixel_spacing)} is zero or negative",  # type: ignore[arg-type]
                "the header is corrupt; re-export the series",
            )
        if frame.layout.rows <= 0 or frame.layout.columns <= 0:
            raise _fail(
                frame.path,
                f"image size {frame.layout.rows}x{frame.layout.columns} is empty",
                "the header is corrupt; re-export the series",
            )
    first = frames[0]
    references = {f.frame_of_reference_uid for f in frames if f.frame_of_reference_uid}
    if len(references) > 1:
        other = next(
            f for f in frames if f.frame_of_reference_uid not in ("", first.frame_of_reference_uid)
        )
        raise _fail(
            where,
            f"mixed frame of reference: {other.label} and {first.label} have different "
            "FrameOfReferenceUIDs, so their positions are in different coordinate systems",
            "load slices from one acquisition only",
        )
    reference = np.asarray(first.orientation)
    for frame in frames[1:]:
        if np.max(np.abs(np.asarray(frame.orientation) - reference)) > 1e-3:
            raise _fail(
                where,
                f"mixed orientation: {frame.label} is oriented {list(frame.orientation)} "  # type: ignore[arg-type]
                f"but {first.label} {list(first.orientation)}",  # type: ignore[arg-type]
                "load one orientation at a time",
            )
        if np.max(np.abs(np.asarray(frame.pixel_spacing) - np.asarray(first.pixel_spacing))) > 1e-4:
            raise _fail(
                where,
                f"mixed pixel spacing: {frame.label} has {list(frame.pixel_spacing)} mm but "  # type: ignore[arg-type]
                f"{first.label} {list(first.pixel_spacing)} mm",  # type: ignore[arg-type]
                "load one spacing at a time",
            )


def _run_summary(gaps: np.ndarray, tolerance: float) -> str:
    """``4.00 mm x13, 1.08 mm x1, 7.00 mm x13``: consecutive runs of equal gaps."""
    runs: list[list[float]] = []
    for gap in gaps:
        if runs and abs(gap - np.mean(runs[-1])) <= tolerance:
            runs[-1].append(float(gap))
        else:
            runs.append([float(gap)])
    return ", ".join(f"{np.mean(r):.2f} mm x{len(r)}" for r in runs)


def regular_stacks(gaps: np.ndarray, tolerance: float) -> list[tuple[int, int]]:
    """Split slices into consecutive runs of equal gaps (greedy); keep runs of 2+ slices."""
    stacks = []
    start = 0
    n = len(gaps) + 1
    while start < n - 1:
        stop = start + 1  # slices start..stop-1, extended while the gap stays the same
        while stop < n and abs(gaps[stop - 1] - gaps[start]) <= tolerance:
            stop += 1
        if stop - start >= 2:
            stacks.append((start, stop))
        start = stop if stop - start >= 2 else start + 1
    return stacks


@dataclass(frozen=True)
class _OrderedStack:
    """The frames ordered along the slice normal, with the in-plane geometry of the first."""

    ordered: list[FrameHeader]
    positions: np.ndarray  # (n, 3) LPS mm, in order
    along: np.ndarray  # (n,) mm along the normal, ascending
    normal: np.ndarray
    row_dir: np.ndarray
    column_dir: np.ndarray
    row_spacing: float
    column_spacing: float

    @property
    def pixel_mm(self) -> float:
        return min(self.row_spacing, self.column_spacing)


@dataclass(frozen=True)
class _SliceGrid:
    """Where the output slices lie: ``positions[0] + t * slice_axis`` for ``t`` in ``grid_t``."""

    slice_axis: np.ndarray  # LPS mm per mm along the normal
    interval: float  # mm between slice planes, along the normal
    grid_t: np.ndarray
    sources: list[SliceSource] | None = None
    tilt_deg: float = 0.0
    stacks: list[tuple[int, int]] = field(default_factory=list)


def compute_geometry(
    frames: list[FrameHeader],
    *,
    where: str,
    allow_resampling: bool = True,
    series_key: str = "",
) -> StackGeometry:
    """Validate ``frames`` as one volume and compute its affine.

    Parameters
    ----------
    frames : list of FrameHeader
        The frames of one candidate series, in any order.
    where : str
        The folder or file named in messages.
    allow_resampling : bool
        Resample missing slices or uneven spacing onto a regular grid (True) or raise
        :class:`GeometryError` (False).
    series_key : str
        The key named in messages about regular stacks (``<key>#stack<n>``).

    Returns
    -------
    StackGeometry

    Raises
    ------
    GeometryError
        Missing or corrupt geometry, mixed orientation or spacing, duplicate positions,
        positions off a line, or (with ``allow_resampling=False``) irregular spacing.
    """
    _check_frames(frames, where)
    stack = _order_along_normal(frames)
    warnings: list[str] = []
    if len(stack.ordered) == 1:
        grid = _single_slice_grid(stack.ordered[0], stack.normal, warnings)
    else:
        _check_distinct_positions(stack, where)
        slice_axis = _slice_axis(stack, where)
        tilt = _tilt_deg(stack, slice_axis, warnings)
        grid = _spacing_grid(stack, slice_axis, where, allow_resampling, series_key, warnings)
        grid = replace(grid, tilt_deg=tilt)
    return _stack_geometry(stack, grid, warnings)


def _order_along_normal(frames: list[FrameHeader]) -> _OrderedStack:
    """Sort the frames by position along the normal of the first frame's orientation."""
    row_dir, column_dir = _unit_orientation(frames[0], frames[0].path)
    normal = np.cross(row_dir, column_dir)
    normal /= np.linalg.norm(normal)
    row_spacing, column_spacing = (float(v) for v in frames[0].pixel_spacing)  # type: ignore[misc]
    positions = np.asarray([f.position for f in frames], dtype=float)
    along = positions @ normal
    order = np.argsort(along, kind="stable")
    return _OrderedStack(
        ordered=[frames[i] for i in order],
        positions=positions[order],
        along=along[order],
        normal=normal,
        row_dir=row_dir,
        column_dir=column_dir,
        row_spacing=row_spacing,
        column_spacing=column_spacing,
    )


def _single_slice_grid(frame: FrameHeader, normal: np.ndarray, warnings: list[str]) -> _SliceGrid:
    """One slice: the slice spacing from SpacingBetweenSlices, SliceThickness or 1 mm."""
    interval = frame.spacing_between_slices or frame.slice_thickness
    source = "SpacingBetweenSlices" if frame.spacing_between_slices else "SliceThickness"
    if not interval or interval <= 0:
        interval, source = 1.0, "a default (the header gives no thickness)"
    warnings.append(
        f"single slice: the slice spacing ({interval:g} mm) is taken from {source}, "
        "not from positions"
    )
    return _SliceGrid(slice_axis=normal, interval=interval, grid_t=np.zeros(1))


def _check_distinct_positions(stack: _OrderedStack, where: str) -> None:
    """No two slices at the same position along the normal."""
    gaps = np.diff(stack.along)
    duplicates = np.flatnonzero(gaps < 0.01)
    if duplicates.size:
        i = int(duplicates[0])
        ordered = stack.ordered
        raise _fail(
            where,
            f"duplicate positions: {ordered[i].label} and {ordered[i + 1].label} are at the "
            f"same position ({stack.along[i]:.2f} mm along the slice normal); "
            f"{duplicates.size + 1} slices share positions, so this is not one volume (e.g. "
            "repeated or dynamic acquisitions)",
            "export each acquisition as its own series",
        )


def _slice_axis(stack: _OrderedStack, where: str) -> np.ndarray:
    """The line through the positions (LPS mm per mm along the normal); they must lie on it."""
    positions, along = stack.positions, stack.along
    span = along[-1] - along[0]
    slice_axis = (positions[-1] - positions[0]) / span
    expected = positions[0] + np.outer(along - along[0], slice_axis)
    off_line = np.linalg.norm(positions - expected, axis=1)
    worst = int(np.argmax(off_line))
    if off_line[worst] > _COLLINEAR_PIXELS * stack.pixel_mm:
        raise _fail(
            where,
            f"slice positions do not lie on a straight line ({stack.ordered[worst].label} is "
            f"{off_line[worst]:.2f} mm off it), so the slices do not form one volume",
            "check that the folder holds one series",
        )
    return slice_axis


def _tilt_deg(stack: _OrderedStack, slice_axis: np.ndarray, warnings: list[str]) -> float:
    """The gantry tilt (angle of the slice axis to the normal), warned about when visible."""
    tilt = math.degrees(math.acos(min(1.0, 1.0 / float(np.linalg.norm(slice_axis)))))
    drift_mm = float(np.linalg.norm(slice_axis - stack.normal)) * (stack.along[-1] - stack.along[0])
    if drift_mm > _TILT_REPORT_PIXELS * stack.pixel_mm:
        header_tilt = stack.ordered[0].gantry_tilt_deg
        tag = f" (GantryDetectorTilt {header_tilt:g}°)" if header_tilt else ""
        warnings.append(
            f"gantry tilt {tilt:.2f}°{tag}: the slices are sheared, so the affine is "
            f"sheared (its slice axis is {tilt:.2f}° off the slice normal); pixels were "
            "not resampled"
        )
    return tilt


def _spacing_grid(
    stack: _OrderedStack,
    slice_axis: np.ndarray,
    where: str,
    allow_resampling: bool,
    series_key: str,
    warnings: list[str],
) -> _SliceGrid:
    """The acquired slices when evenly spaced, else a resampled regular grid (or an error)."""
    along = stack.along
    gaps = np.diff(along)
    span = along[-1] - along[0]
    n = len(along)
    typical = _median(gaps)
    tolerance = spacing_tolerance_mm(typical)
    if n == 2:
        warnings.append(
            "only 2 slices: spacing comes from two positions and cannot be cross-checked"
        )
    if np.all(np.abs(gaps - typical) <= tolerance):
        return _SliceGrid(slice_axis, span / (n - 1), np.linspace(0.0, span, n))
    interval, problem, stacks = _irregular_spacing(gaps, span, typical, tolerance, series_key)
    if not allow_resampling:
        raise _fail(
            where,
            problem,
            "re-export the complete series, or load with allow_resampling=True to "
            "resample it onto a regular grid",
        )
    count = int(math.floor(span / interval + 1e-6)) + 1
    if count > _MAX_RESAMPLING_FACTOR * n + 16:
        raise _fail(
            where,
            f"{problem}; a regular {interval:.3g} mm grid would need {count} slices",
            "re-export the series with regular spacing",
        )
    grid_t = np.arange(count) * interval
    sources = _interpolation_sources(along - along[0], grid_t)
    made = sum(s.interpolated for s in sources)
    warnings.append(
        f"{problem}; resampled to a regular {interval:.2f} mm grid by linear "
        f"interpolation along the slice axis: {made} of {count} slices are "
        "interpolated, not acquired (see Volume.interpolated_slices); do not measure "
        "on them"
    )
    return _SliceGrid(slice_axis, interval, grid_t, sources, stacks=stacks)


def _irregular_spacing(
    gaps: np.ndarray, span: float, typical: float, tolerance: float, series_key: str
) -> tuple[float, str, list[tuple[int, int]]]:
    """The resampling interval, the problem described, and any regular stacks.

    Gaps that are whole multiples of the typical gap are missing slices (resampled at the
    typical gap); others are uneven spacing (resampled at the smallest repeated gap).
    """
    multiples = np.rint(gaps / typical)
    summary = _run_summary(gaps, tolerance)
    missing = bool(
        np.all(multiples >= 1)
        and np.all(np.abs(gaps - multiples * typical) <= tolerance * multiples)
    )
    if missing:
        interval = span / float(np.sum(multiples))
        problem = (
            f"missing slices: {int(np.sum(multiples - 1))} slice(s) missing in "
            f"{int(np.sum(multiples > 1))} gap(s) (slice gaps {summary} along the normal)"
        )
        return interval, problem, []
    runs = [
        gaps[i]
        for i in range(len(gaps))
        if (i > 0 and abs(gaps[i] - gaps[i - 1]) <= tolerance)
        or (i + 1 < len(gaps) and abs(gaps[i] - gaps[i + 1]) <= tolerance)
    ]
    interval = float(min(runs) if runs else np.min(gaps))
    problem = f"uneven slice spacing: slice gaps {summary} along the normal"
    stacks = regular_stacks(gaps, tolerance)
    if len(stacks) <= 1:
        return interval, problem, []
    listing = ", ".join(
        f"'{series_key}#stack{number}' (slices {a + 1}-{b}, {gaps[a]:.2f} mm)"
        for number, (a, b) in enumerate(stacks, start=1)
    )
    problem += f" ({len(stacks)} regular stacks, each loadable exactly with series_uid= {listing})"
    return interval, problem, stacks


def _stack_geometry(stack: _OrderedStack, grid: _SliceGrid, warnings: list[str]) -> StackGeometry:
    """The affine and slice positions of the grid."""
    step = grid.slice_axis * grid.interval
    affine = np.eye(4)
    affine[:3, 0] = step
    affine[:3, 1] = stack.column_dir * stack.row_spacing
    affine[:3, 2] = stack.row_dir * stack.column_spacing
    affine[:3, 3] = stack.positions[0]
    direction = np.column_stack([step / np.linalg.norm(step), stack.column_dir, stack.row_dir])
    return StackGeometry(
        ordered=stack.ordered,
        sources=grid.sources,
        affine=affine,
        spacing_mm=(float(np.linalg.norm(step)), stack.row_spacing, stack.column_spacing),
        slice_positions_mm=stack.positions[0] + np.outer(grid.grid_t, grid.slice_axis),
        slice_interval_mm=float(grid.interval),
        tilt_deg=grid.tilt_deg,
        direction=direction,
        warnings=warnings,
        regular_stacks=grid.stacks,
    )


def _interpolation_sources(along: np.ndarray, grid: np.ndarray) -> list[SliceSource]:
    sources = []
    last = len(along) - 1
    for t in grid:
        i = int(np.clip(np.searchsorted(along, t, side="right") - 1, 0, last - 1))
        weight = float((t - along[i]) / (along[i + 1] - along[i]))
        if weight <= _EXACT_WEIGHT:
            sources.append(SliceSource(i, i, 0.0))
        elif weight >= 1 - _EXACT_WEIGHT:
            sources.append(SliceSource(i + 1, i + 1, 0.0))
        else:
            sources.append(SliceSource(i, i + 1, weight))
    return sources
