"""Exact diameters of simple outlines."""

from __future__ import annotations

import numpy as np
import pytest

from recist_reader.measure import max_feret_diameter, perpendicular_chord


def test_feret_of_a_rectangle_is_its_diagonal():
    rect = np.array([[0.0, 0.0], [0.0, 4.0], [3.0, 4.0], [3.0, 0.0]])
    length, (a, b) = max_feret_diameter(rect)
    assert length == 5.0
    assert {tuple(a), tuple(b)} in ({(0.0, 0.0), (3.0, 4.0)}, {(0.0, 4.0), (3.0, 0.0)})


def test_feret_of_a_single_point_is_zero():
    length, _ = max_feret_diameter(np.array([[1.0, 2.0]]))
    assert length == 0.0


def test_perpendicular_chord_of_a_rectangle():
    rect = np.array([[0.0, 0.0], [0.0, 10.0], [4.0, 10.0], [4.0, 0.0]])
    length, (c, d) = perpendicular_chord(rect, (np.array([2.0, 0.0]), np.array([2.0, 10.0])))
    assert length == pytest.approx(4.0)
    assert abs(c[1] - d[1]) < 1e-9  # along the rows, perpendicular to the long axis


def test_perpendicular_chord_stays_inside_a_concave_outline():
    # An L shape: the widest perpendicular chord is the solid arm (6), not the bounding box (8).
    ell = np.array([[0, 0], [0, 10], [2, 10], [2, 2], [8, 2], [8, 0]], dtype=float)
    length, _ = perpendicular_chord(ell, (np.array([0.0, 0.0]), np.array([0.0, 10.0])))
    assert length == pytest.approx(8.0)  # the column at c in [0, 2] is 8 long
    length, _ = perpendicular_chord(ell, (np.array([1.0, 0.0]), np.array([1.0, 10.0])))
    assert length == pytest.approx(8.0)
    length, _ = perpendicular_chord(ell, (np.array([0.0, 5.0]), np.array([8.0, 5.0])))
    assert length == pytest.approx(10.0)  # the row at r in [0, 2] is 10 long


def test_tolerance_finds_a_slightly_oblique_longer_chord():
    # A parallelogram whose widest chord is 3 degrees off perpendicular.
    tilt = np.tan(np.radians(3.0)) * 6.0
    shape = np.array([[0, 0], [0, 20], [6, 20 + tilt], [6, tilt]], dtype=float)
    axis = (np.array([3.0, 0.0]), np.array([3.0, 20.0]))
    exact, _ = perpendicular_chord(shape, axis)
    loose, _ = perpendicular_chord(shape, axis, tolerance_deg=5.0)
    assert exact == pytest.approx(6.0)
    assert loose >= exact
