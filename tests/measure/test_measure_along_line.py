"""measure_lesion_along_line: a rough line across a lesion snaps to its edges (issue 16 §2)."""

from __future__ import annotations

import numpy as np
import pytest

from recist_reader import phantom as ph
from recist_reader.measure import SeedError, measure_lesion_along_line


def _lesion_slice(size_mm, *, contrast=80.0, noise=10.0, angle=25.0, seed=0, spacing=(0.7, 0.7)):
    n = int(np.ceil((1.5 * size_mm + 40) / spacing[0]))
    grid = ph.Grid.centred((1, n, n), (1.0, *spacing))
    lesion = ph.Lesion(
        "T1",
        (0.0, 0.0, 0.0),
        ph.Ellipsoid((size_mm, size_mm / 1.6, size_mm / 1.6), angle),
        contrast,
    )
    body = ph.Phantom(
        (ph.Region("tissue", (ph.EllipticCylinder((1000.0, 1000.0)),), 40.0),), (lesion,)
    )
    image = ph.render_phantom(body, grid, noise_sd_hu=noise, blur_sd_mm=0.6, seed=seed)[0]
    return image, ph.lesion_truth(lesion, grid, slice_index=0)


def rough_line(truth, long_factor, short_factor, *, offset_px=(0.0, 0.0)):
    """The true long axis with its ends moved along it (factors of the half-length)."""
    a, b = (np.asarray(p, float) for p in truth.long_axis_endpoints)
    middle, half = (a + b) / 2 + np.asarray(offset_px), (b - a) / 2
    return middle - long_factor * half, middle + short_factor * half


@pytest.mark.parametrize(
    ("size", "factors"), [(20, (1.2, 0.85)), (45, (0.8, 1.15)), (70, (1.15, 1.2))]
)
def test_ends_snap_to_the_edges(size, factors):
    image, truth = _lesion_slice(size, seed=size)
    start, end = rough_line(truth, *factors, offset_px=(0.8, -0.5))
    m = measure_lesion_along_line(image, start, end, spacing_mm=(0.7, 0.7))
    drawn = np.linalg.norm((end - start) * 0.7)
    print(
        f"{size} mm: drawn {drawn:.1f}, snapped {m.long_axis_mm:.2f} x {m.short_axis_mm:.2f}",
        m.reason,
    )
    assert m.confident, m.reason
    assert m.long_axis_mm == pytest.approx(truth.long_axis_mm, abs=1.0)
    assert m.short_axis_mm == pytest.approx(truth.short_axis_mm, abs=1.0)
    assert m.mask.any() and m.contour.shape[1] == 2


def test_3d_image_uses_the_lines_slice():
    image, truth = _lesion_slice(30)
    volume = np.stack([np.full_like(image, 40.0), image, np.full_like(image, 40.0)])
    start, end = rough_line(truth, 1.1, 0.9)
    m = measure_lesion_along_line(volume, (1, *start), (1, *end), spacing_mm=(2.0, 0.7, 0.7))
    assert m.slice_index == 1 and m.mask[1].any() and not m.mask[0].any()
    assert m.long_axis_mm == pytest.approx(truth.long_axis_mm, abs=1.0)


def test_without_an_edge_the_ends_stay_where_drawn():
    flat = np.random.default_rng(0).normal(40.0, 10.0, (120, 120)).astype(np.float32)
    m = measure_lesion_along_line(flat, (60, 30), (60, 90), spacing_mm=(0.7, 0.7))
    assert not m.confident
    assert "kept where drawn" in m.reason
    assert m.long_axis_mm == pytest.approx(60 * 0.7, abs=1e-6)


def test_bad_lines_raise():
    image = np.zeros((3, 40, 40))
    with pytest.raises(SeedError, match="one slice"):
        measure_lesion_along_line(image, (0, 5, 5), (1, 30, 30), spacing_mm=(1, 1, 1))
    with pytest.raises(SeedError, match="drag it across"):
        measure_lesion_along_line(image, (1, 5, 5), (1, 5, 6), spacing_mm=(1, 1, 1))
    with pytest.raises(SeedError, match="outside"):
        measure_lesion_along_line(image, (1, 5, 5), (1, 50, 5), spacing_mm=(1, 1, 1))
