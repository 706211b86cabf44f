"""Known motion between two visits, and follow-up volumes made by warping a baseline with it.

For testing registration: a follow-up is the baseline seen through a known mapping (the
patient lying differently on the table, breathing, lesions growing or shrinking), sampled
on another grid with new noise, so where every baseline point lies at the follow-up is
known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .geometry import Grid, _rotation

__all__ = ["Growth", "KnownMotion", "warp_volume"]


@dataclass(frozen=True)
class Growth:
    """A lesion growing (``factor`` > 1) or shrinking about its centre; the tissue around it
    is pushed or pulled along, smoothly, out to about twice ``radius_mm``.

    Points within about ``radius_mm`` of ``centre_mm`` move radially by
    ``(factor - 1) * r``; the displacement fades as a Gaussian beyond.
    """

    centre_mm: tuple[float, float, float]
    radius_mm: float
    factor: float

    def displacement(self, points: np.ndarray) -> np.ndarray:
        rel = points - np.asarray(self.centre_mm)
        r2 = np.einsum("...i,...i->...", rel, rel)
        weight = np.exp(-0.5 * np.maximum(r2 - self.radius_mm**2, 0.0) / self.radius_mm**2)
        return (self.factor - 1.0) * rel * weight[..., None]


@dataclass(frozen=True)
class KnownMotion:
    """A baseline -> follow-up mapping of LPS points: growth, breathing, then a rigid move.

    ``forward(x) = R (x + d(x) - c) + c + t``, where ``d`` is the breathing displacement plus
    every `Growth`'s: the patient's anatomy deforms, then lies rotated by ``rotation_deg``
    (about L, P, S, around ``centre_mm``) and shifted by ``translation_mm`` on the table.

    Parameters
    ----------
    translation_mm : 3 floats
        Table shift and repositioning.
    rotation_deg : 3 floats
        Rotations about the L, P and S axes.
    centre_mm : 3 floats
        Centre of rotation (LPS).
    breathing_mm : float
        Largest displacement of the breathing-like deformation: towards S (the diaphragm
        rising, organs below it moving up) and a fifth of it towards anterior, largest at
        ``breathing_centre_mm`` and fading as a Gaussian of SD ``breathing_width_mm``.
    growth : sequence of Growth
    """

    translation_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    centre_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    breathing_mm: float = 0.0
    breathing_centre_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    breathing_width_mm: float = 90.0
    growth: tuple[Growth, ...] = ()

    @property
    def rotation(self) -> np.ndarray:
        rx, ry, rz = self.rotation_deg
        return _rotation(2, rz) @ _rotation(1, ry) @ _rotation(0, rx)

    def deformation(self, points: np.ndarray) -> np.ndarray:
        """``d(x)``: the displacement (mm) of the anatomy at baseline points ``(..., 3)``."""
        points = np.asarray(points, float)
        rel = points - np.asarray(self.breathing_centre_mm)
        bump = np.exp(-0.5 * np.einsum("...i,...i->...", rel, rel) / self.breathing_width_mm**2)
        out = np.zeros_like(points)
        out[..., 2] = self.breathing_mm * bump
        out[..., 1] = -0.2 * self.breathing_mm * bump
        for growth in self.growth:
            out += growth.displacement(points)
        return out

    def forward(self, points_mm: np.ndarray) -> np.ndarray:
        """Where baseline LPS points lie at the follow-up (exact)."""
        points = np.asarray(points_mm, float)
        moved = points + self.deformation(points) - np.asarray(self.centre_mm)
        return moved @ self.rotation.T + np.asarray(self.centre_mm) + self.translation_mm

    def backward(self, points_mm: np.ndarray, *, iterations: int = 20) -> np.ndarray:
        """Where follow-up LPS points came from at the baseline (the inverse of `forward`,
        by fixed-point iteration; the deformation is smooth enough for it to converge)."""
        points = np.asarray(points_mm, float)
        target = (points - self.translation_mm - np.asarray(self.centre_mm)) @ self.rotation
        target = target + np.asarray(self.centre_mm)
        x = target.copy()
        for _ in range(iterations):
            x = target - self.deformation(x)
        return x


def warp_volume(
    array: np.ndarray,
    affine: np.ndarray,
    motion: KnownMotion,
    grid: Grid,
    *,
    slice_thickness_mm: float | None = None,
    noise_sd: float = 0.0,
    seed: int | None = None,
    background: float | None = None,
) -> np.ndarray:
    """The follow-up image: ``array`` (on ``affine``) seen through ``motion``, on ``grid``.

    Parameters
    ----------
    array : (slices, rows, columns) array
        The baseline image.
    affine : (4, 4) array
        Its index -> LPS mapping.
    motion : KnownMotion
    grid : Grid
        The follow-up's sampling (any orientation, spacing and field of view).
    slice_thickness_mm : float, optional
        Average across the slice over this thickness (default: one sample per voxel).
    noise_sd : float
        White Gaussian noise added (the follow-up's own noise).
    seed : int, optional
        Noise seed.
    background : float, optional
        Value outside the baseline's field of view (default: the array's minimum).

    Returns
    -------
    float32 array of ``grid.shape``.
    """
    array = np.asarray(array, np.float32)
    inverse = np.linalg.inv(np.asarray(affine, float))
    fill = float(array.min()) if background is None else float(background)
    thickness = float(slice_thickness_mm or 0.0)
    # Enough samples across the slice to see every source voxel it crosses.
    crossed = thickness * float(np.abs(inverse[:3, :3] @ grid.normal).max())
    n_sub = max(1, int(np.ceil(crossed)))
    offsets = (np.arange(n_sub) + 0.5) / n_sub - 0.5 if n_sub > 1 else np.zeros(1)
    # The mapping is smooth: compute it every ``step`` pixels and interpolate in between.
    step = 4
    coarse_rc = [np.arange(0, n + step, step, dtype=float) for n in grid.shape[1:]]
    rows, cols = np.meshgrid(*coarse_rc, indexing="ij")
    fine = np.mgrid[: grid.shape[1], : grid.shape[2]].astype(float) / step
    out = np.empty(grid.shape, np.float32)
    for k in range(grid.shape[0]):
        acc = np.zeros(grid.shape[1:], np.float64)
        for off in offsets:
            index = np.stack(
                [np.full_like(rows, k + off * thickness / grid.spacing_mm[0]), rows, cols], -1
            )
            source = motion.backward(grid.index_to_lps(index))
            source_index = source @ inverse[:3, :3].T + inverse[:3, 3]
            at_pixels = [
                ndimage.map_coordinates(c, fine, order=1) for c in np.moveaxis(source_index, -1, 0)
            ]
            acc += ndimage.map_coordinates(array, at_pixels, order=1, mode="constant", cval=fill)
        out[k] = acc / len(offsets)
    if noise_sd > 0:
        out += np.random.default_rng(seed).normal(0.0, noise_sd, out.shape).astype(np.float32)
    return out
