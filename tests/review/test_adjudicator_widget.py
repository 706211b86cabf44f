"""Adjudicator mode and the review overview in napari (Xvfb), on the phantom review."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("napari")
from qtpy.QtCore import Qt  # noqa: E402

from recist_reader._qt.review_overview import ReviewOverviewWidget  # noqa: E402
from recist_reader._qt.visit_layers import grid_of  # noqa: E402
from recist_reader.review import review_documents  # noqa: E402
from recist_reader.review.phantom_study import PATIENT_ID, make_phantom_review  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def study(tmp_path):
    return make_phantom_review(tmp_path / "reads")


@pytest.fixture
def overview(make_napari_viewer, qtbot):
    viewer = make_napari_viewer(show=True)
    _, widget = viewer.window.add_plugin_dock_widget("recist-reader", "RECIST central review")
    assert isinstance(widget, ReviewOverviewWidget)
    return widget


def test_overview_opens_the_adjudicator_mode_and_signs(overview, study, qtbot, tmp_path):
    overview.open_folder(study.reads_folder, images_folder=study.images_folder)
    assert [(r.patient_id, r.status) for r in overview.rows] == [
        (PATIENT_ID, "awaiting_adjudication")
    ]
    assert overview.table.item(0, 1).text() == "awaiting_adjudication"
    overview.table.cellClicked.emit(0, 0)
    view = overview.adjudicator
    assert view.isVisible() and view.title.text() == f"Adjudication · {PATIENT_ID} · read-only"
    assert view.triggers.text() == "Triggers: bor (confirmed): R1 PR, R2 SD"
    rows = [[view.table.item(r, c).text() for c in range(6)] for r in range(view.table.rowCount())]
    assert rows == [
        ["W8", "2024-03-06", "47.0", "PR", "56.4", "SD"],
        ["W16", "2024-05-01", "38.0", "PR", "38.0", "PR"],
    ]
    assert view.table.item(0, 3).background().color() != view.table.item(1, 3).background().color()
    viewer = overview.viewer
    names = [layer.name for layer in view.layers]
    assert names[1] == "R1 rulers · W8" and names[4] == "R2 rulers · W8"
    r1_rulers, r2_rulers = view.layers[1], view.layers[4]
    assert len(r1_rulers.data) == len(r2_rulers.data) == 4  # T1, T2, N1 long and short axes
    assert not r1_rulers.editable and not r2_rulers.editable
    assert grid_of(viewer).enabled and tuple(grid_of(viewer).shape) == (1, 2)
    assert list(r1_rulers.features["label"])[0].startswith("T1 liver 21.0")
    assert list(r2_rulers.features["label"])[0].startswith("T1 liver 25.2")
    qtbot.wait(50)
    shot = viewer.screenshot(str(tmp_path / "adjudicator.png"), canvas_only=False)
    assert shot.shape[0] > 100
    # the decision
    view.sign_button.click()
    assert view.message.text() == "Select R1 or R2 first."
    view.r1_button.setChecked(True)
    view.adjudicator_edit.setText("rad-12")  # a reader of the patient
    view.rationale.setPlainText("R2 measured W8 on a non-axial reformat")
    view.sign_button.click()
    assert view.message.text().startswith("Not signed:") and "rad-12" in view.message.text()
    view.adjudicator_edit.setText("rad-19")
    view.reasons.item(0).setCheckState(Qt.CheckState.Checked)  # MEASUREMENT
    view.sign_button.click()
    assert view.message.text().startswith(f"Signed: {PATIENT_ID} → R1")
    written = json.loads((study.reads_folder / f"adjudication-{PATIENT_ID}.json").read_text())
    assert written["selected_read"] == "R1" and written["reason_codes"] == ["MEASUREMENT"]
    assert written["signature"]["by"] == "rad-19" and written["triggers_seen"] == ["bor"]
    assert [(r.patient_id, r.status) for r in overview.rows] == [(PATIENT_ID, "adjudicated")]
    assert overview.open_patient(PATIENT_ID) == "outcome"
    assert not view.isVisible() and not view.layers and not grid_of(viewer).enabled


def test_overview_shows_a_broken_trail(overview, study):
    read = json.loads(study.read_path("R2").read_text())
    read["audit"][1]["at"] = "2024-01-10T17:00:00Z"
    study.read_path("R2").write_text(json.dumps(read))
    overview.open_folder(study.reads_folder, images_folder=study.images_folder)
    assert overview.rows[0].status == "invalid"
    assert overview.open_patient(PATIENT_ID) == "problems"
    text = overview.details.toPlainText()
    assert "Invalid" in text and "audit_chain_broken" in text and "PHANTOM-HCC-001-R2" in text


def test_the_adjudicator_opens_only_patients_awaiting_adjudication(study):
    from recist_reader.review import ReadActionError
    from recist_reader.review.cases import adjudication_case

    reads = [json.loads(study.read_path(slot).read_text()) for slot in ("R1", "R2")]
    reads[1]["read"]["status"] = "in_progress"
    with pytest.raises(ReadActionError, match="awaiting_reads"):
        adjudication_case(review_documents(reads), PATIENT_ID)
