"""Each visit's rulers layer kept the same as the record's rulers, both ways.

Lines drawn or dragged on a rulers layer are written to the session (live while an end
point is dragged); whatever changes the record's rulers (a proposal, a status, a removed
lesion, a script) is drawn on the layers. The record is also kept on every rulers layer
(``metadata["recist_record"]``) for napari's record writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from qtpy.QtCore import QObject, QTimer

from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.visit_layers import (
    RULER_COLOURS,
    rulers_to_draw,
    update_rulers,
    visit_of,
)
from recist_reader.reading import ReadingError
from recist_reader.reading.display import ruler_from_world, ruler_label

#: The record is copied onto the rulers layers this long after the last edit.
PUBLISH_DELAY_MS = 500


class RulerController(QObject):
    """Synchronises the visits' rulers layers with the session."""

    def __init__(self, context: ReadingContext, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        #: ``(visit_id, lesion_id, axis)`` of the ruler the reader is drawing, if any.
        self.pending: tuple[str, str, str] | None = None
        self._syncing = False
        self._connected: set[int] = set()
        self._publish_timer = QTimer(self)
        self._publish_timer.setSingleShot(True)
        self._publish_timer.setInterval(PUBLISH_DELAY_MS)
        self._publish_timer.timeout.connect(self.publish_record)
        context.record_changed.connect(self._on_record_changed)
        context.layers_changed.connect(self._on_layers_changed)
        context.session_replaced.connect(self._on_session_replaced)
        context.file_changed.connect(self.publish_record)

    # ------------------------------------------------------------------ drawing
    def start_ruler(self, axis: str = "long", *, new_lesion_id: str | None = None) -> None:
        """Let the reader draw the selected target's ruler (or that of the tracked new-lesion
        target ``new_lesion_id``) on the current visit's image."""
        session = self.context.require_session()
        if new_lesion_id is not None:
            lesion_id, lesion = new_lesion_id, session.tracked_new_lesion(new_lesion_id).as_lesion()
            if not session.is_new_lesion_target(new_lesion_id):
                raise ReadingError(
                    f"{new_lesion_id} is a new-lesion non-target: set its status instead"
                )
        else:
            lesion_id = self.context.require_lesion()
            lesion = session.lesion(lesion_id)
        if axis == "viable":
            if lesion.get("lesion_type") != "typical_hcc":
                raise ReadingError(
                    f"{lesion_id} is not a typical HCC: only a typical HCC has a viable diameter "
                    "(mRECIST M2.3)"
                )
        elif lesion["kind"] != "target":
            raise ReadingError(
                f"{lesion_id} is a non-target: set its status instead of drawing a ruler"
            )
        layers = self.context.require_visit_layers()
        assert self.context.current_visit_id is not None
        self.pending = (self.context.current_visit_id, lesion_id, axis)
        layers.rulers.feature_defaults = {
            "lesion_id": lesion_id,
            "axis": axis,
            "label": ruler_label(lesion, axis, 0.0),
        }
        layers.rulers.current_edge_color = RULER_COLOURS[axis]
        self.context.viewer.layers.selection.active = layers.rulers
        layers.rulers.mode = "add_line"
        what = {"short": "short axis", "viable": "viable (arterially enhancing) diameter"}.get(
            axis, "longest diameter"
        )
        self.context.show_message(f"draw the {what} of {lesion_id} on the image")

    def cancel_drawing(self) -> None:
        """Stop waiting for a drawn ruler (the next click does something else)."""
        self.pending = None
        layers = self.context.visit_layers.get(self.context.current_visit_id or "")
        if layers is not None:
            layers.rulers.mode = "pan_zoom"

    def set_ruler_from_world(
        self, lesion_id: str, line_world: Any, *, axis: str = "long", visit_id: str | None = None
    ) -> None:
        """Record a ruler given by two world points (what drawing on the canvas produces)."""
        session = self.context.require_session()
        visit_id = visit_id or self.context.current_visit_id
        assert visit_id is not None
        layers = self.context.visit_layers[visit_id]
        ruler = ruler_from_world(line_world, layers.world_to_lps, layers.series_uid)
        session.set_ruler(visit_id, lesion_id, ruler, axis=axis)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ record -> layers
    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change layers without their event handlers echoing it into the record."""
        previous, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = previous

    def draw(self, visit_id: str) -> None:
        """Make a visit's rulers layer show the record's rulers of that visit."""
        session = self.context.session
        layers = self.context.visit_layers.get(visit_id)
        if session is None or layers is None:
            return
        if self.pending is not None and self.pending[0] == visit_id:
            return  # the reader is drawing there: the line is recorded when finished
        mode = layers.rulers.mode
        with self._quietly():
            update_rulers(layers, rulers_to_draw(layers, session, visit_id))
            if mode == "add_line":
                layers.rulers.mode = "select"

    def draw_all(self) -> None:
        for visit_id in list(self.context.visit_layers):
            self.draw(visit_id)

    def _on_record_changed(self) -> None:
        self.draw_all()
        self._publish_timer.start()

    def _on_session_replaced(self) -> None:
        self.pending = None
        self._on_layers_changed()

    def _on_layers_changed(self) -> None:
        for layers in self.context.visit_layers.values():
            if id(layers.rulers) not in self._connected:
                self._connected.add(id(layers.rulers))
                # Bound methods, held weakly by the layer's events; the visit is in the
                # layer's metadata.
                layers.rulers.events.data.connect(self._on_rulers_data)
                layers.rulers.events.set_data.connect(self._on_rulers_moved)
        self.draw_all()
        self.publish_record()

    def publish_record(self) -> None:
        """Keep the current record on every rulers layer (the record writer saves it)."""
        session = self.context.session
        if session is None:
            return
        record = session.record
        for layers in self.context.visit_layers.values():
            layers.rulers.metadata["recist_record"] = record
            if session.path is not None:
                layers.rulers.metadata["recist_record_path"] = str(session.path)

    # ------------------------------------------------------------------ layers -> record
    def _visit_of(self, event: Any) -> str | None:
        visit_id = visit_of(event)
        if self._syncing or self.context.session is None:
            return None
        return visit_id if visit_id in self.context.visit_layers else None

    def _on_rulers_data(self, event: Any) -> None:
        visit_id = self._visit_of(event)
        if visit_id is None:
            return
        action = str(getattr(event, "action", ""))
        if action.endswith("added"):
            self.context.guard(self._accept_new_ruler, visit_id)
        elif action.endswith("changed"):
            self.context.guard(self._sync_from_layer, visit_id)
        elif action.endswith("removed"):
            self.context.guard(self._sync_removed, visit_id)

    def _on_rulers_moved(self, event: Any) -> None:
        """Live update while an end point is dragged."""
        visit_id = self._visit_of(event)
        if visit_id is not None and self.pending is None:  # a drawn ruler counts when done
            self.context.guard(self._sync_from_layer, visit_id)

    def _accept_new_ruler(self, visit_id: str) -> None:
        session = self.context.require_session()
        layer = self.context.visit_layers[visit_id].rulers
        if layer.nshapes == 0:
            return
        index = layer.nshapes - 1
        lesion_id = layer.features["lesion_id"].iloc[index]
        axis = layer.features["axis"].iloc[index]
        pending, self.pending = self.pending, None
        if not isinstance(lesion_id, str) or not lesion_id or pending is None:
            with self._quietly():
                layer.selected_data = {index}
                layer.remove_selected()
            raise ReadingError("choose a lesion and press 'Draw ruler' before drawing")
        layers = self.context.visit_layers[visit_id]
        ruler = ruler_from_world(
            np.asarray(layer.data[index]), layers.world_to_lps, layers.series_uid
        )
        layer.mode = "select"
        session.set_ruler(visit_id, lesion_id, ruler, axis=axis, method="manual")
        self.context.show_message(f"{lesion_id}: {ruler.length_mm:.1f} mm")

    def _sync_from_layer(self, visit_id: str) -> None:
        """Copy every ruler's end points from the layer to the record where they moved."""
        session = self.context.require_session()
        layers = self.context.visit_layers[visit_id]
        features = layers.rulers.features
        data = layers.rulers.data
        if len(features) != len(data):
            return
        lesion_ids = features["lesion_id"].to_numpy()  # not .iloc per shape: this runs per drag
        axes = features["axis"].to_numpy()
        for index, line in enumerate(data):
            lesion_id, axis = lesion_ids[index], axes[index]
            if not isinstance(lesion_id, str) or len(line) < 2:
                continue
            ruler = ruler_from_world(np.asarray(line), layers.world_to_lps, layers.series_uid)
            try:
                saved = session.ruler(visit_id, lesion_id, axis=axis)
            except ReadingError:
                continue  # lesion removed
            if saved is None or not np.allclose(
                saved.points_lps_mm, ruler.points_lps_mm, atol=1e-6
            ):
                session.set_ruler(visit_id, lesion_id, ruler, axis=axis)

    def _sync_removed(self, visit_id: str) -> None:
        session = self.context.require_session()
        features = self.context.visit_layers[visit_id].rulers.features
        present = set(zip(features["lesion_id"], features["axis"]))
        typical = [
            lesion for lesion in session.lesions() if lesion.get("lesion_type") == "typical_hcc"
        ]
        for lesion, axes in (
            *((lesion, ("long", "short")) for lesion in session.lesions("target")),
            *((lesion, ("long", "short")) for lesion in session.new_lesion_targets()),
            *((lesion, ("viable",)) for lesion in typical),
        ):
            for axis in axes:
                if (lesion["lesion_id"], axis) not in present and session.ruler(
                    visit_id, lesion["lesion_id"], axis=axis
                ):  # type: ignore[arg-type]
                    session.remove_ruler(visit_id, lesion["lesion_id"], axis=axis)  # type: ignore[arg-type]
