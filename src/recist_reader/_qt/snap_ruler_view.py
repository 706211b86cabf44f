"""Snap to edges: a rough ruler across a lesion becomes its long and short axis.

The second way to measure when a click cannot find the lesion's edge: the reader draws the
long-axis ruler roughly across the lesion, then presses Snap to edges;
`recist_reader.measure.measure_lesion_along_line` moves each end to the lesion's edge when
one is clear near it (else leaves it) and adds the perpendicular short axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtWidgets import QHBoxLayout, QPushButton, QWidget

from recist_reader._qt.proposal_rulers import record_proposal
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader.reading import ReadingError


class SnapRulerView(ReadingView):
    """The Snap to edges button for the selected target at the visit shown."""

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.snap_button = QPushButton("Snap to edges")
        self.snap_button.setToolTip(
            "draw the ruler roughly across the lesion first: its ends move to the lesion's "
            "edges along it where they are clear, and the short axis is added"
        )
        self.snap_button.clicked.connect(lambda: context.guard(self.snap))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)
        layout.addWidget(self.snap_button)

    def refresh(self) -> None:
        session, context = self.context.session, self.context
        visit_id, lesion_id = context.current_visit_id, context.lesion_id
        layers = context.visit_layers.get(visit_id) if visit_id else None
        ruler = (
            session.ruler(visit_id, lesion_id)
            if session is not None and visit_id is not None and lesion_id is not None
            else None
        )
        self.snap_button.setEnabled(
            ruler is not None and layers is not None and ruler.series_uid == layers.series_uid
        )

    def snap(self) -> Any:
        """Snap the selected target's ruler at this visit to the lesion's edges; returns
        the measurement."""
        from recist_reader.measure import measure_lesion_along_line

        session = self.context.require_session()
        lesion_id = self.context.require_lesion()
        visit_id = self.context.current_visit_id
        assert visit_id is not None
        layers = self.context.require_visit_layers()
        ruler = session.ruler(visit_id, lesion_id)
        if ruler is None or ruler.series_uid != layers.series_uid:
            raise ReadingError(f"draw {lesion_id}'s ruler across the lesion first")
        image = layers.image
        affine_lps = np.asarray(image.metadata["affine_lps"], float)
        ends_lps = np.asarray(ruler.points_lps_mm, float)
        index = (ends_lps - affine_lps[:3, 3]) @ np.linalg.inv(affine_lps[:3, :3]).T
        index[:, 0] = np.round(index[:, 0].mean())  # both ends on the ruler's slice
        result = measure_lesion_along_line(
            np.asarray(image.data),
            tuple(index[0]),
            tuple(index[1]),
            spacing_mm=tuple(float(s) for s in image.metadata["spacing_mm"]),
            nodal=session.lesion(lesion_id)["nodal"],
        )
        record_proposal(session, visit_id, lesion_id, layers, result, result.slice_index)
        text = f"{lesion_id}: snapped to {result.long_axis_mm:.1f} × {result.short_axis_mm:.1f} mm"
        if result.confident:
            self.context.show_message(text + "; drag an end point to adjust")
        else:
            self.context.show_message(
                f"{text} ({result.reason}): check the rulers and adjust them", warning=True
            )
        return result
