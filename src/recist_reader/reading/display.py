"""What the reading widget draws, computed without Qt: coordinates and labels.

napari world coordinates of a series opened by the plugin are LPS millimetres re-ordered
per plane (``layer.metadata["world_to_lps"]``, a 4×4 matrix); rulers are drawn in world
coordinates, so converting them is one matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from recist_reader.reading.geometry import Point, Ruler


def world_to_lps(
    points_world: Sequence[Sequence[float]], world_to_lps_matrix: np.ndarray
) -> list[Point]:
    """World points (napari, mm) → LPS points (mm)."""
    points = np.asarray(points_world, float)
    homogeneous = np.c_[points, np.ones(len(points))]
    lps = homogeneous @ np.asarray(world_to_lps_matrix, float).T
    return [tuple(float(c) for c in row[:3]) for row in lps]  # type: ignore[misc]


def lps_to_world(
    points_lps: Sequence[Sequence[float]], world_to_lps_matrix: np.ndarray
) -> np.ndarray:
    """LPS points (mm) → world points (napari, mm), as an (n, 3) array."""
    points = np.asarray(points_lps, float)
    homogeneous = np.c_[points, np.ones(len(points))]
    return (homogeneous @ np.linalg.inv(np.asarray(world_to_lps_matrix, float)).T)[:, :3]


def ruler_from_world(
    line_world: Sequence[Sequence[float]], world_to_lps_matrix: np.ndarray, series_uid: str
) -> Ruler:
    """The ruler of a drawn line (its two end points in world coordinates)."""
    first, second = world_to_lps(np.asarray(line_world, float)[[0, -1]], world_to_lps_matrix)
    return Ruler(series_uid, (first, second))


def ruler_label(lesion: dict[str, Any], axis: str, length_mm: float) -> str:
    """The on-canvas label of a ruler, e.g. ``T1 liver 42.3 mm`` or ``T2 lymph node SA 18.0 mm``."""
    nodal_axis = " SA" if axis == "short" else (" LA" if lesion.get("nodal") else "")
    return f"{lesion['lesion_id']} {lesion['organ']}{nodal_axis} {length_mm:.1f} mm"


def format_percent(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f} %"


def response_rows(response: dict[str, Any] | None) -> list[tuple[str, ...]]:
    """One row per follow-up for the response panel: visit, date, sum, vs baseline, vs nadir,
    target, non-target, new, overall."""
    if response is None:
        return []
    rows = []
    for visit in response["visits"]:
        if visit["sum_mm"] is not None:
            total = f"{visit['sum_mm']:.1f}"
        elif visit["partial_sum_mm"] is not None:
            total = f"({visit['partial_sum_mm']:.1f})"
        else:
            total = ""
        new = (
            "yes"
            if visit["new_lesions"]
            else ("equivocal" if visit["equivocal_new_lesions"] else "no")
        )
        rows.append(
            (
                visit["visit_id"],
                visit["date"],
                total,
                format_percent(visit["pct_change_baseline"]),
                format_percent(visit["pct_change_nadir"]),
                visit["target"],
                visit["non_target"],
                new,
                visit["overall"],
            )
        )
    return rows


def summary_text(response: dict[str, Any] | None) -> str:
    """Best overall response, progression and duration of response in one or two lines."""
    if response is None:
        return ""
    bor = response["best_overall_response"]
    lines = [
        f"Best overall response: {bor['confirmed']} confirmed, {bor['unconfirmed']} unconfirmed"
    ]
    progression = response["progression"]
    if progression is not None:
        dated = (
            f" (dated to {progression['dated_visit_id']})"
            if progression["dated_visit_id"] != progression["visit_id"]
            else ""
        )
        lines.append(f"Progression {progression['date']} at {progression['visit_id']}{dated}")
    baseline_sum = response["baseline"]["sum_mm"]
    if baseline_sum is not None:
        lines.insert(0, f"Baseline sum {baseline_sum:.1f} mm")
    return "\n".join(lines)
