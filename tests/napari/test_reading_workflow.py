"""Issue 17, "the read as a radiologist needs it", points 1-9 on phantoms of known geometry
(5 mm slices), with real mouse, key and dialog events in napari."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("napari")
from qtpy.QtCore import QDate, Qt, QTimer  # noqa: E402
from qtpy.QtWidgets import QApplication, QDialogButtonBox, QScrollArea  # noqa: E402

from recist_reader._widget import ReadingWidget  # noqa: E402
from recist_reader.io.dicom import CT_WINDOW_PRESETS  # noqa: E402
from recist_reader.reading.display import lps_to_world  # noqa: E402

pytestmark = pytest.mark.gui


def folder_of(visit):
    return visit.series.paths[0].parent


def world_ends(widget, visit_id, endpoints_lps):
    return lps_to_world(endpoints_lps, widget.visit_layers[visit_id].world_to_lps)


def window_of(preset):
    centre, width = CT_WINDOW_PRESETS[preset]
    return (centre - width / 2, centre + width / 2)


def read_two_visits(widget, patients, tmp_path):
    """Baseline and W8 of patient A, T1 measured at both, saved in ``tmp_path``."""
    a = patients["A"]
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(a["BL"]))
    widget.add_visit_from_series(folder_of(a["W8"]))
    t1 = widget.add_lesion("target", "liver")
    for visit_id in ("BL", "W8"):
        widget.select_visit(visit_id)
        ends = world_ends(widget, visit_id, a[visit_id].truths["T1"].long_axis_endpoints_mm)
        widget.set_ruler_from_world(t1, ends)
    (tmp_path / "records").mkdir(exist_ok=True)
    return widget.save(tmp_path / "records" / "PHANTOM001.json")


def reopened(make_napari_viewer, path, **kwargs):
    """``path`` opened in a new viewer's reading dock."""
    viewer = make_napari_viewer(show=True)
    other = ReadingWidget(viewer)
    viewer.window.add_dock_widget(other, name="RECIST reading", area="right")
    other.ask = lambda *args: "Discard"
    other.open_record(path, **kwargs)
    return other


# ------------------------------------------------------------------ 1. reopening finds images
def test_1_a_reopened_read_finds_its_images_where_they_were_read(
    widget, patients, tmp_path, make_napari_viewer
):
    path = read_two_visits(widget, patients, tmp_path)
    saved = json.loads(path.read_text())
    sources = [visit["series"][0]["source"] for visit in saved["visits"]]
    assert sources == [str(folder_of(patients["A"][v]).resolve()) for v in ("BL", "W8")]
    moved = tmp_path / "elsewhere" / path.name
    moved.parent.mkdir()
    shutil.move(path, moved)  # the record alone moves: its images stay where they were
    other = reopened(make_napari_viewer, moved)
    assert set(other.visit_layers) == {"BL", "W8"}
    assert other.session.record == saved and not other.session.dirty


def test_1_a_visit_whose_images_moved_is_located_by_its_series_uid(
    widget, patients, tmp_path, qtbot, make_napari_viewer, file_dialog
):
    path = read_two_visits(widget, patients, tmp_path)
    new_place = tmp_path / "archive" / "W8 again"
    shutil.copytree(folder_of(patients["A"]["W8"]), new_place)
    record = json.loads(path.read_text())
    record["visits"][1]["series"][0]["source"] = str(tmp_path / "gone")  # moved away
    path.write_text(json.dumps(record))
    other = reopened(make_napari_viewer, path)
    assert set(other.visit_layers) == {"BL"}
    assert "Locate series" in other.message_text() and "W8" in other.message_text()
    labels = [other.visits.list.item(i).text() for i in range(other.visits.list.count())]
    assert "no images" in labels[1]
    rect = other.visits.list.visualItemRect(other.visits.list.item(1))
    qtbot.mouseClick(other.visits.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert other.current_visit_id == "W8" and other.visits.locate_button.isVisibleTo(other)
    chosen = []

    def choose_folder():
        dialog = QApplication.activeModalWidget()
        chosen.append(dialog.windowTitle())
        file_dialog.choose(dialog, new_place)

    QTimer.singleShot(300, choose_folder)
    qtbot.mouseClick(other.visits.locate_button, Qt.MouseButton.LeftButton)
    assert chosen == ["Folder of W8's series"]
    assert set(other.visit_layers) == {"BL", "W8"}
    assert other.session.visit("W8")["series"][0]["source"] == str(new_place.resolve())
    assert list(other.visit_layers["W8"].rulers.features["lesion_id"]) == ["T1"]
    assert not other.visits.locate_button.isVisibleTo(other)


def test_1_an_older_record_finds_its_images_beside_it(
    widget, patients, tmp_path, make_napari_viewer
):
    path = read_two_visits(widget, patients, tmp_path)
    record = json.loads(path.read_text())
    for visit in record["visits"]:
        for entry in visit["series"]:
            del entry["source"]  # as saved before sources were kept
    beside = folder_of(patients["A"]["BL"]).parent / "older.json"
    beside.write_text(json.dumps(record))
    other = reopened(make_napari_viewer, beside)
    assert set(other.visit_layers) == {"BL", "W8"}
    assert other.session.record == record  # opened unchanged


# ------------------------------------------------------------------ 2. one slice per step
def test_2_a_wheel_notch_an_arrow_key_and_the_slider_each_step_one_slice(
    widget, canvas, patients, qtbot
):
    viewer = widget.viewer
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(patients["A"]["BL"]))
    start = viewer.dims.current_step[0]
    canvas.wheel(1, modifier=Qt.KeyboardModifier.ControlModifier)  # napari: Ctrl+wheel
    after_wheel = viewer.dims.current_step[0]
    canvas.key(Qt.Key.Key_Right)
    after_key = viewer.dims.current_step[0]
    slider = viewer.window._qt_viewer.dims.slider_widgets[0].slider
    slider.setValue(slider.value() + 1)  # what a click on the slider's step arrow does
    after_slider = viewer.dims.current_step[0]
    assert abs(after_wheel - start) == 1
    assert abs(after_key - after_wheel) == 1 and abs(after_slider - after_key) == 1
    assert viewer.dims.nsteps[0] == len(widget.visit_layers["BL"].image.data)


# ------------------------------------------------------------------ 3. window presets
def test_3_window_presets_by_key_and_button_kept_per_visit_linked_in_compare(
    widget, canvas, patients, tmp_path, qtbot, make_napari_viewer
):
    path = read_two_visits(widget, patients, tmp_path)
    widget.select_visit("BL")
    image = widget.visit_layers["BL"].image
    canvas.key(Qt.Key.Key_1)
    assert tuple(image.contrast_limits) == pytest.approx(window_of("lung"))
    assert (
        widget.session.visits() and widget.visit_layers["BL"].rulers.nshapes == 1
    )  # no key ate a ruler
    qtbot.mouseClick(widget.windows.buttons["bone"], Qt.MouseButton.LeftButton)
    assert tuple(image.contrast_limits) == pytest.approx(window_of("bone"))
    widget.select_visit("W8")
    widget.compare.combo.setCurrentIndex(1)  # W8 beside baseline
    canvas.key(Qt.Key.Key_3)
    w8 = widget.visit_layers["W8"].image
    assert tuple(w8.contrast_limits) == pytest.approx(window_of("liver"))
    assert tuple(image.contrast_limits) == pytest.approx(window_of("liver"))  # linked
    widget.windows.keep_windows()
    widget.save()
    saved = json.loads(path.read_text())
    kept = {v["visit_id"]: v["series"][0] for v in saved["visits"]}
    assert (kept["BL"]["window_center"], kept["BL"]["window_width"]) == CT_WINDOW_PRESETS["liver"]
    assert (kept["W8"]["window_center"], kept["W8"]["window_width"]) == CT_WINDOW_PRESETS["liver"]
    other = reopened(make_napari_viewer, path)
    assert tuple(other.visit_layers["W8"].image.contrast_limits) == pytest.approx(
        window_of("liver")
    )
    assert not other.session.dirty


# ------------------------------------------------------------------ 4. dating a follow-up
def test_4_a_follow_up_is_dated_as_it_is_added_and_its_id_follows_the_date(
    widget, patients, qtbot, answer
):
    a = patients["A"]
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(a["BL"]))
    widget.add_visit_from_series(folder_of(a["W8"]), date="2024-05-01")  # W16's StudyDate
    seen = {}

    def date_the_visit(dialog):
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        seen["clash"] = (dialog.date_edit.date().toString("yyyy-MM-dd"), ok.isEnabled())
        seen["problem"] = dialog.problem_label.text()
        dialog.date_edit.setDate(QDate(2024, 6, 5))  # 21 weeks after baseline
        seen["following"] = dialog.visit_id_edit.text()
        qtbot.keyClicks(dialog.visit_id_edit, "-C5")
        dialog.date_edit.setDate(QDate(2024, 6, 6))
        seen["typed"] = dialog.visit_id_edit.text()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    asked = answer(str(folder_of(a["W16"])), date_the_visit)
    qtbot.mouseClick(widget.visits.add_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 2, asked
    assert seen["clash"] == ("2024-05-01", False) and "already on 2024-05-01" in seen["problem"]
    assert seen["following"] == "W21" and seen["typed"] == "W21-C5"
    visits = {v["visit_id"]: v["date"] for v in widget.session.visits()}
    assert visits["W21-C5"] == "2024-06-06"
    assert widget.current_visit_id == "W21-C5"


# ------------------------------------------------------------------ 5. proposals
def test_5_a_proposal_never_replaces_a_drawn_ruler_without_asking(
    widget, canvas, patients, qtbot, answer
):
    a = patients["A"]
    viewer = widget.viewer
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(a["BL"]))
    t1 = widget.add_lesion("target", "liver")
    ends = world_ends(widget, "BL", a["BL"].truths["T1"].long_axis_endpoints_mm)
    viewer.dims.set_point(0, widget.visit_layers["BL"].nearest_slice_mm(float(ends[0][0])))
    qtbot.mouseClick(widget.lesion_actions.draw_long_button, Qt.MouseButton.LeftButton)
    canvas.drag(ends[0] + [0, 2.0, 2.0], ends[1])
    drawn = widget.session.measurement("BL", t1)
    qtbot.mouseClick(widget.lesion_actions.measure_button, Qt.MouseButton.LeftButton)
    canvas.click(ends.mean(axis=0))
    qtbot.waitUntil(lambda: widget.proposals.proposal is not None, timeout=5000)
    assert widget.session.measurement("BL", t1) == drawn  # shown, not counted
    asked = answer("Keep mine")
    qtbot.mouseClick(widget.lesion_actions.accept_button, Qt.MouseButton.LeftButton)
    assert "ruler you drew" in asked[0]
    assert widget.session.measurement("BL", t1) == drawn
    assert widget.proposals.proposal is None and widget.visit_layers["BL"].proposal.nshapes == 0
    qtbot.mouseClick(widget.lesion_actions.measure_button, Qt.MouseButton.LeftButton)
    canvas.click(ends.mean(axis=0))
    qtbot.waitUntil(lambda: widget.proposals.proposal is not None, timeout=5000)
    assert widget.visit_layers["BL"].proposal.nshapes == 3  # outline, long and short axis
    answer("Replace")
    qtbot.mouseClick(widget.lesion_actions.accept_button, Qt.MouseButton.LeftButton)
    accepted = widget.session.measurement("BL", t1)
    assert accepted["method"] == "semi-automatic"
    truth = a["BL"].truths["T1"]
    assert accepted["long_axis_mm"] == pytest.approx(truth.long_axis_mm, abs=0.8)


def test_5_a_doubtful_proposal_is_marked_in_the_table_and_the_record(
    widget, canvas, patients, qtbot, tmp_path
):
    a = patients["A"]
    viewer = widget.viewer
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(a["BL"]))
    t1 = widget.add_lesion("target", "liver")
    ends = world_ends(widget, "BL", a["BL"].truths["T1"].long_axis_endpoints_mm)
    viewer.dims.set_point(0, widget.visit_layers["BL"].nearest_slice_mm(float(ends[0][0])))
    qtbot.mouseClick(widget.lesion_actions.measure_button, Qt.MouseButton.LeftButton)
    canvas.click(ends.mean(axis=0))
    qtbot.waitUntil(lambda: widget.proposals.proposal is not None, timeout=5000)
    proposal = widget.proposals.proposal
    # A phantom's boundary is clear: make this one doubtful as a real one can be.
    object.__setattr__(proposal.result, "confident", False)
    object.__setattr__(proposal.result, "notes", ("boundary interpolated along the wall",))
    qtbot.mouseClick(widget.lesion_actions.accept_button, Qt.MouseButton.LeftButton)
    measured = widget.session.measurement("BL", t1)
    assert measured["proposal_doubt"] == "boundary interpolated along the wall"
    row = [widget.lesions.table.item(r, 0).text() for r in range(widget.lesions.table.rowCount())]
    cell = widget.lesions.table.item(row.index(t1), 5)
    assert cell.text() == "warning" and "doubtful proposal" in cell.toolTip()
    path = widget.save(tmp_path / "p.json")
    assert json.loads(path.read_text())["visits"][0]["measurements"][0]["proposal_doubt"]
    # The reader checks the rulers and moves an end point: the doubt is answered.
    layers = widget.visit_layers["BL"]
    layers.rulers.mode = "direct"
    layers.rulers.selected_data = {0}
    end = np.asarray(layers.rulers.data_to_world(layers.rulers.data[0][1]))
    canvas.drag(end, end + [0, 1.5, 1.5], steps=3)
    assert "proposal_doubt" not in widget.session.measurement("BL", t1)


# ------------------------------------------------------------------ 6. what matters in view
def test_6_response_and_lesion_checks_in_view_and_messages_beside_their_section(
    widget, patients, tmp_path, qtbot
):
    viewer = widget.viewer
    viewer.window._qt_window.resize(1600, 1000)
    read_two_visits(widget, patients, tmp_path)
    widget.add_lesion("non-target", "bone")
    qtbot.wait(200)
    scroll = widget.findChild(QScrollArea)
    viewport = scroll.viewport()
    assert scroll.verticalScrollBar().value() == 0
    for view in (widget.lesions.table, widget.response.table, widget.response.summary_label):
        top_left = view.mapTo(viewport, view.rect().topLeft())
        bottom = top_left.y() + view.height()
        assert top_left.y() >= 0 and bottom <= viewport.height(), view
    checks_column = widget.lesions.table.columnViewportPosition(5)
    assert 0 <= checks_column < widget.lesions.table.viewport().width()
    # A refused save says so under "Patient"; the next successful action clears it.
    for _ in range(2):
        extra = widget.add_lesion("target", "liver")
        widget.set_ruler_from_world(extra, np.array([[0, 0, 0], [0, 0, 20.0]]), visit_id="BL")
    qtbot.mouseClick(widget.record_bar.save_button, Qt.MouseButton.LeftButton)
    patient_box = widget._sections["Patient"]
    assert "not saved" in widget.message_text()
    messages = [m for m in patient_box.findChildren(type(widget.messages)) if m.isVisible()]
    assert len(messages) == 1 and "not saved" in messages[0].label.text()
    qtbot.mouseClick(widget.lesion_actions.remove_button, Qt.MouseButton.LeftButton)
    assert widget.message_text() == ""


def test_6_tables_of_a_read_opened_in_a_new_window_show_every_row(
    widget, patients, tmp_path, make_napari_viewer, qtbot
):
    """Sized to their rows before their header had a height, the lesion and response tables
    came out a header short: the last lesion hid under the buttons, the only response row
    under the header."""
    read_two_visits(widget, patients, tmp_path)
    for organ in ("bone", "lung", "pleura"):
        widget.add_lesion("non-target", organ)
    path = widget.save(tmp_path / "records" / "PHANTOM001.json")
    other = reopened(make_napari_viewer, path)
    other.viewer.window._qt_window.resize(1600, 1000)
    qtbot.wait(300)
    for table, rows in ((other.lesions.table, 4), (other.response.table, 1)):
        assert table.rowCount() == rows
        assert table.verticalScrollBar().maximum() == 0, table
        last = table.visualItemRect(table.item(rows - 1, 0))
        assert 0 <= last.top() and last.bottom() < table.viewport().height(), table


# ------------------------------------------------------------------ 7. non-target markers
def test_7_a_non_target_is_marked_shown_with_its_label_and_reached_with_go_to(
    widget, canvas, patients, tmp_path, qtbot, make_napari_viewer
):
    viewer = widget.viewer
    path = read_two_visits(widget, patients, tmp_path)
    widget.select_visit("BL")
    nt1 = widget.add_lesion("non-target", "bone")
    bone = np.asarray(lps_to_world([(10.0, -30.0, 5.0)], widget.visit_layers["BL"].world_to_lps))[0]
    viewer.dims.set_point(0, widget.visit_layers["BL"].nearest_slice_mm(float(bone[0])))
    assert widget.lesion_actions.draw_long_button.text() == "Mark on image"
    qtbot.mouseClick(widget.lesion_actions.draw_long_button, Qt.MouseButton.LeftButton)
    canvas.click(bone)
    marker = widget.session.measurement("BL", nt1)["marker"]
    assert marker["series_uid"] == widget.visit_layers["BL"].series_uid
    assert widget.session.measurement("BL", nt1)["status"] == "present"
    markers = widget.visit_layers["BL"].markers
    assert list(markers.features["label"]) == ["NT1 bone"]
    viewer.dims.set_point(0, viewer.dims.range[0].start)
    qtbot.mouseClick(widget.lesion_actions.goto_button, Qt.MouseButton.LeftButton)
    on = lps_to_world([marker["point_lps_mm"]], widget.visit_layers["BL"].world_to_lps)[0]
    assert viewer.dims.point[0] == pytest.approx(on[0])
    widget.save()
    other = reopened(make_napari_viewer, path)
    assert list(other.visit_layers["BL"].markers.features["lesion_id"]) == [nt1]


def test_7_a_lesions_kind_changes_at_baseline_and_the_checks_run_again(widget, patients, qtbot):
    widget.new_patient("PHANTOM001", "2024-01-10")
    widget.add_visit_from_series(folder_of(patients["A"]["BL"]))
    for _ in range(3):
        lesion_id = widget.add_lesion("target", "liver")
        widget.set_ruler_from_world(lesion_id, np.array([[0, 0, 0], [0, 0, 20.0]]))
    assert any(c.blocking for c in widget.last_score.checks)  # 3 liver targets
    assert widget.lesion_actions.kind_button.text() == "Make non-target"
    qtbot.mouseClick(widget.lesion_actions.kind_button, Qt.MouseButton.LeftButton)
    assert widget.selected_lesion_id() == "NT1"
    assert widget.session.lesion("NT1")["kind"] == "non-target"
    assert widget.session.measurement("BL", "NT1") == {"lesion_id": "NT1", "status": "present"}
    assert not any(c.blocking for c in widget.last_score.checks)
    ids = [widget.lesions.table.item(r, 0).text() for r in range(widget.lesions.table.rowCount())]
    assert ids == ["T1", "T2", "NT1"]


# ------------------------------------------------------------------ 8. compare view
def test_8_compare_panes_are_labelled_keep_the_zoom_and_link_the_windows(
    widget, patients, tmp_path, qtbot
):
    read_two_visits(widget, patients, tmp_path)
    viewer = widget.viewer
    widget.select_visit("W8")
    widget.select_lesion("T1")
    widget.go_to_selected_lesion()
    camera = viewer.scene.camera if hasattr(viewer, "scene") else viewer.camera
    camera.zoom = camera.zoom * 2.5
    zoom, centre = camera.zoom, tuple(camera.center)
    widget.compare.combo.setCurrentIndex(1)
    qtbot.wait(50)
    in_plane = tuple(camera.center)[-2:]
    assert camera.zoom == pytest.approx(zoom) and in_plane == pytest.approx(centre[-2:])
    images = [widget.visit_layers[v].image for v in ("BL", "W8")]
    assert [image.name_overlay.visible for image in images] == [True, True]
    assert [image.name.split(" · ")[:2] for image in images] == [
        ["BL", "2024-01-10"],
        ["W8", "2024-03-06"],
    ]
    images[1].contrast_limits = (-100.0, 200.0)  # the reader drags W8's contrast slider
    assert tuple(images[0].contrast_limits) == pytest.approx((-100.0, 200.0))
    widget.compare.combo.setCurrentIndex(0)
    assert camera.zoom == pytest.approx(zoom)
    assert not images[1].name_overlay.visible


# ------------------------------------------------------------------ 9. the reader
def test_9_the_reader_is_kept_with_the_read_and_restored(
    widget, patients, tmp_path, qtbot, make_napari_viewer
):
    path = read_two_visits(widget, patients, tmp_path)
    assert json.loads(path.read_text())["reader"] == "Dr Test"
    other = ReadingWidget(make_napari_viewer(show=True))
    other.ask = lambda *args: "Discard"
    other.record_bar.reader_edit.setText("someone else")
    other.open_record(path)
    assert other.record_bar.reader_edit.text() == "Dr Test"
    edit = other.record_bar.reader_edit
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, "Dr Second")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert other.session.dirty
    other.save()
    assert json.loads(path.read_text())["reader"] == "Dr Second"
