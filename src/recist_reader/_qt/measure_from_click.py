"""Measure from click: one click inside a target proposes its long and short axis.

A proposal is shown as a proposal (its outline and axes, in green, on a layer of its own)
and is not in the record: it counts once the reader accepts it, and it never replaces a
ruler without asking. A doubtful proposal stays marked in the record (``proposal_doubt``)
until the reader edits the rulers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from qtpy.QtCore import QObject, Signal

from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.ruler_controller import RulerController
from recist_reader.reading import ReadingError, Ruler


@dataclass(frozen=True)
class Proposal:
    """A measurement proposed for a target at a visit, not yet in the record."""

    visit_id: str
    lesion_id: str
    long_axis: Ruler
    short_axis: Ruler
    result: Any  # recist_reader.measure.LesionMeasurement

    @property
    def doubt(self) -> str | None:
        """Why the proposal is doubtful, or None when it is confident."""
        if self.result.confident:
            return None
        return "; ".join(self.result.notes) or "unclear boundary"


class MeasureFromClick(QObject):
    """Waits for one click on the current visit's image, measures the selected target there
    (`recist_reader.measure.measure_lesion`) and shows the proposal for the reader to
    accept or reject."""

    #: A proposal was shown, accepted or rejected.
    proposal_changed = Signal()
    #: The dock section its messages show in.
    section = "Lesions"

    def __init__(
        self, context: ReadingContext, rulers: RulerController, parent: QObject | None = None
    ):
        super().__init__(parent)
        self.context = context
        self.rulers = rulers
        self.lesion_id: str | None = None
        self.proposal: Proposal | None = None
        self._overlay: Any = None
        context.visit_changed.connect(self.reject)
        context.session_replaced.connect(self.reject)

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
        self.context.show_message(f"click inside {lesion_id} to measure it", about=self.section)

    def _on_click(self, viewer: Any, event: Any) -> None:
        """One click: measure, then stop listening."""
        if event.type != "mouse_press":
            return
        if self._on_click in viewer.mouse_drag_callbacks:
            viewer.mouse_drag_callbacks.remove(self._on_click)
        lesion_id, self.lesion_id = self.lesion_id, None
        if lesion_id is not None:
            self.context.guard(
                self.measure_at, lesion_id, np.asarray(event.position, float), about=self.section
            )

    def measure_at(self, lesion_id: str, point_world: Any) -> Any:
        """Propose ``lesion_id``'s long and short axis from a click at ``point_world`` on the
        current visit's image; returns the measurement (`LesionMeasurement`).

        The proposal is drawn, not recorded: `accept` records it.
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
        long_axis, short_axis = (
            layers.ruler_from_layer([[slice_index, row, col] for row, col in ends])
            for ends in (result.long_axis_endpoints, result.short_axis_endpoints)
        )
        self._clear_overlay()
        self.proposal = Proposal(visit_id, lesion_id, long_axis, short_axis, result)
        self._draw_overlay(slice_index)
        recist = result.short_axis_mm if lesion["nodal"] else result.long_axis_mm
        sizes = (
            f"{result.long_axis_mm:.1f} × {result.short_axis_mm:.1f} mm ({recist:.1f} mm counts)"
        )
        if self.proposal.doubt is None:
            self.context.show_message(
                f"{lesion_id}: proposed {sizes}: accept it, or reject it and draw the ruler",
                about=self.section,
            )
        else:
            self.context.show_message(
                f"{lesion_id}: doubtful proposal ({self.proposal.doubt}), {sizes}: check the "
                "outline before you accept it",
                warning=True,
                about=self.section,
            )
        self.proposal_changed.emit()
        return result

    def accept(self) -> None:
        """Record the proposal as the target's rulers (``method: semi-automatic``); a ruler
        already there is replaced only if the reader says so."""
        proposal = self.proposal
        if proposal is None:
            raise ReadingError("no proposal to accept: press 'Measure from click' first")
        session = self.context.require_session()
        lesion = session.lesion(proposal.lesion_id)
        axis = "short" if lesion["nodal"] else "long"
        existing = session.ruler(proposal.visit_id, proposal.lesion_id, axis=axis)
        if existing is not None:
            made = (session.measurement(proposal.visit_id, proposal.lesion_id) or {}).get(
                "method", "manual"
            )
            how = "you drew" if made == "manual" else "accepted earlier"
            proposed = proposal.short_axis if axis == "short" else proposal.long_axis
            answer = self.context.ask(
                "Replace the ruler?",
                f"{proposal.lesion_id} at {proposal.visit_id} has a ruler {how} "
                f"({existing.length_mm:.1f} mm). Replace it with the proposal "
                f"({proposed.length_mm:.1f} mm)?",
                ("Replace", "Keep mine"),
            )
            if answer != "Replace":
                self.reject()
                return
        for axis_name, ruler in (("long", proposal.long_axis), ("short", proposal.short_axis)):
            session.set_ruler(
                proposal.visit_id,
                proposal.lesion_id,
                ruler,
                axis=axis_name,  # type: ignore[arg-type]
                method="semi-automatic",
            )
        session.set_proposal_doubt(proposal.visit_id, proposal.lesion_id, proposal.doubt)
        self._finish()
        self.context.show_message(f"{proposal.lesion_id}: proposal accepted", about=self.section)

    def reject(self) -> None:
        """Drop the proposal (nothing was recorded)."""
        if self.proposal is not None:
            self._finish()

    def _finish(self) -> None:
        self.proposal = None
        self._clear_overlay()
        self.proposal_changed.emit()

    # ------------------------------------------------------------------ the overlay
    def _draw_overlay(self, slice_index: int) -> None:
        """The proposal's outline and axes, on the current visit's proposal layer."""
        assert self.proposal is not None
        layer = self.context.visit_layers[self.proposal.visit_id].proposal
        result = self.proposal.result
        shapes = [
            np.c_[np.full(len(points), slice_index), points]
            for points in (
                np.asarray(result.contour, float),
                np.asarray(result.long_axis_endpoints, float),
                np.asarray(result.short_axis_endpoints, float),
            )
        ]
        layer.data = []
        layer.add(shapes, shape_type=["polygon", "line", "line"])
        self._overlay = layer

    def _clear_overlay(self) -> None:
        if self._overlay is not None:
            self._overlay.data = []
        self._overlay = None
