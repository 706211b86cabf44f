"""The reader inside a real napari viewer (needs a display: pytest-xvfb starts Xvfb)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest

from recist_reader import phantom as ph

napari = pytest.importorskip("napari")
pytestmark = pytest.mark.gui

SCREENSHOT_DIR = Path(os.environ.get("RECIST_SCREENSHOT_DIR", "/tmp"))

# A bright marker in the patient's anterior left: on an axial image it must show top right.
MARKER = ph.Lesion("MARK", (45.0, -30.0, 0.0), ph.Sphere(22), contrast_hu=600)


@pytest.fixture(scope="module")
def phantom_series(tmp_path_factory) -> ph.WrittenSeries:
    grid = ph.Grid.centred((24, 160, 200), (2.5, 1.0, 1.0))
    body = ph.body_phantom(
        body_semi_axes_mm=(90, 65),
        liver=True,
        vessel=True,
        lesions=[MARKER, ph.Lesion("T1", (-35, 5, 0), ph.Lobulated.regular(18), -45)],
    )
    hu = ph.render_phantom(body, grid, noise_sd_hu=8, blur_sd_mm=0.6, seed=1)
    return ph.write_ct_series(
        tmp_path_factory.mktemp("viewer") / "series",
        hu,
        grid,
        series_description="PHANTOM AXIAL",
        study=ph.StudyInfo(dt.date(2024, 1, 10)),
    )


def test_open_with_our_reader_gives_a_layer_in_mm(make_napari_viewer, phantom_series):
    viewer = make_napari_viewer()
    layers = viewer.open(phantom_series.directory, plugin="recist-reader")
    assert [layer.name for layer in layers] == ["PHANTOM AXIAL"]
    layer = layers[0]
    assert layer.metadata["series_uid"] == phantom_series.series_uid
    # A line between two voxel centres, measured in world coordinates, is in mm.
    a, b = np.array([3.0, 10.0, 20.0]), np.array([3.0, 70.0, 120.0])
    length = np.linalg.norm(np.asarray(layer.data_to_world(b)) - layer.data_to_world(a))
    assert length == pytest.approx(np.hypot(60 * 1.0, 100 * 1.0))
    shapes = viewer.add_shapes(
        [np.array([layer.data_to_world(a), layer.data_to_world(b)])], shape_type="line"
    )
    ends = shapes.data[0]
    assert np.linalg.norm(ends[1] - ends[0]) == pytest.approx(length)


def test_the_layer_fills_in_the_background_to_the_loaded_volume(make_napari_viewer, phantom_series):
    from recist_reader.io.dicom import load_series
    from recist_reader.io.dicom.arriving import ArrivingSlices

    viewer = make_napari_viewer()
    (layer,) = viewer.open(phantom_series.directory, plugin="recist-reader")
    assert isinstance(layer.data, ArrivingSlices)  # returned once the headers were read
    viewer.dims.set_point(0, float(layer.data_to_world((2, 0, 0))[0]))  # waits for slice 2
    np.testing.assert_array_equal(
        np.asarray(layer.data), load_series(phantom_series.directory).array
    )


def test_without_a_plugin_choice_napari_does_not_pick_its_generic_reader(
    make_napari_viewer, phantom_series
):
    """``plugin=None`` is napari's "infer the reader" mode (what File > Open uses). Our reader
    matches every folder, so napari never silently falls back to its generic image reader:
    it asks (MultipleReaderError, a dialog in the GUI) until the user remembers a choice."""
    from napari.errors import MultipleReaderError
    from napari.settings import get_settings

    viewer = make_napari_viewer()
    with pytest.raises(MultipleReaderError) as info:
        viewer.open(phantom_series.directory, plugin=None)
    assert "recist-reader" in info.value.available_plugins
    get_settings().plugins.extension2reader = {f"*{os.sep}": "recist-reader"}
    layers = viewer.open(phantom_series.directory, plugin=None)
    assert [layer.name for layer in layers] == ["PHANTOM AXIAL"]
    assert layers[0].source.reader_plugin == "recist-reader"


@pytest.mark.xfail(
    strict=True,
    reason="napari >= 0.5: ViewerModel.open(path) defaults to plugin='napari' (its builtin "
    "reader), so no plugin is consulted; the GUI (File > Open, drag and drop) uses plugin=None",
)
def test_plain_viewer_open_uses_our_reader(make_napari_viewer, phantom_series):
    viewer = make_napari_viewer()
    layers = viewer.open(phantom_series.directory)
    assert [layer.source.reader_plugin for layer in layers] == ["recist-reader"]


def test_broken_folder_gives_a_notification_and_no_crash(make_napari_viewer, tmp_path):
    from napari.utils.notifications import NotificationSeverity, notification_manager

    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "IM0001.dcm").write_bytes(bytes(128) + b"DICM" + b"\x02\x00\x10\x00garbage" * 3)
    viewer = make_napari_viewer()
    before = len(notification_manager.records)
    assert viewer.open(bad, plugin="recist-reader") == []
    new = notification_manager.records[before:]
    assert any(n.severity == NotificationSeverity.ERROR and str(bad) in n.message for n in new)
    assert len(viewer.layers) == 0


def _screenshot(viewer, name: str) -> np.ndarray:
    image = viewer.screenshot(path=str(SCREENSHOT_DIR / name), canvas_only=True, flash=False)
    grey = np.asarray(image)[..., :3].mean(axis=-1)
    assert grey.std() > 20, f"{name} looks blank"
    return grey


def test_screenshot_of_a_phantom_is_oriented_radiologically(make_napari_viewer, phantom_series):
    viewer = make_napari_viewer(show=True)
    (layer,) = viewer.open(phantom_series.directory, plugin="recist-reader")
    layer.contrast_limits = (-160, 240)
    viewer.dims.set_point(0, 0.0)  # the axial slice through the marker (S = 0 mm)
    grey = _screenshot(viewer, "recist_reader_phantom_axial.png")
    body = grey > 40
    bright = grey > 250
    rows, cols = np.nonzero(body)
    b_rows, b_cols = np.nonzero(bright)
    assert len(b_rows) > 50
    # Anterior (negative P) is up; the patient's left (positive L) is on the right.
    assert b_rows.mean() < rows.mean() and b_cols.mean() > cols.mean()


@pytest.mark.shared_data
def test_screenshot_of_the_sagittal_mr(make_napari_viewer, shared_dicom_dir):
    viewer = make_napari_viewer(show=True)
    layers = viewer.open(shared_dicom_dir / "mr_t1_sagittal" / "series", plugin="recist-reader")
    (layer,) = layers
    assert layer.metadata["modality"] == "MR"
    assert layer.axis_labels[1:] == ("I", "P")  # superior up, anterior left
    middle = layer.data.shape[0] // 2
    viewer.dims.set_point(0, float(layer.data_to_world((middle, 0, 0))[0]))
    _screenshot(viewer, "recist_reader_mr_sagittal.png")
