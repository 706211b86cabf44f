"""Tracing a lesion's outline as the best closed path around the click, for low contrast.

When a lesion barely differs from its surroundings (a soft-tissue sarcoma in muscle, noise
larger than the contrast), no threshold separates it; the eye follows its edges where they
show (a fat plane, a step of a few HU) and continues them smoothly where they do not. This
does the same: rays from the click sample the smoothed slice; each radius on each ray costs
less where the image changes there (an edge: the local gradient, relative to the strongest,
plus the step between the 3 mm before and after, relative to the lesion's texture and
saturating, so a faint step counts beside a strong one), more where the inside so far
holds tissue unlike the lesion's, and more where the next 5 mm still look like the
lesion; dynamic programming finds the cheapest closed path whose radius changes by at most
3 samples between neighbouring rays (a smooth, star-shaped outline). Twice, the second
time from the first outline's centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

__all__ = ["TracedBoundary", "closed_path", "trace_boundary"]


@dataclass(frozen=True)
class TracedBoundary:
    """The outcome of `trace_boundary`.

    Attributes
    ----------
    contour : (K, 2) float array
        The outline, fractional (row, column) indices of the slice given.
    lesion_level : float
        The lesion's median value near the centre.
    at_limit : bool
        Part of the outline lies at the search radius or the image border (the lesion may be
        larger, or the path ran into the surroundings).
    """

    contour: np.ndarray
    lesion_level: float
    at_limit: bool


def closed_path(cost: np.ndarray, max_jump: int, jump_cost: float) -> np.ndarray:
    """The cheapest closed path through ``cost`` (angles x radii): one radius index per
    angle, neighbours (and the last and first) at most ``max_jump`` apart, each step costing
    ``jump_cost`` per index.

    The ring is unrolled three times and the middle turn kept, which closes the path in all
    but contrived cases at a third of the cost of an exact closed search.
    """
    n, m = cost.shape
    tripled = np.concatenate([cost, cost, cost])
    total = tripled[0].copy()
    back = np.zeros((3 * n, m), np.int32)
    index = np.arange(m)
    for i in range(1, 3 * n):
        best = np.full(m, np.inf)
        arg = np.zeros(m, np.int32)
        for d in range(-max_jump, max_jump + 1):
            source = index - d
            ok = (source >= 0) & (source < m)
            candidate = np.full(m, np.inf)
            candidate[ok] = total[source[ok]] + jump_cost * abs(d)
            better = candidate < best
            best[better] = candidate[better]
            arg[better] = source[better]
        total = best + tripled[i]
        back[i] = arg
    path = np.zeros(3 * n, np.int32)
    path[-1] = int(np.argmin(total))
    for i in range(3 * n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path[n : 2 * n]


def _ray_costs(
    smoothed: np.ndarray,
    centre: np.ndarray,
    spacing: np.ndarray,
    theta,
    radii,
    edge_mm: float = 3.0,
) -> tuple[np.ndarray, np.ndarray, float]:
    rows = centre[0] + np.outer(np.sin(theta), radii) / spacing[0]
    cols = centre[1] + np.outer(np.cos(theta), radii) / spacing[1]
    inside = (rows >= 0) & (rows <= smoothed.shape[0] - 1)
    inside &= (cols >= 0) & (cols <= smoothed.shape[1] - 1)
    values = ndimage.map_coordinates(smoothed, [rows, cols], order=1, mode="nearest")
    step = radii[1] - radii[0]
    # The lesion's level within 5 mm of the centre; its texture's spread within 9 mm.
    level = float(np.median(values[:, : max(3, int(round(5.0 / step)))]))
    near = values[:, : max(3, int(round(8.0 / step)))]
    spread = 1.4826 * float(np.median(np.abs(near - level))) + 1e-3
    # Edge: half the local gradient (relative to the ray set's strongest, which places the
    # edge), half the step between the means of the ``edge_mm`` before and after each radius
    # relative to the texture's spread, saturating (d / (d + spread)), so that a faint
    # tumour-muscle step counts nearly as much as a strong fat or bone edge beyond it.
    gradient = np.abs(np.gradient(values, step, axis=1))
    width = max(1, int(round(edge_mm / step)))
    total = np.concatenate([np.zeros((len(theta), 1)), np.cumsum(values, axis=1)], axis=1)
    j = np.arange(len(radii))
    before, after = np.maximum(j - width, 0), np.minimum(j + width, len(radii))
    mean_before = (total[:, j] - total[:, before]) / np.maximum(j - before, 1)
    mean_after = (total[:, after] - total[:, j]) / np.maximum(after - j, 1)
    step_size = np.abs(mean_after - mean_before)
    step_size[:, 0] = 0.0
    edge = 0.5 * gradient / (float(np.percentile(gradient, 99)) + 1e-6)
    edge += 0.5 * step_size / (step_size + spread)
    deviation = np.abs(values - level) / (3.0 * spread)
    unlike_inside = np.cumsum(np.clip(deviation - 1.0, 0.0, 3.0), axis=1) * step / 10.0
    like = np.clip(1.0 - deviation, 0.0, 1.0)
    window = max(1, int(round(5.0 / step)))
    cumulative = np.concatenate([np.zeros((len(theta), 1)), np.cumsum(like, axis=1)], axis=1)
    ahead = np.minimum(j + window, len(radii))
    like_outside = (cumulative[:, ahead] - cumulative[:, j]) / window
    cost = -edge + unlike_inside + 0.75 * like_outside
    cost[~inside] = 5.0
    return cost, inside, level


def trace_boundary(
    plane: np.ndarray,
    seed: tuple[float, float],
    spacing_mm: tuple[float, float],
    *,
    max_radius_mm: float = 100.0,
    smoothing_mm: float = 2.0,
    n_rays: int = 96,
    step_mm: float = 1.0,
    iterations: int = 2,
) -> TracedBoundary:
    """Trace the closed outline around ``seed`` on a 2-D slice (see the module docstring).

    Parameters
    ----------
    plane : (rows, columns) array
    seed : (row, column)
        A point inside the lesion, near its middle.
    spacing_mm : (row, column)
    max_radius_mm : float
        Farthest the outline may lie from the centre.
    smoothing_mm : float
        Gaussian SD applied before sampling.
    n_rays, step_mm : int, float
        Angular and radial sampling.
    iterations : int
        Outlines traced, each from the previous one's centre.
    """
    spacing = np.asarray(spacing_mm, float)
    seed_rc = np.asarray(seed, float)
    reach = np.ceil((max_radius_mm + 3 * smoothing_mm) / spacing).astype(int)
    lo = np.maximum(np.floor(seed_rc).astype(int) - reach, 0)
    hi = np.minimum(np.ceil(seed_rc).astype(int) + reach + 1, plane.shape)
    crop = np.asarray(plane[lo[0] : hi[0], lo[1] : hi[1]], np.float32)
    smoothed = ndimage.gaussian_filter(crop, smoothing_mm / spacing)
    theta = np.linspace(0.0, 2 * np.pi, n_rays, endpoint=False)
    radii = np.arange(2.0, max_radius_mm, step_mm)
    centre = seed_rc - lo
    for iteration in range(iterations):
        cost, inside, level = _ray_costs(smoothed, centre, spacing, theta, radii)
        path = closed_path(cost, 3, 0.05)
        radius = radii[path]
        points = np.stack(
            [
                centre[0] + np.sin(theta) * radius / spacing[0],
                centre[1] + np.cos(theta) * radius / spacing[1],
            ],
            axis=1,
        )
        if iteration < iterations - 1:
            centre = points.mean(axis=0)
    at_limit = bool(np.any(path >= len(radii) - 2) or np.any(~inside[np.arange(n_rays), path]))
    return TracedBoundary(points + lo, level, at_limit)
