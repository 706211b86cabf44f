"""The napari layers of one visit, and what the record says to draw on them.

The rulers and new-lesion layers share their image's grid (its scale and affine): their data
are ``(slice, row, column)`` indices of the visit's series, so napari steps one slice at a
time and a line is shown on the slice it was drawn on, exactly as the image is. Every mark
is moved to its nearest acquired slice before it is recorded, in LPS millimetres. The
compare view only shifts how a visit is drawn (layer affines), never its data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from recist_reader.reading import ReadingSession
from recist_reader.reading.display import (
    index_to_lps,
    lps_to_index,
    lps_to_world,
    on_nearest_slice,
    ruler_label,
    world_to_lps,
)
from recist_reader.reading.geometry import Point, Ruler

RULER_COLOURS = {"long": "yellow", "short": "cyan", "viable": "magenta"}  # viable: mRECIST
MARKER_COLOUR = "#40c0ff"
#: "Measure from click" proposals: a colour no ruler has.
PROPOSAL_COLOUR = "#30ff90"
#: Ruler line width, in pixels of the series.
RULER_WIDTH_PX = 1.5


@dataclass
class VisitLayers:
    """The napari layers of one visit."""

    image: Any
    rulers: Any
    new_lesions: Any
    markers: Any
    proposal: Any
    image_affine: np.ndarray | None = None

    def shift_display(self, offset_mm: np.ndarray) -> None:
        """Draw the visit shifted by ``offset_mm`` (world), e.g. to line a lesion up with
        another visit's. Data coordinates, and so every measurement, are unchanged."""
        if self.image_affine is None:
            self.image_affine = np.asarray(self.image.affine.affine_matrix, float)
        shift = np.eye(4)
        shift[:3, 3] = offset_mm
        shifted = shift @ self.image_affine
        if not np.allclose(self.image.affine.affine_matrix, shifted):
            for layer in self.all():
                layer.affine = shifted

    def all(self) -> tuple[Any, ...]:
        """The visit's layers, in the order they are stacked: image, rulers, new lesions,
        non-target markers and the proposal of "Measure from click" (empty but for one)."""
        return (self.image, self.rulers, self.new_lesions, self.markers, self.proposal)

    @property
    def series_uid(self) -> str:
        return self.image.metadata["series_uid"]

    @property
    def world_to_lps(self) -> np.ndarray:
        return np.asarray(self.image.metadata["world_to_lps"], float)

    @property
    def affine_lps(self) -> np.ndarray:
        """Maps ``(slice, row, column, 1)`` of the series (the layers' data) to LPS mm."""
        return np.asarray(self.image.metadata["affine_lps"], float)

    def to_layer(self, points_lps: Any) -> np.ndarray:
        """LPS points (mm) → the layers' data coordinates, (n, 3)."""
        return lps_to_index(points_lps, self.affine_lps)

    def to_lps(self, points_layer: Any) -> list[Point]:
        """Points of the rulers or new-lesions layer → LPS mm, each on its nearest slice."""
        return index_to_lps(on_nearest_slice(np.asarray(points_layer, float)), self.affine_lps)

    def ruler_from_layer(self, line: Any) -> Ruler:
        """The ruler of a line of the rulers layer (its first and last point)."""
        first, second = self.to_lps(np.asarray(line, float)[[0, -1]])
        return Ruler(self.series_uid, (first, second))

    def lps_from_world(self, points_world: Any) -> list[Point]:
        """Points in the visit's (unshifted) world coordinates → LPS mm, each on its nearest
        slice."""
        return self.to_lps(self.to_layer(world_to_lps(points_world, self.world_to_lps)))

    def ruler_from_world(self, line_world: Any) -> Ruler:
        """The ruler of a line given in (unshifted) world coordinates."""
        first, second = self.lps_from_world(np.asarray(line_world, float)[[0, -1]])
        return Ruler(self.series_uid, (first, second))

    @property
    def slice_grid_mm(self) -> tuple[float, float]:
        """World position of the first slice along the slice axis (world axis 0), and the
        step from one slice to the next (mm), as the visit is drawn unshifted."""
        first, second = lps_to_world(
            index_to_lps([[0, 0, 0], [1, 0, 0]], self.affine_lps), self.world_to_lps
        )[:, 0]
        return float(first), float(second - first)

    def nearest_slice_mm(self, position_mm: float) -> float:
        """The world position (along the slice axis) of the slice nearest ``position_mm``."""
        first, step = self.slice_grid_mm
        return first + round((position_mm - first) / step) * step if step else first

    @property
    def world_frame(self) -> tuple[np.ndarray, tuple[str, str, str]]:
        """The world frame the visit is drawn in (rows: LPS unit vectors of the world
        axes) and its axis labels: every visit of a read shares the first one's."""
        return self.world_to_lps[:3, :3].T, tuple(self.image.axis_labels)  # type: ignore[return-value]


def create_visit_layers(
    viewer: Any, visit_id: str, data: Any, image_kwargs: dict[str, Any]
) -> VisitLayers:
    """Add a visit's layers to ``viewer``: image, rulers (Shapes), new lesions and
    non-target markers (Points), proposal (Shapes)."""
    image = viewer.add_image(data, **image_kwargs)
    grid = {key: image_kwargs[key] for key in ("scale", "affine", "units", "axis_labels")}
    rulers = viewer.add_shapes(
        ndim=3,
        name=f"{visit_id} rulers",
        shape_type="line",
        edge_width=RULER_WIDTH_PX,
        edge_color="yellow",
        features={
            "lesion_id": np.array([], dtype=object),
            "axis": np.array([], dtype=object),
            "label": np.array([], dtype=object),
        },
        text={"string": "{label}", "size": 12, "color": "yellow", "anchor": "upper_left"},
        **grid,
    )
    rulers.metadata["recist_visit_id"] = visit_id
    points = viewer.add_points(
        ndim=3,
        name=f"{visit_id} new lesions",
        size=6,
        face_color="red",
        features={"location": np.array([], dtype=object), "equivocal": np.array([], dtype=bool)},
        text={"string": "{location}", "size": 12, "color": "red", "anchor": "upper_left"},
        **grid,
    )
    points.metadata["recist_visit_id"] = visit_id
    markers = viewer.add_points(
        ndim=3,
        name=f"{visit_id} non-targets",
        size=5,
        symbol="cross",
        face_color=MARKER_COLOUR,
        border_color=MARKER_COLOUR,
        features={"lesion_id": np.array([], dtype=object), "label": np.array([], dtype=object)},
        text={"string": "{label}", "size": 12, "color": MARKER_COLOUR, "anchor": "upper_left"},
        **grid,
    )
    markers.metadata["recist_visit_id"] = visit_id
    proposal = viewer.add_shapes(
        ndim=3,
        name=f"{visit_id} proposal",
        edge_color=PROPOSAL_COLOUR,
        face_color="transparent",
        edge_width=RULER_WIDTH_PX,
        **grid,
    )
    proposal.metadata["recist_visit_id"] = visit_id
    return VisitLayers(image, rulers, points, markers, proposal)


@dataclass(frozen=True)
class DrawnRuler:
    """One line of a rulers layer, as the record says it should be drawn."""

    line: np.ndarray
    lesion_id: str
    axis: str
    label: str


def rulers_to_draw(layers: VisitLayers, session: ReadingSession, visit_id: str) -> list[DrawnRuler]:
    """The record's rulers of a visit that lie on this visit's series, in record order (the
    targets', then the tracked new-lesion targets', design.md §7b)."""
    drawn = []
    viable = [  # typical HCCs: their viable-diameter rulers (mRECIST, on the arterial series)
        lesion for lesion in session.lesions() if lesion.get("lesion_type") == "typical_hcc"
    ]
    for lesion, axes in (
        *((lesion, ("long", "short")) for lesion in session.lesions("target")),
        *((lesion, ("long", "short")) for lesion in session.new_lesion_targets()),
        *((lesion, ("viable",)) for lesion in viable),
    ):
        for axis in axes:
            ruler = session.ruler(visit_id, lesion["lesion_id"], axis=axis)  # type: ignore[arg-type]
            if ruler is None or ruler.series_uid != layers.series_uid:
                continue
            drawn.append(
                DrawnRuler(
                    layers.to_layer(ruler.points_lps_mm),
                    lesion["lesion_id"],
                    axis,
                    ruler_label(lesion, axis, ruler.length_mm),
                )
            )
    return drawn


def update_rulers(layers: VisitLayers, drawn: list[DrawnRuler]) -> None:
    """Make the rulers layer show ``drawn``: labels are changed in place when the lines are
    already there (as while an end point is dragged), otherwise the lines are replaced."""
    layer = layers.rulers
    features = layer.features
    same_rulers = (
        len(layer.data) == len(drawn) == len(features)
        and list(features["lesion_id"]) == [d.lesion_id for d in drawn]
        and list(features["axis"]) == [d.axis for d in drawn]
    )
    if same_rulers:
        moved = not all(
            np.asarray(line).shape == d.line.shape and np.allclose(line, d.line, atol=1e-6)
            for line, d in zip(layer.data, drawn)
        )
        if moved:  # the same rulers elsewhere: colours, widths and features are kept
            layer.data = [d.line for d in drawn]
        labels = [d.label for d in drawn]
        if moved or list(features["label"]) != labels:
            column = layer.features.columns.get_loc("label")  # edited in place (napari's way)
            for index, label in enumerate(labels):
                layer.features.iat[index, column] = label
            layer.refresh_text()
        return
    layer.selected_data = set()
    layer.data = []
    if drawn:
        layer.add(
            [d.line for d in drawn],
            shape_type="line",
            edge_color=[RULER_COLOURS[d.axis] for d in drawn],
            edge_width=RULER_WIDTH_PX,
        )
    layer.features = {
        "lesion_id": np.array([d.lesion_id for d in drawn], dtype=object),
        "axis": np.array([d.axis for d in drawn], dtype=object),
        "label": np.array([d.label for d in drawn], dtype=object),
    }
    layer.refresh_text()


def new_lesions_to_draw(
    layers: VisitLayers, session: ReadingSession, visit_id: str
) -> tuple[np.ndarray, list[str], list[bool]]:
    """The record's new lesions of a visit on this visit's series: points in the layer's
    data coordinates (n, 3), locations and equivocal flags."""
    points, locations, equivocal = [], [], []
    for entry in session.visit(visit_id)["new_lesions"]:
        if entry.get("point_lps_mm") and entry.get("series_uid") == layers.series_uid:
            points.append(layers.to_layer([entry["point_lps_mm"]])[0])
            locations.append(entry["location"])
            equivocal.append(bool(entry.get("equivocal")))
    return np.asarray(points, float).reshape(-1, 3), locations, equivocal


def update_new_lesions(
    layers: VisitLayers, points: np.ndarray, locations: list[str], equivocal: list[bool]
) -> None:
    """Make the new-lesions layer show these points (equivocal ones in orange), unless it
    already does."""
    layer = layers.new_lesions
    if (
        len(layer.data) == len(points) == len(layer.features)
        and np.allclose(layer.data, points, atol=1e-6)
        and list(layer.features["location"]) == locations
        and [bool(e) for e in layer.features["equivocal"]] == equivocal
    ):
        return
    layer.data = points
    layer.features = {
        "location": np.array(locations, dtype=object),
        "equivocal": np.array(equivocal, dtype=bool),
    }
    if len(points):
        layer.face_color = ["orange" if eq else "red" for eq in equivocal]
    layer.refresh_text()


def markers_to_draw(
    layers: VisitLayers, session: ReadingSession, visit_id: str
) -> tuple[np.ndarray, list[str], list[str]]:
    """The non-targets marked at a visit on this visit's series: points in the layer's data
    coordinates (n, 3), lesion ids and labels (``NT1 bone``)."""
    points, lesion_ids, labels = [], [], []
    for lesion in session.lesions("non-target"):
        measurement = session.measurement(visit_id, lesion["lesion_id"]) or {}
        marker = measurement.get("marker")
        if marker and marker.get("series_uid") == layers.series_uid:
            points.append(layers.to_layer([marker["point_lps_mm"]])[0])
            lesion_ids.append(lesion["lesion_id"])
            labels.append(f"{lesion['lesion_id']} {lesion['organ']}")
    return np.asarray(points, float).reshape(-1, 3), lesion_ids, labels


def update_markers(
    layers: VisitLayers, points: np.ndarray, lesion_ids: list[str], labels: list[str]
) -> None:
    """Make the markers layer show these points, unless it already does."""
    layer = layers.markers
    if (
        len(layer.data) == len(points) == len(layer.features)
        and np.allclose(layer.data, points, atol=1e-6)
        and list(layer.features["lesion_id"]) == lesion_ids
        and list(layer.features["label"]) == labels
    ):
        return
    layer.selected_data = set()
    layer.data = points
    layer.features = {
        "lesion_id": np.array(lesion_ids, dtype=object),
        "label": np.array(labels, dtype=object),
    }
    layer.refresh_text()


def camera_of(viewer: Any) -> Any:
    """The viewer's camera (``viewer.scene.camera`` since napari 0.9)."""
    scene = getattr(viewer, "scene", None)
    return scene.camera if scene is not None and hasattr(scene, "camera") else viewer.camera


def grid_of(viewer: Any) -> Any:
    """The viewer's grid settings (``viewer.canvas.grid`` since napari 0.9)."""
    canvas = getattr(viewer, "canvas", None)
    return canvas.grid if canvas is not None and hasattr(canvas, "grid") else viewer.grid


def visit_of(event: Any) -> str | None:
    """The visit a layer event comes from (its layer's ``recist_visit_id``)."""
    source = getattr(event, "source", None)
    return getattr(source, "metadata", {}).get("recist_visit_id")
