"""Voxel grids in DICOM patient coordinates (LPS, millimetres)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ORIENTATIONS", "Grid"]

#: ImageOrientationPatient of the standard planes: (row direction, column direction).
ORIENTATIONS: dict[str, tuple[float, ...]] = {
    "axial": (1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    "coronal": (1.0, 0.0, 0.0, 0.0, 0.0, -1.0),
    "sagittal": (0.0, 1.0, 0.0, 0.0, 0.0, -1.0),
}


def _rotation(axis: int, angle_deg: float) -> np.ndarray:
    c, s = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    i, j = [a for a in range(3) if a != axis]
    rot = np.eye(3)
    rot[i, i], rot[i, j], rot[j, i], rot[j, j] = c, -s, s, c
    return rot


@dataclass(frozen=True)
class Grid:
    """A stack of parallel slices: the sampling of a series in patient space.

    Parameters
    ----------
    shape : tuple of int
        ``(slices, rows, columns)``.
    spacing_mm : tuple of float
        ``(slice, row, column)`` spacing; row spacing is PixelSpacing[0].
    orientation : tuple of float
        ImageOrientationPatient: the direction of a row (increasing column index) and of a
        column (increasing row index), unit and orthogonal.
    origin_mm : tuple of float
        ImagePositionPatient of the first slice: the centre of voxel ``(0, 0, 0)``.

    Slices advance along the normal ``row direction x column direction``, so ``affine`` is
    the one defined in design.md section 4.
    """

    shape: tuple[int, int, int]
    spacing_mm: tuple[float, float, float]
    orientation: tuple[float, float, float, float, float, float] = ORIENTATIONS["axial"]
    origin_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        shape = tuple(int(n) for n in self.shape)
        spacing = tuple(float(s) for s in self.spacing_mm)
        orientation = tuple(float(v) for v in self.orientation)
        origin = tuple(float(v) for v in self.origin_mm)
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(f"shape must be three positive integers, got {self.shape}")
        if len(spacing) != 3 or not all(np.isfinite(spacing)) or min(spacing) <= 0:
            raise ValueError(f"spacing_mm must be three positive numbers, got {self.spacing_mm}")
        if len(orientation) != 6 or len(origin) != 3:
            raise ValueError("orientation needs 6 numbers and origin_mm 3")
        row, col = np.array(orientation[:3]), np.array(orientation[3:])
        if (
            abs(np.linalg.norm(row) - 1) > 1e-6
            or abs(np.linalg.norm(col) - 1) > 1e-6
            or abs(row @ col) > 1e-6
        ):
            raise ValueError(f"orientation must be two orthonormal vectors, got {orientation}")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "spacing_mm", spacing)
        object.__setattr__(self, "orientation", orientation)
        object.__setattr__(self, "origin_mm", origin)

    @classmethod
    def centred(
        cls,
        shape: Sequence[int],
        spacing_mm: Sequence[float],
        *,
        orientation: str | Sequence[float] = "axial",
        rotation_deg: Sequence[float] = (0.0, 0.0, 0.0),
        centre_mm: Sequence[float] = (0.0, 0.0, 0.0),
    ) -> Grid:
        """A grid whose centre is at ``centre_mm``.

        Parameters
        ----------
        shape, spacing_mm
            As for `Grid`.
        orientation : {'axial', 'coronal', 'sagittal'} or 6 floats
            Starting plane (ImageOrientationPatient).
        rotation_deg : 3 floats
            Rotations of that plane about the L, P then S axes, for oblique series.
        centre_mm : 3 floats
            LPS position of the volume's centre.
        """
        cosines = ORIENTATIONS[orientation] if isinstance(orientation, str) else orientation
        rot = (
            _rotation(2, rotation_deg[2])
            @ _rotation(1, rotation_deg[1])
            @ _rotation(0, rotation_deg[0])
        )
        row = rot @ np.asarray(cosines[:3], float)
        col = rot @ np.asarray(cosines[3:], float)
        row /= np.linalg.norm(row)
        col -= (col @ row) * row
        col /= np.linalg.norm(col)
        grid = cls(tuple(shape), tuple(spacing_mm), (*row, *col), (0.0, 0.0, 0.0))
        half = (np.asarray(grid.shape, float) - 1) / 2
        origin = np.asarray(centre_mm, float) - grid.affine[:3, :3] @ half
        return cls(grid.shape, grid.spacing_mm, grid.orientation, tuple(origin))

    @property
    def row_direction(self) -> np.ndarray:
        """Unit LPS vector along a row (increasing column index)."""
        return np.array(self.orientation[:3])

    @property
    def column_direction(self) -> np.ndarray:
        """Unit LPS vector along a column (increasing row index)."""
        return np.array(self.orientation[3:])

    @property
    def normal(self) -> np.ndarray:
        """Unit LPS vector along increasing slice index."""
        return np.cross(self.row_direction, self.column_direction)

    @property
    def affine(self) -> np.ndarray:
        """4x4 array mapping ``(slice, row, column, 1)`` to LPS mm."""
        affine = np.eye(4)
        affine[:3, 0] = self.normal * self.spacing_mm[0]
        affine[:3, 1] = self.column_direction * self.spacing_mm[1]
        affine[:3, 2] = self.row_direction * self.spacing_mm[2]
        affine[:3, 3] = self.origin_mm
        return affine

    def slice_position_mm(self, index: int) -> np.ndarray:
        """ImagePositionPatient of slice ``index``."""
        return np.asarray(self.origin_mm) + index * self.spacing_mm[0] * self.normal

    def index_to_lps(self, index: np.ndarray) -> np.ndarray:
        """LPS mm of ``(..., 3)`` fractional ``(slice, row, column)`` indices."""
        affine = self.affine
        return np.asarray(index, float) @ affine[:3, :3].T + affine[:3, 3]

    def lps_to_index(self, points_mm: np.ndarray) -> np.ndarray:
        """Fractional ``(slice, row, column)`` indices of ``(..., 3)`` LPS points."""
        affine = self.affine
        return (np.asarray(points_mm, float) - affine[:3, 3]) @ np.linalg.inv(affine[:3, :3]).T
