"""A proposed measurement (`recist_reader.measure.LesionMeasurement`) recorded as rulers."""

from __future__ import annotations

from typing import Any

import numpy as np

from recist_reader.reading import ReadingSession, Ruler


def record_proposal(
    session: ReadingSession,
    visit_id: str,
    lesion_id: str,
    layers: Any,
    result: Any,
    slice_index: int,
) -> None:
    """Record ``result``'s long and short axis, on slice ``slice_index`` of the visit's image,
    as the lesion's rulers (``method: semi-automatic``; the reader accepts or adjusts them)."""
    affine_lps = np.asarray(layers.image.metadata["affine_lps"], float)
    for axis, ends in (
        ("long", result.long_axis_endpoints),
        ("short", result.short_axis_endpoints),
    ):
        index = np.array([[slice_index, row, col, 1.0] for row, col in ends], float)
        first, second = (tuple(float(c) for c in p[:3]) for p in index @ affine_lps.T)
        session.set_ruler(
            visit_id,
            lesion_id,
            Ruler(layers.series_uid, (first, second)),  # type: ignore[arg-type]
            axis=axis,  # type: ignore[arg-type]
            method="semi-automatic",
        )
