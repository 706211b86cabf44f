"""The visit shown, alone or beside the visit it is compared with (baseline or previous).

The compared visit is drawn shifted so that the selected lesion lies on the same spot and
slice in both panes; only layer affines move, never data or measurements.
"""

from __future__ import annotations

import numpy as np
from qtpy.QtWidgets import QComboBox, QVBoxLayout, QWidget

from recist_reader._qt.navigation import lesion_centre_world
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.visit_layers import grid_of

COMPARE_CHOICES = ("no comparison", "compare with baseline", "compare with previous")


class CompareView(QWidget):
    """The comparison choice, and which visits' layers are shown, in a grid when two."""

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.combo = QComboBox()
        self.combo.addItems(COMPARE_CHOICES)
        self.combo.currentIndexChanged.connect(lambda _: context.guard(self.show_current_visit))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        context.visit_changed.connect(self.show_current_visit)
        context.layers_changed.connect(self.show_current_visit)
        context.lesion_changed.connect(self._on_lesion_changed)

    def compared_visit_id(self) -> str | None:
        """The visit shown beside the current one, if any and open."""
        session, current = self.context.session, self.context.current_visit_id
        if session is None or current is None:
            return None
        mode = self.combo.currentIndex()
        other = None
        if mode == 1:
            other = session.baseline_visit_id
        elif mode == 2:
            other = session.previous_visit_id(current)
        if other is None or other == current or other not in self.context.visit_layers:
            return None
        return other

    def show_current_visit(self) -> None:
        """Show the current visit's layers, and the compared visit's in a grid beside it."""
        context = self.context
        if context.session is None or context.current_visit_id is None:
            return
        other = self.compared_visit_id()
        shown = [context.current_visit_id] if other is None else [other, context.current_visit_id]
        if other is not None:
            self._group_visit_layers_first()
        offset = self._alignment_offset(other) if other is not None else np.zeros(3)
        for visit_id, layers in context.visit_layers.items():
            layers.shift_display(offset if visit_id == other else np.zeros(3))
            for layer in layers.all():
                layer.visible = visit_id in shown
        grid = grid_of(context.viewer)
        grid.stride = 3
        side_by_side = len(shown) > 1
        if side_by_side != grid.enabled:
            grid.enabled = side_by_side
            context.viewer.reset_view()
        current = context.visit_layers.get(context.current_visit_id)
        if current is not None:
            context.viewer.layers.selection.active = current.rulers

    def _on_lesion_changed(self) -> None:
        if self.combo.currentIndex() != 0:
            self.context.guard(self.show_current_visit)  # line the selected lesion up in both

    def _alignment_offset(self, other: str) -> np.ndarray:
        """How far to shift the compared visit so the selected lesion lies on the same spot
        (and slice) as in the current visit; zero when either ruler is missing."""
        lesion_id, current = self.context.lesion_id, self.context.current_visit_id
        if lesion_id is None or current is None:
            return np.zeros(3)
        here = lesion_centre_world(self.context, current, lesion_id)
        there = lesion_centre_world(self.context, other, lesion_id)
        if here is None or there is None:
            return np.zeros(3)
        return here - there

    def _group_visit_layers_first(self) -> None:
        """Put the visit layers first, three per visit in date order, for the grid."""
        session, viewer = self.context.require_session(), self.context.viewer
        ordered = []
        for visit in session.visits():
            layers = self.context.visit_layers.get(visit["visit_id"])
            if layers is not None:
                ordered += list(layers.all())
        for target_index, layer in enumerate(ordered):
            current_index = viewer.layers.index(layer)
            if current_index != target_index:
                viewer.layers.move(current_index, target_index)
