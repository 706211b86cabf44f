"""The visit shown, alone or beside the visit it is compared with (baseline or previous).

Only the visits shown are in the viewer's layer list: napari's slider then steps through
the shown visit's own slices (one step, one slice), whatever the other visits' grids. The
compared visit is drawn shifted so that the selected lesion lies on the same spot and slice
in both panes; only layer affines move, never data or measurements.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtWidgets import QComboBox, QVBoxLayout, QWidget

from recist_reader._qt.navigation import lesion_centre_world
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.visit_layers import camera_of, grid_of, visit_of

COMPARE_CHOICES = ("no comparison", "compare with baseline", "compare with previous")


class CompareView(QWidget):
    """The comparison choice, and which visits' layers are shown, in a grid when two."""

    #: The dock section its messages show in.
    section = "Visits"

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.combo = QComboBox()
        self.combo.addItems(COMPARE_CHOICES)
        self.combo.currentIndexChanged.connect(
            lambda _: context.guard(self.show_current_visit, about=self.section)
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        self._linked: set[int] = set()
        self._copying_window = False
        context.visit_changed.connect(self.show_current_visit)
        context.layers_changed.connect(self._link_windows)
        context.layers_changed.connect(self.show_current_visit)
        context.lesion_changed.connect(self._on_lesion_changed)
        context.record_changed.connect(self.label_panes)
        context.layers_changed.connect(self.label_panes)

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
        offset = self._alignment_offset(other) if other is not None else np.zeros(3)
        viewer = context.viewer
        # Shown visits join before the others leave: the viewer never empties (its slider
        # would vanish and the canvas change size).
        for visit_id in shown:
            layers = context.visit_layers.get(visit_id)
            if layers is not None:
                layers.shift_display(offset if visit_id == other else np.zeros(3))
                for layer in layers.all():
                    if layer not in viewer.layers:
                        viewer.layers.append(layer)
        for visit_id, layers in context.visit_layers.items():
            if visit_id not in shown:
                layers.shift_display(np.zeros(3))
                for layer in layers.all():
                    if layer in viewer.layers:
                        viewer.layers.remove(layer)
        if other is not None:
            self._group_visit_layers_first()
            self._copy_window(context.current_visit_id, other)
        side_by_side = len(shown) > 1
        for visit_id in shown:  # each pane says which visit it shows
            if visit_id in context.visit_layers:
                context.visit_layers[visit_id].image.name_overlay.visible = side_by_side
        grid = grid_of(viewer)
        if side_by_side != grid.enabled:
            camera = camera_of(viewer)
            zoom, centre = camera.zoom, tuple(camera.center)
            grid.stride = next(  # a visit without images has no layers
                (len(context.visit_layers[v].all()) for v in shown if v in context.visit_layers),
                1,
            )
            grid.enabled = side_by_side
            camera.zoom, camera.center = zoom, centre  # the reader's zoom and position stay
        current = context.visit_layers.get(context.current_visit_id)
        if current is not None:
            viewer.layers.selection.active = current.rulers

    def _on_lesion_changed(self) -> None:
        if self.combo.currentIndex() != 0:
            self.context.guard(
                self.show_current_visit, about=self.section
            )  # line the selected lesion up in both

    def label_panes(self) -> None:
        """Name each visit's image after the visit and its date, ``W8 · 2024-03-06``: the
        compare panes show the names, short enough not to be cut at the pane's edge."""
        session = self.context.session
        if session is None:
            return
        for visit in session.visits():
            layers = self.context.visit_layers.get(visit["visit_id"])
            name = f"{visit['visit_id']} · {visit['date']}"
            if layers is not None and layers.image.name != name:
                layers.image.name = name

    # ------------------------------------------------------------------ linked windows
    def _link_windows(self) -> None:
        for layers in self.context.visit_layers.values():
            if id(layers.image) not in self._linked:
                self._linked.add(id(layers.image))
                layers.image.events.contrast_limits.connect(self._on_window_changed)

    def _on_window_changed(self, event: Any) -> None:
        """A window changed in one pane: the other pane takes it (windows are linked)."""
        other, current = self.compared_visit_id(), self.context.current_visit_id
        changed = visit_of(event)
        if self._copying_window or other is None or changed not in (other, current):
            return
        self._copy_window(changed, current if changed == other else other)

    def _copy_window(self, source: str, target: str) -> None:
        layers = self.context.visit_layers
        if source not in layers or target not in layers:
            return
        window = tuple(layers[source].image.contrast_limits)
        if tuple(layers[target].image.contrast_limits) != window:
            self._copying_window = True
            try:
                layers[target].image.contrast_limits = window
            finally:
                self._copying_window = False

    def _alignment_offset(self, other: str) -> np.ndarray:
        """How far to shift the compared visit so the selected lesion lies on the same spot
        (and slice) as in the current visit; without both rulers, the shift (less than half
        a slice) that puts the compared visit's slices on the current visit's."""
        lesion_id, current = self.context.lesion_id, self.context.current_visit_id
        assert current is not None
        if lesion_id is not None:
            here = lesion_centre_world(self.context, current, lesion_id)
            there = lesion_centre_world(self.context, other, lesion_id)
            if here is not None and there is not None:
                return here - there
        (first, step), (other_first, other_step) = (
            self.context.visit_layers[visit_id].slice_grid_mm for visit_id in (current, other)
        )
        offset, step = np.zeros(3), abs(step)
        if step and abs(step - abs(other_step)) < 1e-3 * step:
            offset[0] = (first - other_first + step / 2) % step - step / 2
        return offset

    def _group_visit_layers_first(self) -> None:
        """Put the shown visits' layers first, all of a visit together, in date order, for
        the grid."""
        session, viewer = self.context.require_session(), self.context.viewer
        ordered = []
        for visit in session.visits():
            layers = self.context.visit_layers.get(visit["visit_id"])
            if layers is not None and layers.image in viewer.layers:
                ordered += list(layers.all())
        for target_index, layer in enumerate(ordered):
            current_index = viewer.layers.index(layer)
            if current_index != target_index:
                viewer.layers.move(current_index, target_index)
