"""Where a lesion is on screen: its ruler's centre (or its marker) in world millimetres, and
going there."""

from __future__ import annotations

import numpy as np

from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.visit_layers import camera_of
from recist_reader.reading import ReadingError
from recist_reader.reading.display import lps_to_world


def lesion_centre_world(
    context: ReadingContext, visit_id: str, lesion_id: str
) -> np.ndarray | None:
    """World centre of a lesion's ruler at a visit (long axis, else short), or of its
    marker, if drawn on the visit's open series."""
    session = context.require_session()
    layers = context.visit_layers.get(visit_id)
    if layers is None:
        return None
    for axis in ("long", "short"):
        ruler = session.ruler(visit_id, lesion_id, axis=axis)  # type: ignore[arg-type]
        if ruler is not None and ruler.series_uid == layers.series_uid:
            return lps_to_world(ruler.points_lps_mm, layers.world_to_lps).mean(axis=0)
    marker = (session.measurement(visit_id, lesion_id) or {}).get("marker")
    if marker and marker.get("series_uid") == layers.series_uid:
        return lps_to_world([marker["point_lps_mm"]], layers.world_to_lps)[0]
    return None


def go_to_lesion(context: ReadingContext, lesion_id: str) -> None:
    """Move to the slice and centre of a lesion's ruler or marker: this visit's; else where a
    locator of the context expects it (a follow-up registered to the baseline); else
    baseline's."""
    session = context.require_session()
    current = context.current_visit_id
    if current in context.visit_layers and lesion_centre_world(context, current, lesion_id) is None:
        for locate in context.locators:  # e.g. the baseline ruler propagated by registration
            expected = locate(current, lesion_id)
            if expected is not None:
                expected = np.array(expected, float)
                expected[0] = context.visit_layers[current].nearest_slice_mm(float(expected[0]))
                context.viewer.dims.set_point(0, float(expected[0]))
                camera_of(context.viewer).center = tuple(float(c) for c in expected)
                return
    for visit_id in (context.current_visit_id, session.baseline_visit_id):
        if visit_id is None or visit_id not in context.visit_layers:
            continue
        centre = lesion_centre_world(context, visit_id, lesion_id)
        if centre is None:
            continue
        shown = context.visit_layers.get(context.current_visit_id or "")
        if shown is not None:  # a slice of the visit shown, never between two
            centre[0] = shown.nearest_slice_mm(float(centre[0]))
        context.viewer.dims.set_point(0, float(centre[0]))
        camera_of(context.viewer).center = tuple(float(c) for c in centre)
        return
    raise ReadingError(f"{lesion_id} has no ruler or marker to go to yet")
