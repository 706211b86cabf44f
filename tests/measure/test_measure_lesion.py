"""measure_lesion on small synthetic slices of known geometry (rendered by the phantom package)."""

from __future__ import annotations

import numpy as np
import pytest

from recist_reader import measure_lesion
from recist_reader import phantom as ph
from recist_reader.measure import (
    ImageDimensionError,
    LesionMeasurement,
    MeasureArgumentError,
    SeedError,
    SpacingError,
)


def _slice(
    shape_mm,
    lesion_shape,
    *,
    spacing=(0.5, 0.5),
    contrast=100.0,
    noise=0.0,
    blur=0.0,
    centre=(0.0, 0.0),
    vessel=None,
    seed=0,
):
    """One axial slice (rows, cols) of soft tissue (40 HU) with one lesion at ``centre`` (mm)."""
    n = tuple(int(round(s / p)) for s, p in zip(shape_mm, spacing))
    grid = ph.Grid.centred((1, *n), (1.0, *spacing))
    lesion = ph.Lesion("T1", (centre[1], centre[0], 0.0), lesion_shape, contrast_hu=contrast)
    regions = [ph.Region("body", (ph.EllipticCylinder((500.0, 500.0)),), 40.0)]
    if vessel is not None:
        regions.append(ph.Region("vessel", (vessel,), 40.0 + contrast))
    body = ph.Phantom(tuple(regions), (lesion,))
    image = ph.render_phantom(body, grid, noise_sd_hu=noise, blur_sd_mm=blur, seed=seed)[0]
    truth = ph.lesion_truth(lesion, grid, slice_index=0)
    centre_idx = grid.lps_to_index(np.array(lesion.centre_mm))[1:]
    return image, tuple(int(round(v)) for v in centre_idx), truth


def _length_mm(ends, spacing):
    (r0, c0), (r1, c1) = ends
    return float(np.hypot((r1 - r0) * spacing[0], (c1 - c0) * spacing[1]))


def test_ellipse_20_by_10_mm_at_30_degrees():
    spacing = (0.5, 0.5)
    image, seed, _ = _slice((48, 48), ph.Ellipsoid((20, 10, 10), angle_deg=30), spacing=spacing)
    m = measure_lesion(image, seed, spacing_mm=spacing)
    assert isinstance(m, LesionMeasurement)
    assert m.long_axis_mm == pytest.approx(20.0, abs=0.5)
    assert m.short_axis_mm == pytest.approx(10.0, abs=0.5)
    assert m.confident, m.reason
    # Endpoints are consistent with the lengths, and the axes are perpendicular.
    assert _length_mm(m.long_axis_endpoints, spacing) == pytest.approx(m.long_axis_mm, abs=1e-9)
    assert _length_mm(m.short_axis_endpoints, spacing) == pytest.approx(m.short_axis_mm, abs=1e-9)
    u = np.subtract(*m.long_axis_endpoints) * spacing
    v = np.subtract(*m.short_axis_endpoints) * spacing
    assert abs(u @ v) / (np.linalg.norm(u) * np.linalg.norm(v)) < 1e-6
    # The long axis lies along 30 degrees from the column axis (L) towards the rows (P).
    angle = np.degrees(np.arctan2(u[0], u[1])) % 180
    assert angle == pytest.approx(30.0, abs=2.0)


def test_anisotropic_pixels():
    spacing = (0.5, 0.9)
    image, seed, truth = _slice((48, 48), ph.Ellipsoid((20, 10, 10), angle_deg=60), spacing=spacing)
    m = measure_lesion(image, seed, spacing_mm=spacing)
    assert m.long_axis_mm == pytest.approx(truth.long_axis_mm, abs=max(spacing))
    assert m.short_axis_mm == pytest.approx(truth.short_axis_mm, abs=max(spacing))
    assert m.confident, m.reason


def test_lymph_node_short_axis_is_the_recist_value():
    image, seed, _ = _slice((48, 48), ph.LymphNode(24.0, 12.0, angle_deg=-20), contrast=60.0)
    m = measure_lesion(image, seed, spacing_mm=(0.5, 0.5), nodal=True)
    assert m.nodal
    assert m.short_axis_mm == pytest.approx(12.0, abs=0.5)
    assert m.recist_mm == m.short_axis_mm
    assert m.long_axis_mm == pytest.approx(24.0, abs=0.5)


@pytest.mark.parametrize("contrast", [-60.0, 60.0, -300.0, 300.0])
def test_darker_and_brighter_lesions(contrast):
    image, seed, _ = _slice((40, 40), ph.Sphere(12.0), contrast=contrast, noise=5.0, blur=0.6)
    m = measure_lesion(image, seed, spacing_mm=(0.5, 0.5))
    assert m.long_axis_mm == pytest.approx(12.0, abs=0.5)
    assert m.short_axis_mm == pytest.approx(12.0, abs=0.5)
    assert m.confident, m.reason
    assert np.sign(m.lesion_hu - m.background_hu) == np.sign(contrast)


def test_mask_is_the_lesion_and_3d_input_uses_the_seed_slice():
    image, seed, _ = _slice((32, 32), ph.Sphere(10.0))
    volume = np.stack([np.full_like(image, 40.0), image, np.full_like(image, 40.0)])
    m = measure_lesion(volume, (1, *seed), spacing_mm=(5.0, 0.5, 0.5))
    assert m.slice_index == 1
    assert m.mask.shape == volume.shape and m.mask.dtype == bool
    assert not m.mask[0].any() and not m.mask[2].any()
    # A 10 mm disc on 0.5 mm pixels: about pi * 10**2 pixels.
    assert m.mask[1].sum() == pytest.approx(np.pi * 10**2, rel=0.05)
    assert m.long_axis_mm == pytest.approx(10.0, abs=0.5)


def test_seed_outside_any_lesion_is_not_confident():
    image, _, _ = _slice((40, 40), ph.Sphere(8.0), centre=(8.0, 8.0), noise=5.0)
    m = measure_lesion(image, (10, 10), spacing_mm=(0.5, 0.5))  # plain tissue, far from it
    assert not m.confident
    assert m.reason


def test_lesion_touching_a_same_density_vessel_is_not_confident():
    # A 14 mm lesion touching a 10 mm-wide vessel running across the slice, same density.
    vessel = ph.Capsule((-100.0, 11.5, -50.0), (100.0, 11.5, 50.0), 5.0)
    image, seed, truth = _slice((64, 64), ph.Sphere(14.0), vessel=vessel, noise=5.0)
    m = measure_lesion(image, seed, spacing_mm=(0.5, 0.5))
    assert not m.confident
    assert "similar density" in m.reason


def test_low_contrast_is_not_confident():
    image, seed, _ = _slice((40, 40), ph.Sphere(12.0), contrast=20.0, noise=40.0)
    m = measure_lesion(image, seed, spacing_mm=(0.5, 0.5))
    assert not m.confident


def test_import_from_package_root():
    import recist_reader
    import recist_reader.measure

    assert recist_reader.measure_lesion is recist_reader.measure.measure_lesion


@pytest.mark.parametrize(
    ("image", "seed", "spacing", "error"),
    [
        (np.zeros(5), (1,), (1.0,), ImageDimensionError),
        (np.zeros((2, 2, 2, 2)), (0, 0, 0, 0), (1, 1, 1, 1), ImageDimensionError),
        (np.zeros((8, 8)), (8, 0), (1.0, 1.0), SeedError),
        (np.zeros((8, 8)), (-1, 0), (1.0, 1.0), SeedError),
        (np.zeros((8, 8)), (1, 2, 3), (1.0, 1.0), SeedError),
        (np.zeros((8, 8)), (1, 2), (1.0,), SpacingError),
        (np.zeros((8, 8)), (1, 2), (1.0, 0.0), SpacingError),
        (np.zeros((8, 8)), (1, 2), (1.0, np.nan), SpacingError),
    ],
)
def test_bad_arguments_raise_value_errors_that_say_what_to_fix(image, seed, spacing, error):
    with pytest.raises(error) as info:
        measure_lesion(image, seed, spacing_mm=spacing)
    assert isinstance(info.value, MeasureArgumentError)
    assert isinstance(info.value, ValueError)
    assert str(info.value)


def test_rough_line_across_the_lesion():
    from recist_reader.measure import measure_lesion_across

    image, (r, c), _ = _slice((48, 48), ph.Ellipsoid((20, 10, 10), angle_deg=30))
    m = measure_lesion_across(image, (r - 4, c - 10), (r + 4, c + 12), spacing_mm=(0.5, 0.5))
    assert m.long_axis_mm == pytest.approx(20.0, abs=0.5)
    assert m.confident, m.reason


def test_rough_line_on_two_slices_is_refused():
    from recist_reader.measure import measure_lesion_across

    with pytest.raises(SeedError, match="one slice"):
        measure_lesion_across(np.zeros((3, 8, 8)), (0, 1, 1), (2, 5, 5), spacing_mm=(1, 1, 1))


def test_flat_image_and_single_pixel_are_not_confident():
    flat = measure_lesion(np.zeros((40, 40)), (20, 20), spacing_mm=(0.7, 0.7))
    assert not flat.confident and "low contrast" in flat.reason
    dot = measure_lesion(np.pad(np.full((1, 1), 100.0), 20), (20, 20), spacing_mm=(0.7, 0.7))
    assert not dot.confident and "too small" in dot.reason


def test_endpoints_match_the_true_axes():
    image, seed, truth = _slice((48, 48), ph.Ellipsoid((20, 10, 10), angle_deg=30))
    m = measure_lesion(image, seed, spacing_mm=(0.5, 0.5))
    found, true = np.asarray(m.long_axis_endpoints), np.asarray(truth.long_axis_endpoints)
    d = np.linalg.norm(found[:, None] - true[None], axis=-1)  # pixels
    assert min(max(d[0, 0], d[1, 1]), max(d[0, 1], d[1, 0])) <= 1.0
    # The widest perpendicular chord of an ellipse is flat near the centre, so its position
    # along the long axis is known only to a couple of pixels; its middle is the centre.
    middle = np.mean(m.short_axis_endpoints, axis=0)
    assert np.linalg.norm(middle - np.mean(truth.short_axis_endpoints, axis=0)) <= 2.0
