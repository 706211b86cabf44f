"""Rendering a `Phantom` on a `Grid`: partial-volume edges, blur and noise."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
from scipy import ndimage

from .geometry import Grid
from .shapes import Lesion, Phantom

__all__ = ["PHASES", "lesion_fraction", "render_phantom"]

_CHUNK_VOXELS = 1 << 21


def _index_box(primitives: Sequence, grid: Grid) -> tuple[slice, slice, slice] | None:
    """Index ranges of the voxels that may touch the primitives' bounding box."""
    lo = np.min([p.bounds()[0] for p in primitives], axis=0)
    hi = np.max([p.bounds()[1] for p in primitives], axis=0)
    corners_idx = np.array(np.meshgrid(*[[-1, n] for n in grid.shape], indexing="ij")).reshape(
        3, -1
    )
    grid_corners = grid.index_to_lps(corners_idx.T)
    lo = np.maximum(lo, grid_corners.min(axis=0))
    hi = np.minimum(hi, grid_corners.max(axis=0))
    if np.any(lo > hi):
        return None
    corners = np.array(np.meshgrid(*zip(lo, hi, strict=True), indexing="ij")).reshape(3, -1).T
    idx = grid.lps_to_index(corners)
    start = np.maximum(np.floor(idx.min(axis=0)).astype(int) - 1, 0)
    stop = np.minimum(np.ceil(idx.max(axis=0)).astype(int) + 2, grid.shape)
    if np.any(stop <= start):
        return None
    return tuple(slice(a, b) for a, b in zip(start, stop, strict=True))  # type: ignore[return-value]


def _subvoxel_offsets(supersample: int) -> np.ndarray:
    """``(n**3, 3)`` index offsets of sub-voxel centres."""
    steps = (np.arange(supersample) + 0.5) / supersample - 0.5
    return np.array(np.meshgrid(steps, steps, steps, indexing="ij")).reshape(3, -1).T


def _fractions(
    primitives: Sequence, grid: Grid, supersample: int
) -> Iterator[tuple[tuple[slice, slice, slice], np.ndarray]]:
    """Occupied fraction of each voxel by the union of ``primitives``, chunk by chunk."""
    box = _index_box(primitives, grid)
    if box is None:
        return
    affine = grid.affine
    matrix, origin = affine[:3, :3], affine[:3, 3]
    half_diagonal = 0.5 * float(np.linalg.norm(grid.spacing_mm))
    offsets_mm = _subvoxel_offsets(supersample) @ matrix.T
    rows = np.arange(box[1].start, box[1].stop)
    cols = np.arange(box[2].start, box[2].stop)
    plane = origin + rows[:, None, None] * matrix[:, 1] + cols[None, :, None] * matrix[:, 2]
    step = max(1, _CHUNK_VOXELS // plane[..., 0].size)
    for k0 in range(box[0].start, box[0].stop, step):
        ks = np.arange(k0, min(k0 + step, box[0].stop))
        points = plane[None] + ks[:, None, None, None] * matrix[:, 0]
        distance = np.min([p.distance_bound(points) for p in primitives], axis=0)
        fraction = (distance <= -half_diagonal).astype(np.float32)
        band = np.abs(distance) < half_diagonal
        band_points = points[band]
        if band_points.size:
            values = np.empty(len(band_points), np.float32)
            per = max(1, _CHUNK_VOXELS // len(offsets_mm))
            for b0 in range(0, len(band_points), per):
                sub = band_points[b0 : b0 + per, None, :] + offsets_mm[None]
                inside = np.zeros(sub.shape[:2], bool)
                for p in primitives:
                    inside |= p.contains(sub)
                values[b0 : b0 + per] = inside.mean(axis=1)
            fraction[band] = values
        yield (slice(ks[0], ks[-1] + 1), box[1], box[2]), fraction


def lesion_fraction(lesion: Lesion, grid: Grid, *, supersample: int = 4) -> np.ndarray:
    """The fraction of each voxel inside ``lesion``: a soft ground-truth mask.

    Returns
    -------
    ndarray of float32, shape ``grid.shape``, values in [0, 1].
    """
    out = np.zeros(grid.shape, np.float32)
    for index, fraction in _fractions(lesion._primitives(), grid, supersample):
        out[index] = fraction
    return out


PHASES = ("portal_venous", "arterial")


def render_phantom(
    phantom: Phantom,
    grid: Grid,
    *,
    supersample: int = 3,
    blur_sd_mm: float = 0.0,
    noise_sd_hu: float = 0.0,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
    phase: str = "portal_venous",
) -> np.ndarray:
    """Sample ``phantom`` on ``grid`` in Hounsfield units.

    Parameters
    ----------
    phantom : Phantom
    grid : Grid
    supersample : int
        Sub-samples per axis for voxels crossed by a surface (partial-volume effect);
        1 samples voxel centres only.
    blur_sd_mm : float
        Standard deviation of an isotropic Gaussian blur (scanner point spread), 0 for none.
    noise_sd_hu : float
        Standard deviation of white Gaussian noise added after the blur.
    seed : int, optional
        Seed of the noise.
    progress : callable, optional
        Called with the name of each structure as it is painted.
    phase : str
        ``portal_venous`` (the default: every structure at its ``hu``, lesions at their
        ``contrast_hu``) or ``arterial`` (regions at their ``arterial_hu``; an HCC's viable
        part enhanced by its ``arterial_hu``, its necrosis at ``contrast_hu``).

    Returns
    -------
    ndarray of float32, shape ``grid.shape`` (slices, rows, columns).
    """
    if supersample < 1:
        raise ValueError(f"supersample must be >= 1, got {supersample}")
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, got {phase!r}")
    arterial = phase == "arterial"
    volume = np.full(grid.shape, phantom.background_hu, np.float32)
    for region in phantom.regions:
        if progress:
            progress(region.name)
        hu = region.arterial_hu if arterial and region.arterial_hu is not None else region.hu
        for index, fraction in _fractions(region._primitives(), grid, supersample):
            view = volume[index]
            view += fraction * (np.float32(hu) - view)
    for lesion in phantom.lesions:
        if progress:
            progress(lesion.lesion_id)
        if lesion.fill_hu is not None:  # a fluid collection replaces the tissue
            for index, fraction in _fractions(lesion._primitives(), grid, supersample):
                view = volume[index]
                view += fraction * (np.float32(lesion.fill_hu) - view)
            continue
        viable = lesion.viable_part() if arterial else None
        contrast = lesion.contrast_hu
        if viable is not None and lesion.viable is None:  # the whole lesion enhances
            contrast = lesion.arterial_hu  # type: ignore[assignment]
            viable = None
        for index, fraction in _fractions(lesion._primitives(), grid, supersample):
            volume[index] += fraction * np.float32(contrast)
        if viable is not None:  # the enhancing part of a necrotic HCC, inside the lesion
            extra = np.float32(viable.contrast_hu - lesion.contrast_hu)
            for index, fraction in _fractions(viable._primitives(), grid, supersample):
                volume[index] += fraction * extra
    if blur_sd_mm > 0:
        sigma = blur_sd_mm / np.asarray(grid.spacing_mm)
        ndimage.gaussian_filter(volume, sigma, output=volume, mode="nearest")
    if noise_sd_hu > 0:
        rng = np.random.default_rng(seed)
        for k in range(grid.shape[0]):
            volume[k] += rng.standard_normal(grid.shape[1:], np.float32) * np.float32(noise_sd_hu)
    return volume
