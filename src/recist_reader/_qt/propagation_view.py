"""Follow-up assist: where each baseline lesion is expected on the follow-up shown, and a
proposal measured there.

On a follow-up registered to the baseline (`FollowUpRegistration`), every target's
baseline ruler is drawn mapped onto the follow-up as a faint guide, with a ring where the
lesion is expected; Go to lands there; Propose runs the click measurement at that point and
draws the result as ordinary rulers to accept or adjust. Without a plausible registration
it says why, and the dock works as without it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qtpy.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from recist_reader._qt.follow_up_registration import FollowUpRegistration
from recist_reader._qt.measure_from_click import MeasureFromClick
from recist_reader._qt.navigation import go_to_lesion
from recist_reader._qt.qt_helpers import set_text
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.visit_layers import grid_of
from recist_reader.reading import ReadingError

GUIDE_COLOUR = "white"
GUIDE_OPACITY = 0.45
MARKER_COLOUR = "orange"
#: The ring around an expected lesion is its baseline long axis plus this (mm) across.
RING_MARGIN_MM = 10.0


class PropagationView(ReadingView):
    """Registration status of the follow-up shown, its guides, and Propose."""

    def __init__(
        self,
        context: ReadingContext,
        registrations: FollowUpRegistration,
        proposals: MeasureFromClick,
        parent: QWidget | None = None,
    ):
        super().__init__(context, parent)
        self.registrations = registrations
        self.proposals = proposals
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.propose_button = QPushButton("Propose")
        self.propose_button.setToolTip(
            "measure the selected target where registration expects it on this follow-up; "
            "the proposal is drawn as rulers to accept or adjust"
        )
        self.propose_button.clicked.connect(lambda: context.guard(self.propose))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.status_label, 1)
        row.addWidget(self.propose_button)
        layout.addLayout(row)
        self.guides: Any = None
        self.markers: Any = None
        self._drawn: tuple | None = None
        registrations.changed.connect(lambda _visit_id: self.refresh())
        grid_of(context.viewer).events.enabled.connect(lambda _event: self.refresh())

    # ------------------------------------------------------------------ actions
    def propose(self) -> Any:
        """Propose the selected target's rulers at its expected position on this follow-up
        (shown for the reader to accept; accepting asks before replacing a ruler)."""
        session = self.context.require_session()
        lesion_id = self.context.require_lesion()
        visit_id = self.context.current_visit_id
        if visit_id is None or visit_id == session.baseline_visit_id:
            raise ReadingError("Propose works on a follow-up: show one first")
        expected = self.registrations.expected_centre_world(visit_id, lesion_id)
        if expected is None:
            raise ReadingError(self._why_no_proposal(visit_id, lesion_id))
        self.context.viewer.dims.set_point(0, float(expected[0]))
        result = self.proposals.measure_at(lesion_id, expected)
        go_to_lesion(self.context, lesion_id)
        return result

    def _why_no_proposal(self, visit_id: str, lesion_id: str) -> str:
        state = self.registrations.state(visit_id)
        if state is None:
            return f"{visit_id} is not registered: open the baseline's series too"
        if state.status == "registering":
            return f"{visit_id} is still being registered to the baseline: try again shortly"
        if state.status == "failed":
            return f"{visit_id} could not be registered ({state.message}): measure by hand"
        if state.registration is not None and not state.registration.plausible:
            return f"{visit_id}: {state.registration.reason}: measure by hand"
        return f"{lesion_id} has no baseline ruler to propagate"

    # ------------------------------------------------------------------ display
    def refresh(self) -> None:
        session, context = self.context.session, self.context
        visit_id = context.current_visit_id
        follow_up = (
            session is not None and visit_id is not None and visit_id != session.baseline_visit_id
        )
        state = self.registrations.state(visit_id) if follow_up else None
        set_text(self.status_label, self._status_text(visit_id, state) if follow_up else "")
        lesion = session.lesion(context.lesion_id) if session and context.lesion_id else None
        self.propose_button.setEnabled(
            bool(
                follow_up
                and state is not None
                and state.usable
                and lesion is not None
                and lesion["kind"] == "target"
            )
        )
        self._draw_guides(visit_id if follow_up and state is not None and state.usable else None)

    def _status_text(self, visit_id: str | None, state: Any) -> str:
        if state is None:
            return f"{visit_id}: open the baseline's series to register this follow-up to it"
        if state.status == "registering":
            return f"{visit_id}: registering to the baseline…"
        if state.status == "failed":
            return f"{visit_id}: registration failed ({state.message}); find lesions by hand"
        registration = state.registration
        if not registration.plausible:
            return f"{visit_id}: {registration.reason}; find lesions by hand"
        return (
            f"{visit_id}: registered to the baseline ({registration.method}); rings show where "
            "each target is expected"
        )

    def _draw_guides(self, visit_id: str | None) -> None:
        """The baseline rulers mapped onto the follow-up, and a ring at each centre; not
        while visits are compared side by side (the grid puts every layer stride in a pane
        of its own, so these would make a third, empty pane)."""
        viewer = self.context.viewer
        if grid_of(viewer).enabled:
            for layer in (self.guides, self.markers):
                if layer is not None and layer in viewer.layers:
                    viewer.layers.remove(layer)
            self._drawn = None
            return
        lines, centres, sizes, labels = [], [], [], []
        layers = self.context.visit_layers.get(visit_id) if visit_id else None
        session = self.context.session
        if layers is not None and session is not None:
            for lesion in session.lesions("target"):
                line = self.registrations.expected_ruler_world(visit_id, lesion["lesion_id"])
                if line is None:
                    continue
                lines.append(line)
                centres.append(line.mean(axis=0))
                # A ring around the lesion's expected extent, with room for the registration.
                sizes.append(float(np.linalg.norm(line[1] - line[0])) + RING_MARGIN_MM)
                labels.append(lesion["lesion_id"])
        affine = (
            np.asarray(layers.rulers.affine.affine_matrix, float) if layers is not None else None
        )
        key = (
            visit_id,
            tuple(labels),
            tuple(np.round(np.ravel(lines), 3)),
            None if affine is None else tuple(np.round(affine.ravel(), 3)),
        )
        if key == self._drawn:
            return
        self._drawn = key
        if not lines:
            for layer in (self.guides, self.markers):
                if layer is not None and layer in self.context.viewer.layers:
                    layer.visible = False
            return
        self._ensure_layers(layers)
        # On the visit's own grid (its scale, one step = one slice), each guide and ring on
        # the slice nearest its expected centre: a layer in plain millimetres would make
        # napari step 1 mm at a time and draw the rulers between slices (issue 17, B2).
        rulers = layers.rulers

        def to_data(points: Any) -> np.ndarray:
            return np.array([rulers.world_to_data(point) for point in np.asarray(points)], float)

        guide_lines = []
        for line in lines:
            index = to_data(line)
            index[:, 0] = round(float(index[:, 0].mean()))
            guide_lines.append(index)
        ring_centres = to_data(centres)
        ring_centres[:, 0] = np.round(ring_centres[:, 0])
        scale = np.asarray(rulers.scale, float)
        for layer in (self.guides, self.markers):
            layer.scale = scale
            layer.translate = rulers.translate
            layer.affine = affine
        self.guides.data = []
        self.guides.add(
            guide_lines,
            shape_type="line",
            edge_color=GUIDE_COLOUR,
            edge_width=0.6,
        )
        self.markers.data = ring_centres
        self.markers.size = np.asarray(sizes) / float(scale[-1])  # data units: in-plane pixels
        self.markers.features = {"lesion_id": np.array(labels, dtype=object)}
        self.markers.refresh_text()
        for layer in (self.guides, self.markers):
            layer.visible = True

    def _ensure_layers(self, layers: Any) -> None:
        viewer = self.context.viewer
        # A registration may finish while the reader is editing: the layers added for it
        # must not take the reader's active layer, its mode or its selected ruler.
        active = viewer.layers.selection.active
        selected = set(getattr(active, "selected_data", ()) or ())
        for layer in (self.guides, self.markers):  # back after a side-by-side comparison
            if layer is not None and layer not in viewer.layers:
                viewer.layers.append(layer)
        kwargs = {
            "units": layers.image.units,
            "axis_labels": layers.image.axis_labels,
            "scale": layers.rulers.scale,
            "affine": layers.rulers.affine,
        }
        if self.guides is None or self.guides not in viewer.layers:
            self.guides = viewer.add_shapes(
                ndim=3,
                name="expected (baseline rulers)",
                shape_type="line",
                edge_color=GUIDE_COLOUR,
                opacity=GUIDE_OPACITY,
                **kwargs,
            )
        if self.markers is None or self.markers not in viewer.layers:
            self.markers = viewer.add_points(
                ndim=3,
                name="expected lesions",
                symbol="disc",
                size=10,
                face_color="transparent",
                border_color=MARKER_COLOUR,
                border_width=0.05,
                border_width_is_relative=True,
                features={"lesion_id": np.array([], dtype=object)},
                text={
                    "string": "{lesion_id}?",
                    "size": 11,
                    "color": MARKER_COLOUR,
                    "anchor": "upper_left",
                },
                **kwargs,
            )
        # Guides are for looking, not editing: keep the reader's tools on the rulers layer.
        for layer in (self.guides, self.markers):
            layer.editable = False
        if viewer.layers.selection.active is not (active or layers.rulers):
            viewer.layers.selection.active = active if active is not None else layers.rulers
            if active is not None and selected and hasattr(active, "selected_data"):
                active.selected_data = selected
