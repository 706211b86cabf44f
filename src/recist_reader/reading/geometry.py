"""Ruler geometry in patient coordinates (LPS, millimetres)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float, float]

#: A node's short- and long-axis rulers should cross at a right angle within this tolerance.
PERPENDICULAR_TOLERANCE_DEG = 5.0


@dataclass(frozen=True)
class Ruler:
    """A measured line: two points in LPS millimetres on one DICOM series.

    Examples
    --------
    >>> Ruler("1.2.3", ((0.0, 0.0, 0.0), (30.0, 40.0, 0.0))).length_mm
    50.0
    """

    series_uid: str
    points_lps_mm: tuple[Point, Point]

    @property
    def length_mm(self) -> float:
        """Euclidean length in millimetres."""
        return ruler_length_mm(self.points_lps_mm)

    def as_json(self) -> dict:
        """The record's ``ruler`` object (design.md §1)."""
        return {
            "series_uid": self.series_uid,
            "points_lps_mm": [list(p) for p in self.points_lps_mm],
        }

    @classmethod
    def from_json(cls, data: dict) -> Ruler:
        """A ruler from the record's ``ruler`` object."""
        first, second = (tuple(float(c) for c in point) for point in data["points_lps_mm"])
        return cls(str(data["series_uid"]), (first, second))  # type: ignore[arg-type]


def ruler_length_mm(points: Sequence[Sequence[float]]) -> float:
    """Length of the segment between two points, in the points' unit (mm)."""
    (x0, y0, z0), (x1, y1, z1) = points
    return math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2 + (z1 - z0) ** 2)


def angle_between_deg(first: Ruler, second: Ruler) -> float:
    """The angle between two rulers' lines, 0–90 degrees."""
    (a0, a1), (b0, b1) = first.points_lps_mm, second.points_lps_mm
    u = [a1[i] - a0[i] for i in range(3)]
    v = [b1[i] - b0[i] for i in range(3)]
    norms = math.sqrt(sum(c * c for c in u)) * math.sqrt(sum(c * c for c in v))
    if norms == 0:
        return 0.0
    cosine = abs(sum(u[i] * v[i] for i in range(3))) / norms
    return math.degrees(math.acos(min(1.0, cosine)))


def is_perpendicular(
    first: Ruler, second: Ruler, *, tolerance_deg: float = PERPENDICULAR_TOLERANCE_DEG
) -> bool:
    """Whether two rulers cross within ``tolerance_deg`` of a right angle."""
    return abs(90.0 - angle_between_deg(first, second)) <= tolerance_deg
