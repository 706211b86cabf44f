"""Reading an HCC patient under RECIST 1.1 and mRECIST in the dock (Xvfb): the visit's arterial
and portal-venous series, viable rulers drawn with the mouse on the arterial phase and shown
apart from the whole-lesion rulers, "no viable tumour left", the lesion type and role pickers
with their checks, enhancement, new findings' size, and both responses side by side."""

from __future__ import annotations

import pytest

pytest.importorskip("napari")

from recist_reader import score_record  # noqa: E402
from recist_reader._qt.visit_layers import camera_of  # noqa: E402
from recist_reader._widget import ReadingWidget  # noqa: E402
from recist_reader.phantom.hcc_patient import write_hcc_patient  # noqa: E402

from .test_reading_widget import drag, world_ends  # noqa: E402


@pytest.fixture(scope="module")
def hcc(tmp_path_factory):
    return write_hcc_patient(tmp_path_factory.mktemp("hcc"), seed=5)


@pytest.fixture
def widget(make_napari_viewer, qtbot, hcc, tmp_path):
    viewer = make_napari_viewer(show=True)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: "Discard"
    record = tmp_path / "record.json"
    record.write_text(hcc.record_path.read_text())
    widget.open_record(record, series_folder=hcc.folder)
    return widget


def labels(widget, visit_id):
    return list(widget.visit_layers[visit_id].rulers.features["label"])


def test_each_series_of_a_visit_shows_the_rulers_drawn_on_it(widget, hcc):
    view = widget.mrecist
    uids = hcc.series_uids["W8"]
    widget.select_visit("W8")
    assert widget.visit_layers["W8"].series_uid == uids["portal_venous"]  # listed first
    assert [view.series_combo.itemData(i) for i in range(view.series_combo.count())] == [
        uids["portal_venous"],
        uids["arterial"],
    ]
    assert labels(widget, "W8") == [
        "T1 liver 39.0 mm",
        "T2 liver 27.0 mm",
        "N1 lymph node, porta hepatis LA 24.0 mm",
        "N1 lymph node, porta hepatis SA 16.0 mm",
    ]
    view.series_combo.setCurrentIndex(1)
    view.series_combo.activated.emit(1)
    assert widget.visit_layers["W8"].series_uid == uids["arterial"]
    assert labels(widget, "W8") == ["T1 viable 18.0 mm", "T2 viable 13.0 mm"]
    layer = widget.visit_layers["W8"].rulers
    assert [tuple(c) for c in layer.edge_color] == [(1.0, 0.0, 1.0, 1.0)] * 2  # magenta


def test_draw_a_viable_ruler_with_the_mouse_on_the_arterial_phase(widget, hcc, qtbot):
    viewer, view, session = widget.viewer, widget.mrecist, widget.session
    widget.select_visit("W16")
    widget.series.show_series("W16", hcc.series_uids["W16"]["arterial"])
    session.remove_ruler("W16", "T1", axis="viable")
    assert "viable_diameter_mm" not in session.measurement("W16", "T1")
    widget.select_lesion("T1")
    assert view.draw_viable_button.isEnabled()
    assert view.viable_label.text() == "not recorded (not evaluated, M4.4)"
    truth = hcc.record()["visits"][2]["measurements"][0]["viable_ruler"]["points_lps_mm"]
    ends = world_ends(widget, "W16", truth)
    viewer.dims.set_point(0, float(ends[0][0]))
    camera = camera_of(viewer)
    camera.center = tuple((ends[0] + ends[1]) / 2)
    camera.zoom = 8.0  # canvas pixels per mm: the mouse lands within 0.1 mm
    qtbot.wait(20)
    view.draw_viable_button.click()
    drag(viewer, qtbot, ends[0], ends[1])
    measured = session.measurement("W16", "T1")
    assert measured["viable_diameter_mm"] == pytest.approx(14.0, abs=0.8)  # a voxel
    assert measured["viable_ruler"]["series_uid"] == hcc.series_uids["W16"]["arterial"]
    assert measured["ruler"]["series_uid"] == hcc.series_uids["W16"]["portal_venous"]
    assert view.viable_label.text() == f"{measured['viable_diameter_mm']:.1f} mm"
    screenshot = viewer.screenshot(canvas_only=False, flash=False)
    assert screenshot.shape[0] > 100


def test_no_viable_tumour_left_and_the_responses_side_by_side(widget):
    view, session = widget.mrecist, widget.session
    widget.select_visit("W16")
    for lesion_id in ("T1", "T2"):
        widget.select_lesion(lesion_id)
        view.no_viable_button.click()
    assert session.measurement("W16", "T1")["viable_status"] == "absent"
    assert view.viable_label.text() == "no viable tumour left"
    mrecist = score_record(session.record, criteria="mRECIST")
    assert [v["target"] for v in mrecist["visits"]] == ["PR", "CR"]
    # the effusion persists (non-target NonCR/NonPD): overall PR (M8)
    assert [v["overall"] for v in mrecist["visits"]] == ["PR", "PR"]
    text = widget.criteria_response.text()  # RECIST 1.1, mRECIST, iRECIST side by side
    headers = [
        widget.criteria_response.table.horizontalHeaderItem(c).text()
        for c in range(widget.criteria_response.table.columnCount())
    ]
    assert headers[2:4] == ["RECIST 1.1", "mRECIST"]
    assert "W16  2024-05-01  SD  PR" in text
    assert "RECIST1.1 SD / SD; mRECIST PR / PR" in text


def test_type_and_role_pickers_show_the_mrecist_checks(widget):
    view, session = widget.mrecist, widget.session
    widget.select_visit("BL")
    widget.select_lesion("N1")
    assert view.type_combo.currentData() == "porta_hepatis_node"
    assert view.role_combo.currentData() == "excluded"
    assert view.checks_label.text() == ""
    view.role_combo.setCurrentIndex(view.role_combo.findData(None))
    view.role_combo.activated.emit(view.role_combo.currentIndex())
    assert "mrecist_kind" not in session.lesion("N1")
    assert "malignant and measurable only from 20.0 mm" in view.checks_label.text()
    widget.select_lesion("NT1")
    assert view.type_combo.currentData() == "effusion"
    assert view.cytology_combo.isEnabled() and not view.enhancing_combo.isEnabled()
    assert not view.draw_viable_button.isEnabled()


def test_enhancement_cytology_and_a_new_findings_size(widget):
    view, session = widget.mrecist, widget.session
    widget.select_visit("W8")
    widget.select_lesion("NT1")
    view.cytology_combo.setCurrentIndex(view.cytology_combo.findData("malignant"))
    view.cytology_combo.activated.emit(view.cytology_combo.currentIndex())
    assert session.measurement("W8", "NT1")["cytology"] == "malignant"
    session.add_new_lesion("W8", "liver segment 3")
    view.refresh()
    view.finding_combo.setCurrentIndex(0)
    view.finding_type_combo.setCurrentIndex(view.finding_type_combo.findData("typical_hcc"))
    view.finding_size.setValue(9.5)
    view.set_finding_pattern()
    entry = session.visit("W8")["new_lesions"][0]
    assert (entry["lesion_type"], entry["size_mm"]) == ("typical_hcc", 9.5)
    visit = score_record(session.record, criteria="mRECIST")["visits"][0]
    assert (visit["new_lesions"], visit["equivocal_new_lesions"]) == (False, True)
    recist = score_record(session.record)["visits"][0]
    assert recist["new_lesions"] is True
