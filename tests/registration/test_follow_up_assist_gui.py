"""Follow-up assist in the reading dock (Xvfb): a follow-up opened is registered in the
background and kept with the read; Go to lands on the propagated position with a ring and the
baseline ruler as a guide; Propose measures there; an implausible registration is said and
the dock falls back (issue 16 part 1)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

pytest.importorskip("napari")

import recist_reader.phantom as ph  # noqa: E402
from recist_reader._qt.visit_layers import camera_of, grid_of  # noqa: E402
from recist_reader._widget import ReadingWidget  # noqa: E402
from recist_reader.phantom.motion import KnownMotion  # noqa: E402
from recist_reader.phantom.visit_pairs import (  # noqa: E402
    DEFAULT_LESIONS,
    head_volume,
    phantom_visit_pair,
)
from recist_reader.reading.display import lps_to_world  # noqa: E402

pytestmark = pytest.mark.gui

#: Rigid motion only, so the lesion keeps its size and Propose can be checked exactly.
MOTION = KnownMotion(translation_mm=(9.0, -14.0, 27.0), rotation_deg=(1.0, -1.5, 3.0))


@pytest.fixture(scope="module")
def pair_on_disk(tmp_path_factory):
    """The phantom torso at baseline and at W8 (moved by MOTION) as DICOM series."""
    folder = tmp_path_factory.mktemp("follow_up_assist")
    pair = phantom_visit_pair(21, motion=MOTION, pixel_mm=1.25)
    base_grid, follow_grid = pair.grids
    patient = ph.PatientInfo()
    written = {}
    for visit_id, volume, grid, date in (
        ("BL", pair.baseline, base_grid, dt.date(2024, 1, 10)),
        ("W8", pair.follow_up, follow_grid, dt.date(2024, 3, 6)),
    ):
        written[visit_id] = ph.write_ct_series(
            folder / visit_id,
            np.asarray(volume.array),
            grid,
            patient=patient,
            study=ph.StudyInfo(study_date=date),
        )
    head = ph.write_ct_series(
        folder / "HEAD",
        np.asarray(head_volume().array),
        ph.Grid.centred((40, 256, 256), (4.0, 0.9, 0.9)),
        patient=patient,
        study=ph.StudyInfo(study_date=dt.date(2024, 3, 7)),
    )
    lesion = next(les for les in DEFAULT_LESIONS if les.lesion_id == "T1")
    truth = ph.lesion_truth(lesion, base_grid)
    return folder, written, head, pair, truth


@pytest.fixture
def widget(make_napari_viewer, qtbot):
    viewer = make_napari_viewer(show=True)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    # Unsaved changes are discarded (also on closing); Propose may replace rulers.
    widget.ask = lambda title, text, buttons: "Discard" if "Discard" in buttons else buttons[0]
    yield widget
    widget.registrations.cancel_all()


def read_with_baseline_ruler(widget, pair_on_disk):
    folder, written, _, _, truth = pair_on_disk
    widget.new_patient("REG-001", "2024-01-10")
    widget.add_visit_from_series(written["BL"].directory)
    t1 = widget.add_lesion("target", "liver")
    layers = widget.visit_layers["BL"]
    widget.set_ruler_from_world(
        t1, lps_to_world(np.asarray(truth.long_axis_endpoints_mm), layers.world_to_lps)
    )
    return t1


def test_follow_up_is_registered_in_the_background_and_kept_with_the_read(
    widget, pair_on_disk, tmp_path
):
    folder, written, _, pair, _ = pair_on_disk
    read_with_baseline_ruler(widget, pair_on_disk)
    visit_id = widget.add_visit_from_series(written["W8"].directory)
    state = widget.registrations.state(visit_id)
    # add_visit_from_series returned while the registration runs on its worker thread.
    assert state is not None and state.status == "registering"
    assert "registering" in widget.propagation.status_label.text()
    state = widget.registrations.wait(visit_id)
    assert state.status == "done" and state.registration.plausible, state.registration.reason
    stored = widget.session.registration(visit_id)
    assert stored["baseline_series_uid"] == widget.visit_layers["BL"].series_uid
    assert stored["follow_up_series_uid"] == widget.visit_layers[visit_id].series_uid
    assert "registered to the baseline" in widget.propagation.status_label.text()

    path = widget.save(tmp_path / "REG-001.json")
    assert json.loads(path.read_text())["visits"][1]["registration"]["plausible"] is True
    widget.open_record(path, series_folder=folder, recover_autosave=False)
    reopened = widget.registrations.state(visit_id)
    assert reopened.status == "done"  # taken from the read, not computed again
    assert reopened.cancel is None
    np.testing.assert_allclose(reopened.registration.matrix, state.registration.matrix)


def test_go_to_lands_on_the_propagated_position_and_propose_measures_there(
    widget, pair_on_disk, qtbot, tmp_path
):
    _, written, _, pair, truth = pair_on_disk
    t1 = read_with_baseline_ruler(widget, pair_on_disk)
    visit_id = widget.add_visit_from_series(written["W8"].directory)
    widget.registrations.wait(visit_id)
    widget.select_visit(visit_id)
    widget.select_lesion(t1)
    layers = widget.visit_layers[visit_id]
    expected_lps = MOTION.forward(np.asarray(truth.long_axis_endpoints_mm)).mean(axis=0)
    expected_world = lps_to_world(expected_lps[None], layers.world_to_lps)[0]

    widget.lesion_actions.goto_button.click()
    centre = np.asarray(camera_of(widget.viewer).center)
    on_slice = widget.viewer.dims.point[0]
    assert abs(on_slice - expected_world[0]) <= 5.0
    assert np.linalg.norm(centre[1:] - expected_world[1:]) <= 5.0

    guides, markers = widget.propagation.guides, widget.propagation.markers
    assert guides.visible and markers.visible and len(guides.data) == 1
    np.testing.assert_allclose(markers.data_to_world(markers.data[0]), expected_world, atol=5.0)
    # The guides share the visit's grid: one slider step is still one slice (issue 17, B2),
    # and the ring lies on an acquired slice.
    first_mm, step_mm = layers.slice_grid_mm
    assert widget.viewer.dims.range[0].step == pytest.approx(abs(step_mm))
    ring_slice = markers.data_to_world(markers.data[0])[0]
    assert ring_slice == pytest.approx(layers.nearest_slice_mm(ring_slice))
    assert list(markers.features["lesion_id"]) == [t1]
    qtbot.wait(200)
    shot = tmp_path / "follow_up_expected.png"
    widget.viewer.screenshot(str(shot), canvas_only=False)
    assert shot.stat().st_size > 10_000

    assert widget.propagation.propose_button.isEnabled()
    widget.propagation.propose_button.click()
    assert widget.proposals.proposal is not None  # shown, not yet recorded
    assert widget.session.ruler(visit_id, t1) is None
    widget.lesion_actions.accept_button.click()
    measured = widget.session.measurement(visit_id, t1)
    assert measured["method"] == "semi-automatic"
    assert measured["diameter_mm"] == pytest.approx(truth.long_axis_mm, abs=1.5)
    ruler = widget.session.ruler(visit_id, t1)
    assert np.linalg.norm(np.mean(ruler.points_lps_mm, axis=0) - expected_lps) <= 5.0
    qtbot.wait(200)
    widget.viewer.screenshot(str(tmp_path / "follow_up_proposed.png"), canvas_only=False)


def test_an_implausible_registration_is_said_and_the_dock_falls_back(widget, pair_on_disk):
    _, _, head, _, _ = pair_on_disk
    t1 = read_with_baseline_ruler(widget, pair_on_disk)
    visit_id = widget.add_visit_from_series(head.directory)
    state = widget.registrations.wait(visit_id)
    assert state.status == "done" and not state.registration.plausible
    widget.select_visit(visit_id)
    widget.select_lesion(t1)
    text = widget.propagation.status_label.text()
    assert "implausible" in text and "by hand" in text
    assert not widget.propagation.propose_button.isEnabled()
    assert widget.propagation.guides is None or not widget.propagation.guides.visible
    # Go to falls back to the baseline ruler's position instead of failing.
    widget.messages.label.setText("")
    widget.lesion_actions.goto_button.click()
    assert widget.messages.label.text() == ""
    # The implausible result is kept too (the reader is not asked again on reopening).
    assert widget.session.registration(visit_id)["plausible"] is False


def test_a_new_read_cancels_a_running_registration(widget, pair_on_disk):
    _, written, _, _, _ = pair_on_disk
    read_with_baseline_ruler(widget, pair_on_disk)
    visit_id = widget.add_visit_from_series(written["W8"].directory)
    state = widget.registrations.state(visit_id)
    assert state.status == "registering"
    widget.new_patient("REG-002", "2024-01-10")
    assert state.cancel.is_set()
    assert widget.registrations.state(visit_id) is None


def test_snap_to_edges_turns_a_rough_ruler_into_both_axes(widget, pair_on_disk, tmp_path):
    """The second way to measure: a rough ruler across the lesion, snapped to its edges."""
    _, written, _, _, truth = pair_on_disk
    widget.new_patient("REG-003", "2024-01-10")
    widget.add_visit_from_series(written["BL"].directory)
    t1 = widget.add_lesion("target", "liver")
    layers = widget.visit_layers["BL"]
    a, b = (np.asarray(p, float) for p in truth.long_axis_endpoints_mm)
    middle, half = (a + b) / 2, (b - a) / 2
    rough = np.array([middle - 1.2 * half, middle + 0.85 * half])  # 20 % long, 15 % short
    widget.set_ruler_from_world(t1, lps_to_world(rough, layers.world_to_lps))
    assert widget.snap_ruler.snap_button.isEnabled()
    widget.snap_ruler.snap_button.click()
    measured = widget.session.measurement("BL", t1)
    assert measured["method"] == "semi-automatic"
    assert measured["diameter_mm"] == pytest.approx(truth.long_axis_mm, abs=1.5)
    assert measured["short_axis_mm"] == pytest.approx(truth.short_axis_mm, abs=1.5)
    assert "snapped to" in widget.messages.label.text()


def test_comparing_with_baseline_keeps_two_panes_and_the_guides_come_back(widget, pair_on_disk):
    t1 = read_with_baseline_ruler(widget, pair_on_disk)
    _, written, _, _, _ = pair_on_disk
    visit_id = widget.add_visit_from_series(written["W8"].directory)
    widget.registrations.wait(visit_id)
    widget.select_visit(visit_id)
    widget.select_lesion(t1)
    assert widget.propagation.guides in widget.viewer.layers
    widget.compare.combo.setCurrentIndex(1)  # compare with baseline
    stride = grid_of(widget.viewer).stride
    assert grid_of(widget.viewer).enabled
    assert len(widget.viewer.layers) == 2 * stride  # two panes, no third for the guides
    widget.compare.combo.setCurrentIndex(0)
    assert not grid_of(widget.viewer).enabled
    assert widget.propagation.guides in widget.viewer.layers
    assert widget.propagation.guides.visible
    assert widget.viewer.layers.selection.active is widget.visit_layers[visit_id].rulers
