"""The napari layers of one visit, and what the record says to draw on them.

Rulers and points are kept in the visit's own world coordinates (LPS millimetres re-ordered
per plane, ``image.metadata["world_to_lps"]``); the compare view only shifts how a visit is
drawn (layer affines), never its data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from recist_reader.reading import ReadingSession
from recist_reader.reading.display import lps_to_world, ruler_label

RULER_COLOURS = {"long": "yellow", "short": "cyan", "viable": "magenta"}  # viable: mRECIST
RULER_WIDTH_MM = 1.0


@dataclass
class VisitLayers:
    """The napari layers of one visit."""

    image: Any
    rulers: Any
    new_lesions: Any
    image_affine: np.ndarray | None = None

    def shift_display(self, offset_mm: np.ndarray) -> None:
        """Draw the visit shifted by ``offset_mm`` (world), e.g. to line a lesion up with
        another visit's. Data coordinates, and so every measurement, are unchanged."""
        if self.image_affine is None:
            self.image_affine = np.asarray(self.image.affine.affine_matrix, float)
        shift = np.eye(4)
        shift[:3, 3] = offset_mm
        if not np.allclose(self.rulers.affine.affine_matrix, shift):
            self.image.affine = shift @ self.image_affine
            self.rulers.affine = shift
            self.new_lesions.affine = shift

    def all(self) -> tuple[Any, Any, Any]:
        """The image, rulers and new-lesion layers, in the order they are stacked."""
        return (self.image, self.rulers, self.new_lesions)

    @property
    def series_uid(self) -> str:
        return self.image.metadata["series_uid"]

    @property
    def world_to_lps(self) -> np.ndarray:
        return np.asarray(self.image.metadata["world_to_lps"], float)

    @property
    def world_frame(self) -> tuple[np.ndarray, tuple[str, str, str]]:
        """The world frame the visit is drawn in (rows: LPS unit vectors of the world
        axes) and its axis labels: every visit of a read shares the first one's."""
        return self.world_to_lps[:3, :3].T, tuple(self.image.axis_labels)  # type: ignore[return-value]


def create_visit_layers(
    viewer: Any, visit_id: str, data: Any, image_kwargs: dict[str, Any]
) -> VisitLayers:
    """Add a visit's image, rulers (Shapes) and new lesions (Points) layers to ``viewer``."""
    image = viewer.add_image(data, **image_kwargs)
    rulers = viewer.add_shapes(
        ndim=3,
        name=f"{visit_id} rulers",
        shape_type="line",
        edge_width=RULER_WIDTH_MM,
        edge_color="yellow",
        features={
            "lesion_id": np.array([], dtype=object),
            "axis": np.array([], dtype=object),
            "label": np.array([], dtype=object),
        },
        text={"string": "{label}", "size": 12, "color": "yellow", "anchor": "upper_left"},
        units=image_kwargs["units"],
        axis_labels=image_kwargs["axis_labels"],
    )
    rulers.metadata["recist_visit_id"] = visit_id
    points = viewer.add_points(
        ndim=3,
        name=f"{visit_id} new lesions",
        size=6,
        face_color="red",
        features={"location": np.array([], dtype=object), "equivocal": np.array([], dtype=bool)},
        text={"string": "{location}", "size": 12, "color": "red", "anchor": "upper_left"},
        units=image_kwargs["units"],
        axis_labels=image_kwargs["axis_labels"],
    )
    points.metadata["recist_visit_id"] = visit_id
    return VisitLayers(image, rulers, points)


@dataclass(frozen=True)
class DrawnRuler:
    """One line of a rulers layer, as the record says it should be drawn."""

    line_world: np.ndarray
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
                    lps_to_world(ruler.points_lps_mm, layers.world_to_lps),
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
            np.asarray(line).shape == d.line_world.shape
            and np.allclose(line, d.line_world, atol=1e-6)
            for line, d in zip(layer.data, drawn)
        )
        if moved:  # the same rulers elsewhere: colours, widths and features are kept
            layer.data = [d.line_world for d in drawn]
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
            [d.line_world for d in drawn],
            shape_type="line",
            edge_color=[RULER_COLOURS[d.axis] for d in drawn],
            edge_width=RULER_WIDTH_MM,
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
    """The record's new lesions of a visit on this visit's series: world points (n, 3),
    locations and equivocal flags."""
    points, locations, equivocal = [], [], []
    for entry in session.visit(visit_id)["new_lesions"]:
        if entry.get("point_lps_mm") and entry.get("series_uid") == layers.series_uid:
            points.append(lps_to_world([entry["point_lps_mm"]], layers.world_to_lps)[0])
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
