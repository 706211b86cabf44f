"""Measure from click: one click inside a target proposes its long and short axis."""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtCore import QObject

from recist_reader._qt.proposal_rulers import record_proposal
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.ruler_controller import RulerController
from recist_reader.reading import ReadingError


class MeasureFromClick(QObject):
    """Waits for one click on the current visit's image, then measures the selected target
    there (`recist_reader.measure.measure_lesion`)."""

    def __init__(
        self, context: ReadingContext, rulers: RulerController, parent: QObject | None = None
    ):
        super().__init__(parent)
        self.context = context
        self.rulers = rulers
        self.lesion_id: str | None = None

    def start(self) -> None:
        """The next click on the current visit's image measures the selected target there."""
        session = self.context.require_session()
        lesion_id = self.context.require_lesion()
        if session.lesion(lesion_id)["kind"] != "target":
            raise ReadingError(f"{lesion_id} is a non-target: only targets are measured")
        self.context.require_visit_layers()
        self.rulers.cancel_drawing()
        callbacks = self.context.viewer.mouse_drag_callbacks
        if self._on_click not in callbacks:
            callbacks.append(self._on_click)
        self.lesion_id = lesion_id
        self.context.show_message(f"click inside {lesion_id} to measure it")

    def _on_click(self, viewer: Any, event: Any) -> None:
        """One click: measure, then stop listening."""
        if event.type != "mouse_press":
            return
        if self._on_click in viewer.mouse_drag_callbacks:
            viewer.mouse_drag_callbacks.remove(self._on_click)
        lesion_id, self.lesion_id = self.lesion_id, None
        if lesion_id is not None:
            self.context.guard(self.measure_at, lesion_id, np.asarray(event.position, float))

    def measure_at(self, lesion_id: str, point_world: Any) -> Any:
        """Propose ``lesion_id``'s long and short axis from a click at ``point_world`` on the
        current visit's image; returns the measurement.

        The proposal becomes ordinary rulers (``method: semi-automatic``); a doubtful result
        says so and is still drawn, for the reader to adjust or redraw.
        """
        from recist_reader.measure import measure_lesion

        session = self.context.require_session()
        visit_id = self.context.current_visit_id
        assert visit_id is not None
        layers = self.context.require_visit_layers()
        lesion = session.lesion(lesion_id)
        image = layers.image
        seed = np.asarray(image.world_to_data(point_world), float)
        if np.any(seed < -0.5) or np.any(seed > np.asarray(image.data.shape) - 0.5):
            raise ReadingError("click inside the image")
        spacing = tuple(float(s) for s in image.metadata["spacing_mm"])
        result = measure_lesion(
            np.asarray(image.data), tuple(seed), spacing_mm=spacing, nodal=lesion["nodal"]
        )
        slice_index = result.slice_index if result.slice_index is not None else round(seed[0])
        record_proposal(session, visit_id, lesion_id, layers, result, slice_index)
        recist = result.short_axis_mm if lesion["nodal"] else result.long_axis_mm
        if result.confident:
            self.context.show_message(
                f"{lesion_id}: proposed {result.long_axis_mm:.1f} × {result.short_axis_mm:.1f} mm "
                f"({recist:.1f} mm counts); drag an end point to adjust"
            )
        else:
            self.context.show_message(
                f"{lesion_id}: doubtful proposal ({'; '.join(result.notes) or 'unclear boundary'}): "
                "check the rulers and adjust or redraw them",
                warning=True,
            )
        return result
