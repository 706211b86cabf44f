"""Segmenting one lesion on one slice from a seed: adaptive two-sided thresholding at the
half-way level between lesion and surroundings, with leaks into same-density neighbours
cut along rays from the lesion's centre and at narrow necks; then, for a lung lesion on
CT, a second, lower level adds a ground-glass part continuous with a solid part, and a
ring of intermediate density left outside the outline is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.measure import points_in_poly
from skimage.morphology import convex_hull_image
from skimage.segmentation import watershed

__all__ = ["Segmentation", "segment_slice"]

_STRUCT8 = np.ones((3, 3), bool)
# CT in HU: a ground-glass rim is sought around a solid lesion (at least this dense) in lung
# (at most this dense).
_SOLID_MIN_HU = -300.0
_LUNG_MAX_HU = -600.0
# Ground glass is less dense than this (fat, at about -100 HU, is not ground glass).
_GLASS_MAX_HU = -300.0
# Aerated lung is less dense than this: a lung estimate above it is mostly ground glass.
_AERATED_LUNG_MAX_HU = -750.0
# Ground glass is at least this much denser than the lung around it.
_GLASS_MIN_CONTRAST_HU = 100.0


@dataclass(frozen=True)
class Segmentation:
    """The outcome of `segment_slice` on a cropped slice.

    Attributes
    ----------
    mask : (M, N) bool array
        The lesion, holes filled.
    level : (M, N) float array
        Positive inside the lesion, negative outside, zero on the sub-pixel boundary (the
        half-way level between lesion and surroundings); its zero contour is the outline.
    lesion_hu, background_hu, noise_hu : float
        The lesion's median, the surroundings' level (the quartile of a ring outside that
        lies farther from the lesion), and the estimated noise SD of one pixel.
    leaked_fraction : float
        Share of the similar-density region that was cut off at necks (0 when nothing was).
    notes : tuple of str
        Why the boundary is doubtful, empty when it is not.
    """

    mask: np.ndarray
    level: np.ndarray
    lesion_hu: float
    background_hu: float
    noise_hu: float
    leaked_fraction: float
    notes: tuple[str, ...] = ()


def _disk(radius_px: np.ndarray) -> np.ndarray:
    """A boolean ellipse with semi-axes ``radius_px`` (rows, columns), at least 3x3."""
    rr = max(int(np.ceil(radius_px[0])), 1)
    rc = max(int(np.ceil(radius_px[1])), 1)
    y, x = np.ogrid[-rr : rr + 1, -rc : rc + 1]
    return (y / max(radius_px[0], 1e-9)) ** 2 + (x / max(radius_px[1], 1e-9)) ** 2 <= 1.0


def _disk_rows(radius_px: np.ndarray) -> list[tuple[int, int]]:
    """`_disk` as rows: (row offset, half-width in columns) of each non-empty row."""
    disk = _disk(radius_px)
    offsets = np.arange(disk.shape[0]) - disk.shape[0] // 2
    return [(int(dy), int(n) // 2) for dy, n in zip(offsets, disk.sum(axis=1)) if n]


def _bounding_box(mask: np.ndarray, pad: tuple[int, int]) -> tuple[slice, slice]:
    """The bounding box of a non-empty ``mask``, widened by ``pad`` and clipped to it."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return (
        slice(max(int(rows[0]) - pad[0], 0), min(int(rows[-1]) + pad[0] + 1, mask.shape[0])),
        slice(max(int(cols[0]) - pad[1], 0), min(int(cols[-1]) + pad[1] + 1, mask.shape[1])),
    )


def _dilate(mask: np.ndarray, radius_px: np.ndarray) -> np.ndarray:
    """``ndimage.binary_dilation(mask, _disk(radius_px))``, in time linear in the radius.

    The disk is a stack of rows: a running maximum along each row width, shifted by the
    row's offset, over the mask's bounding box only.
    """
    mask = np.asarray(mask, bool)
    out = np.zeros(mask.shape, bool)
    if not mask.any():
        return out
    rows = _disk_rows(radius_px)
    box = _bounding_box(mask, (max(abs(dy) for dy, _ in rows), max(w for _, w in rows)))
    crop = mask[box].view(np.uint8)
    target = out[box]
    height = crop.shape[0]
    spread: dict[int, np.ndarray] = {}
    for dy, w in rows:
        if abs(dy) >= height:
            continue
        if w not in spread:
            spread[w] = ndimage.maximum_filter1d(crop, 2 * w + 1, axis=1, mode="constant")
        row_max = spread[w].view(bool)
        if dy >= 0:
            target[dy:] |= row_max[: height - dy]
        else:
            target[: height + dy] |= row_max[-dy:]
    return out


def _erode(mask: np.ndarray, radius_px: np.ndarray) -> np.ndarray:
    """``ndimage.binary_erosion(mask, _disk(radius_px))`` (outside the image counts as
    background), in time linear in the radius."""
    mask = np.asarray(mask, bool)
    out = np.zeros(mask.shape, bool)
    if not mask.any():
        return out
    box = _bounding_box(mask, (0, 0))
    crop = mask[box].view(np.uint8)
    height = crop.shape[0]
    kept = np.ones(crop.shape, bool)
    shrunk: dict[int, np.ndarray] = {}
    for dy, w in _disk_rows(radius_px):
        if abs(dy) >= height:
            return out
        if w not in shrunk:
            shrunk[w] = ndimage.minimum_filter1d(crop, 2 * w + 1, axis=1, mode="constant")
        row_min = shrunk[w].view(bool)
        if dy >= 0:
            kept[: height - dy] &= row_min[dy:]
            kept[height - dy :] = False
        else:
            kept[-dy:] &= row_min[: height + dy]
            kept[:-dy] = False
    out[box] = kept
    return out


def _open(mask: np.ndarray, radius_px: np.ndarray) -> np.ndarray:
    """``ndimage.binary_opening(mask, _disk(radius_px))``."""
    return _dilate(_erode(mask, radius_px), radius_px)


def _noise_sd(image: np.ndarray, smoothed: np.ndarray, sigma_px: np.ndarray) -> float:
    """Noise SD of white noise from the median absolute high-pass residual."""
    residual = image - smoothed
    mad = float(np.median(np.abs(residual - np.median(residual))))
    # var(x - G*x) / var(x) for white noise and a Gaussian of sigma s (per axis):
    k0 = 1.0 / (2 * np.pi * float(np.prod(sigma_px)))
    factor = np.sqrt(max(1.0 - 2 * k0 + k0 / 2, 1e-3))
    return 1.4826 * mad / factor


def _disk_at(centre: tuple[int, int], radius_px: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean mask of an ellipse of semi-axes ``radius_px`` around ``centre`` (>= 1 pixel)."""
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    r = np.maximum(radius_px, 1.0)
    return ((rows - centre[0]) / r[0]) ** 2 + ((cols - centre[1]) / r[1]) ** 2 <= 1.0


def _depth_mm(region: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    """``ndimage.distance_transform_edt(region, sampling=spacing)``, computed over the
    region's bounding box and a 1-pixel frame only (no background pixel outside the frame
    is nearer to the region than the frame)."""
    dist = np.zeros(region.shape)
    if region.any():
        box = _bounding_box(region, (1, 1))
        dist[box] = ndimage.distance_transform_edt(region[box], sampling=spacing)
    return dist


def _clip_leaks(
    region: np.ndarray,
    seed: tuple[int, int],
    spacing: np.ndarray,
    factor: float,
    outside: np.ndarray | None = None,
    n_rays: int = 128,
) -> tuple[np.ndarray, bool]:
    """Cut ``region`` where it runs away from the seed into a structure of similar density.

    Rays from the region's deepest point near the seed measure the distance to its edge; a
    ray longer than ``factor`` times the median and 1.5 times the rays opposite has leaked,
    and its edge is interpolated between the nearest rays that have not (as a reader
    continues a pleural line across a tumour's base). Other rays are not shortened.
    """
    # Cast the rays from the deepest point uphill of the seed, not from a click near the edge.
    dist = _depth_mm(region, spacing)
    if dist.max() < 4 * float(spacing.max()):
        return region, False  # a few pixels across: rays cannot tell a leak from the grid
    centre = tuple(seed)
    while True:
        r0, c0 = max(centre[0] - 1, 0), max(centre[1] - 1, 0)
        window = dist[r0 : centre[0] + 2, c0 : centre[1] + 2]
        k = np.unravel_index(int(np.argmax(window)), window.shape)
        best = (r0 + int(k[0]), c0 + int(k[1]))
        if dist[best] <= dist[centre]:
            break
        centre = best
    step_mm = 0.5 * float(spacing.min())
    extent_mm = float(np.hypot(*(np.asarray(region.shape) * spacing)))
    t = np.arange(1, int(extent_mm / step_mm) + 1) * step_mm
    theta = np.linspace(0, 2 * np.pi, n_rays, endpoint=False)
    # Samples beyond the region's farthest corner (and a rounded pixel) are all outside it.
    box = _bounding_box(region, (0, 0))
    corner_mm = np.hypot(
        max(abs(box[0].start - centre[0]), abs(box[0].stop - 1 - centre[0])) * spacing[0],
        max(abs(box[1].start - centre[1]), abs(box[1].stop - 1 - centre[1])) * spacing[1],
    )
    n_samples = min(len(t), int(np.searchsorted(t, corner_mm + float(spacing.max()))) + 1)
    rows = centre[0] + np.outer(np.sin(theta), t[:n_samples]) / spacing[0]
    cols = centre[1] + np.outer(np.cos(theta), t[:n_samples]) / spacing[1]
    ri, ci = np.rint(rows).astype(int), np.rint(cols).astype(int)
    valid = (ri >= 0) & (ri < region.shape[0]) & (ci >= 0) & (ci < region.shape[1])
    inside = np.zeros(ri.shape, bool)
    inside[valid] = region[ri[valid], ci[valid]]
    first_out = np.where(inside.all(axis=1), len(t), np.argmin(inside, axis=1))
    radius = np.r_[0.0, t][first_out]
    median = float(np.median(radius))
    # An elongated lesion has long rays on both sides; a leak runs away on one side only.
    opposite = np.max([np.roll(radius, n_rays // 2 + k) for k in range(-4, 5)], axis=0)
    leak = (radius > factor * max(median, 3 * float(spacing.max()))) & (radius > 1.5 * opposite)
    if outside is not None:
        # Where a ray leaves the lesion into its true surroundings the edge is known; where it
        # stops on other tissue (fat, bone, a cut), the lesion may have run into a neighbour:
        # such a ray may not reach much beyond the edge interpolated from the known ones.
        beyond = np.minimum(first_out + int(round(1.5 / step_mm)), len(t) - 1)
        rb = np.rint(centre[0] + np.sin(theta) * t[beyond] / spacing[0]).astype(int)
        cb = np.rint(centre[1] + np.cos(theta) * t[beyond] / spacing[1]).astype(int)
        ok_b = (rb >= 0) & (rb < region.shape[0]) & (cb >= 0) & (cb < region.shape[1])
        known = np.zeros(n_rays, bool)
        known[ok_b] = outside[rb[ok_b], cb[ok_b]]
        known &= ~leak
        if 0.25 * n_rays <= known.sum() < n_rays:
            ref = np.interp(np.arange(n_rays), np.flatnonzero(known), radius[known], period=n_rays)
            leak |= ~known & (radius > 1.0 * ref + 2.0)
    if not leak.any() or leak.all():
        return region, False
    ok = np.flatnonzero(~leak)
    edge = np.interp(np.arange(n_rays), ok, radius[ok], period=n_rays)
    limit = np.where(leak, edge, np.maximum(radius, factor * median) + float(spacing.max()))
    poly_r = centre[0] + np.sin(theta) * limit / spacing[0]
    poly_c = centre[1] + np.cos(theta) * limit / spacing[1]
    keep = _in_polygon(region, poly_r, poly_c)
    keep[seed] = True
    return _component(region & keep, seed), True


def _in_polygon(region: np.ndarray, poly_r: np.ndarray, poly_c: np.ndarray) -> np.ndarray:
    """The pixels of ``region`` inside the polygon, as `skimage.draw.polygon` decides.

    Even-odd scan lines over the region's bounding box: the polygon's crossings of each pixel
    row, counted to the right of each pixel with a cumulative sum. A pixel within 1e-6 of a
    crossing or on a vertex's row (where edge and vertex rules matter) is left to
    `skimage.measure.points_in_poly`, the same test as `skimage.draw.polygon`'s.
    """
    tol = 1e-6
    keep = np.zeros(region.shape, bool)
    if not region.any():
        return keep
    box = _bounding_box(region, (0, 0))
    sub = region[box]
    height, width = sub.shape
    r0, c0 = np.asarray(poly_r, float), np.asarray(poly_c, float)
    r1, c1 = np.roll(r0, -1), np.roll(c0, -1)
    # Edge k crosses the integer rows y with (r0 > y) != (r1 > y): ceil(low) <= y < ceil(high).
    top = box[0].start
    first_row = np.clip(np.ceil(np.minimum(r0, r1)) - top, 0, height).astype(np.intp)
    end_row = np.clip(np.ceil(np.maximum(r0, r1)) - top, 0, height).astype(np.intp)
    n_rows = end_row - first_row
    edge_k = np.repeat(np.arange(len(r0)), n_rows)
    edge_start = np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
    row_k = first_row[edge_k] + np.arange(len(edge_k)) - edge_start
    y = (row_k + top).astype(float)
    r0k, c0k = r0[edge_k], c0[edge_k]
    x = c0k + (y - r0k) * (c1[edge_k] - c0k) / (r1[edge_k] - r0k) - box[1].start
    # A pixel x has a crossing to its right (x < x_k) iff x < ceil(x_k).
    first = np.clip(np.ceil(x), 0, width).astype(np.intp)
    counts = np.bincount(row_k * (width + 1) + first, minlength=height * (width + 1))
    counts = counts.reshape(height, width + 1)
    at_or_left = np.cumsum(counts, axis=1)[:, :width]
    inside = ((counts.sum(axis=1)[:, None] - at_or_left) % 2 == 1) & sub
    near = np.zeros((height, width), bool)
    column = np.rint(x)
    on_pixel = (np.abs(x - column) < tol) & (column >= 0) & (column < width)
    near[row_k[on_pixel], column[on_pixel].astype(np.intp)] = True
    vertex_row = np.rint(r0) - top
    on_row = (np.abs(r0 - np.rint(r0)) < tol) & (vertex_row >= 0) & (vertex_row < height)
    near[vertex_row[on_row].astype(np.intp)] = True
    near &= sub
    if near.any():
        nr, nc = np.nonzero(near)
        inside[nr, nc] = points_in_poly(
            np.c_[nc + box[1].start, nr + box[0].start].astype(float), np.c_[c0, r0]
        )
    keep[box] = inside
    return keep


def _component(inside: np.ndarray, seed: tuple[int, int]) -> np.ndarray:
    """The 4-connected component of ``inside`` at ``seed`` (labelled in its bounding box)."""
    part = np.zeros(inside.shape, bool)
    if not inside[seed]:
        return part
    box = _bounding_box(inside, (0, 0))
    labels, _ = ndimage.label(inside[box])
    part[box] = labels == labels[seed[0] - box[0].start, seed[1] - box[1].start]
    return part


def _ring(mask: np.ndarray, inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    near = _dilate(mask, inner)
    far = _dilate(mask, outer)
    return far & ~near


def _distance_mm(mask: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    """Distance in mm from each pixel outside ``mask`` to it (0 inside)."""
    if not mask.any():
        return np.full(mask.shape, np.inf)
    return ndimage.distance_transform_edt(~mask, sampling=spacing)


def _shifted_pair(array: np.ndarray, dr: int, dc: int) -> tuple[np.ndarray, np.ndarray]:
    """Views of ``array`` at each pixel and at its neighbour ``(dr, dc)`` (dr >= 0)."""
    h, w = array.shape
    ca, cb = (slice(0, w - dc), slice(dc, w)) if dc >= 0 else (slice(-dc, w), slice(0, w + dc))
    return array[0 : h - dr, ca], array[dr:h, cb]


def _cut_necks(
    region: np.ndarray, seed: tuple[int, int], spacing: np.ndarray, ratio: float
) -> np.ndarray:
    """The seed's part of ``region``, cut where it narrows to a neck.

    Watershed of the distance map splits the region into blobs; from the seed's blob, a
    neighbour is merged when the widest passage between them is at least ``ratio`` times the
    depth of the shallower blob (lobes of one lesion), and cut off otherwise (a vessel or an
    organ touching the lesion). Computed on the region's bounding box and a 1-pixel frame.
    """
    if not region[seed]:
        return _cut_necks_in_box(region, seed, spacing, ratio)
    box = _bounding_box(region, (1, 1))
    kept = np.zeros_like(region)
    kept[box] = _cut_necks_in_box(
        region[box], (seed[0] - box[0].start, seed[1] - box[1].start), spacing, ratio
    )
    return kept


def _cut_necks_in_box(
    region: np.ndarray, seed: tuple[int, int], spacing: np.ndarray, ratio: float
) -> np.ndarray:
    dist = ndimage.distance_transform_edt(region, sampling=spacing)
    # Markers: regional maxima of the distance map (plateaus count once).
    peaks = (dist == ndimage.maximum_filter(dist, footprint=_STRUCT8)) & region
    markers, n = ndimage.label(peaks, structure=_STRUCT8)
    if n <= 1:
        return region
    labels = watershed(-dist, markers, mask=region)
    seed_label = labels[seed]
    depth = np.zeros(n + 1)
    np.maximum.at(depth, labels.ravel(), dist.ravel())
    # Passages: for each pair of touching basins, the deepest point of their shared border.
    saddle: dict[tuple[int, int], float] = {}
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        a, b = _shifted_pair(labels, dr, dc)
        da, db = _shifted_pair(dist, dr, dc)
        touch = (a != b) & (a > 0) & (b > 0)
        if not touch.any():
            continue
        la, lb = a[touch], b[touch]
        height = np.minimum(da[touch], db[touch])
        lo, hi = np.minimum(la, lb), np.maximum(la, lb)
        order = np.lexsort((height, hi, lo))
        lo, hi, height = lo[order], hi[order], height[order]
        last = np.r_[(lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1]), True]
        for i, j, h in zip(lo[last], hi[last], height[last]):
            key = (int(i), int(j))
            saddle[key] = max(saddle.get(key, 0.0), float(h))
    # Grow from the seed's basin across wide passages (union-find over basins).
    members = {int(seed_label)}
    group_depth = float(depth[seed_label])
    changed = True
    while changed:
        changed = False
        for (i, j), h in saddle.items():
            if (i in members) == (j in members):
                continue
            other = j if i in members else i
            shallower = min(group_depth, float(depth[other]))
            # A dip of about a pixel is the distance map's own discreteness, not a neck.
            if h >= ratio * shallower or shallower - h <= 0.5 * float(spacing.max()):
                members.add(other)
                group_depth = max(group_depth, float(depth[other]))
                changed = True
    is_member = np.zeros(n + 1, bool)
    is_member[list(members)] = True
    kept = is_member[labels]
    if any((i in members) != (j in members) for (i, j) in saddle):
        # Remove the stub of the neighbour left at the cut: what an opening by half the
        # lesion's depth removes *and* touches the cut-off part (thin details elsewhere, such
        # as spicules, stay).
        radius_px = np.full(2, 0.5 * group_depth) / spacing
        opened = _component(_open(kept, radius_px), seed)
        if opened.any():
            removed, n_removed = ndimage.label(kept & ~opened, structure=_STRUCT8)
            near_cut = ndimage.binary_dilation(region & ~kept, _STRUCT8, iterations=2)
            is_stub = np.zeros(n_removed + 1, bool)
            is_stub[removed[near_cut & (removed > 0)]] = True
            kept = _component(kept & ~is_stub[removed], seed)
    return kept


@dataclass(frozen=True)
class _GroundGlass:
    """A hazy (ground-glass) rim continuous with a solid lung lesion."""

    region: np.ndarray  # solid part and rim, holes filled
    rim: np.ndarray  # the rim alone
    glass_hu: float  # median of the rim
    lung_hu: float  # the lung around it
    threshold_hu: float  # half-way between the two: the rim's outer edge
    wall_edge: np.ndarray  # the blurred edge of denser surroundings (chest wall, mediastinum)
    hazy: bool = False  # the rim belongs to a larger hazy area: not added (rim empty)


def _ground_glass(
    smoothed: np.ndarray,
    seed: tuple[int, int],
    solid: np.ndarray,
    *,
    lesion_hu: float,
    solid_threshold_hu: float,
    spacing: np.ndarray,
    noise_hu: float,
    leak_factor: float,
    opening_mm: float = 1.5,
    ring_mm: tuple[float, float] = (3.0, 10.0),
    far_ring_mm: float = 25.0,
    max_spread: float = 0.45,
    edge_mm: float = 2.0,
    max_hazy_fraction: float = 0.2,
) -> _GroundGlass | None:
    """The ground-glass part of a part-solid lung lesion, continuous with its solid part.

    Two-level region growing, on CT in HU in lung only (lung at most -600 HU; None
    otherwise, e.g. liver or MR). Seeded in the solid part (at least -300 HU):

    1. Lung: the 10th percentile of a ring 3-10 mm around the solid part (the ring's
       quartile used for the solid part is ground glass or mediastinum when those cover
       most of it); of a ring 10-25 mm if that is above -750 HU (a wide rim); then of a
       ring 3-10 mm around solid part and rim, if lower.
    2. Candidate rim: pixels above lung + 15 % of the solid-to-lung contrast and below both
       the solid part's threshold and -300 HU (so not fat), plus dense details smaller than
       the solid part in area and extent and embedded in ground glass (soft-tissue
       strands; not vessels beside the lesion) and whatever these enclose; minus the
       blurred edge of larger dense structures (chest wall, mediastinum, long vessels);
       opened by a disc of ``opening_mm`` (which drops a solid lesion's own partial-volume
       edge, vessels' blurred walls and the pleura's thin band); the components touching
       the solid part.
    3. A plateau (interquartile range of the rim at most ``max_spread`` times its contrast
       to lung; a gradient fading into lung spreads over about half of it): the rim's edge
       is half-way between its median and the lung, no further than ``edge_mm`` from the
       plateau. Otherwise (mixed density, partial-volume haze): half-way between the solid
       part and the lung, as for a solid lesion measured against the true lung.
    4. Rays clip leaks along the lung as for the solid part (`_clip_leaks`).
    5. Where more than ``max_hazy_fraction`` of a ring 3-10 mm around the grown lesion
       (dense structures aside) is as dense as the rim's edge, the rim is part of a larger
       hazy area: nothing is added and the result says so (``hazy``).

    Seeded in the ground glass (``lesion_hu`` below -300 HU and at least 100 HU above the
    lung), ``solid`` is the ground-glass part found so far and ``solid_threshold_hu`` the top of its band: the solid part is
    then a denser detail embedded in it, and the rim is the ground glass around it, out to
    half-way between ground glass and lung (the solid stage, whose rays stop at the denser
    part, may have cut the ground glass open there).

    None when no rim thicker than the opening touches the solid part (or, seeded in the
    ground glass, no denser part is embedded: a pure ground-glass lesion).
    """
    # Seeded in ground glass: ``solid`` is the ground-glass part and ``solid_threshold_hu``
    # the top of its band; denser parts embedded in it (the solid part) join it.
    seeded_in_glass = lesion_hu < _SOLID_MIN_HU
    from_solid_mm = _distance_mm(solid, spacing)
    ring = (from_solid_mm > ring_mm[0]) & (from_solid_mm <= ring_mm[1])
    if ring.sum() < 10:
        return None
    lung_hu = float(np.percentile(smoothed[ring], 10))
    if lung_hu > _AERATED_LUNG_MAX_HU:
        # Little lung near the solid part (a wide rim of ground glass): look further out.
        ring = (from_solid_mm > ring_mm[1]) & (from_solid_mm <= far_ring_mm)
        if ring.sum() >= 10:
            lung_hu = min(lung_hu, float(np.percentile(smoothed[ring], 10)))
    if lung_hu > _LUNG_MAX_HU or solid_threshold_hu - lung_hu <= 0:
        return None
    if seeded_in_glass and lesion_hu - lung_hu < _GLASS_MIN_CONTRAST_HU:
        return None  # seeded in lung, not in ground glass
    radius_px = np.full(2, opening_mm) / spacing
    contact = _dilate(solid, radius_px + 1.0)

    # Dense structures outside the solid part: smaller ones (soft-tissue strands, vessels)
    # may lie within ground glass; ones larger than the solid part (chest wall, mediastinum,
    # an organ) are the lesion's surroundings.
    if seeded_in_glass:
        low_hu = 0.5 * (lesion_hu + lung_hu)
    else:
        low_hu = lung_hu + max(0.15 * (lesion_hu - lung_hu), 6.0 * noise_hu)
    dense = (smoothed >= solid_threshold_hu) & ~solid
    labels, n = ndimage.label(dense, _STRUCT8)
    wall = np.zeros_like(dense)
    if n:
        # Larger: more pixels than the solid part, or a longer bounding box.
        def extent(box: tuple[slice, slice]) -> float:
            return float(np.hypot(*[(b.stop - b.start) * d for b, d in zip(box, spacing)]))

        reference = convex_hull_image(solid) if seeded_in_glass else solid
        solid_extent = extent(ndimage.find_objects(reference.astype(np.int8))[0])
        large = np.zeros(n + 1, bool)
        large[1:] = [extent(box) > solid_extent for box in ndimage.find_objects(labels)]
        sizes = np.bincount(labels.ravel())
        large |= sizes > reference.sum()
        # Running out of the field: a vessel or a wall, however little of it is in view.
        border = np.unique(np.r_[labels[[0, -1], :].ravel(), labels[:, [0, -1]].ravel()])
        large[border] = True
        large[0] = False
        wall = large[labels]
        dense &= ~wall
        # A smaller detail belongs to the ground glass only when embedded in it: most of a
        # ring 1-3 mm around it is denser than the rim's floor (a vessel seen end-on beside
        # a nodule is surrounded by lung, and the solid stage has already cut it off).
        pad = np.ceil(3.0 / spacing).astype(int) + 1
        for k, box in enumerate(ndimage.find_objects(labels), start=1):
            if box is None or large[k]:
                continue
            window = tuple(
                slice(max(b.start - q, 0), min(b.stop + q, size))
                for b, q, size in zip(box, pad, labels.shape)
            )
            detail = labels[window] == k
            near = _dilate(detail, np.full(2, 1.0) / spacing)
            shell = _dilate(detail, np.full(2, 3.0) / spacing)
            shell &= ~near & ~solid[window]
            if not shell.any() or np.mean(smoothed[window][shell] >= low_hu) < 0.5:
                dense[window] &= ~detail
                wall[window] |= detail
    near_wall = _dilate(wall, radius_px) & ~wall

    def wall_edge(level_hu: float) -> np.ndarray:
        return near_wall & (
            smoothed > 0.5 * (min(level_hu, solid_threshold_hu) + solid_threshold_hu)
        )

    def rim_above(threshold_hu: float, level_hu: float) -> np.ndarray:
        glass_max_hu = min(solid_threshold_hu, _GLASS_MAX_HU)
        band = (smoothed >= threshold_hu) & (smoothed < glass_max_hu) | dense
        # The blurred edge of the surroundings (denser than half-way from the rim's level
        # towards them) is theirs.
        band &= ~wall_edge(level_hu)
        band = ndimage.binary_fill_holes(band | solid) & ~solid
        opened = _open(band, radius_px)
        labels, n = ndimage.label(opened, _STRUCT8)
        if n == 0:
            return opened
        touching = np.unique(labels[contact & opened])
        return np.isin(labels, touching[touching > 0])

    def finish(
        rim: np.ndarray, glass_hu: float, lung_hu: float, threshold_hu: float, level_hu: float
    ) -> _GroundGlass:
        """Solid part and rim, leaks clipped, checked against the lung around them."""
        region = ndimage.binary_fill_holes(solid | rim)
        region, _ = _clip_leaks(region, seed, spacing, leak_factor, smoothed < threshold_hu)
        region = ndimage.binary_fill_holes(region | solid)
        edge = wall_edge(level_hu) & ~solid
        # The lung around the grown lesion must be clearly less dense than its ground glass;
        # otherwise the rim is the edge of a larger hazy area (dependent lung, an
        # infiltrate), and where the lesion ends in it is a reader's call.
        from_region_mm = _distance_mm(region, spacing)
        around = (from_region_mm > ring_mm[0]) & (from_region_mm <= ring_mm[1])
        around &= ~(wall | near_wall | dense)
        if around.any() and np.mean(smoothed[around] >= threshold_hu) > max_hazy_fraction:
            empty = np.zeros_like(solid)
            return _GroundGlass(solid, empty, glass_hu, lung_hu, threshold_hu, edge, True)
        return _GroundGlass(region, region & ~solid, glass_hu, lung_hu, threshold_hu, edge)

    rim = rim_above(low_hu, low_hu)
    min_area_px = np.pi * (2.0 * opening_mm) ** 2 / float(np.prod(spacing))
    if seeded_in_glass:
        if not (rim & dense).any():
            return None  # no denser part embedded: a pure ground-glass lesion
        return finish(rim, lesion_hu, lung_hu, low_hu, lesion_hu)
    if rim.sum() < min_area_px:
        return None
    values = smoothed[rim]
    glass_hu = float(np.median(values))
    # The lung around the rim, not around the solid part (which the rim partly covers).
    from_rim_mm = _distance_mm(solid | rim, spacing)
    around = (from_rim_mm > ring_mm[0]) & (from_rim_mm <= ring_mm[1])
    if around.sum() >= 10:
        lung_hu = min(lung_hu, float(np.percentile(smoothed[around], 10)))
    q1, q3 = np.percentile(values, [25, 75])
    plateau_found = q3 - q1 <= max_spread * (glass_hu - lung_hu)
    if plateau_found:
        # A plateau of ground glass: out to the half-way level between it and the lung, but
        # no further than ``edge_mm`` beyond the plateau (haze fading slowly is not measured).
        plateau = rim & (smoothed >= glass_hu - 1.5 * (q3 - q1))
        reach = _dilate(solid | plateau, np.full(2, edge_mm) / spacing)
        threshold_hu = 0.5 * (glass_hu + lung_hu)
    else:
        # Mixed density or a gradient fading into the lung (partial volume, haze): only what
        # is denser than half-way between the solid part and the lung.
        reach = np.ones_like(solid)
        glass_hu = lesion_hu
        threshold_hu = 0.5 * (lesion_hu + lung_hu)
        if threshold_hu >= solid_threshold_hu:
            return None
    rim = rim_above(threshold_hu, glass_hu if plateau_found else threshold_hu) & reach
    if rim.sum() < min_area_px:
        return None
    return finish(rim, glass_hu, lung_hu, threshold_hu, glass_hu if plateau_found else threshold_hu)


def _missed_glass_rim(
    smoothed: np.ndarray,
    region: np.ndarray,
    lesion_hu: float,
    spacing: np.ndarray,
    noise_hu: float,
    *,
    shell_mm: tuple[float, float] = (1.75, 2.25),
    lung_ring_mm: tuple[float, float] = (4.0, 10.0),
    min_excess_hu: float = 40.0,
    min_coverage: float = 0.5,
    n_sectors: int = 16,
) -> bool:
    """Whether a lung lesion is ringed by intermediate density that it does not include.

    In a shell ``shell_mm`` outside ``region``, per angular sector around its centroid, the
    median density above the lung (the median of a ring ``lung_ring_mm`` out) less the
    partial-volume tail expected there (the lesion's deficit at the same depth inside: a
    blurred edge is symmetric about its half-way level) must exceed ``min_excess_hu`` (and
    6 noise SDs) while staying below half-way to the lesion, on at least ``min_coverage`` of
    the sectors. A solid nodule's blurred edge (blur up to about 1 mm) has faded at that
    distance; a ground-glass rim 2-3 mm thick, too thin for `_ground_glass`, has not.
    """
    if not region.any():
        return False
    pad = np.ceil(lung_ring_mm[1] / spacing).astype(int) + 1
    box = _bounding_box(region, (int(pad[0]), int(pad[1])))
    inside, values = region[box], smoothed[box]
    # From the outline, about half a pixel beyond the centres of the edge pixels.
    half_px_mm = 0.5 * float(spacing.max())
    outside_mm = ndimage.distance_transform_edt(~inside, sampling=spacing) - half_px_mm
    depth_mm = ndimage.distance_transform_edt(inside, sampling=spacing) - half_px_mm
    lung = (outside_mm > lung_ring_mm[0]) & (outside_mm <= lung_ring_mm[1])
    if lung.sum() < 10:
        return False
    lung_hu = float(np.median(values[lung]))
    shell = (outside_mm > shell_mm[0]) & (outside_mm <= shell_mm[1])
    inner = (depth_mm > shell_mm[0]) & (depth_mm <= shell_mm[1])
    # A lesion not that deep has no such depth; its edge, curved, fades faster: no tail.
    tail_hu = max(lesion_hu - float(np.median(values[inner])), 0.0) if inner.any() else 0.0
    rows, cols = np.nonzero(inside)
    r, c = np.nonzero(shell)
    angle = np.arctan2((r - rows.mean()) * spacing[0], (c - cols.mean()) * spacing[1])
    sector = np.minimum(((angle + np.pi) / (2 * np.pi) * n_sectors).astype(int), n_sectors - 1)
    shell_values = values[r, c]
    counts = np.bincount(sector, minlength=n_sectors)
    medians = np.array(
        [np.median(shell_values[sector == k]) for k in range(n_sectors) if counts[k]]
    )
    if len(medians) < n_sectors // 2:
        return False
    excess_hu = medians - lung_hu - tail_hu
    ringed = (excess_hu > max(min_excess_hu, 6.0 * noise_hu)) & (
        medians < 0.5 * (lesion_hu + lung_hu)
    )
    return bool(np.mean(ringed) >= min_coverage)


def segment_slice(
    image: np.ndarray,
    seed: tuple[int, int],
    *,
    spacing_mm: tuple[float, float],
    smoothing_mm: float | None = None,
    neck_ratio: float = 0.85,
    ring_mm: tuple[float, float] = (2.5, 6.0),
    iterations: int = 4,
    max_grows: int = 6,
    leak_factor: float = 2.0,
    allow_border: bool = True,
) -> Segmentation:
    """Segment the lesion under ``seed`` on a 2-D slice.

    Parameters
    ----------
    image : (M, N) array
        The slice (HU for CT, any unit for MR).
    seed : (row, column) int
        A pixel inside the lesion.
    spacing_mm : (row, column) float
    smoothing_mm : float, optional
        SD of the Gaussian smoothing applied before thresholding; default: the larger pixel
        spacing.
    neck_ratio : float
        See `_cut_necks`.
    ring_mm : (inner, outer) float
        Distance from the lesion of the ring that samples its surroundings.
    iterations : int
        Threshold updates.

    Returns
    -------
    Segmentation
    """
    spacing = np.asarray(spacing_mm, float)
    image = np.asarray(image, np.float32)
    sigma_mm = float(spacing.max()) if smoothing_mm is None else float(smoothing_mm)
    sigma_px = np.maximum(sigma_mm / spacing, 0.5)
    smoothed = ndimage.gaussian_filter(image, sigma_px, mode="nearest")
    noise = _noise_sd(image, smoothed, sigma_px)
    noise_smoothed = noise / np.sqrt(4 * np.pi * float(np.prod(sigma_px)))

    lesion = float(np.median(smoothed[_disk_at(seed, 1.5 / spacing, image.shape)]))
    # First guess: pixels within 3 noise SDs of the seed's value.
    tolerance = 3.0 * noise_smoothed + 1e-3
    start = _component(np.abs(smoothed - lesion) <= tolerance, seed)
    if not start.any():
        start[seed] = True
    options = dict(
        spacing=spacing,
        sigma_mm=sigma_mm,
        ring_px=(ring_mm[0] / spacing, ring_mm[1] / spacing),
        iterations=iterations,
        max_grows=max_grows,
        min_contrast=4.0 * noise_smoothed,
        leak_factor=leak_factor,
        neck_ratio=neck_ratio,
    )
    best = _threshold_loop(smoothed, seed, start, lesion, **options)
    if best.contrast < 3.0 * noise:
        # Perhaps the seed hit a detail (a vessel, a calcification, necrosis) inside a larger
        # lesion: try the object made of the detail's surroundings.
        start = best.region | _ring(best.region, *options["ring_px"])
        outer = _threshold_loop(smoothed, seed, start, best.background, **options)
        on_border = bool(outer.region[[0, -1], :].any() or outer.region[:, [0, -1]].any())
        if (
            outer.contrast >= max(3.0 * noise, 2.0 * best.contrast)
            and outer.region[seed]
            and (allow_border or not on_border)
        ):
            best = outer
    lesion, background = best.lesion, best.background
    region = ndimage.binary_fill_holes(best.region)
    level = best.level
    contrast = best.contrast
    glass = None
    if contrast > 0 and lesion > background:
        glass = _ground_glass(
            smoothed,
            seed,
            region,
            lesion_hu=lesion,
            # Seeded in ground glass, the top of the lesion's band separates it from a
            # denser (solid) part.
            solid_threshold_hu=(
                lesion + best.far if lesion < _SOLID_MIN_HU else 0.5 * (lesion + background)
            ),
            spacing=spacing,
            noise_hu=noise_smoothed,
            leak_factor=leak_factor,
        )
    if contrast > 0:
        # The outline: smoothed only as much as the contrast-to-noise ratio needs, since
        # smoothing pulls the half-way contour inwards at the tips (by sigma^2 * curvature / 2).
        def finer(contrast: float) -> np.ndarray:
            fine_px = sigma_px * min(1.0, 8.0 * noise / contrast)
            if fine_px.max() < 0.25:
                return image
            return ndimage.gaussian_filter(image, fine_px, mode="nearest")

        fine = finer(contrast)
        level = best.band(fine)
        if glass is not None and glass.rim.any():
            # Along the ground-glass rim the edge is half-way between ground glass and lung.
            zone = _dilate(glass.rim, np.full(2, 2.0 * sigma_mm) / spacing)
            glass_level = finer(glass.glass_hu - glass.lung_hu) - np.float32(glass.threshold_hu)
            level = np.where(zone, glass_level, level)
            region = glass.region
        near = ndimage.binary_dilation(region, _STRUCT8)
        refined = _component((level > 0) & near, seed)
        if refined.any():
            region = ndimage.binary_fill_holes(refined | ndimage.binary_erosion(region, _STRUCT8))
        if glass is not None:
            region = _component(region & ~glass.wall_edge, seed)
    # Outside the lesion, the level must be negative even across a cut neck.
    eps = np.float32(1e-3 * max(contrast, 1e-3))
    level = np.where(region, np.maximum(level, eps), np.minimum(level, -eps))
    notes: list[str] = []
    if abs(background - lesion) <= 3.0 * noise:
        notes.append(
            f"low contrast: lesion {lesion:.0f} vs surroundings {background:.0f} with noise SD "
            f"{noise:.0f}"
        )
    if best.clipped:
        notes.append(
            "leaks into a structure of similar density; the boundary was interpolated across it"
        )
    if best.leaked > 0.05:
        notes.append(
            f"touches a structure of similar density ({100 * best.leaked:.0f} % of the similar "
            "region was cut off at a neck)"
        )
    if (
        contrast > 0
        and background <= _LUNG_MAX_HU
        and lesion > background
        and not (glass is not None and glass.hazy)
        and _missed_glass_rim(smoothed, region, lesion, spacing, noise_smoothed)
    ):
        notes.append("a ground-glass rim around the solid part may not be included")
    if glass is not None and glass.hazy:
        notes.append(
            "borders a larger hazy (ground-glass) area of the lung; where the lesion ends in it "
            "is doubtful"
        )
    elif glass is not None and (ndimage.binary_dilation(region, _STRUCT8) & glass.wall_edge).any():
        notes.append(
            "its ground-glass part touches denser surroundings (chest wall, mediastinum, a "
            "vessel); the boundary there is doubtful"
        )
    return Segmentation(
        region, level.astype(np.float32), lesion, background, noise, best.leaked, tuple(notes)
    )


@dataclass
class _Candidate:
    region: np.ndarray
    level: np.ndarray
    lesion: float
    background: float
    leaked: float = 0.0
    clipped: bool = False
    far: float = 0.0

    def band(self, image: np.ndarray) -> np.ndarray:
        """The level function of this candidate's intensity band on ``image``."""
        half = self.contrast / 2
        toward = (image - self.lesion) * np.sign(self.background - self.lesion)
        return np.minimum(half - toward, self.far + toward).astype(np.float32)

    @property
    def contrast(self) -> float:
        return abs(self.background - self.lesion)


def _surroundings(values: np.ndarray, lesion: float) -> float:
    """Level of the surroundings: the quartile of the ring farther from the lesion, robust to
    a ring that is partly lesion."""
    median = float(np.median(values))
    return float(np.percentile(values, 25 if median < lesion else 75))


def _threshold_loop(
    smoothed: np.ndarray,
    seed: tuple[int, int],
    region: np.ndarray,
    lesion: float,
    *,
    spacing: np.ndarray,
    sigma_mm: float,
    ring_px: tuple[np.ndarray, np.ndarray],
    iterations: int,
    max_grows: int,
    min_contrast: float,
    leak_factor: float,
    neck_ratio: float,
) -> _Candidate:
    """Alternate: surroundings from a ring -> half-way threshold -> region -> lesion level."""
    found = _Candidate(region, np.full(smoothed.shape, -1.0, np.float32), lesion, lesion)
    grows = done = 0
    while done < iterations:
        ring = _ring(region, *ring_px)
        if not ring.any():
            break
        background = _surroundings(smoothed[ring], lesion)
        if abs(background - lesion) < min_contrast and grows < max_grows:
            # Textured lesion or seed far from the edge: look further out for the surroundings.
            region = _dilate(region, ring_px[1])
            grows += 1
            continue
        done += 1
        half = abs(background - lesion) / 2
        if half <= 0:
            break
        # Two-sided band: up to half-way towards the surroundings, and on the other side only
        # as far as the lesion's own texture reaches (so bone does not join a lung tumour).
        toward = (smoothed - lesion) * np.sign(background - lesion)
        spread = 1.4826 * float(np.median(np.abs(smoothed[region] - np.median(smoothed[region]))))
        far = float(np.clip(4.0 * spread, max(min_contrast, 0.2 * half), half))
        level = np.minimum(half - toward, far + toward).astype(np.float32)
        similar = _component(level > 0, seed)
        if not similar.any():
            similar[seed] = True
        similar, clipped = _clip_leaks(similar, seed, spacing, leak_factor, toward >= half)
        region = _cut_necks(similar, seed, spacing, neck_ratio)
        found = _Candidate(
            region, level, lesion, background, 1.0 - region.sum() / similar.sum(), clipped, far
        )
        core = _erode(region, np.full(2, 1.5 * sigma_mm) / spacing)
        values = smoothed[core] if core.sum() >= 5 else smoothed[region]
        lesion = float(np.median(values))
    return found
