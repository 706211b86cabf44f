"""Issue 17 on the shared real chest CT (TCIA Lung-PET-CT-Dx A0002, 8 mm slices, a
radiologist's box around the tumour on slices 12-21): a baseline read with real mouse, key
and button events, saved and reopened. Skipped when ../shared is absent."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("napari")
from qtpy.QtCore import Qt  # noqa: E402

from recist_reader._widget import ReadingWidget  # noqa: E402
from recist_reader.io.dicom import CT_WINDOW_PRESETS  # noqa: E402
from recist_reader.reading.display import lps_to_index  # noqa: E402

pytestmark = [pytest.mark.gui, pytest.mark.shared_data]

CLEAR_SLICE, HAZY_SLICE = 12, 15  # where the tumour's boundary is clear / abuts the mediastinum


@pytest.fixture(scope="module")
def lung_ct(shared_dicom_dir):
    """The series folder and the radiologist's box ``(x0, y0, x1, y1)`` per SOP UID."""
    folder = shared_dicom_dir / "ct_chest_lung_tumour"
    boxes = {}
    for path in (folder / "tumour_boxes").glob("*.xml"):
        box = ET.parse(path).getroot().find("object/bndbox")
        boxes[path.stem] = [int(box.find(k).text) for k in ("xmin", "ymin", "xmax", "ymax")]
    return folder / "series", boxes


def shown_slice(widget):
    layers = widget.visit_layers[widget.current_visit_id]
    return int(round(layers.image.world_to_data(widget.viewer.dims.point)[0]))


def step_to_slice(widget, canvas, index):
    """Arrow keys until the image shows slice ``index``, as a reader does."""
    for _ in range(60):
        here = shown_slice(widget)
        if here == index:
            return
        canvas.key(Qt.Key.Key_Right if here < index else Qt.Key.Key_Left)
    raise AssertionError(f"slice {index} not reached")


def box_of(widget, boxes, index):
    image = widget.visit_layers["BL"].image
    return boxes[image.metadata["sop_instance_uids"][index]]


def box_centre_world(widget, boxes, index):
    x0, y0, x1, y1 = box_of(widget, boxes, index)
    image = widget.visit_layers["BL"].image
    return np.asarray(image.data_to_world((index, (y0 + y1) / 2, (x0 + x1) / 2)), float)


def propose(widget, canvas, qtbot, world):
    qtbot.mouseClick(widget.lesion_actions.measure_button, Qt.MouseButton.LeftButton)
    canvas.click(world)
    qtbot.waitUntil(lambda: widget.proposals.proposal is not None, timeout=10000)
    return widget.proposals.proposal


def test_a_baseline_read_on_real_ct_saved_and_reopened(
    widget, canvas, lung_ct, qtbot, tmp_path, answer, make_napari_viewer
):
    series, boxes = lung_ct
    viewer = widget.viewer
    qtbot.mouseClick(widget.record_bar.new_button, Qt.MouseButton.LeftButton)
    widget.add_visit_from_series(series)
    image = widget.visit_layers["BL"].image
    spacing = image.metadata["spacing_mm"]
    # B1, B4: the patient and the date come from the DICOM headers, and show.
    assert widget.session.patient_id == image.metadata["patient_id"] != ""
    assert widget.record_bar.patient_id_edit.isReadOnly()
    assert widget.session.baseline_date == dt.date.fromisoformat(image.metadata["study_date"])
    shown = widget.record_bar.baseline_date_edit.date()
    assert (shown.year(), shown.month(), shown.day()) == widget.session.baseline_date.timetuple()[
        :3
    ]
    # B2, point 2: one step is one 8 mm slice.
    assert viewer.dims.range[0].step == pytest.approx(spacing[0])
    # Point 3: the lung window with key 1.
    canvas.key(Qt.Key.Key_1)
    centre, width = CT_WINDOW_PRESETS["lung"]
    assert tuple(image.contrast_limits) == pytest.approx((centre - width / 2, centre + width / 2))

    # Point 5: a click proposes, the reader accepts; it lies between the box's side and
    # diagonal (tests/measure/test_measure_real_ct.py), on the slice shown.
    step_to_slice(widget, canvas, CLEAR_SLICE)
    t1 = widget.add_lesion("target", "lung")
    proposal = propose(widget, canvas, qtbot, box_centre_world(widget, boxes, CLEAR_SLICE))
    assert proposal.doubt is None and widget.session.measurement("BL", t1) is None
    qtbot.mouseClick(widget.lesion_actions.accept_button, Qt.MouseButton.LeftButton)
    measured = widget.session.measurement("BL", t1)
    x0, y0, x1, y1 = box_of(widget, boxes, CLEAR_SLICE)
    side = max((x1 - x0) * spacing[2], (y1 - y0) * spacing[1])
    diagonal = np.hypot((x1 - x0) * spacing[2], (y1 - y0) * spacing[1])
    assert side <= measured["long_axis_mm"] <= diagonal
    affine = image.metadata["affine_lps"]
    for key in ("ruler", "short_axis_ruler"):
        index = lps_to_index(measured[key]["points_lps_mm"], affine)
        assert index[:, 0] == pytest.approx([CLEAR_SLICE, CLEAR_SLICE], abs=1e-6)

    # Where the tumour abuts the mediastinum the proposal is doubtful: it replaces the
    # accepted one only when the reader says so, and stays marked.
    step_to_slice(widget, canvas, HAZY_SLICE)
    proposal = propose(widget, canvas, qtbot, box_centre_world(widget, boxes, HAZY_SLICE))
    assert proposal.doubt is not None
    assert "doubtful" in widget.message_text()
    asked = answer("Replace")
    qtbot.mouseClick(widget.lesion_actions.accept_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "accepted earlier" in asked[0]
    assert widget.session.measurement("BL", t1)["proposal_doubt"] == proposal.doubt
    assert widget.lesions.table.item(0, 5).text() == "warning"

    # Point 7: a non-target marked on the image.
    nt1 = widget.add_lesion("non-target", "mediastinum")
    qtbot.mouseClick(widget.lesion_actions.draw_long_button, Qt.MouseButton.LeftButton)
    x0, y0, x1, y1 = box_of(widget, boxes, HAZY_SLICE)
    canvas.click(np.asarray(image.data_to_world((HAZY_SLICE, (y0 + y1) / 2, x1 + 15)), float))
    assert (
        widget.session.measurement("BL", nt1)["marker"]["series_uid"]
        == image.metadata["series_uid"]
    )

    path = widget.save(tmp_path / "lung.json")
    saved = json.loads(path.read_text())
    assert saved["reader"] == "Dr Test"
    assert saved["visits"][0]["series"][0]["source"] == str(series.resolve())
    assert saved["visits"][0]["series"][0]["window_width"] == width

    # Point 1, 3, 9: reopened elsewhere, the images, the window and the reader come back.
    other_viewer = make_napari_viewer(show=True)
    other = ReadingWidget(other_viewer)
    other_viewer.window.add_dock_widget(other, name="RECIST reading", area="right")
    other.ask = lambda *args: "Discard"
    other.open_record(path)
    assert set(other.visit_layers) == {"BL"}
    reopened = other.visit_layers["BL"]
    assert tuple(reopened.image.contrast_limits) == pytest.approx(tuple(image.contrast_limits))
    assert other.record_bar.reader_edit.text() == "Dr Test"
    assert list(reopened.rulers.features["axis"]) == ["long", "short"]
    assert list(reopened.markers.features["lesion_id"]) == [nt1]
    assert other.session.record == saved and not other.session.dirty
