"""Ground truth: the RECIST diameters of a lesion on a slice, exactly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from .geometry import Grid
from .shapes import Lesion, _EllipsoidPrimitive

__all__ = ["RecistTruth", "lesion_truth", "nominal_size_mm", "viable_truth"]

Point2 = tuple[float, float]
Point3 = tuple[float, float, float]


@dataclass(frozen=True)
class RecistTruth:
    """The true in-plane measurement of a lesion on one slice.

    Attributes
    ----------
    lesion_id : str
    slice_index : int
    long_axis_mm, short_axis_mm : float
        Longest in-plane diameter and the longest diameter perpendicular to it (0 when the
        slice misses the lesion).
    nodal : bool
    long_axis_endpoints, short_axis_endpoints : ((row, col), (row, col)) or None
        In fractional index units on the slice, as `measure_lesion` returns them.
    long_axis_endpoints_mm, short_axis_endpoints_mm : two LPS points or None
    exact : bool
        True when computed analytically (one ellipsoid), False when from sampled outlines.
    """

    lesion_id: str
    slice_index: int
    long_axis_mm: float
    short_axis_mm: float
    nodal: bool
    long_axis_endpoints: tuple[Point2, Point2] | None
    short_axis_endpoints: tuple[Point2, Point2] | None
    long_axis_endpoints_mm: tuple[Point3, Point3] | None
    short_axis_endpoints_mm: tuple[Point3, Point3] | None
    exact: bool

    @property
    def recist_mm(self) -> float:
        """What RECIST 1.1 records: the short axis of a node, the long axis otherwise."""
        return self.short_axis_mm if self.nodal else self.long_axis_mm


@dataclass(frozen=True)
class _Section:
    """A plane section of an ellipsoid: ``(w - centre)^T matrix (w - centre) <= 1``."""

    centre: np.ndarray  # (2,) in plane mm coordinates
    matrix: np.ndarray  # (2, 2)


def _sections(
    primitives: Sequence[_EllipsoidPrimitive], point: np.ndarray, basis: np.ndarray
) -> list[_Section]:
    """Sections of the ellipsoids by the plane ``point + basis @ w`` (basis: 3x2)."""
    out = []
    for p in primitives:
        m = p.quadric
        d = point - p.centre
        q = basis.T @ m @ basis
        b = basis.T @ m @ d
        centre = -np.linalg.solve(q, b)
        s = 1.0 - d @ m @ d + b @ np.linalg.solve(q, b)
        if s > 1e-12:
            out.append(_Section(centre, q / s))
    return out


def _ellipse_axes(section: _Section) -> tuple[float, float, np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(section.matrix)
    return 2 / np.sqrt(values[0]), 2 / np.sqrt(values[1]), vectors[:, 0], vectors[:, 1]


def _chords(sections: Sequence[_Section], origin: np.ndarray, direction: np.ndarray, ts, perp):
    """Longest contiguous chord of the union along lines ``origin + t*direction + s*perp``."""
    los, his = [], []
    for sec in sections:
        rel = origin[None] + ts[:, None] * direction[None] - sec.centre  # (T, 2)
        a = perp @ sec.matrix @ perp
        b = 2 * rel @ sec.matrix @ perp
        c = np.einsum("ti,ij,tj->t", rel, sec.matrix, rel) - 1
        disc = b * b - 4 * a * c
        root = np.sqrt(np.where(disc >= 0, disc, np.nan))
        los.append((-b - root) / (2 * a))
        his.append((-b + root) / (2 * a))
    los_arr, his_arr = np.array(los), np.array(his)
    best_len = np.zeros(len(ts))
    best_lo = np.full(len(ts), np.nan)
    for i in range(len(sections)):
        lo, hi = los_arr[i].copy(), his_arr[i].copy()
        for _ in range(len(sections)):
            for j in range(len(sections)):
                touch = (los_arr[j] <= hi) & (his_arr[j] >= lo)
                lo = np.where(touch, np.fmin(lo, los_arr[j]), lo)
                hi = np.where(touch, np.fmax(hi, his_arr[j]), hi)
        length = np.nan_to_num(hi - lo, nan=0.0)
        better = length > best_len
        best_len = np.where(better, length, best_len)
        best_lo = np.where(better, lo, best_lo)
    return best_len, best_lo


def _union_axes(sections: Sequence[_Section], n_points: int = 1440):
    """Long and short axis of a union of ellipses, from densely sampled outlines."""
    angles = np.linspace(0, 2 * np.pi, n_points, endpoint=False)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    points = []
    for sec in sections:
        values, vectors = np.linalg.eigh(sec.matrix)
        points.append(sec.centre + (circle / np.sqrt(values)) @ vectors.T)
    pts = np.concatenate(points)
    try:
        pts = pts[ConvexHull(pts).vertices]
    except QhullError:
        pass
    dist = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    i, j = np.unravel_index(np.argmax(dist), dist.shape)
    a, b = pts[i], pts[j]
    long_mm = float(dist[i, j])
    direction = (b - a) / long_mm
    perp = np.array([-direction[1], direction[0]])
    ts = np.linspace(0, long_mm, 4001)
    for _ in range(3):  # coarse-to-fine search along the long axis
        lengths, starts = _chords(sections, a, direction, ts, perp)
        k = int(np.argmax(lengths))
        width = ts[1] - ts[0]
        best_t, best_len, best_s = ts[k], lengths[k], starts[k]
        ts = np.linspace(max(best_t - width, 0), min(best_t + width, long_mm), 201)
    p0 = a + best_t * direction + best_s * perp
    return long_mm, (a, b), float(best_len), (p0, p0 + best_len * perp)


def _plane_truth(lesion: Lesion, point: np.ndarray, basis: np.ndarray):
    sections = _sections(lesion._primitives(), point, basis)
    if not sections:
        return 0.0, 0.0, None, None, True
    if len(sections) == 1:
        long_mm, short_mm, v_long, v_short = _ellipse_axes(sections[0])
        c = sections[0].centre
        long_ends = (c - v_long * long_mm / 2, c + v_long * long_mm / 2)
        short_ends = (c - v_short * short_mm / 2, c + v_short * short_mm / 2)
        return long_mm, short_mm, long_ends, short_ends, True
    long_mm, long_ends, short_mm, short_ends = _union_axes(sections)
    return long_mm, short_mm, long_ends, short_ends, False


def lesion_truth(lesion: Lesion, grid: Grid, *, slice_index: int | None = None) -> RecistTruth:
    """The exact RECIST diameters of ``lesion`` on one slice of ``grid``.

    Parameters
    ----------
    lesion : Lesion
    grid : Grid
    slice_index : int, optional
        Defaults to the slice nearest the lesion's centre.

    Returns
    -------
    RecistTruth
        Analytic for spheres, ellipsoids and nodes; for lobulated lesions computed from
        outlines sampled at 1,440 points per lobe (error well below 0.01 mm).
    """
    if slice_index is None:
        slice_index = int(np.rint(grid.lps_to_index(np.asarray(lesion.centre_mm))[0]))
    # In-plane coordinates w = (v, u) in mm along the column and row directions.
    basis = np.column_stack([grid.column_direction, grid.row_direction])
    point = grid.slice_position_mm(slice_index)
    long_mm, short_mm, long_ends, short_ends, exact = _plane_truth(lesion, point, basis)

    def to_index(ends):
        if ends is None:
            return None
        return tuple(
            (float(w[0] / grid.spacing_mm[1]), float(w[1] / grid.spacing_mm[2])) for w in ends
        )

    def to_lps(ends):
        if ends is None:
            return None
        return tuple(tuple(float(x) for x in point + basis @ w) for w in ends)

    return RecistTruth(
        lesion_id=lesion.lesion_id,
        slice_index=slice_index,
        long_axis_mm=float(long_mm),
        short_axis_mm=float(short_mm),
        nodal=lesion.nodal,
        long_axis_endpoints=to_index(long_ends),
        short_axis_endpoints=to_index(short_ends),
        long_axis_endpoints_mm=to_lps(long_ends),
        short_axis_endpoints_mm=to_lps(short_ends),
        exact=exact,
    )


def nominal_size_mm(lesion: Lesion, *, normal: Sequence[float] = (0.0, 0.0, 1.0)) -> float:
    """RECIST size on the plane through the lesion's centre with the given normal.

    Independent of any grid: what `follow_up_phantom` changes by the requested millimetres.
    """
    n = np.asarray(normal, float)
    n /= np.linalg.norm(n)
    helper = np.array([1.0, 0.0, 0.0]) if abs(n[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(n, helper)
    e1 /= np.linalg.norm(e1)
    basis = np.column_stack([e1, np.cross(n, e1)])
    long_mm, short_mm, *_ = _plane_truth(lesion, np.asarray(lesion.centre_mm), basis)
    return float(short_mm if lesion.nodal else long_mm)


def viable_truth(
    lesion: Lesion, grid: Grid, *, slice_index: int | None = None
) -> RecistTruth | None:
    """The exact longest diameter of ``lesion``'s arterially enhancing (viable) part on one
    slice (mrecist-rules.md M2.3); None when nothing of it enhances.

    The slice defaults to the one nearest the viable part's centre (on the arterial-phase
    series, which shares the grid).
    """
    part = lesion.viable_part()
    if part is None:
        return None
    truth = lesion_truth(part, grid, slice_index=slice_index)
    return RecistTruth(
        lesion_id=lesion.lesion_id,
        slice_index=truth.slice_index,
        long_axis_mm=truth.long_axis_mm,
        short_axis_mm=truth.short_axis_mm,
        nodal=False,  # a viable diameter is a longest diameter
        long_axis_endpoints=truth.long_axis_endpoints,
        short_axis_endpoints=truth.short_axis_endpoints,
        long_axis_endpoints_mm=truth.long_axis_endpoints_mm,
        short_axis_endpoints_mm=truth.short_axis_endpoints_mm,
        exact=truth.exact,
    )
