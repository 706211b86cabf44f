"""The napari layers of one visit, and drawing the record's rulers and new lesions on them.

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

RULER_COLOURS = {"long": "yellow", "short": "cyan"}
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

    @property
    def series_uid(self) -> str:
        return self.image.metadata["series_uid"]

    @property
    def world_to_lps(self) -> np.ndarray:
        return np.asarray(self.image.metadata["world_to_lps"], float)


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


def draw_rulers(layers: VisitLayers, session: ReadingSession, visit_id: str) -> None:
    """Replace the rulers layer's lines by the record's rulers on this visit's series."""
    lines, lesion_ids, axes, labels, colours = [], [], [], [], []
    for lesion in session.lesions("target"):
        for axis in ("long", "short"):
            ruler = session.ruler(visit_id, lesion["lesion_id"], axis=axis)  # type: ignore[arg-type]
            if ruler is None or ruler.series_uid != layers.series_uid:
                continue
            lines.append(lps_to_world(ruler.points_lps_mm, layers.world_to_lps))
            lesion_ids.append(lesion["lesion_id"])
            axes.append(axis)
            labels.append(ruler_label(lesion, axis, ruler.length_mm))
            colours.append(RULER_COLOURS[axis])
    layers.rulers.selected_data = set()
    layers.rulers.data = []
    if lines:
        layers.rulers.add(lines, shape_type="line", edge_color=colours, edge_width=RULER_WIDTH_MM)
    layers.rulers.features = {
        "lesion_id": np.array(lesion_ids, dtype=object),
        "axis": np.array(axes, dtype=object),
        "label": np.array(labels, dtype=object),
    }
    layers.rulers.refresh_text()


def draw_new_lesions(layers: VisitLayers, session: ReadingSession, visit_id: str) -> None:
    """Replace the new-lesion points by the record's (equivocal ones in orange)."""
    points, locations, equivocal = [], [], []
    for entry in session.visit(visit_id)["new_lesions"]:
        if entry.get("point_lps_mm") and entry.get("series_uid") == layers.series_uid:
            points.append(lps_to_world([entry["point_lps_mm"]], layers.world_to_lps)[0])
            locations.append(entry["location"])
            equivocal.append(bool(entry.get("equivocal")))
    layers.new_lesions.data = np.asarray(points, float).reshape(-1, 3)
    layers.new_lesions.features = {
        "location": np.array(locations, dtype=object),
        "equivocal": np.array(equivocal, dtype=bool),
    }
    if points:
        layers.new_lesions.face_color = ["orange" if eq else "red" for eq in equivocal]
    layers.new_lesions.refresh_text()


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
