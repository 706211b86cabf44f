"""Non-target markers: a point per visit where the reader saw each non-target, kept the
same on each visit's markers layer and in the record (``marker`` of the measurement)."""

from __future__ import annotations

from typing import Any

from qtpy.QtCore import QObject

from recist_reader._qt.qt_helpers import Syncing
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.visit_layers import markers_to_draw, update_markers, visit_of
from recist_reader.reading import ReadingError


class MarkerController(QObject):
    """Places, moves and draws the non-targets' markers."""

    #: The dock section its messages show in.
    section = "Lesions"

    def __init__(self, context: ReadingContext, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        #: The non-target the next click marks, if any.
        self.pending: str | None = None
        self._syncing = Syncing()
        self._connected: set[int] = set()
        context.record_changed.connect(self.draw_all)
        context.layers_changed.connect(self._on_layers_changed)
        context.session_replaced.connect(self._on_layers_changed)

    def start_marker(self) -> None:
        """The next click on the current visit's image marks the selected non-target."""
        session = self.context.require_session()
        lesion_id = self.context.require_lesion()
        if session.lesion(lesion_id)["kind"] != "non-target":
            raise ReadingError(f"{lesion_id} is a target: draw its ruler")
        layers = self.context.require_visit_layers()
        self.pending = lesion_id
        layers.markers.feature_defaults = {"lesion_id": lesion_id, "label": lesion_id}
        self.context.viewer.layers.selection.active = layers.markers
        layers.markers.mode = "add"
        self.context.show_message(f"click {lesion_id} on the image", about=self.section)

    # ------------------------------------------------------------------ record -> layers
    def draw_all(self) -> None:
        session = self.context.session
        if session is None:
            return
        with self._syncing():
            for visit_id, layers in self.context.visit_layers.items():
                update_markers(layers, *markers_to_draw(layers, session, visit_id))

    def _on_layers_changed(self) -> None:
        for layers in self.context.visit_layers.values():
            if id(layers.markers) not in self._connected:
                self._connected.add(id(layers.markers))
                layers.markers.events.data.connect(self._on_markers_data)
        self.draw_all()

    # ------------------------------------------------------------------ layers -> record
    def _on_markers_data(self, event: Any) -> None:
        visit_id = visit_of(event)
        session = self.context.session
        if self._syncing or session is None or visit_id not in self.context.visit_layers:
            return
        action = str(getattr(event, "action", ""))
        if action.endswith("added"):
            self.context.guard(self._accept_marker, visit_id, about=self.section)
        elif action.endswith("changed") or action.endswith("removed"):
            self.context.guard(self._sync_from_layer, visit_id, about=self.section)

    def _accept_marker(self, visit_id: str) -> None:
        session = self.context.require_session()
        layers = self.context.visit_layers[visit_id]
        layer = layers.markers
        lesion_id, self.pending = self.pending, None
        layer.mode = "pan_zoom"
        self.context.viewer.layers.selection.active = layers.rulers
        if lesion_id is None:
            self.draw_all()  # a point added by hand without a non-target chosen
            raise ReadingError("choose a non-target and press 'Mark on image' first")
        point = layers.to_lps([layer.data[-1]])[0]
        session.set_marker(visit_id, lesion_id, point, series_uid=layers.series_uid)
        self.context.show_message(f"{lesion_id} marked", about=self.section)

    def _sync_from_layer(self, visit_id: str) -> None:
        """Moved or deleted markers into the record."""
        session = self.context.require_session()
        layers = self.context.visit_layers[visit_id]
        placed = dict(zip(layers.markers.features["lesion_id"], layers.markers.data))
        with self._syncing():
            for lesion in session.lesions("non-target"):
                lesion_id = lesion["lesion_id"]
                marker = (session.measurement(visit_id, lesion_id) or {}).get("marker")
                if lesion_id in placed:
                    point = layers.to_lps([placed[lesion_id]])[0]
                    if marker is None or marker["point_lps_mm"] != list(point):
                        session.set_marker(visit_id, lesion_id, point, series_uid=layers.series_uid)
                elif marker is not None and marker.get("series_uid") == layers.series_uid:
                    session.clear_marker(visit_id, lesion_id)
        self.draw_all()
