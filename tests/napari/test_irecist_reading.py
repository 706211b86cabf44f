"""Reading an immunotherapy patient in napari (Xvfb): a new lesion marked, tracked as a
new-lesion target and measured with the mouse at two visits, the clinical status recorded,
and the response shown under RECIST 1.1 and iRECIST side by side with the iUPD episode."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("napari")
from qtpy.QtCore import Qt  # noqa: E402
from qtpy.QtTest import QTest  # noqa: E402

from recist_reader import score_record  # noqa: E402
from recist_reader._widget import ReadingWidget  # noqa: E402
from recist_reader.phantom.immunotherapy import write_immunotherapy_patient  # noqa: E402
from recist_reader.reading.display import lps_to_world  # noqa: E402

from .test_reading_widget import PIXEL_MM, drag  # noqa: E402


@pytest.fixture(scope="module")
def pseudo_progression(tmp_path_factory):
    """The pseudo-progression phantom on disk with its perfect iRECIST read."""
    folder = tmp_path_factory.mktemp("io_patient")
    visits, record = write_immunotherapy_patient(folder, "pseudo-progression", noise_sd_hu=5.0)
    (folder / "record.json").write_text(json.dumps(record))
    return {v.plan.visit_id: v for v in visits}, folder, record


@pytest.fixture
def widget(make_napari_viewer):
    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(1500, 950)  # a canvas wide enough for the whole body
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: "Discard"
    return widget


def test_the_saved_read_shows_both_criteria_and_the_episode(widget, pseudo_progression):
    _, folder, record = pseudo_progression
    widget.open_record(folder / "record.json", series_folder=folder)
    view = widget.criteria_response
    text = view.text()
    assert "W8  2024-04-01  PD  iUPD" in text
    assert "W12  2024-04-29  PD  iPR" in text
    assert "RECIST1.1 PD / PD; iRECIST iPR / iPR" in text
    assert (
        "iUPD at W8 (2024-04-01) by targets, new lesions: reset at W12 (iPR), not confirmed" in text
    )
    widget.select_visit("W12")
    table = widget.tracked_new_lesions.table
    cells = [table.item(0, c).text() for c in range(table.columnCount())]
    assert cells == ["NL1", "liver (NL1)", "liver", "NLT", "6.0 mm", ""]
    widget.select_visit("W20")
    assert table.item(0, 4).text() == "absent"
    assert score_record(widget.session.record) == score_record(record)


def test_mark_track_and_measure_a_new_lesion_with_the_mouse(widget, pseudo_progression, qtbot):
    written, folder, record = pseudo_progression
    plain = json.loads(json.dumps(record))
    for visit in plain["visits"]:
        visit["new_lesions"] = []  # the reader has not seen the new lesion yet
    (folder / "plain.json").write_text(json.dumps(plain))
    widget.open_record(folder / "plain.json", series_folder=folder)
    viewer = widget.viewer
    assert [v["overall"] for v in widget.last_score.response["visits"]] == ["iUPD", "iPR", "iPR"]

    # W8: mark the new liver lesion, track it as a new-lesion target, draw its ruler.
    widget.select_visit("W8")
    truth = written["W8"].truths["NL1"]
    ends = lps_to_world(truth.long_axis_endpoints_mm, widget.visit_layers["W8"].world_to_lps)
    viewer.dims.set_point(0, float(ends[0][0]))
    widget.add_new_lesion_at("liver segment 6", (ends[0] + ends[1]) / 2)
    tracked = widget.tracked_new_lesions
    assert tracked.untracked_combo.currentText() == "1: liver segment 6"
    tracked.kind_combo.setCurrentText("target")
    tracked.organ_edit.setText("liver")
    QTest.mouseClick(tracked.track_button, Qt.MouseButton.LeftButton)
    assert tracked.selected() == "NL1"
    QTest.mouseClick(tracked.draw_button, Qt.MouseButton.LeftButton)
    drag(viewer, qtbot, ends[0], ends[1])
    listing = widget.session.new_lesion_listing("W8", "NL1")
    assert listing["diameter_mm"] == pytest.approx(truth.long_axis_mm, abs=PIXEL_MM)
    labels = list(widget.visit_layers["W8"].rulers.features["label"])
    assert f"NL1 liver {widget.session.ruler('W8', 'NL1').length_mm:.1f} mm" in labels

    # W12: NL1 is listed to assess; measure it there too, and record the clinical status.
    widget.select_visit("W12")
    assert tracked.table.item(0, 4).text() == "not assessed"
    tracked.select("NL1")
    truth = written["W12"].truths["NL1"]
    ends = lps_to_world(truth.long_axis_endpoints_mm, widget.visit_layers["W12"].world_to_lps)
    viewer.dims.set_point(0, float(ends[0][0]))
    QTest.mouseClick(tracked.draw_button, Qt.MouseButton.LeftButton)
    drag(viewer, qtbot, ends[0], ends[1])
    assert widget.session.new_lesion_listing("W12", "NL1")["diameter_mm"] == pytest.approx(
        truth.long_axis_mm, abs=PIXEL_MM
    )
    clinical = widget.clinical_status
    clinical.stable_combo.setCurrentText("yes")
    clinical.stable_combo.activated.emit(clinical.stable_combo.currentIndex())
    clinical.continued_combo.setCurrentText("no")
    clinical.continued_combo.activated.emit(clinical.continued_combo.currentIndex())
    visit = widget.session.visit("W12")
    assert (visit["clinically_stable"], visit["treatment_continued"]) == (True, False)

    # W20: NL1 has gone.
    widget.select_visit("W20")
    tracked.select("NL1")
    tracked.status_combo.setCurrentText("absent")
    tracked.status_combo.activated.emit(tracked.status_combo.currentIndex())
    response = widget.last_score.response
    assert [v["overall"] for v in response["visits"]] == ["iUPD", "iPR", "iPR"]
    assert response["visits"][0]["iupd_basis"] == ["target", "new_lesions"]
    assert response["visits"][0]["nlt_sum_mm"] == pytest.approx(12.0, abs=PIXEL_MM)
    assert "W8  2024-04-01  PD  iUPD" in widget.criteria_response.text()


def test_limits_and_non_targets_are_refused_with_a_message(widget, pseudo_progression):
    _, folder, _ = pseudo_progression
    widget.open_record(folder / "record.json", series_folder=folder)
    widget.select_visit("W12")
    widget.tracked_new_lesions.select("NL1")
    widget.select_lesion("NT1")
    widget.set_status("NT1", "absent")
    clinical = widget.clinical_status
    assert not clinical.increased_check.isEnabled()
    widget.set_status("NT1", "present")
    assert clinical.increased_check.isEnabled()
    QTest.mouseClick(clinical.increased_check, Qt.MouseButton.LeftButton)
    assert widget.session.measurement("W12", "NT1")["increased"] is True
    widget.context.guard(widget.session.set_new_lesion_increased, "W12", "NL1", True)
    assert "its growth is measured by its ruler" in widget.messages.label.text()
