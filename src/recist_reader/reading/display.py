"""What the reading widget draws, computed without Qt: coordinates and labels.

napari world coordinates of a series opened by the plugin are LPS millimetres re-ordered
per plane (``layer.metadata["world_to_lps"]``, a 4×4 matrix); rulers are drawn in world
coordinates, so converting them is one matrix product.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from recist_reader.reading.geometry import Point, Ruler

if TYPE_CHECKING:  # pragma: no cover
    from recist_reader.reading.session import LesionCheck, ReadingSession


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
    """The on-canvas label of a ruler, e.g. ``T1 liver 42.3 mm``, ``T2 lymph node SA 18.0 mm``
    or, for a typical HCC's viable diameter (mRECIST), ``T1 viable 18.0 mm``."""
    if axis == "viable":
        return f"{lesion['lesion_id']} viable {length_mm:.1f} mm"
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


# ------------------------------------------------------------------ the reading panels
# The contents of the widget's lists and tables, as plain rows of text, so that what the
# reader is shown is decided (and tested) without Qt.


def check_text(check: LesionCheck) -> str:
    """One baseline check as the reader reads it."""
    return ("Blocks saving: " if check.blocking else "Warning: ") + check.message


def visit_entries(
    session: ReadingSession, visits_with_images: Collection[str]
) -> list[tuple[str, str]]:
    """``(label, visit_id)`` per visit in date order, e.g.
    ``BL · 2024-01-10 · baseline · AXIAL PORTAL VENOUS``; ``(no images)`` when the visit's
    series is not open."""
    entries = []
    for visit in session.visits():
        series = visit.get("series") or []
        label = f"{visit['visit_id']} · {visit['date']}"
        if visit["visit_id"] == session.baseline_visit_id:
            label += " · baseline"
        if series:
            label += f" · {series[0].get('description') or series[0]['series_uid'][-12:]}"
        if visit["visit_id"] not in visits_with_images:
            label += " · (no images)"
        entries.append((label, visit["visit_id"]))
    return entries


def measurement_text(session: ReadingSession, visit_id: str, lesion: dict[str, Any]) -> str:
    """A lesion's measurement at a visit: ``42.3 mm`` (``SA`` for a node's short axis), its
    status (``too small``), ``axis missing`` for half a node, or ``—``."""
    measurement = session.measurement(visit_id, lesion["lesion_id"])
    if measurement is None:
        return "—"
    if "diameter_mm" in measurement:
        return f"{measurement['diameter_mm']:.1f} mm" + (" SA" if lesion["nodal"] else "")
    if "status" in measurement:
        return str(measurement["status"]).replace("_", " ")
    return "axis missing"


def lesion_rows(
    session: ReadingSession, checks: Sequence[LesionCheck], current_visit_id: str | None
) -> tuple[list[tuple[str, ...]], list[str]]:
    """The lesion table: a row per lesion (id, kind, organ, this visit, baseline, checks
    flag) and, per row, the tooltip listing the lesion's checks."""
    by_lesion: dict[str | None, list[LesionCheck]] = {}
    for check in checks:
        by_lesion.setdefault(check.lesion_id, []).append(check)
    rows: list[tuple[str, ...]] = []
    tooltips: list[str] = []
    for lesion in session.lesions():
        lesion_checks = by_lesion.get(lesion["lesion_id"], [])
        if any(c.blocking for c in lesion_checks):
            flag = "blocks saving"
        else:
            flag = "warning" if lesion_checks else ""
        rows.append(
            (
                lesion["lesion_id"],
                lesion["kind"] + (" (node)" if lesion["nodal"] else ""),
                lesion["organ"],
                measurement_text(session, current_visit_id, lesion) if current_visit_id else "",
                measurement_text(session, session.baseline_visit_id, lesion),
                flag,
            )
        )
        tooltips.append("\n".join(check_text(c) for c in lesion_checks))
    return rows, tooltips


def new_lesion_entries(session: ReadingSession, visit_id: str | None) -> list[tuple[str, int]]:
    """``(label, index)`` per new lesion of a visit, e.g. ``liver segment 6 (equivocal)``."""
    if visit_id is None:
        return []
    return [
        (f"{entry['location']}{' (equivocal)' if entry.get('equivocal') else ''}", index)
        for index, entry in enumerate(session.visit(visit_id)["new_lesions"])
    ]


def notes_text(response: dict[str, Any] | None) -> str:
    """The notes explaining each visit's call, one per line, prefixed by the visit id."""
    if response is None:
        return ""
    return "\n".join(
        f"{visit['visit_id']}: {note}" for visit in response["visits"] for note in visit["notes"]
    )


def baseline_reference_text(
    session: ReadingSession, lesion_id: str, baseline_world_to_lps: np.ndarray | None
) -> str:
    """What a follow-up reader needs of a lesion's baseline: ``T1 liver · baseline 42.3 mm on
    slice -60.0 mm`` (the slice when the baseline series is open)."""
    lesion = session.lesion(lesion_id)
    reference = f"{lesion_id} {lesion['organ']}"
    baseline = session.measurement(session.baseline_visit_id, lesion_id)
    if baseline and "diameter_mm" in baseline:
        reference += f" · baseline {baseline['diameter_mm']:.1f} mm"
        axis = "short" if lesion["nodal"] else "long"
        ruler = session.ruler(session.baseline_visit_id, lesion_id, axis=axis)
        if ruler is not None and baseline_world_to_lps is not None:
            slice_mm = lps_to_world(ruler.points_lps_mm, baseline_world_to_lps)[:, 0].mean()
            reference += f" on slice {slice_mm:.1f} mm"
    return reference
