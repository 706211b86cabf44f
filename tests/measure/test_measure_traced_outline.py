"""Where no threshold separates a lesion, measure_lesion traces its outline (issue 16 §2)."""

from __future__ import annotations

import numpy as np

from recist_reader import measure_lesion
from recist_reader import phantom as ph
from recist_reader.measure.boundary import closed_path


def low_contrast_case(seed: int):
    """A 40-90 mm lesion 12 HU below muscle under 25 HU of noise: no threshold separates it."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(40, 90)
    n = int((1.5 * size + 60) / 0.9)
    grid = ph.Grid.centred((1, n, n), (3.0, 0.9, 0.9))
    lesion = ph.Lesion(
        "T1",
        (0.0, 0.0, 0.0),
        ph.Ellipsoid((size, size / 1.4, size / 1.4), rng.uniform(0, 180)),
        -12.0,
    )
    body = ph.Phantom(
        (ph.Region("muscle", (ph.EllipticCylinder((1000.0, 1000.0)),), 45.0),), (lesion,)
    )
    image = ph.render_phantom(body, grid, noise_sd_hu=25, blur_sd_mm=0.8, seed=seed)[0]
    return image, ph.lesion_truth(lesion, grid, slice_index=0)


def test_low_contrast_lesions_are_traced_and_flagged():
    errors = []
    for seed in range(8):
        image, truth = low_contrast_case(seed)
        m = measure_lesion(image, tuple(np.array(image.shape) // 2), spacing_mm=(0.9, 0.9))
        assert not m.confident
        assert "no threshold separates the lesion" in m.reason
        errors.append(abs(m.long_axis_mm - truth.long_axis_mm) / truth.long_axis_mm)
    print(np.round(100 * np.array(errors), 1))
    assert np.median(errors) <= 0.1
    assert max(errors) <= 0.25


def test_closed_path_follows_the_cheapest_radius_and_closes():
    n_angles, n_radii = 36, 50
    cost = np.ones((n_angles, n_radii))
    best = (20 + 5 * np.sin(np.linspace(0, 2 * np.pi, n_angles, endpoint=False))).astype(int)
    cost[np.arange(n_angles), best] = 0.0
    path = closed_path(cost, 3, 0.01)
    np.testing.assert_array_equal(path, best)
    assert abs(int(path[0]) - int(path[-1])) <= 3
