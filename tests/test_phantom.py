"""The in-memory phantom: grids, shapes, rendering and ground-truth diameters."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial import ConvexHull

from recist_reader import phantom as ph

# ----------------------------------------------------------------------------- grids


def test_axial_grid_affine_follows_design_section_4():
    grid = ph.Grid((3, 4, 5), (2.5, 0.8, 0.7), origin_mm=(10, 20, 30))
    expected = np.array(
        [[0, 0, 0.7, 10], [0, 0.8, 0, 20], [2.5, 0, 0, 30], [0, 0, 0, 1]], dtype=float
    )
    np.testing.assert_allclose(grid.affine, expected)
    np.testing.assert_allclose(grid.slice_position_mm(2), [10, 20, 35])


@pytest.mark.parametrize(
    ("orientation", "normal"),
    [("axial", (0, 0, 1)), ("sagittal", (-1, 0, 0)), ("coronal", (0, 1, 0))],
)
def test_centred_grid_is_centred_and_slices_follow_the_normal(orientation, normal):
    grid = ph.Grid.centred((5, 6, 7), (3.0, 1.0, 2.0), orientation=orientation, centre_mm=(1, 2, 3))
    np.testing.assert_allclose(grid.normal, normal, atol=1e-12)
    np.testing.assert_allclose(grid.index_to_lps(np.array([2.0, 2.5, 3.0])), [1, 2, 3], atol=1e-12)
    np.testing.assert_allclose(grid.lps_to_index(np.array([1.0, 2.0, 3.0])), [2, 2.5, 3])


def test_oblique_grid_is_orthonormal():
    grid = ph.Grid.centred((4, 4, 4), (1, 1, 1), rotation_deg=(20, -10, 35))
    rot = grid.affine[:3, :3]
    np.testing.assert_allclose(rot.T @ rot, np.eye(3), atol=1e-12)
    assert np.linalg.det(rot[:, ::-1]) == pytest.approx(1)  # (column, row, slice) is right-handed


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(shape=(0, 4, 4), spacing_mm=(1, 1, 1)),
        dict(shape=(4, 4, 4), spacing_mm=(1, 0, 1)),
        dict(shape=(4, 4, 4), spacing_mm=(1, 1, 1), orientation=(1, 0, 0, 1, 0, 0)),
    ],
)
def test_invalid_grid_is_refused(kwargs):
    with pytest.raises(ValueError):
        ph.Grid(**kwargs)


# ----------------------------------------------------------------------------- truth


def test_sphere_truth_is_analytic_on_and_off_centre():
    grid = ph.Grid.centred((21, 64, 64), (1.0, 0.5, 0.5))
    lesion = ph.Lesion("T1", (0, 0, 0), ph.Sphere(20))
    centre = ph.lesion_truth(lesion, grid)
    assert centre.slice_index == 10 and centre.exact
    assert centre.long_axis_mm == pytest.approx(20) and centre.short_axis_mm == pytest.approx(20)
    off = ph.lesion_truth(lesion, grid, slice_index=16)  # 6 mm above the centre
    assert off.long_axis_mm == pytest.approx(2 * np.sqrt(100 - 36))
    assert ph.lesion_truth(lesion, grid, slice_index=0).long_axis_mm == 0
    assert ph.lesion_truth(lesion, grid, slice_index=0).long_axis_endpoints is None


def test_rotated_ellipsoid_truth_gives_axes_and_endpoints():
    grid = ph.Grid.centred((11, 101, 101), (1.0, 0.5, 0.5))
    lesion = ph.Lesion("T1", (0, 0, 0), ph.Ellipsoid((30, 12, 8), angle_deg=30))
    truth = ph.lesion_truth(lesion, grid)
    assert (truth.long_axis_mm, truth.short_axis_mm) == pytest.approx((30, 12))
    a, b = np.asarray(truth.long_axis_endpoints_mm)
    direction = (b - a) / np.linalg.norm(b - a)
    assert abs(direction @ [np.cos(np.radians(30)), np.sin(np.radians(30)), 0]) == pytest.approx(1)
    # Index endpoints: rows follow P, columns follow L; the centre is voxel (50, 50).
    (r0, c0), (r1, c1) = truth.long_axis_endpoints
    assert ((r0 + r1) / 2, (c0 + c1) / 2) == pytest.approx((50, 50))
    assert np.hypot((r1 - r0) * 0.5, (c1 - c0) * 0.5) == pytest.approx(30)


def test_tilted_ellipsoid_section_is_foreshortened():
    grid = ph.Grid.centred((11, 101, 101), (1.0, 0.5, 0.5))
    tilt = 40.0
    lesion = ph.Lesion("T1", (0, 0, 0), ph.Ellipsoid((40, 10, 10), tilt_deg=tilt))
    truth = ph.lesion_truth(lesion, grid)
    t = np.radians(tilt)
    semi = 1 / np.sqrt(np.cos(t) ** 2 / 20**2 + np.sin(t) ** 2 / 5**2)
    assert truth.long_axis_mm == pytest.approx(2 * semi)
    assert truth.short_axis_mm == pytest.approx(10)


def test_node_records_its_short_axis():
    grid = ph.Grid.centred((11, 64, 64), (1.0, 1.0, 1.0))
    node = ph.Lesion("N1", (0, 0, 0), ph.LymphNode(24, 14, angle_deg=-20))
    truth = ph.lesion_truth(node, grid)
    assert node.nodal and truth.nodal
    assert truth.recist_mm == pytest.approx(14) and truth.long_axis_mm == pytest.approx(24)


def _feret_mm(points_mm: np.ndarray) -> float:
    hull = points_mm[ConvexHull(points_mm).vertices]
    return float(np.max(np.linalg.norm(hull[:, None] - hull[None], axis=-1)))


def test_lobulated_truth_matches_a_fine_raster():
    lesion = ph.Lesion("T2", (0, 0, 0), ph.Lobulated.regular(20, n_lobes=3, angle_deg=10))
    grid = ph.Grid.centred((1, 801, 801), (1.0, 0.05, 0.05))
    truth = ph.lesion_truth(lesion, grid)
    assert not truth.exact
    mask = ph.lesion_fraction(lesion, grid, supersample=1)[0] > 0.5
    rows, cols = np.nonzero(mask)
    points = np.column_stack([rows, cols]) * 0.05
    assert truth.long_axis_mm == pytest.approx(_feret_mm(points), abs=0.1)
    # The short axis: the longest run of mask pixels along the perpendicular through it.
    (r0, c0), (r1, c1) = np.asarray(truth.short_axis_endpoints)
    n = 2000
    line = np.linspace([r0, c0], [r1, c1], n)
    extended = np.linspace(2 * line[0] - line[-1], 2 * line[-1] - line[0], 3 * n)
    inside = ndimage.map_coordinates(mask.astype(float), extended.T, order=0) > 0.5
    assert inside[n + 10 : 2 * n - 10].all()  # the segment is inside the lesion (to 0.1 mm)
    step = np.linalg.norm(extended[1] - extended[0]) * 0.05
    assert inside.sum() * step == pytest.approx(truth.short_axis_mm, abs=0.15)


def test_nominal_size_ignores_the_grid():
    lesion = ph.Lesion("T1", (3, 4, 5), ph.Ellipsoid((30, 20, 10), angle_deg=45))
    assert ph.nominal_size_mm(lesion) == pytest.approx(30)
    assert ph.nominal_size_mm(lesion, normal=(1, 1, 0)) == pytest.approx(20)


# ----------------------------------------------------------------------------- rendering


def test_lesion_fraction_integrates_to_the_analytic_volume():
    grid = ph.Grid.centred((40, 80, 80), (1.3, 0.7, 0.6), rotation_deg=(10, 20, 30))
    shape = ph.Ellipsoid((30, 16, 12), angle_deg=30, tilt_deg=15)
    fraction = ph.lesion_fraction(ph.Lesion("T1", (0.3, -0.2, 0.1), shape), grid)
    volume_mm3 = fraction.sum(dtype=np.float64) * np.prod(grid.spacing_mm)
    assert volume_mm3 == pytest.approx(4 / 3 * np.pi * 15 * 8 * 6, rel=0.005)
    assert fraction.min() == 0 and fraction.max() == 1


LESIONS = {
    "sphere": ph.Sphere(18),
    "ellipsoid": ph.Ellipsoid((32, 14, 12), angle_deg=35),
    "tilted": ph.Ellipsoid((30, 16, 14), angle_deg=-25, tilt_deg=20),
    "node": ph.LymphNode(26, 12, angle_deg=60),
    "lobulated": ph.Lobulated.regular(16, n_lobes=4, lobe_diameter_mm=10, angle_deg=20),
}


@pytest.mark.parametrize("contrast_hu", [80.0, -60.0])
@pytest.mark.parametrize("name", sorted(LESIONS))
@pytest.mark.parametrize("orientation", ["axial", "oblique"])
def test_rendered_lesion_measures_as_the_truth(name, contrast_hu, orientation):
    """On the rendered slice, the true axes end where the image crosses half contrast and
    the lesion's widest extent equals the true long axis (to a pixel)."""
    rotation = (0, 0, 0) if orientation == "axial" else (25, 0, 15)
    spacing = (2.0, 0.6, 0.5)
    grid = ph.Grid.centred((25, 96, 112), spacing, rotation_deg=rotation, centre_mm=(-60, 5, 2))
    lesion = ph.Lesion(name, (-60.2, 5.3, 2.0), LESIONS[name], contrast_hu=contrast_hu)
    body = ph.body_phantom(liver=True, lesions=[lesion])
    background = body.regions[-1].hu if body.region_at(lesion.centre_mm) == "liver" else 40.0
    image = ph.render_phantom(body, grid, supersample=4)
    truth = ph.lesion_truth(lesion, grid)
    plane = image[truth.slice_index]
    level = background + contrast_hu / 2
    pixel_mm = max(spacing[1:])
    for ends, length in [
        (truth.long_axis_endpoints, truth.long_axis_mm),
        (truth.short_axis_endpoints, truth.short_axis_mm),
    ]:
        (r0, c0), (r1, c1) = ends
        line = np.linspace([2 * r0 - r1, 2 * c0 - c1], [2 * r1 - r0, 2 * c1 - c0], 3001)
        profile = ndimage.map_coordinates(plane, line.T, order=1, mode="nearest") - level
        crossing = np.nonzero(np.diff(np.sign(profile * np.sign(contrast_hu))))[0]
        measured = (crossing[-1] - crossing[0]) / 3000 * 3 * length
        assert measured == pytest.approx(length, abs=0.5 * pixel_mm)
    mask = (plane - background) * np.sign(contrast_hu) > abs(contrast_hu) / 2
    rows, cols = np.nonzero(mask)
    feret = _feret_mm(np.column_stack([rows * spacing[1], cols * spacing[2]]))
    assert feret == pytest.approx(truth.long_axis_mm, abs=1.5 * pixel_mm)


def test_body_regions_have_their_hu():
    body = ph.body_phantom(liver=True, lungs=True, vessel=True)
    grid = ph.Grid.centred((1, 128, 160), (5.0, 2.5, 2.5), centre_mm=(0, 0, 120))
    image = ph.render_phantom(body, grid)[0]

    def hu_at(point):
        k, r, c = np.rint(grid.lps_to_index(np.asarray(point, float))).astype(int)
        return image[r, c]

    assert hu_at((0, -150, 120)) == -1000  # air in front of the body
    assert hu_at((0, -90, 120)) == 40  # soft tissue
    assert hu_at((-72, 11, 120)) == -850  # right lung
    assert hu_at((16, 49.5, 120)) == 180  # the vessel
    liver = ph.render_phantom(
        body, ph.Grid.centred((1, 4, 4), (1, 1, 1), centre_mm=(-64, -11, -40))
    )
    assert np.all(liver == 60)
    assert body.region_at((-64, -11, -40)) == "liver"
    assert body.region_at((0, -150, 0)) is None


def test_noise_is_seeded_and_has_the_requested_sd():
    body = ph.body_phantom()
    grid = ph.Grid.centred((4, 64, 64), (1, 1, 1))
    a = ph.render_phantom(body, grid, noise_sd_hu=12, seed=7)
    b = ph.render_phantom(body, grid, noise_sd_hu=12, seed=7)
    c = ph.render_phantom(body, grid, noise_sd_hu=12, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert (a - 40).std() == pytest.approx(12, rel=0.05) and (a - 40).mean() == pytest.approx(
        0, abs=1
    )


def test_blur_softens_edges_but_keeps_the_mean():
    lesion = ph.Lesion("T1", (0, 0, 0), ph.Sphere(16), contrast_hu=100)
    body = ph.body_phantom(lesions=[lesion])
    grid = ph.Grid.centred((20, 40, 40), (1, 1, 1))
    sharp = ph.render_phantom(body, grid)
    blurred = ph.render_phantom(body, grid, blur_sd_mm=1.5)
    assert blurred.mean() == pytest.approx(sharp.mean(), rel=1e-3)
    assert np.abs(np.diff(blurred, axis=2)).max() < 0.5 * np.abs(np.diff(sharp, axis=2)).max()


def test_phantom_refuses_duplicate_lesion_ids():
    lesion = ph.Lesion("T1", (0, 0, 0), ph.Sphere(10))
    with pytest.raises(ValueError, match="unique"):
        ph.Phantom(lesions=(lesion, lesion))
    with pytest.raises(KeyError):
        ph.Phantom(lesions=(lesion,)).lesion("T9")


@pytest.mark.parametrize(
    "make",
    [
        lambda: ph.Sphere(0),
        lambda: ph.Ellipsoid((10, -1, 3)),
        lambda: ph.LymphNode(10, 12),
        lambda: ph.Lobulated(()),
    ],
)
def test_invalid_shapes_are_refused(make):
    with pytest.raises(ValueError):
        make()


# ----------------------------------------------------------------------------- follow-ups


def test_follow_up_changes_each_lesion_by_the_given_millimetres():
    baseline = ph.body_phantom(
        lesions=[
            ph.Lesion("T1", (-50, 0, 0), ph.Ellipsoid((40, 25, 20), angle_deg=20)),
            ph.Lesion("T2", (50, 0, 0), ph.Lobulated.regular(20)),
            ph.Lesion("N1", (0, 40, 0), ph.LymphNode(25, 15)),
            ph.Lesion("T3", (0, -40, 0), ph.Sphere(8)),
        ]
    )
    later = ph.follow_up_phantom(
        baseline,
        {"T1": -12.5, "T2": 6.0, "N1": -5.0, "T3": -8.0},
        new_lesions=[ph.Lesion("NEW", (0, 0, 30), ph.Sphere(9))],
    )
    assert [lesion.lesion_id for lesion in later.lesions] == ["T1", "T2", "N1", "NEW"]
    for lesion_id, change in {"T1": -12.5, "T2": 6.0, "N1": -5.0}.items():
        before = ph.nominal_size_mm(baseline.lesion(lesion_id))
        assert ph.nominal_size_mm(later.lesion(lesion_id)) == pytest.approx(before + change)
    assert later.lesion("T1").centre_mm == baseline.lesion("T1").centre_mm
    assert later.regions == baseline.regions
    with pytest.raises(KeyError, match="T9"):
        ph.follow_up_phantom(baseline, {"T9": 1.0})


def test_phantom_package_imports_neither_qt_nor_napari():
    import subprocess
    import sys

    code = (
        "import sys, recist_reader.phantom;"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in "
        "('napari', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'qtpy', 'vispy', 'magicgui')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
