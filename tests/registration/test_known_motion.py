"""The phantom-pair builder's known motion: exact inverse, and a warped image moves with it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import ndimage

from recist_reader.phantom import Grid, Lesion, Phantom, Sphere, render_phantom
from recist_reader.phantom.motion import Growth, KnownMotion, warp_volume

MOTION = KnownMotion(
    translation_mm=(7.0, -5.0, 22.0),
    rotation_deg=(1.5, -2.0, 4.0),
    centre_mm=(5.0, 0.0, -10.0),
    breathing_mm=10.0,
    breathing_centre_mm=(0.0, 0.0, 20.0),
    breathing_width_mm=80.0,
    growth=(Growth((20.0, 10.0, 0.0), 10.0, 1.5), Growth((-30.0, 0.0, 30.0), 8.0, 0.6)),
)


def test_backward_inverts_forward():
    points = np.random.default_rng(0).uniform(-150, 150, (500, 3))
    np.testing.assert_allclose(MOTION.backward(MOTION.forward(points)), points, atol=1e-6)


def test_breathing_moves_up_to_its_amplitude():
    breathing = replace(MOTION, growth=())
    at_centre = breathing.deformation(np.array([[0.0, 0.0, 20.0]]))[0]
    np.testing.assert_allclose(at_centre, [0.0, -2.0, 10.0])
    far = breathing.deformation(np.array([[0.0, 0.0, 600.0]]))[0]
    assert np.linalg.norm(far) < 1e-6


def test_growth_scales_about_the_lesion_centre():
    growth = Growth((0.0, 0.0, 0.0), 10.0, 1.5)
    np.testing.assert_allclose(growth.displacement(np.array([[4.0, 0.0, 0.0]])), [[2.0, 0, 0]])
    np.testing.assert_allclose(growth.displacement(np.zeros((1, 3))), np.zeros((1, 3)))


def test_a_warped_sphere_lands_where_forward_says_and_grows():
    centre = (20.0, 10.0, 0.0)
    phantom = Phantom(lesions=(Lesion("T1", centre, Sphere(12.0), contrast_hu=1000.0),))
    grid = Grid.centred((60, 100, 100), (1.0, 1.0, 1.0), centre_mm=(20.0, 10.0, 0.0))
    image = render_phantom(phantom, grid, supersample=2) + 1000.0
    target = Grid.centred(
        (50, 80, 80), (1.5, 0.8, 0.8), centre_mm=tuple(MOTION.forward(np.array([centre]))[0])
    )
    warped = warp_volume(image, grid.affine, MOTION, target, background=0.0)
    mass = ndimage.center_of_mass(warped)
    np.testing.assert_allclose(
        target.index_to_lps(np.array(mass)), MOTION.forward(np.array([centre]))[0], atol=0.5
    )
    volume_before = image.sum() * np.prod(grid.spacing_mm)
    volume_after = warped.sum() * np.prod(target.spacing_mm)
    assert 1.5**3 * 0.85 < volume_after / volume_before < 1.5**3 * 1.1
