"""RECIST diameters of an outline: the longest diameter and the longest one perpendicular to it.

All functions take points in millimetres, ``(N, 2)`` arrays of ``(row, column)`` scaled by the
pixel spacing, so that anisotropic pixels measure right.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

__all__ = ["max_feret_diameter", "perpendicular_chord"]

Segment = tuple[np.ndarray, np.ndarray]


def _hull_points(points_mm: np.ndarray) -> np.ndarray:
    try:
        return points_mm[ConvexHull(points_mm).vertices]
    except (QhullError, ValueError):  # collinear or too few points
        return points_mm


def max_feret_diameter(points_mm: np.ndarray) -> tuple[float, Segment]:
    """The longest distance between two of ``points_mm`` (maximum Feret diameter).

    Parameters
    ----------
    points_mm : (N, 2) array of float
        Outline points in millimetres, N >= 1.

    Returns
    -------
    length_mm : float
    endpoints : tuple of two (2,) arrays
        The two points, in the input's units.

    Examples
    --------
    >>> square = np.array([[0.0, 0.0], [0.0, 3.0], [4.0, 3.0], [4.0, 0.0]])
    >>> length, _ = max_feret_diameter(square)
    >>> float(length)
    5.0
    """
    points = np.asarray(points_mm, float).reshape(-1, 2)
    hull = _hull_points(points)
    diff = hull[:, None, :] - hull[None, :, :]
    dist2 = np.einsum("ijk,ijk->ij", diff, diff)
    i, j = np.unravel_index(int(np.argmax(dist2)), dist2.shape)
    return float(np.sqrt(dist2[i, j])), (hull[i].copy(), hull[j].copy())


def _chords_across(
    polygon: np.ndarray, origin: np.ndarray, along: np.ndarray, across: np.ndarray, ts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Longest inside interval of ``polygon`` on each line ``origin + t*along + s*across``.

    Returns the interval lengths and their start ``s`` (NaN where the line misses).
    """
    rel = polygon - origin
    t_v = rel @ along
    s_v = rel @ across
    t0, t1 = t_v, np.roll(t_v, -1)
    s0, s1 = s_v, np.roll(s_v, -1)
    t = ts[:, None]
    crosses = (t0[None] <= t) != (t1[None] <= t)  # half-open rule: each crossing counted once
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (t - t0[None]) / (t1 - t0)[None]
    s = np.where(crosses, s0[None] + frac * (s1 - s0)[None], np.nan)
    s.sort(axis=1)  # NaN last
    n_cross = crosses.sum(axis=1)
    width = int(n_cross.max()) if len(n_cross) else 0
    width -= width % 2
    if width == 0:
        return np.zeros(len(ts)), np.full(len(ts), np.nan)
    s = s[:, :width]
    lengths = np.nan_to_num(s[:, 1::2] - s[:, 0::2], nan=0.0)
    k = np.argmax(lengths, axis=1)
    rows = np.arange(len(ts))
    return lengths[rows, k], s[rows, 2 * k]


def perpendicular_chord(
    polygon_mm: np.ndarray,
    long_axis: Segment,
    *,
    tolerance_deg: float = 0.0,
    samples: int = 400,
) -> tuple[float, Segment]:
    """The longest chord of a closed outline perpendicular to a long axis (RECIST short axis).

    A chord is a segment that stays inside the outline, so a concave outline measures its
    widest solid part, as a reader's ruler would.

    Parameters
    ----------
    polygon_mm : (N, 2) array of float
        A closed outline (first point not repeated), in millimetres.
    long_axis : two (2,) arrays
        Endpoints of the long axis, in millimetres.
    tolerance_deg : float
        Also try directions up to this far from perpendicular (in steps of at most 0.5
        degrees) and keep the longest chord; 0 for exactly perpendicular.
    samples : int
        Lines sampled along the long axis before a local refinement.

    Returns
    -------
    length_mm : float
        0 when the outline has no interior.
    endpoints : tuple of two (2,) arrays
    """
    polygon = np.asarray(polygon_mm, float).reshape(-1, 2)
    a, b = (np.asarray(p, float) for p in long_axis)
    length = float(np.linalg.norm(b - a))
    if length == 0 or len(polygon) < 3:
        return 0.0, (a.copy(), a.copy())
    along = (b - a) / length
    n_angles = 1 + 2 * int(np.ceil(tolerance_deg / 0.5)) if tolerance_deg > 0 else 1
    best = (0.0, (a.copy(), a.copy()))
    for offset in np.radians(np.linspace(-tolerance_deg, tolerance_deg, n_angles)):
        c, s_ = np.cos(offset), np.sin(offset)
        across = np.array([-along[1] * c - along[0] * s_, along[0] * c - along[1] * s_])
        # lines along `across` are indexed by their position t on `normal`, the unit vector
        # perpendicular to them
        normal = np.array([across[1], -across[0]])
        t_v = (polygon - a) @ normal
        ts = np.linspace(t_v.min(), t_v.max(), samples)
        step = ts[1] - ts[0]
        for _ in range(2):  # coarse, then fine around the best line
            lengths, starts = _chords_across(polygon, a, normal, across, ts)
            k = int(np.argmax(lengths))
            t_best = ts[k]
            ts = np.linspace(t_best - step, t_best + step, 41)
            step = ts[1] - ts[0]
        if lengths[k] > best[0]:
            start = a + t_best * normal + starts[k] * across
            best = (float(lengths[k]), (start, start + lengths[k] * across))
    return best
