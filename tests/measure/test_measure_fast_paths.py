"""The fast paths of `segment` give exactly what the library calls they replace give."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from skimage.draw import polygon

from recist_reader.measure import segment as seg


def _blobs(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    field = ndimage.gaussian_filter(rng.normal(size=shape), rng.uniform(0.5, 4.0))
    return field > rng.uniform(-0.03, 0.05)


@pytest.mark.parametrize("trial", range(40))
def test_disk_morphology_matches_ndimage(trial):
    rng = np.random.default_rng(trial)
    shape = tuple(int(n) for n in rng.integers(1, 50, 2))
    mask = _blobs(rng, shape)
    if trial % 10 == 0:
        mask[:] = trial % 20 == 0  # empty, or full up to the image border
    radius_px = rng.uniform(0.3, 12.0, 2) if trial % 2 else np.full(2, rng.uniform(0.3, 12.0))
    if trial % 3 == 0:  # radii whose disk has points exactly on its rim
        radius_px = np.round(radius_px * 2) / 2
    disk = seg._disk(radius_px)
    assert np.array_equal(seg._dilate(mask, radius_px), ndimage.binary_dilation(mask, disk))
    assert np.array_equal(seg._erode(mask, radius_px), ndimage.binary_erosion(mask, disk))
    assert np.array_equal(seg._open(mask, radius_px), ndimage.binary_opening(mask, disk))


@pytest.mark.parametrize("trial", range(60))
def test_in_polygon_matches_skimage_draw(trial):
    rng = np.random.default_rng(1000 + trial)
    n = int(rng.integers(3, 130))
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    radius = rng.uniform(0, 25, n)
    centre = rng.uniform(-5, 45, 2)
    if trial % 2:  # vertices on pixel centres and rows: the edge and vertex rules decide
        radius, centre = np.round(radius), np.round(centre)
    poly_r = centre[0] + np.sin(theta) * radius
    poly_c = centre[1] + np.cos(theta) * radius
    if trial % 3 == 0:
        poly_r, poly_c = np.round(poly_r * 2) / 2, np.round(poly_c * 2) / 2
    shape = (40, 45)
    region = rng.uniform(size=shape) < 0.7 if trial % 4 else np.ones(shape, bool)
    expected = np.zeros(shape, bool)
    expected[polygon(poly_r, poly_c, shape)] = True
    assert np.array_equal(seg._in_polygon(region, poly_r, poly_c), expected & region)


@pytest.mark.parametrize("trial", range(30))
def test_depth_matches_distance_transform(trial):
    rng = np.random.default_rng(2000 + trial)
    shape = tuple(int(n) for n in rng.integers(5, 80, 2))
    labels, n = ndimage.label(_blobs(rng, shape))
    region = labels == 1 + trial % max(n, 1)
    spacing = np.array([0.646484375, 0.646484375]) if trial % 2 else rng.uniform(0.3, 1.0, 2)
    assert np.array_equal(
        seg._depth_mm(region, spacing), ndimage.distance_transform_edt(region, sampling=spacing)
    )


@pytest.mark.parametrize("trial", range(30))
def test_neck_cut_in_the_box_matches_the_whole_slice(trial):
    rng = np.random.default_rng(3000 + trial)
    shape = tuple(int(n) for n in rng.integers(20, 90, 2))
    labels, n = ndimage.label(_blobs(rng, shape) | (rng.uniform(size=shape) < 0.02))
    if n == 0:
        pytest.skip("no region drawn")
    sizes = np.bincount(labels.ravel())[1:]
    region = labels == 1 + int(np.argmax(sizes))
    seed = tuple(int(v) for v in np.argwhere(region)[len(np.argwhere(region)) // 2])
    spacing = np.array([0.7, 0.7]) if trial % 2 else rng.uniform(0.4, 1.0, 2)
    for ratio in (0.5, 0.85):
        whole = seg._cut_necks_in_box(region, seed, spacing, ratio)
        assert np.array_equal(seg._cut_necks(region, seed, spacing, ratio), whole)
