"""New lesions at the visit shown: marked as points on the image, listed with their location.

The view also keeps each visit's new-lesions layer and the record the same, both ways.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from qtpy.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from recist_reader._qt.qt_helpers import set_list_items
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.visit_layers import new_lesions_to_draw, update_new_lesions, visit_of
from recist_reader.reading import ReadingError
from recist_reader.reading.display import new_lesion_entries, world_to_lps


class NewLesionsView(ReadingView):
    """Location, equivocal, "Mark on image", the visit's list of new lesions."""

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self._syncing = False
        self._connected: set[int] = set()
        self.location_edit = QLineEdit()
        self.location_edit.setPlaceholderText("location, e.g. lung, right lower lobe")
        self.equivocal_check = QCheckBox("equivocal")
        self.mark_button = QPushButton("Mark on image")
        self.mark_button.clicked.connect(lambda: context.guard(self.start_new_lesion))
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(lambda: context.guard(self._on_remove_clicked))
        self.list = QListWidget()
        self.list.setMaximumHeight(70)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.location_edit)
        row = QHBoxLayout()
        for control in (self.equivocal_check, self.mark_button, self.remove_button):
            row.addWidget(control)
        layout.addLayout(row)
        layout.addWidget(self.list)
        context.layers_changed.connect(self._connect_layers)

    # ------------------------------------------------------------------ actions
    def start_new_lesion(self) -> None:
        """Let the reader click the new lesion on the current visit's image."""
        location = self.location_edit.text().strip()
        if not location:
            raise ReadingError("type the new lesion's location first")
        session = self.context.require_session()
        layers = self.context.require_visit_layers()
        if self.context.current_visit_id == session.baseline_visit_id:
            raise ReadingError("new lesions cannot be recorded at baseline (R3.4)")
        layers.new_lesions.feature_defaults = {
            "location": location,
            "equivocal": self.equivocal_check.isChecked(),
        }
        self.context.viewer.layers.selection.active = layers.new_lesions
        layers.new_lesions.mode = "add"
        self.context.show_message(f"click the new lesion ({location}) on the image")

    def add_new_lesion_at(
        self, location: str, point_world: Any, *, equivocal: bool = False
    ) -> None:
        """Record a new lesion at a world point of the current visit's image."""
        session = self.context.require_session()
        layers = self.context.require_visit_layers()
        assert self.context.current_visit_id is not None
        session.add_new_lesion(
            self.context.current_visit_id,
            location,
            equivocal=equivocal,
            point_lps_mm=world_to_lps([np.asarray(point_world, float)], layers.world_to_lps)[0],
            series_uid=layers.series_uid,
        )

    def _on_remove_clicked(self) -> None:
        session = self.context.require_session()
        row = self.list.currentRow()
        if row < 0:
            raise ReadingError("select a new lesion in the list first")
        assert self.context.current_visit_id is not None
        session.remove_new_lesion(self.context.current_visit_id, row)

    # ------------------------------------------------------------------ record -> view
    def refresh(self) -> None:
        session, visit_id = self.context.session, self.context.current_visit_id
        has_visit = session is not None and visit_id is not None
        self.mark_button.setEnabled(has_visit)
        self.remove_button.setEnabled(has_visit)
        if session is None:
            return
        set_list_items(self.list, new_lesion_entries(session, visit_id))
        if self._syncing:
            return  # the layer is being copied into the record: it is right already
        with self._quietly():
            for visit, layers in self.context.visit_layers.items():
                update_new_lesions(layers, *new_lesions_to_draw(layers, session, visit))

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        previous, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = previous

    # ------------------------------------------------------------------ layer -> record
    def _connect_layers(self) -> None:
        for layers in self.context.visit_layers.values():
            if id(layers.new_lesions) not in self._connected:
                self._connected.add(id(layers.new_lesions))
                layers.new_lesions.events.data.connect(self._on_points_data)

    def _on_points_data(self, event: Any) -> None:
        visit_id = visit_of(event)
        session = self.context.session
        if self._syncing or session is None or visit_id not in self.context.visit_layers:
            return
        action = str(getattr(event, "action", ""))
        layers = self.context.visit_layers[visit_id]
        if action.endswith("added"):
            layer = layers.new_lesions
            index = len(layer.data) - 1
            location = str(layer.features["location"].iloc[index]) if index >= 0 else ""
            equivocal = bool(layer.features["equivocal"].iloc[index]) if index >= 0 else False
            point = world_to_lps([layer.data[index]], layers.world_to_lps)[0]
            layer.mode = "pan_zoom"
            if (
                self.context.guard(
                    session.add_new_lesion,
                    visit_id,
                    location,
                    equivocal=equivocal,
                    point_lps_mm=point,
                    series_uid=layers.series_uid,
                )
                is None
            ):
                self.refresh()  # refused: take the point off again
        elif action.endswith("removed") or action.endswith("changed"):
            self.context.guard(self._sync_from_layer, visit_id)

    def _sync_from_layer(self, visit_id: str) -> None:
        """Mirror moved or deleted points into the record (points keep the record's order)."""
        session = self.context.require_session()
        layers = self.context.visit_layers[visit_id]
        listed = session.visit(visit_id)["new_lesions"]
        features = layers.new_lesions.features
        kept = list(zip(layers.new_lesions.data, features["location"], features["equivocal"]))
        with self._quietly():
            for index in reversed(range(len(listed))):
                session.remove_new_lesion(visit_id, index)
            for point, location, equivocal in kept:
                session.add_new_lesion(
                    visit_id,
                    str(location),
                    equivocal=bool(equivocal),
                    point_lps_mm=world_to_lps([point], layers.world_to_lps)[0],
                    series_uid=layers.series_uid,
                )
        self.refresh()
