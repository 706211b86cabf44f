"""The reading widget under Xvfb: rulers drawn with real mouse events on a phantom of known
lesion sizes, live updates while dragging, a complete read, save and reopen, bad files."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

pytest.importorskip("napari")
from qtpy.QtCore import QPoint, Qt  # noqa: E402
from qtpy.QtTest import QTest  # noqa: E402

import recist_reader.phantom as ph  # noqa: E402
from recist_reader import score_record  # noqa: E402
from recist_reader._qt.visit_layers import camera_of  # noqa: E402
from recist_reader._widget import ReadingWidget  # noqa: E402
from recist_reader.reading.display import lps_to_world  # noqa: E402
from recist_reader.reading.geometry import Ruler  # noqa: E402

GRID = ph.Grid.centred((24, 160, 160), (2.5, 0.8, 0.8))
LIVER = ph.Lesion("T1", (-24, -5, 0), ph.Ellipsoid((26, 16, 16), angle_deg=20), -60)
NODE = ph.Lesion("N1", (25, 15, 0), ph.LymphNode(24, 17, angle_deg=70), 40)
BONE = ph.Lesion("NT1", (10, -30, 5), ph.Sphere(8), 60)
CHANGES = {"W8": {"T1": -12.0, "N1": -4.0}, "W16": {"T1": -14.0, "N1": -5.0}}
PIXEL_MM = 0.8


@pytest.fixture(scope="module")
def patient(tmp_path_factory):
    """A phantom patient on disk: baseline and two follow-ups, with each lesion's truth."""
    folder = tmp_path_factory.mktemp("phantom_patient")
    baseline = ph.body_phantom(body_semi_axes_mm=(60, 50), liver=True, lesions=[LIVER, NODE, BONE])
    visits = [
        ph.VisitPlan("BL", dt.date(2024, 1, 10)),
        ph.VisitPlan("W8", dt.date(2024, 3, 6), CHANGES["W8"]),
        ph.VisitPlan("W16", dt.date(2024, 5, 1), CHANGES["W16"]),
    ]
    written = ph.write_patient(folder, baseline, GRID, visits, noise_sd_hu=5, seed=1)
    return {v.plan.visit_id: v for v in written}, folder


@pytest.fixture
def widget(make_napari_viewer, qtbot):
    viewer = make_napari_viewer(show=True)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: "Discard"  # also answers the question on closing
    widget.record_bar.reader_edit.setText("Dr Test")
    widget.record_bar.reader_edit.editingFinished.emit()
    return widget


def canvas_of(viewer):
    return viewer.window._qt_viewer.canvas.native  # the widget that receives mouse events


def to_pixel(viewer, world):
    """Canvas pixel of a world point on the displayed plane (camera centre and zoom)."""
    canvas = canvas_of(viewer)
    camera = camera_of(viewer)
    centre, zoom = np.asarray(camera.center), camera.zoom
    x = (world[2] - centre[2]) * zoom + canvas.width() / 2
    y = (world[1] - centre[1]) * zoom + canvas.height() / 2
    return QPoint(int(round(x)), int(round(y)))


def drag(viewer, qtbot, start_world, end_world, steps=6):
    canvas = canvas_of(viewer)
    start, end = to_pixel(viewer, start_world), to_pixel(viewer, end_world)
    QTest.mouseMove(canvas, start)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    seen = []
    for fraction in np.linspace(0, 1, steps + 1)[1:]:
        point = QPoint(
            int(start.x() + fraction * (end.x() - start.x())),
            int(start.y() + fraction * (end.y() - start.y())),
        )
        QTest.mouseMove(canvas, point)
        qtbot.wait(5)
        seen.append(point)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    qtbot.wait(10)
    return seen


def truths(patient, visit_id):
    written, _ = patient
    return written[visit_id].truths


def start_read(widget, patient):
    written, _ = patient
    widget.new_patient("PH-001", "2024-01-01")
    widget.add_visit_from_series(written["BL"].series.paths[0].parent)
    t1 = widget.add_lesion("target", "liver")
    n1 = widget.add_lesion("target", "lymph node", nodal=True)
    nt1 = widget.add_lesion("non-target", "bone")
    return t1, n1, nt1


def world_ends(widget, visit_id, endpoints_lps):
    return lps_to_world(endpoints_lps, widget.visit_layers[visit_id].world_to_lps)


def test_draw_ruler_with_the_mouse_measures_the_lesion(widget, patient, qtbot):
    viewer = widget.viewer
    t1, _, _ = start_read(widget, patient)
    assert widget.session.baseline_date == dt.date(2024, 1, 10)  # from StudyDate
    truth = truths(patient, "BL")["T1"]
    ends = world_ends(widget, "BL", truth.long_axis_endpoints_mm)
    viewer.dims.set_point(0, float(ends[0][0]))
    widget.select_lesion(t1)
    widget.lesion_actions.draw_long_button.click()
    drag(viewer, qtbot, ends[0], ends[1])
    measured = widget.session.measurement("BL", t1)
    assert measured["diameter_mm"] == pytest.approx(truth.long_axis_mm, abs=PIXEL_MM)
    assert measured["reader"] == "Dr Test" and measured["method"] == "manual"
    assert measured["ruler"]["series_uid"] == widget.visit_layers["BL"].series_uid
    layer = widget.visit_layers["BL"].rulers
    assert list(layer.features["label"]) == [f"T1 liver {measured['long_axis_mm']:.1f} mm"]


def test_node_short_axis_ruler_is_the_recist_value(widget, patient, qtbot):
    viewer = widget.viewer
    _, n1, _ = start_read(widget, patient)
    truth = truths(patient, "BL")["N1"]
    for axis, endpoints in (
        ("short", truth.short_axis_endpoints_mm),
        ("long", truth.long_axis_endpoints_mm),
    ):
        ends = world_ends(widget, "BL", endpoints)
        viewer.dims.set_point(0, float(ends[0][0]))
        widget.select_lesion(n1)
        widget.start_ruler(axis)
        drag(viewer, qtbot, ends[0], ends[1])
    measured = widget.session.measurement("BL", n1)
    assert measured["diameter_mm"] == pytest.approx(truth.short_axis_mm, abs=PIXEL_MM)
    assert measured["long_axis_mm"] == pytest.approx(truth.long_axis_mm, abs=PIXEL_MM)
    assert "rulers_not_perpendicular" not in [c.code for c in widget.session.checks()]


def complete_read(widget, patient):
    t1, n1, nt1 = start_read(widget, patient)
    written, _ = patient
    for visit_id in ("BL", "W8", "W16"):
        if visit_id != "BL":
            widget.add_visit_from_series(written[visit_id].series.paths[0].parent)
        truth = truths(patient, visit_id)
        widget.select_visit(visit_id)
        widget.set_ruler_from_world(
            t1, world_ends(widget, visit_id, truth["T1"].long_axis_endpoints_mm)
        )
        widget.set_ruler_from_world(
            n1, world_ends(widget, visit_id, truth["N1"].short_axis_endpoints_mm), axis="short"
        )
        if visit_id != "BL":
            widget.set_status(nt1, "present")
    return t1, n1, nt1


def test_complete_read_ends_in_the_expected_responses(widget, patient):
    complete_read(widget, patient)
    response = widget.last_score.response
    assert [v["visit_id"] for v in response["visits"]] == ["W8", "W16"]
    assert [v["overall"] for v in response["visits"]] == ["PR", "PR"]
    assert response["best_overall_response"] == {"unconfirmed": "PR", "confirmed": "PR"}
    expected_sum = (
        truths(patient, "W16")["T1"].long_axis_mm + truths(patient, "W16")["N1"].short_axis_mm
    )
    assert response["visits"][1]["sum_mm"] == pytest.approx(expected_sum, abs=2 * 0.05 + 1e-9)
    assert "W16  2024-05-01" in widget.response_panel_text()
    assert "PR confirmed" in widget.response.summary_label.text()


def test_dragging_an_end_point_updates_the_response_live(widget, patient, qtbot):
    t1, _, _ = complete_read(widget, patient)
    viewer = widget.viewer
    widget.select_visit("W16")
    layers = widget.visit_layers["W16"]
    index = list(layers.rulers.features["lesion_id"]).index(t1)
    layers.rulers.mode = "direct"
    layers.rulers.selected_data = {index}
    end = np.asarray(layers.rulers.data[index][1])
    viewer.dims.set_point(0, float(end[0]))
    before = widget.session.measurement("W16", t1)["diameter_mm"]
    panel_before = widget.response_panel_text()
    canvas = canvas_of(viewer)
    start = to_pixel(viewer, end)
    target = to_pixel(viewer, end + np.array([0.0, -4.0, -6.0]))
    QTest.mouseMove(canvas, start)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    live = []
    for fraction in (0.25, 0.5, 0.75, 1.0):
        QTest.mouseMove(
            canvas,
            QPoint(
                int(start.x() + fraction * (target.x() - start.x())),
                int(start.y() + fraction * (target.y() - start.y())),
            ),
        )
        qtbot.wait(5)
        live.append(widget.session.measurement("W16", t1)["diameter_mm"])
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    after = widget.session.measurement("W16", t1)["diameter_mm"]
    assert live == sorted(live) and live[0] > before  # grew while the mouse moved
    assert after == pytest.approx(before + np.hypot(4.0, 6.0), abs=2 * PIXEL_MM)
    assert widget.response_panel_text() != panel_before
    assert f"{after:.1f} mm" in layers.rulers.features["label"][index]


def test_an_edit_changes_only_the_cells_it_changes(widget, patient):
    """Panels are updated in place (each edit repaints what changed, not whole tables)."""
    t1, _, _ = complete_read(widget, patient)
    widget.select_visit("W16")
    rows = {widget.response.table.item(r, 0).text(): r for r in range(2)}
    w8_sum, w16_sum = (widget.response.table.item(rows[v], 2) for v in ("W8", "W16"))
    t1_row = [widget.lesions.table.item(r, 0).text() for r in range(3)].index(t1)
    t1_now = widget.lesions.table.item(t1_row, 3)
    w8_text, w16_text = w8_sum.text(), w16_sum.text()
    visit_item = widget.visits.list.item(2)
    ruler = widget.session.ruler("W16", t1)
    a, b = (np.asarray(p, float) for p in ruler.points_lps_mm)
    longer = Ruler(ruler.series_uid, (tuple(a), tuple(b + (b - a) * 0.5)))

    widget.session.set_ruler("W16", t1, longer)

    assert widget.response.table.item(rows["W16"], 2) is w16_sum  # the same cell, new text
    assert w16_sum.text() != w16_text
    assert widget.response.table.item(rows["W8"], 2).text() == w8_text
    assert widget.lesions.table.item(t1_row, 3) is t1_now
    assert t1_now.text() == f"{longer.length_mm:.1f} mm"
    assert widget.visits.list.item(2) is visit_item and widget.visits.list.currentRow() == 2


def test_save_close_reopen_restores_every_ruler(widget, patient, tmp_path, make_napari_viewer):
    complete_read(widget, patient)
    _, series_folder = patient
    path = widget.save(tmp_path / "PH-001.json")
    saved = json.loads(path.read_text())
    assert saved == widget.session.record
    assert score_record(saved)["best_overall_response"]["confirmed"] == "PR"
    lines_before = {
        v: [np.asarray(d) for d in layers.rulers.data] for v, layers in widget.visit_layers.items()
    }

    other = ReadingWidget(make_napari_viewer(show=True))
    other.open_record(path, series_folder=series_folder)
    assert other.session.record == saved
    assert not other.session.dirty
    for visit_id, lines in lines_before.items():
        reopened = [np.asarray(d) for d in other.visit_layers[visit_id].rulers.data]
        assert len(reopened) == len(lines)
        for a, b in zip(lines, reopened):
            np.testing.assert_allclose(a, b, atol=1e-6)  # same slice, same end points
    assert other.response_panel_text() == widget.response_panel_text()


def test_corrupt_record_gives_a_message_and_changes_nothing(widget, tmp_path):
    path = tmp_path / "broken.json"
    path.write_bytes(b'{"patient_id": "X", "criteria": ')
    widget.context.guard(widget.open_record, path)
    assert str(path) in widget.messages.label.text()
    assert "not valid JSON" in widget.messages.label.text()
    assert widget.session is None
    assert path.read_bytes() == b'{"patient_id": "X", "criteria": '
    assert not list(tmp_path.glob(".*autosave"))


def test_unsaved_changes_are_asked_about_and_autosaved(
    widget, patient, tmp_path, qtbot, make_napari_viewer
):
    start_read(widget, patient)
    path = widget.save(tmp_path / "p.json")
    widget.session.set_status("BL", "NT1", "present")
    widget.add_lesion("non-target", "peritoneum")
    qtbot.waitUntil(lambda: (tmp_path / ".p.json.autosave").exists(), timeout=3000)
    asked = []
    widget.ask = lambda title, text, buttons: asked.append(title) or "Cancel"
    assert widget.confirm_discard() is False
    assert asked == ["Unsaved changes"]
    # After a crash the autosave is offered when the record is opened again.
    widget.ask = lambda title, text, buttons: "Discard"
    fresh = ReadingWidget(make_napari_viewer(show=True))
    fresh.ask = lambda title, text, buttons: "Recover" if title.startswith("Recover") else "Discard"
    fresh.open_record(path, series_folder=patient[1])
    assert [lesion["lesion_id"] for lesion in fresh.session.lesions()][-1] == "NT2"
    assert fresh.session.dirty
    assert json.loads(path.read_text())["lesions"][-1]["lesion_id"] == "NT1"


def test_baseline_rule_blocks_saving_and_is_shown_beside_the_lesion(widget, patient, tmp_path):
    start_read(widget, patient)
    for _ in range(2):
        lesion_id = widget.add_lesion("target", "liver")
        widget.set_ruler_from_world(lesion_id, np.array([[1.25, 0, 0], [1.25, 0, 20.0]]))
    widget.context.guard(widget.save, tmp_path / "p.json")
    assert "not saved" in widget.messages.label.text()
    assert not (tmp_path / "p.json").exists()
    row = [
        widget.lesions.table.item(r, 0).text() for r in range(widget.lesions.table.rowCount())
    ].index("T4")
    assert widget.lesions.table.item(row, 5).text() == "blocks saving"
    assert "more than 2 targets" in widget.lesions.table.item(row, 5).toolTip()


def test_new_lesion_marked_as_a_point(widget, patient):
    written, _ = patient
    start_read(widget, patient)
    visit_id = widget.add_visit_from_series(written["W8"].series.paths[0].parent)
    widget.select_visit(visit_id)
    widget.new_lesions.location_edit.setText("lung, right lower lobe")
    widget.new_lesions.equivocal_check.setChecked(True)
    widget.start_new_lesion()
    layer = widget.visit_layers[visit_id].new_lesions
    layer.add(np.array([[1.25, 10.0, 12.0]]))
    entry = widget.session.visit(visit_id)["new_lesions"][0]
    assert entry["location"] == "lung, right lower lobe" and entry["equivocal"] is True
    assert entry["series_uid"] == widget.visit_layers[visit_id].series_uid
    visit = widget.last_score.response["visits"][0] if widget.last_score.response else None
    assert visit is None or visit["equivocal_new_lesions"] is True


@pytest.mark.parametrize(
    ("lesion_name", "organ", "nodal"), [("T1", "liver", False), ("N1", "lymph node", True)]
)
def test_click_measures_the_lesion_semi_automatically(
    widget, patient, qtbot, lesion_name, organ, nodal
):
    viewer = widget.viewer
    start_read(widget, patient)
    lesion_id = {"T1": "T1", "N1": "T2"}[lesion_name]
    truth = truths(patient, "BL")[lesion_name]
    ends = world_ends(widget, "BL", truth.long_axis_endpoints_mm)
    centre = ends.mean(axis=0)
    viewer.dims.set_point(0, float(centre[0]))
    widget.select_lesion(lesion_id)
    widget.lesion_actions.measure_button.click()
    canvas = canvas_of(viewer)
    point = to_pixel(viewer, centre)
    QTest.mouseMove(canvas, point)
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    qtbot.waitUntil(lambda: widget.session.measurement("BL", lesion_id) is not None, timeout=5000)
    measured = widget.session.measurement("BL", lesion_id)
    assert measured["method"] == "semi-automatic"
    assert measured["long_axis_mm"] == pytest.approx(truth.long_axis_mm, abs=PIXEL_MM)
    assert measured["short_axis_mm"] == pytest.approx(truth.short_axis_mm, abs=PIXEL_MM)
    assert measured["diameter_mm"] == pytest.approx(truth.recist_mm, abs=PIXEL_MM)
    assert "proposed" in widget.messages.label.text()
    labels = list(widget.visit_layers["BL"].rulers.features["label"])
    assert len(labels) == 2 and labels[0].startswith(f"{lesion_id} {organ}")


def test_compare_shows_the_follow_up_beside_baseline_or_the_previous_visit(widget, patient):
    from recist_reader._qt.visit_layers import grid_of as _grid_of

    complete_read(widget, patient)
    widget.select_visit("W16")
    visible = lambda: sorted(  # noqa: E731
        {layer.metadata.get("recist_visit_id") for layer in widget.viewer.layers if layer.visible}
    )
    assert visible() == ["W16"] and not _grid_of(widget.viewer).enabled
    widget.compare.combo.setCurrentIndex(1)
    assert visible() == ["BL", "W16"] and _grid_of(widget.viewer).enabled
    widget.compare.combo.setCurrentIndex(2)
    assert visible() == ["W16", "W8"]
    widget.compare.combo.setCurrentIndex(0)
    assert visible() == ["W16"] and not _grid_of(widget.viewer).enabled


def test_reopened_visits_list_their_images(widget, patient, tmp_path, make_napari_viewer):
    complete_read(widget, patient)
    path = widget.save(tmp_path / "p.json")
    other = ReadingWidget(make_napari_viewer())
    other.ask = lambda *args: "Discard"
    other.open_record(path, series_folder=patient[1])
    labels = [other.visits.list.item(i).text() for i in range(other.visits.list.count())]
    assert len(labels) == 3 and not any("no images" in label for label in labels)


def test_compare_lines_the_selected_lesion_up_in_both_visits(widget, patient):
    t1, _, _ = complete_read(widget, patient)
    # Pretend the patient lay 6 mm further along at W8: redraw T1's ruler there, shifted.
    ruler = widget.session.ruler("W8", t1)
    shifted = lps_to_world(ruler.points_lps_mm, widget.visit_layers["W8"].world_to_lps) + [
        0,
        6.0,
        0,
    ]
    widget.select_visit("W8")
    widget.set_ruler_from_world(t1, shifted)
    measured_before = widget.session.measurement("BL", t1)
    widget.compare.combo.setCurrentIndex(1)
    widget.select_lesion(t1)
    baseline = widget.visit_layers["BL"]
    here = lps_to_world(
        widget.session.ruler("W8", t1).points_lps_mm, widget.visit_layers["W8"].world_to_lps
    )
    there = lps_to_world(widget.session.ruler("BL", t1).points_lps_mm, baseline.world_to_lps)
    shift = baseline.rulers.affine.affine_matrix[:3, 3]
    np.testing.assert_allclose(shift, here.mean(axis=0) - there.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(
        baseline.image.affine.affine_matrix[:3, 3], baseline.image_affine[:3, 3] + shift
    )
    assert widget.session.measurement("BL", t1) == measured_before  # display only
    widget.compare.combo.setCurrentIndex(0)
    np.testing.assert_allclose(baseline.rulers.affine.affine_matrix, np.eye(4))
