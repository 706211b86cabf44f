"""Issue 17, defects B1-B5: each reproduced as the radiologist met it, with real mouse, key
and dialog events in napari, on phantoms of known geometry (5 mm slices)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

pytest.importorskip("napari")
from qtpy.QtCore import Qt  # noqa: E402

from recist_reader._widget import ReadingWidget  # noqa: E402
from recist_reader.reading import ReadingSession, Ruler  # noqa: E402
from recist_reader.reading.display import lps_to_world  # noqa: E402

pytestmark = pytest.mark.gui

SLICE_MM = 5.0  # the slices of the `patients` phantoms (conftest.py)


def folder_of(visit):
    return visit.series.paths[0].parent


def world_ends(widget, visit_id, endpoints_lps):
    return lps_to_world(endpoints_lps, widget.visit_layers[visit_id].world_to_lps)


def saved_record_of_a(patients, path):
    """Patient A's read saved by an earlier session: T1 measured at baseline."""
    bl = patients["A"]["BL"]
    session = ReadingSession.new("PHANTOM001", "2024-01-10", reader="Dr A")
    session.add_series("BL", {"series_uid": bl.series.series_uid})
    t1 = session.add_lesion("target", "liver")
    session.set_ruler("BL", t1, Ruler(bl.series.series_uid, bl.truths["T1"].long_axis_endpoints_mm))
    return session.save(path)


# ------------------------------------------------------------------ B1 wrong-patient save
def test_b1_typing_another_id_then_new_never_saves_a_patient_under_another_id(
    widget, patients, tmp_path, qtbot, answer
):
    path = saved_record_of_a(patients, tmp_path / "PHANTOM001.json")
    widget.open_record(path, series_folder=folder_of(patients["A"]["BL"]))
    widget.add_lesion("non-target", "bone")  # a change the reader wants kept
    edit = widget.record_bar.patient_id_edit
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, "PHANTOM002")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    asked = answer("Save")

    qtbot.mouseClick(widget.record_bar.new_button, Qt.MouseButton.LeftButton)

    saved = json.loads(path.read_text())
    assert saved["patient_id"] == "PHANTOM001"
    assert [lesion["lesion_id"] for lesion in saved["lesions"]] == ["T1", "NT1"]
    assert asked == ["The record of PHANTOM001 has changes that are not saved."]
    assert widget.session.patient_id not in ("PHANTOM001", "PHANTOM002")
    assert widget.session.lesions() == [] and widget.session.path is None


def test_b1_the_patient_id_comes_from_dicom_and_another_patients_series_is_refused(
    widget, patients, qtbot, answer
):
    qtbot.mouseClick(widget.record_bar.new_button, Qt.MouseButton.LeftButton)
    assert not widget.record_bar.patient_id_edit.isReadOnly()  # a new, empty record
    widget.add_visit_from_series(folder_of(patients["A"]["BL"]))
    assert widget.session.patient_id == "PHANTOM001"
    assert widget.record_bar.patient_id_edit.text() == "PHANTOM001"
    assert widget.record_bar.patient_id_edit.isReadOnly()
    asked = answer("Cancel")
    widget.context.guard(widget.add_visit_from_series, folder_of(patients["B"]["BL"]))
    assert len(asked) == 1 and "PHANTOM002" in asked[0] and "PHANTOM001" in asked[0]
    assert [v["visit_id"] for v in widget.session.visits()] == ["BL"]
    assert "not added" in widget.message_text()


def test_b1_rename_is_explicit_and_says_what_happens_to_the_file(
    widget, patients, tmp_path, qtbot, answer
):
    path = saved_record_of_a(patients, tmp_path / "PHANTOM001.json")
    widget.open_record(path, series_folder=folder_of(patients["A"]["BL"]))
    asked = answer("PHANTOM001-CORRECTED", "Cancel")
    qtbot.mouseClick(widget.record_bar.rename_button, Qt.MouseButton.LeftButton)
    assert widget.session.patient_id == "PHANTOM001" and not widget.session.dirty
    assert len(asked) == 2 and path.name in asked[1]
    answer("PHANTOM001-CORRECTED", "Rename")
    qtbot.mouseClick(widget.record_bar.rename_button, Qt.MouseButton.LeftButton)
    assert widget.session.patient_id == "PHANTOM001-CORRECTED"
    assert widget.record_bar.patient_id_edit.text() == "PHANTOM001-CORRECTED"
    widget.save()
    assert json.loads(path.read_text())["patient_id"] == "PHANTOM001-CORRECTED"


# ------------------------------------------------------------------ B2 rulers between slices
def slice_positions(widget, visit_id):
    """World position along the slice axis of every slice of a visit's series."""
    layers = widget.visit_layers[visit_id]
    n = layers.image.data.shape[0]
    index = np.c_[np.arange(n), np.zeros((n, 2)), np.ones(n)]
    lps = index @ np.asarray(layers.image.metadata["affine_lps"], float).T
    return lps_to_world(lps[:, :3], layers.world_to_lps)[:, 0]


def on_a_slice(value, positions):
    return np.min(np.abs(np.asarray(positions) - value)) < 1e-6


def yellow_pixels(viewer):
    """Pixels of the canvas drawn in the rulers' yellow."""
    shot = viewer.screenshot(canvas_only=True, flash=False)
    r, g, b = (shot[..., i].astype(int) for i in range(3))
    return int(np.sum((r > 200) & (g > 200) & (b < 80)))


def proposal_pixels(viewer):
    """Pixels of the canvas drawn in the proposals' green (#30ff90)."""
    shot = viewer.screenshot(canvas_only=True, flash=False)
    r, g, b = (shot[..., i].astype(int) for i in range(3))
    return int(np.sum((r < 100) & (g > 200) & (b > 100) & (b < 180)))


def test_b2_one_step_is_one_slice_and_a_drawn_ruler_lies_on_the_slice_shown(
    widget, canvas, patients, qtbot
):
    viewer = widget.viewer
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(patients["A"]["BL"]))
    positions = slice_positions(widget, "BL")
    assert viewer.dims.range[0].step == pytest.approx(SLICE_MM)
    truth = patients["A"]["BL"].truths["T1"]
    ends = world_ends(widget, "BL", truth.long_axis_endpoints_mm)
    viewer.dims.set_point(0, float(positions[np.argmin(abs(positions - ends[0][0]))]))
    seen = [viewer.dims.point[0]]
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Left):
        canvas.key(key)
        seen.append(viewer.dims.point[0])
    assert np.diff(seen) == pytest.approx([SLICE_MM, SLICE_MM, -SLICE_MM])
    assert all(on_a_slice(z, positions) for z in seen)
    # A ruler drawn where the view is: on that slice, and still there one step away and back.
    t1 = widget.add_lesion("target", "liver")
    widget.select_lesion(t1)
    qtbot.mouseClick(widget.lesion_actions.draw_long_button, Qt.MouseButton.LeftButton)
    canvas.drag(ends[0], ends[1])
    ruler = widget.session.ruler("BL", t1)
    drawn_z = lps_to_world(ruler.points_lps_mm, widget.visit_layers["BL"].world_to_lps)[:, 0]
    assert drawn_z == pytest.approx([viewer.dims.point[0]] * 2, abs=1e-6)
    before = yellow_pixels(viewer)
    canvas.key(Qt.Key.Key_Right)
    assert yellow_pixels(viewer) < before  # not drawn on the next slice
    canvas.key(Qt.Key.Key_Left)
    assert yellow_pixels(viewer) == before


def test_b2_a_ruler_drawn_between_slices_is_saved_on_the_slice_shown(
    widget, canvas, patients, qtbot
):
    viewer = widget.viewer
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(patients["A"]["BL"]))
    positions = slice_positions(widget, "BL")
    truth = patients["A"]["BL"].truths["T1"]
    ends = world_ends(widget, "BL", truth.long_axis_endpoints_mm)
    nearest = float(positions[np.argmin(abs(positions - ends[0][0]))])
    viewer.dims.set_point(0, nearest + 2.0)  # e.g. a position set by a script or a link
    t1 = widget.add_lesion("target", "liver")
    widget.select_lesion(t1)
    qtbot.mouseClick(widget.lesion_actions.draw_long_button, Qt.MouseButton.LeftButton)
    canvas.drag(ends[0], ends[1])
    ruler = widget.session.ruler("BL", t1)
    drawn_z = lps_to_world(ruler.points_lps_mm, widget.visit_layers["BL"].world_to_lps)[:, 0]
    assert drawn_z == pytest.approx([nearest, nearest], abs=1e-6)  # the slice the image shows


def test_b2_a_follow_up_on_another_slice_grid_steps_through_its_own_slices(
    widget, canvas, patients, qtbot
):
    viewer = widget.viewer
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(patients["A"]["BL"]))
    widget.add_visit_from_series(folder_of(patients["A"]["W16"]))
    widget.select_visit("W16")
    positions = slice_positions(widget, "W16")
    assert not on_a_slice(positions[0], slice_positions(widget, "BL"))  # 2 mm apart
    assert viewer.dims.range[0].step == pytest.approx(SLICE_MM)
    canvas.key(Qt.Key.Key_Right)
    canvas.key(Qt.Key.Key_Right)
    assert on_a_slice(viewer.dims.point[0], positions)


def test_b2_a_click_proposal_is_drawn_on_the_slice_shown(widget, canvas, patients, qtbot):
    viewer = widget.viewer
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(patients["A"]["BL"]))
    truth = patients["A"]["BL"].truths["T1"]
    centre = world_ends(widget, "BL", truth.long_axis_endpoints_mm).mean(axis=0)
    for _ in range(
        len(widget.visit_layers["BL"].image.data)
    ):  # step to the lesion's slice, as a reader does
        if viewer.dims.point[0] >= centre[0] - SLICE_MM / 2:
            break
        canvas.key(Qt.Key.Key_Right)
    t1 = widget.add_lesion("target", "liver")
    widget.select_lesion(t1)
    empty = yellow_pixels(viewer)
    no_proposal = proposal_pixels(viewer)
    qtbot.mouseClick(widget.lesion_actions.measure_button, Qt.MouseButton.LeftButton)
    canvas.click(centre)
    qtbot.waitUntil(lambda: proposal_pixels(viewer) > no_proposal + 20, timeout=5000)  # shown
    qtbot.mouseClick(widget.lesion_actions.accept_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: yellow_pixels(viewer) > empty + 20, timeout=5000)
    assert proposal_pixels(viewer) <= no_proposal + 8  # gone (a few anti-aliased ruler pixels)


# ------------------------------------------------------------------ B3 re-attach a follow-up
def test_b3_a_follow_up_series_is_attached_again_after_opening_elsewhere(
    widget, patients, tmp_path, make_napari_viewer
):
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(patients["A"]["BL"]))
    widget.add_visit_from_series(folder_of(patients["A"]["W8"]))
    t1 = widget.add_lesion("target", "liver")
    truth = patients["A"]["W8"].truths["T1"]
    widget.set_ruler_from_world(t1, world_ends(widget, "W8", truth.long_axis_endpoints_mm))
    path = widget.save(tmp_path / "a.json")

    other = ReadingWidget(make_napari_viewer(show=True))
    other.ask = lambda *args: "Discard"
    other.open_record(path, series_folder=tmp_path)  # the images are elsewhere
    assert other.visit_layers == {}
    assert other.add_visit_from_series(folder_of(patients["A"]["W8"])) == "W8"
    assert other.add_visit_from_series(folder_of(patients["A"]["BL"])) == "BL"
    assert [v["visit_id"] for v in other.session.visits()] == ["BL", "W8"]
    assert other.session.record == widget.session.record | {
        "visits": other.session.record["visits"]
    }
    assert list(other.visit_layers["W8"].rulers.features["lesion_id"]) == [t1]


# ------------------------------------------------------------------ B4 baseline date box
def test_b4_the_baseline_date_box_shows_the_date_the_baseline_series_set(widget, patients, qtbot):
    qtbot.mouseClick(widget.record_bar.new_button, Qt.MouseButton.LeftButton)
    widget.add_visit_from_series(folder_of(patients["A"]["BL"]))
    assert widget.session.baseline_date == dt.date(2024, 1, 10)
    shown = widget.record_bar.baseline_date_edit.date()
    assert (shown.year(), shown.month(), shown.day()) == (2024, 1, 10)


# ------------------------------------------------------------------ B5 leftover short axis
def test_b5_a_manual_long_axis_drops_the_proposals_short_axis(widget, canvas, patients, qtbot):
    viewer = widget.viewer
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(patients["A"]["BL"]))
    truth = patients["A"]["BL"].truths["T1"]
    ends = world_ends(widget, "BL", truth.long_axis_endpoints_mm)
    viewer.dims.set_point(0, float(ends[0][0]))
    t1 = widget.add_lesion("target", "liver")
    widget.select_lesion(t1)
    qtbot.mouseClick(widget.lesion_actions.measure_button, Qt.MouseButton.LeftButton)
    canvas.click(ends.mean(axis=0))
    qtbot.waitUntil(lambda: widget.proposals.proposal is not None, timeout=5000)
    qtbot.mouseClick(widget.lesion_actions.accept_button, Qt.MouseButton.LeftButton)
    assert "short_axis_ruler" in widget.session.measurement("BL", t1)
    qtbot.mouseClick(widget.lesion_actions.draw_long_button, Qt.MouseButton.LeftButton)
    canvas.drag(ends[0] + [0, 1.0, 0], ends[1] - [0, 1.0, 0])
    measured = widget.session.measurement("BL", t1)
    assert measured["method"] == "manual"
    assert "short_axis_ruler" not in measured and "short_axis_mm" not in measured
    assert "rulers_not_perpendicular" not in [c.code for c in widget.session.checks()]
    assert list(widget.visit_layers["BL"].rulers.features["axis"]) == ["long"]
