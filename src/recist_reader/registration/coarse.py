"""A series on a coarse grid aligned with the patient axes, with its field of view and body.

Registration runs on these (about 4 mm voxels): every series, whatever its orientation, slice
thickness or field of view, becomes a volume on the LPS axes, so that the two visits are
compared in patient space (design.md §4 defines the affine this starts from).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk
from scipy import ndimage
from skimage.filters import threshold_otsu

from .errors import RegistrationError

__all__ = ["CoarseVolume", "coarse_volume"]

#: CT values are clipped to this range: padding outside the reconstruction circle (down to
#: -3024 HU) and metal would otherwise dominate the intensity statistics.
CT_RANGE_HU = (-1024.0, 2000.0)
#: Soft tissue starts here on CT (air and lung lie below).
CT_BODY_HU = -500.0


@dataclass(frozen=True)
class CoarseVolume:
    """One series resampled onto an axis-aligned LPS grid.

    Attributes
    ----------
    image : sitk.Image (float32)
        Direction identity (x = L, y = P, z = S); outside the field of view the background.
    field_of_view : sitk.Image (uint8)
        1 where the series has data.
    body : sitk.Image (uint8)
        The patient's body (largest connected part above the air level, holes filled).
    background : float
        The value given to voxels outside the field of view.
    """

    image: sitk.Image
    field_of_view: sitk.Image
    body: sitk.Image
    background: float

    @property
    def body_array(self) -> np.ndarray:
        """The body mask as a (z, y, x) bool array."""
        return sitk.GetArrayViewFromImage(self.body).astype(bool)


def _binned(array: np.ndarray, factors: tuple[int, int, int]) -> np.ndarray:
    """Block means of ``array`` over ``factors`` voxels (the remainder is dropped)."""
    if factors == (1, 1, 1):
        return array.astype(np.float32, copy=False)
    shape = [n // f for n, f in zip(array.shape, factors)]
    cropped = array[: shape[0] * factors[0], : shape[1] * factors[1], : shape[2] * factors[2]]
    out = np.zeros(shape, np.float32)
    for i in range(factors[0]):  # one slab at a time: no float copy of the whole volume
        out += (
            cropped[i :: factors[0]]
            .reshape(shape[0], shape[1], factors[1], shape[2], factors[2])
            .mean(axis=(2, 4), dtype=np.float32)
        )
    return out / np.float32(factors[0])


def _sitk_image(array: np.ndarray, affine: np.ndarray) -> sitk.Image:
    """``array`` (slice, row, column) with ``affine`` as a SimpleITK image in LPS."""
    image = sitk.GetImageFromArray(array)  # sitk (x, y, z) = (column, row, slice)
    axes = affine[:3, [2, 1, 0]]
    spacing = np.linalg.norm(axes, axis=0)
    image.SetSpacing([float(s) for s in spacing])
    image.SetDirection([float(v) for v in (axes / spacing).ravel()])
    image.SetOrigin([float(v) for v in affine[:3, 3]])
    return image


def _largest_component(mask: np.ndarray) -> np.ndarray:
    labels, n = ndimage.label(mask)
    if n <= 1:
        return mask
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


def _body_mask(values: np.ndarray, fov: np.ndarray, threshold: float) -> np.ndarray:
    """The body: above ``threshold`` inside the field of view, opened, largest part,
    holes (lungs, bowel gas) filled plane by plane."""
    mask = (values > threshold) & fov
    mask = ndimage.binary_opening(mask, iterations=1)
    if not mask.any():
        return mask
    mask = _largest_component(mask)
    for z in range(mask.shape[0]):
        if mask[z].any():
            mask[z] = ndimage.binary_fill_holes(mask[z])
    return mask


def coarse_volume(
    array: np.ndarray, affine: np.ndarray, modality: str, *, spacing_mm: float = 4.0
) -> CoarseVolume:
    """Resample a series onto an axis-aligned LPS grid of ``spacing_mm`` voxels.

    Parameters
    ----------
    array : (slices, rows, columns) array
    affine : (4, 4) array
        Index to LPS mm (design.md §4).
    modality : str
        ``"CT"`` clips to `CT_RANGE_HU` and finds the body above -500 HU; any other
        modality finds it above Otsu's threshold.
    spacing_mm : float
        The grid's voxel size.

    Raises
    ------
    RegistrationError
        An empty, single-slice, flat or non-finite volume, or a degenerate affine.
    """
    array = np.asarray(array)
    if array.ndim != 3 or array.size == 0:
        raise RegistrationError(
            f"a volume of (slices, rows, columns) voxels is needed, got shape {array.shape}"
        )
    if min(array.shape) < 2:
        raise RegistrationError(
            f"a volume of shape {array.shape} is a single plane; registration needs at least "
            "2 slices, rows and columns"
        )
    affine = np.asarray(affine, float)
    if affine.shape != (4, 4) or not np.all(np.isfinite(affine)):
        raise RegistrationError("the volume's affine must be a finite 4 x 4 array")
    voxel = np.linalg.norm(affine[:3, :3], axis=0)
    if abs(np.linalg.det(affine[:3, :3])) < 1e-6 * float(np.prod(voxel)) or np.any(voxel <= 0):
        raise RegistrationError("the volume's affine is degenerate (zero spacing or parallel axes)")
    values = array.astype(np.float32, copy=False)
    finite = np.isfinite(values)
    if not finite.any():
        raise RegistrationError("the volume has no finite voxel value")
    if not finite.all():
        values = np.where(finite, values, np.float32(np.nanmin(values[finite])))
    is_ct = modality.upper() == "CT"
    if is_ct:
        values = np.clip(values, *CT_RANGE_HU)
    low, high = (float(v) for v in np.percentile(values[:: max(1, values.shape[0] // 16)], [1, 99]))
    if high <= low:
        raise RegistrationError("the volume is flat (all voxels equal): nothing to register")

    factors = tuple(int(max(1, np.floor(spacing_mm / s + 1e-6))) for s in voxel)
    binned = _binned(values, factors)  # type: ignore[arg-type]
    binned_affine = affine.copy()
    binned_affine[:3, :3] = affine[:3, :3] * np.asarray(factors, float)
    binned_affine[:3, 3] = affine[:3, :3] @ ((np.asarray(factors, float) - 1) / 2) + affine[:3, 3]
    binned_spacing = np.linalg.norm(binned_affine[:3, :3], axis=0)
    residual = np.sqrt(np.maximum(spacing_mm**2 - binned_spacing**2, 0.0))
    if residual.max() > 0.5:  # anti-aliasing where binning could not reach the coarse size
        binned = ndimage.gaussian_filter(binned, residual / 2.355 / binned_spacing)
    image = _sitk_image(binned, binned_affine)

    # The axis-aligned box around the series' eight corners.
    corners = np.array(np.meshgrid(*[[0, n - 1] for n in array.shape], indexing="ij"))
    corners_lps = corners.reshape(3, -1).T @ affine[:3, :3].T + affine[:3, 3]
    lo, hi = corners_lps.min(axis=0), corners_lps.max(axis=0)
    size = [int(np.ceil((h - lo_) / spacing_mm)) + 1 for lo_, h in zip(lo, hi)]
    background = CT_RANGE_HU[0] if is_ct else low
    resampled = sitk.Resample(
        image,
        size,
        sitk.Transform(),
        sitk.sitkLinear,
        [float(v) for v in lo],
        [spacing_mm] * 3,
        [1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0],
        background,
        sitk.sitkFloat32,
    )
    ones = sitk.Image(image.GetSize(), sitk.sitkUInt8) + 1
    ones.CopyInformation(image)
    fov = sitk.Resample(ones, resampled, sitk.Transform(), sitk.sitkNearestNeighbor, 0)
    fov_array = sitk.GetArrayFromImage(fov).astype(bool)
    coarse = sitk.GetArrayFromImage(resampled)
    if is_ct:
        threshold = CT_BODY_HU
    else:
        threshold = float(threshold_otsu(coarse[fov_array]))
    body = _body_mask(coarse, fov_array, threshold)
    body_image = sitk.GetImageFromArray(body.astype(np.uint8))
    body_image.CopyInformation(resampled)
    return CoarseVolume(resampled, fov, body_image, float(background))
